"""Serve Kefu in the foreground: gunicorn on loopback and the Huey worker beside it.
Ctrl-C stops both. Used by ``make run``."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

# The access log never records query strings (portal links carry tokens).
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


class Command(BaseCommand):
    help = "Serve the app with gunicorn and run the Huey worker, in the foreground."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, host: str, port: str, workers: int, **options):
        python = sys.executable
        manage = os.path.join(settings.BASE_DIR, "manage.py")
        web = [
            python,
            "-m",
            "gunicorn",
            "kefu.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            "--no-control-socket",
            "--access-logfile",
            "-",
            "--access-logformat",
            ACCESS_LOG_FORMAT,
        ]
        worker = [python, manage, "run_huey", "--quiet"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        children = [
            subprocess.Popen(web, cwd=settings.BASE_DIR, env=env),
            subprocess.Popen(worker, cwd=settings.BASE_DIR, env=env),
        ]
        self._banner(host, port)
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(c.poll() is None for c in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [
            c.args[2] if len(c.args) > 2 else c.args
            for c in children
            if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)
        ]
        if failed and not stopping:
            self.stderr.write(f"stopped because a process exited: {failed}")
            sys.exit(1)
        self.stdout.write("Kefu stopped.")

    def _banner(self, host: str, port: str) -> None:
        lines = [
            "",
            f"  Kefu 客服 is running at http://{host}:{port}/  (Ctrl-C stops it)",
            f"  Data directory: {settings.DATA_DIR}",
        ]
        if settings.KEFU_DEMO:
            from accounts.demo import ACCOUNTS
            from core.demo import DEMO_PASSWORD

            lines.append(f"  Demo accounts (password {DEMO_PASSWORD}):")
            for username, name, role, _dept, _dispatcher in ACCOUNTS:
                lines.append(f"    {username:<11} {role.label} · {name}")
        lines.append("")
        self.stdout.write("\n".join(lines))
