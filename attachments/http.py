"""Serving a stored file: always as a download, never rendered by the browser."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

from attachments.models import Attachment

INLINE_SAFE = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


def download_response(attachment: Attachment, data: bytes) -> HttpResponse:
    content_type = (
        attachment.content_type
        if attachment.content_type in INLINE_SAFE
        else "application/octet-stream"
    )
    response = HttpResponse(data, content_type=content_type)
    ascii_name = attachment.original_name.encode("ascii", "replace").decode()
    ascii_name = ascii_name.replace('"', "_").replace("?", "_")
    response["Content-Disposition"] = (
        f'attachment; filename="{ascii_name}"; '
        f"filename*=UTF-8''{quote(attachment.original_name)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
