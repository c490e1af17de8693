"""API: the current user's in-app notifications."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from core.pagination import keyset_paginate
from core.schema import CursorPage, ErrorOut
from notify.models import Notification
from notify.schemas import NotificationOut
from notify.selectors import notification_list_for
from notify.services import notification_mark_read

router = Router(tags=["notifications"])


@router.get(
    "/notifications", response={200: CursorPage[NotificationOut], 422: ErrorOut}
)
def list_notifications(
    request: HttpRequest,
    unread: bool = False,
    limit: int | None = None,
    cursor: str | None = None,
):
    qs = notification_list_for(user=request.auth)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    page = keyset_paginate(
        qs, ordering=["-created_at", "-id"], cursor=cursor, limit=limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/notifications/{notification_id}/read", response={204: None, 404: ErrorOut}
)
def read_notification(request: HttpRequest, notification_id: int):
    notification = get_object_or_404(
        Notification, pk=notification_id, user=request.auth
    )
    notification_mark_read(user=request.auth, notification_id=notification.pk)
    return Status(204, None)
