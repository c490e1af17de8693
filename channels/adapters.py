"""Two seams to the portal's services (issue 10). Until the portal lands, they
create a customer link and store a file in the simplest correct way; at the merge
each body becomes one call to the portal's service (see docs/DEVELOPING.md)."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from tickets.services import customer_link_path, token_hash

# Signatures of the types a customer may send, checked on the bytes, not the name.
SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
]
OFFICE = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}


def ticket_link_issue(ticket) -> str:
    """A new private link to ``ticket`` for the customer (≥128 random bits, only
    the hash kept). At the merge: the portal's link service."""
    from channels.models import TicketLink

    token = secrets.token_urlsafe(24)
    TicketLink.objects.create(ticket=ticket, token_hash=token_hash(token))
    return settings.KEFU_SITE_URL + customer_link_path(ticket.number, token)


def clean_name(name: str) -> str:
    name = re.sub(r"[\x00-\x1f\x7f/\\]+", "_", name or "").strip(" .") or "attachment"
    return name[-150:]


def content_type_of(name: str, data: bytes) -> str | None:
    """The type the bytes really are, or None when it is not one we accept."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    for signature, kind in SIGNATURES:
        if data.startswith(signature):
            if kind == "application/zip":
                return (
                    OFFICE.get(extension)
                    if extension in ("docx", "xlsx", "pptx")
                    else None
                )
            if kind == "application/x-ole-storage":
                return OFFICE.get(extension) if extension in ("doc", "xls") else None
            return kind
    head = data[:2048].lower()
    if b"\x00" in data or b"<html" in head or b"<script" in head or b"<svg" in head:
        return None
    for codec in ("utf-8", "gb18030"):
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return "text/plain"
    return None


def attachment_store(ticket, event, name: str, data: bytes):
    """Keep one file on a ticket's event: size cap, type by content, a name the
    server chose, checksum recorded. DomainError (field ``attachment``) when it is
    refused. At the merge: the portal's attachment service."""
    from channels.models import MailAttachment

    name = clean_name(name)
    limit = settings.KEFU_ATTACHMENT_MAX_BYTES
    if len(data) > limit:
        raise DomainError(
            _("附件“%(name)s”超过 %(size)s MB 的上限。")
            % {"name": name, "size": limit // (1024 * 1024)},
            field="attachment",
            code="too_large",
        )
    if not data:
        raise DomainError(
            _("附件“%(name)s”是空文件。") % {"name": name},
            field="attachment",
            code="empty",
        )
    content_type = content_type_of(name, data)
    if content_type is None:
        raise DomainError(
            _("附件“%(name)s”的类型不允许（只接受图片、PDF、Office 文档和纯文本）。")
            % {"name": name},
            field="attachment",
            code="type_refused",
        )
    now = timezone.localtime()
    stored = default_storage.save(
        f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}", ContentFile(data)
    )
    return MailAttachment.objects.create(
        ticket=ticket,
        event=event,
        name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        stored_name=stored,
    )
