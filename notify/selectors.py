"""Reads of notifications and the outbox."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from notify.models import Message, Notification

BELL_CAP = 99


def notification_unread_count(*, user: Any) -> int:
    """Unread notifications, counted up to 100 (the bell shows 99+)."""
    return (
        Notification.objects.filter(user=user, read_at__isnull=True)
        .values("pk")[: BELL_CAP + 1]
        .count()
    )


def notification_list_for(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def message_list(*, status: str = "") -> QuerySet[Message]:
    qs = Message.objects.all()
    return qs.filter(status=status) if status else qs
