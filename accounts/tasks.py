"""Account jobs: every hour, close the records of sessions past their limits,
delete expired Django sessions and forget old failed-login counts."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from accounts.sessions import login_sessions_housekeep
from core.services import periodic_tick_claim


@db_periodic_task(crontab(minute="23"))
def login_sessions_housekeep_task() -> None:
    now = timezone.now()
    if periodic_tick_claim(task="login_sessions_housekeep", tick=now):
        login_sessions_housekeep(now=now)
