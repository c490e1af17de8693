"""Reads of attachments."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from attachments.models import Attachment
from tickets.permissions import can_view_ticket_internals

PANEL_MAX = 100


def ticket_attachments(*, ticket: Any, public_only: bool) -> QuerySet[Attachment]:
    qs = Attachment.objects.filter(ticket=ticket)
    if public_only:
        qs = qs.filter(is_public=True)
    return qs.select_related("uploaded_by").order_by("-created_at", "-id")


def ticket_attachments_for(*, user: Any, ticket: Any) -> list[Attachment]:
    """What a member of staff sees of a ticket's files (newest first, capped)."""
    public_only = not can_view_ticket_internals(user, ticket)
    return list(ticket_attachments(ticket=ticket, public_only=public_only)[:PANEL_MAX])
