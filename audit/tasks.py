"""Audit jobs: seal new rows every minute, purge past the retention and verify the
whole chain every night, and run the checks auditors ask for."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from audit.models import AuditVerifyRun
from audit.services import audit_purge, audit_seal, audit_verify_run
from core.services import periodic_tick_claim


@db_periodic_task(crontab(minute="*"))
def audit_seal_task() -> None:
    if periodic_tick_claim(task="audit_seal", tick=timezone.now()):
        audit_seal()


@db_periodic_task(crontab(hour="3", minute="17"))
def audit_retention_task() -> None:
    if periodic_tick_claim(task="audit_retention", tick=timezone.now()):
        audit_seal()
        audit_purge()


@db_periodic_task(crontab(hour="3", minute="47"))
def audit_nightly_verify_task() -> None:
    if periodic_tick_claim(task="audit_verify", tick=timezone.now()):
        audit_seal()
        run = AuditVerifyRun.objects.create()
        audit_verify_run(run_id=run.pk)


@db_task()
def audit_verify_task(run_id: int) -> None:
    audit_verify_run(run_id=run_id)
