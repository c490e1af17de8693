"""Service-level jobs: the sweep of the clocks, once per tick."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core.services import periodic_tick_claim
from sla.sweep import sla_sweep


def sla_sweep_tick(*, tick=None) -> bool:
    """Run the sweep if this consumer is the first to claim the tick."""
    tick = tick or timezone.now()
    if not periodic_tick_claim(task="sla_sweep", tick=tick):
        return False
    sla_sweep(now=tick)
    return True


@db_periodic_task(crontab(minute="*"))
def sla_sweep_task() -> None:
    sla_sweep_tick()
