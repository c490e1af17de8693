"""Storing and reading attachments. A file is accepted only when its content is
of an allowed kind and it is within the size cap; it is stored under a name the
server chooses (local data directory, or S3-compatible storage when configured),
with the SHA-256 of its bytes, which every download checks again."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from attachments.models import Attachment
from attachments.sniff import sniff
from core.audit import audit_record
from core.errors import DomainError

_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


class AttachmentDamaged(Exception):
    """The stored bytes no longer match the checksum taken at upload."""


def attachment_storage():
    return storages["default"]


def name_clean(name: str) -> str:
    """The name shown and offered on download (never used to store the file)."""
    name = _UNSAFE_NAME.sub("_", (name or "").rsplit("/", 1)[-1]).strip(" .")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 110 - len(ext)] + dot + ext) if dot else name[:120]
    return name or "file"


def uploads_check(files: Sequence[Any], *, field: str = "files") -> list[tuple]:
    """Read and judge each uploaded file: (file, bytes, type). Refuses the whole
    set, naming the field and the file, when one is too big or not allowed."""
    limit = settings.KEFU_ATTACHMENT_MAX_BYTES
    if len(files) > settings.KEFU_ATTACHMENT_MAX_FILES:
        raise DomainError(
            _("一次最多上传 %(n)d 个文件。")
            % {"n": settings.KEFU_ATTACHMENT_MAX_FILES},
            field=field,
            code="too_many",
        )
    checked = []
    for upload in files:
        name = name_clean(getattr(upload, "name", ""))
        if upload.size is not None and upload.size > limit:
            raise DomainError(
                _("文件“%(name)s”太大：每个文件不能超过 %(limit)s。")
                % {"name": name, "limit": filesizeformat(limit)},
                field=field,
                code="too_large",
            )
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise DomainError(
                _("文件“%(name)s”太大：每个文件不能超过 %(limit)s。")
                % {"name": name, "limit": filesizeformat(limit)},
                field=field,
                code="too_large",
            )
        if not data:
            raise DomainError(
                _("文件“%(name)s”是空的。") % {"name": name},
                field=field,
                code="empty",
            )
        content_type = sniff(data)
        if not content_type:
            raise DomainError(
                _(
                    "文件“%(name)s”的内容不是允许的类型：只能上传图片、PDF、"
                    "Office 文档、纯文本或 zip 压缩包。"
                )
                % {"name": name},
                field=field,
                code="type_refused",
            )
        checked.append((name, data, content_type))
    return checked


@transaction.atomic
def attachments_add(
    *,
    ticket: Any,
    files: Sequence[Any],
    actor: Any = None,
    event: Any = None,
    public: bool,
    by_customer: bool = False,
    request: HttpRequest | None = None,
    checked: list[tuple] | None = None,
) -> list[Attachment]:
    """Store files on a ticket (and the timeline entry they came with). Callers
    that must refuse bad files before writing anything else pass ``checked``
    from :func:`uploads_check`."""
    if checked is None:
        checked = uploads_check(files)
    storage = attachment_storage()
    now = timezone.now()
    made = []
    for name, data, content_type in checked:
        stored = storage.save(
            f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}", ContentFile(data)
        )
        made.append(
            Attachment.objects.create(
                ticket=ticket,
                event=event,
                storage_name=stored,
                original_name=name,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                is_public=public,
                by_customer=by_customer,
                uploaded_by=actor,
                created_at=now,
            )
        )
    if made:
        audit_record(
            event="attachment.add",
            actor=actor,
            request=request,
            obj=ticket,
            data={
                "files": [a.original_name for a in made],
                "by_customer": by_customer,
                "public": public,
            },
        )
    return made


def attachment_read(attachment: Attachment, *, request=None) -> bytes:
    """The file's bytes, after checking them against the checksum taken at
    upload; a changed or missing file raises :class:`AttachmentDamaged`."""
    try:
        with attachment_storage().open(attachment.storage_name, "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        data = None
    if data is None or hashlib.sha256(data).hexdigest() != attachment.sha256:
        audit_record(
            event="attachment.tampered",
            request=request,
            obj=attachment,
            result="failed",
            data={"ticket": attachment.ticket_id},
        )
        raise AttachmentDamaged(attachment.pk)
    return data
