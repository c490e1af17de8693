"""The portal's services as the mail channel uses them: the customer's private
link, and files that came with a mail (the attachments app's rules)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.base import ContentFile

from attachments.services import attachments_add, uploads_check
from tickets.services import customer_link_path, token_hash


def ticket_link_issue(ticket) -> str:
    """A new private link to ``ticket`` for the customer (≥128 random bits, only
    the hash kept; the portal accepts it besides the ticket's first link)."""
    from channels.models import TicketLink

    token = secrets.token_urlsafe(24)
    TicketLink.objects.create(ticket=ticket, token_hash=token_hash(token))
    return settings.KEFU_SITE_URL + customer_link_path(ticket.number, token)


def attachment_store(ticket, event, name: str, data: bytes):
    """Keep one file of a customer's mail on ``event``, by the attachments app's
    rules (size cap, type by content, server-chosen name, checksum). DomainError
    (field ``attachment``) when it is refused."""
    checked = uploads_check([ContentFile(data, name=name)], field="attachment")
    return attachments_add(
        ticket=ticket,
        files=[],
        checked=checked,
        event=event,
        public=True,
        by_customer=True,
    )[0]
