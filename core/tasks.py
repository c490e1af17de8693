"""Infrastructure jobs: the worker's heartbeat, written at start-up and every minute."""

from django.db import close_old_connections
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from core.services import worker_heartbeat_record


@HUEY.on_startup()
def worker_heartbeat_on_startup() -> None:
    close_old_connections()
    try:
        worker_heartbeat_record()
    finally:
        close_old_connections()


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat_task() -> None:
    worker_heartbeat_record()
