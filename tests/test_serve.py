"""`make run`'s serving command end to end: a fresh data directory is migrated, the
demo company is built, gunicorn and the Huey worker start, /healthz turns ok once
the worker has beaten, and Ctrl-C stops both."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

from notify.tests.smtp_server import free_port

ROOT = Path(settings.BASE_DIR)


def _env(data_dir: Path) -> dict:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="kefu.settings",
        KEFU_DATA_DIR=str(data_dir),
        KEFU_DEMO="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return done.stdout


def _health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/healthz", timeout=5
        ) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_runs_web_and_worker_and_stops_on_ctrl_c(tmp_path):
    env = _env(tmp_path)
    _manage(env, "migrate", "--noinput")
    _manage(env, "createcachetable")
    assert "Demo company built" in _manage(env, "kefu_demo_if_enabled")
    assert "already built" in _manage(env, "kefu_demo_if_enabled")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "kefu_serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, status, body = time.monotonic() + 60, None, None
        while time.monotonic() < deadline:
            try:
                status, body = _health(port)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                status = None
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, body
        assert body == {"status": "ok", "db": "ok", "queue": "ok"}
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output
    assert "agent2" in output and "kefu-demo" in output
