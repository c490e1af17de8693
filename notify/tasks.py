"""Delivery jobs: one per queued message, and a sweep for retries every minute."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from core.services import periodic_tick_claim
from notify.services import message_deliver, notify_due_ids


@db_task()
def message_deliver_task(message_id: int) -> None:
    message_deliver(message_id=message_id)


@db_periodic_task(crontab(minute="*"))
def notify_sweep_task() -> None:
    if not periodic_tick_claim(task="notify_sweep", tick=timezone.now()):
        return
    for message_id in notify_due_ids():
        message_deliver(message_id=message_id)
