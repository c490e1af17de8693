"""Every outbound message goes through here: queued in the outbox with an
idempotency key, delivered by a job after commit, retried with back-off, logged."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from notify.channels import DeliveryError, PermanentDeliveryError, channel_for
from notify.models import DeliveryAttempt, Message, Notification

BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
STALE_SENDING = dt.timedelta(minutes=10)


def backoff_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after each failed attempt, at most six hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def notify_send(
    *,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    key: str,
    data: dict[str, Any] | None = None,
) -> Message:
    """Queue one outbound message; the same key twice queues it once."""
    try:
        with transaction.atomic():
            message = Message.objects.create(
                channel=channel,
                recipient=recipient,
                subject=subject[:200],
                body=body,
                idempotency_key=key,
                data=data or {},
            )
    except IntegrityError:
        return Message.objects.get(idempotency_key=key)
    from notify.tasks import message_deliver_task

    transaction.on_commit(lambda: message_deliver_task(message.pk))
    return message


def notify_user(
    *, user: Any, title: str, key: str, body: str = "", url: str = ""
) -> Notification:
    """An in-app notification for one person; the same key twice makes one."""
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user=user,
                title=title[:200],
                body=body,
                url=url[:300],
                idempotency_key=key,
            )
    except IntegrityError:
        return Notification.objects.get(idempotency_key=key)


def _claim(message_id: int, now: dt.datetime) -> bool:
    """Take the message for one delivery attempt; only one worker can win."""
    return bool(
        Message.objects.filter(
            pk=message_id,
            status__in=[Message.Status.PENDING, Message.Status.RETRY],
            next_attempt_at__lte=now,
        ).update(
            status=Message.Status.SENDING,
            attempts=F("attempts") + 1,
            claimed_at=now,
        )
    )


def message_deliver(*, message_id: int) -> str:
    """Try to deliver one due message; returns its status afterwards.

    A message already sent, being sent, or not yet due is left alone, which is
    what makes a retried job harmless."""
    now = timezone.now()
    if not _claim(message_id, now):
        return (
            Message.objects.filter(pk=message_id)
            .values_list("status", flat=True)
            .first()
        )
    message = Message.objects.get(pk=message_id)
    started = time.monotonic()
    error, permanent = "", False
    try:
        channel_for(message.channel).send(message)
    except PermanentDeliveryError as exc:
        error, permanent = str(exc) or exc.__class__.__name__, True
    except DeliveryError as exc:
        error = str(exc) or exc.__class__.__name__
    duration = int((time.monotonic() - started) * 1000)
    finished = timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            message=message,
            attempted_at=finished,
            ok=not error,
            error=error[:2000],
            duration_ms=duration,
        )
        if not error:
            status = Message.Status.SENT
            Message.objects.filter(pk=message.pk).update(
                status=status, sent_at=finished, last_error=""
            )
        else:
            exhausted = (
                permanent or message.attempts >= settings.KEFU_NOTIFY_MAX_ATTEMPTS
            )
            status = Message.Status.FAILED if exhausted else Message.Status.RETRY
            Message.objects.filter(pk=message.pk).update(
                status=status,
                last_error=error[:2000],
                next_attempt_at=finished + backoff_delay(message.attempts),
            )
    return status


def message_retry_now(*, message: Message) -> None:
    """A person asks to try a failed message again at once."""
    Message.objects.filter(pk=message.pk, status=Message.Status.FAILED).update(
        status=Message.Status.RETRY, next_attempt_at=timezone.now()
    )
    from notify.tasks import message_deliver_task

    transaction.on_commit(lambda: message_deliver_task(message.pk))


def notify_due_ids(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Messages to (re)try now. A claim older than ten minutes means its worker died:
    it is released, at the risk of a second copy, rather than never sent."""
    now = now or timezone.now()
    Message.objects.filter(
        status=Message.Status.SENDING, claimed_at__lt=now - STALE_SENDING
    ).update(status=Message.Status.RETRY, next_attempt_at=now)
    return list(
        Message.objects.filter(
            Q(status=Message.Status.PENDING) | Q(status=Message.Status.RETRY),
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def notification_mark_read(*, user: Any, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
