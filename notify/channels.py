"""Delivery channels. Each hands one message to the outside world or raises."""

from __future__ import annotations

import hashlib
import smtplib
import ssl

from django.conf import settings
from django.core.mail import EmailMessage

from notify.models import Message


class DeliveryError(Exception):
    """The channel failed; the message is retried later."""


class PermanentDeliveryError(DeliveryError):
    """The channel refused the message for good (e.g. a bad address); no retry."""


def message_id_header(message: Message) -> str:
    digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<kefu.{digest}@{domain}>"


class EmailChannel:
    """SMTP. The message counts as delivered once the server accepted its DATA: a
    connection lost while saying goodbye does not cause a second copy on retry."""

    def _connect(self) -> smtplib.SMTP:
        host, port, timeout = (
            settings.EMAIL_HOST,
            settings.EMAIL_PORT,
            settings.EMAIL_TIMEOUT,
        )
        if settings.EMAIL_USE_SSL:
            return smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if settings.EMAIL_USE_TLS:
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def send(self, message: Message) -> None:
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message_id_header(message)},
        )
        mime = email.message()
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"connect: {exc}") from exc
        try:
            if settings.EMAIL_HOST_USER:
                smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
            smtp.sendmail(
                settings.DEFAULT_FROM_EMAIL, [message.recipient], mime.as_bytes()
            )
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentDeliveryError(
                f"recipient refused: {exc.recipients}"
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(str(exc)) from exc
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


CHANNELS = {Message.Channel.EMAIL: EmailChannel()}


def channel_register(code: str, channel) -> None:
    """Another app adds a channel (an object with ``send(message)`` that raises
    DeliveryError or PermanentDeliveryError); notify itself knows only e-mail."""
    CHANNELS[code] = channel


def channel_for(code: str):
    if code not in CHANNELS:
        raise PermanentDeliveryError(f"no channel {code!r}")
    return CHANNELS[code]
