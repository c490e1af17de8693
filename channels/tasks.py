"""The inbound mailbox is read once per minute, once per tick however many
workers run."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from channels.services import mailbox_poll
from core.services import periodic_tick_claim


@db_periodic_task(crontab(minute="*"))
@lock_task("channels-mailbox-poll")
def mailbox_poll_task() -> None:
    if not periodic_tick_claim(task="mailbox_poll", tick=timezone.now()):
        return
    mailbox_poll()
