"""A real SMTP server on loopback (aiosmtpd) for tests of outbound mail."""

from __future__ import annotations

import asyncio
import email
import socket
from dataclasses import dataclass, field
from email.message import Message as MimeMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: MimeMessage


@dataclass
class RecordingHandler:
    """Keeps every accepted message. ``drop_after_data`` closes the connection right
    after accepting a message, so the client's QUIT fails (a lost goodbye)."""

    received: list[Received] = field(default_factory=list)
    drop_after_data: bool = False
    refuse_recipients: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_recipients:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            Received(
                sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                message=email.message_from_bytes(envelope.content),
            )
        )
        if self.drop_after_data:
            asyncio.get_running_loop().call_later(0.05, server.transport.close)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
