"""Jobs of the archive: the nightly tier proposals and duplicate search, tier
proposals on demand, the two halves of an xlsx import, and picking up imports
whose worker died."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from core.services import periodic_tick_claim
from customers.freshness import duplicates_find
from customers.imports import import_run, import_validate, imports_resume
from customers.tiers import tiers_propose


# Huey's crontab runs in UTC: 18:40 UTC is 02:40 in Shanghai.
@db_periodic_task(crontab(hour="18", minute="40"))
def customers_nightly_task() -> None:
    if periodic_tick_claim(task="customers_nightly", tick=timezone.now()):
        tiers_propose()
        duplicates_find()


@db_task()
def tiers_propose_task(actor_id: int | None = None) -> None:
    from accounts.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    tiers_propose(actor=actor)


@db_task()
def duplicates_find_task() -> None:
    duplicates_find()


@db_task()
def import_validate_task(job_id: int) -> None:
    import_validate(job_id=job_id)


@db_task()
def import_run_task(job_id: int) -> None:
    import_run(job_id=job_id)


@db_periodic_task(crontab(minute="*/5"))
def imports_resume_task() -> None:
    if periodic_tick_claim(task="imports_resume", tick=timezone.now()):
        imports_resume()
