"""Real servers on loopback for the channel tests: dovecot (IMAP) with a
temporary configuration and maildir, an HTTP receiver standing in for the SMS
gateway and the group robots, and an SMTP mailbox that files mail by Message-ID."""

from __future__ import annotations

import asyncio
import email
import grp
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from notify.tests.smtp_server import Received, RecordingHandler, SmtpServer, free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
MAIL_DIR = Path(__file__).parent / "mail"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {group}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service pop3-login {{
  chroot =
}}
"""


class Dovecot:
    """Dovecot serving one mailbox on 127.0.0.1, run as a non-root user (nobody
    when the tests run as root). ``deliver`` drops .eml files into its maildir."""

    username = "kefu"
    password = "mail-secret"

    def __init__(self) -> None:
        if not os.path.exists(DOVECOT):
            raise RuntimeError(
                "dovecot is not installed: run `apt-get install -y dovecot-imapd` "
                "(the channel tests need a real IMAP server)"
            )
        self.root = Path(tempfile.mkdtemp(prefix="kefu-dovecot-"))
        self.port = free_port()
        if os.getuid() == 0:
            account = pwd.getpwnam("nobody")
        else:
            account = pwd.getpwuid(os.getuid())
        self.uid, self.gid = account.pw_uid, account.pw_gid
        self.user = account.pw_name
        self.group = grp.getgrgid(account.pw_gid).gr_name
        self.process: subprocess.Popen | None = None

    @property
    def maildir(self) -> Path:
        return self.root / "mail" / self.username

    def start(self) -> Dovecot:
        for sub in ("run", "state", "home", "mail"):
            (self.root / sub).mkdir()
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True)
        (self.root / "passwd").write_text(f"{self.username}:{{PLAIN}}{self.password}\n")
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                root=self.root,
                user=self.user,
                group=self.group,
                port=self.port,
            )
        )
        os.chmod(self.root, 0o755)
        self._own()
        kwargs = {}
        if os.getuid() == 0:
            kwargs = {"user": self.uid, "group": self.gid, "extra_groups": []}
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            **kwargs,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    "dovecot did not start: "
                    + (self.process.stderr.read() or b"").decode(errors="replace")
                    + self.log()
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("dovecot did not listen in time: " + self.log())

    def _own(self) -> None:
        if os.getuid() != 0:
            return
        for path in [self.root, *self.root.rglob("*")]:
            os.chown(path, self.uid, self.gid)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def deliver(self, raw: bytes) -> None:
        """Put a mail into the inbox as an MTA would (maildir ``new``)."""
        name = f"{time.time_ns()}.{uuid.uuid4().hex}.kefu-test"
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(raw)
        if os.getuid() == 0:
            os.chown(tmp, self.uid, self.gid)
        tmp.rename(self.maildir / "new" / name)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def eml(name: str, **replace: str) -> bytes:
    raw = (MAIL_DIR / name).read_bytes()
    for key, value in replace.items():
        raw = raw.replace(f"{{{key.upper()}}}".encode(), value.encode())
    return raw


@dataclass
class HttpCall:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: dict


@dataclass
class HttpReceiver:
    """Answers every POST with ``answer`` (JSON) and keeps what it got."""

    calls: list[HttpCall] = field(default_factory=list)
    answer: dict = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    status: int = 200

    def start(self) -> HttpReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                receiver.calls.append(
                    HttpCall(
                        path=parts.path,
                        query=parse_qs(parts.query),
                        headers=dict(self.headers),
                        body=json.loads(raw.decode() or "{}"),
                    )
                )
                body = json.dumps(receiver.answer).encode()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class MailStoreHandler(RecordingHandler):
    """An SMTP server in front of a mail store that files each message once per
    Message-ID, as mailbox stores do. ``lose_reply_once`` stores the next
    message, then drops the connection before the 250 reaches the client."""

    store: dict[str, Received] = field(default_factory=dict)
    lose_reply_once: bool = False

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        received = Received(
            sender=envelope.mail_from,
            recipients=list(envelope.rcpt_tos),
            message=message,
        )
        self.received.append(received)
        self.store.setdefault(message["Message-ID"], received)
        if self.lose_reply_once:
            self.lose_reply_once = False
            server.transport.abort()
            await asyncio.sleep(0)
        return "250 Message accepted for delivery"


class MailStoreServer(SmtpServer):
    def __init__(self) -> None:
        super().__init__()
        self.handler = MailStoreHandler()
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
