"""Writes of the infrastructure: worker heartbeat and once-per-tick claims."""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import PeriodicTick, WorkerHeartbeat

WORKER = "worker"


def worker_heartbeat_record(*, name: str = WORKER) -> None:
    """Record that the background worker is alive now."""
    WorkerHeartbeat.objects.update_or_create(
        name=name,
        defaults={
            "beat_at": timezone.now(),
            "hostname": socket.gethostname()[:128],
            "pid": os.getpid(),
        },
    )


def periodic_tick_claim(*, task: str, tick: dt.datetime) -> bool:
    """True for the first caller of (task, tick), False for every later one.

    Huey enqueues periodic tasks in every consumer; the unique row makes a
    second consumer's run of the same tick a no-op."""
    try:
        with transaction.atomic():
            PeriodicTick.objects.create(
                task=task, tick=tick.replace(second=0, microsecond=0)
            )
    except IntegrityError:
        return False
    return True
