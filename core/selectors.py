"""Reads of the infrastructure: health of the database and of the job queue."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import WorkerHeartbeat
from core.services import WORKER


def health_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def health_queue() -> bool:
    """The queue is up when its storage answers and the worker beat recently."""
    from huey.contrib.djhuey import HUEY

    try:
        HUEY.pending_count()
        beat = WorkerHeartbeat.objects.filter(name=WORKER).values_list(
            "beat_at", flat=True
        )
        last = beat.first()
    except Exception:
        return False
    stale = dt.timedelta(seconds=settings.KEFU_HEARTBEAT_STALE_SECONDS)
    return last is not None and timezone.now() - last <= stale


def health_report() -> dict[str, str]:
    database = health_database()
    queue = database and health_queue()
    report = {"db": "ok" if database else "down", "queue": "ok" if queue else "down"}
    report["status"] = "ok" if database and queue else "error"
    return report
