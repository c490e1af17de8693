"""Ticket jobs: close tickets resolved long enough ago, once per tick."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core.services import periodic_tick_claim
from tickets.services import tickets_autoclose


@db_periodic_task(crontab(minute="*/15"))
def tickets_autoclose_task() -> None:
    if periodic_tick_claim(task="tickets_autoclose", tick=timezone.now()):
        tickets_autoclose()
