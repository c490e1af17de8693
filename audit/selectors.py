"""Reads of the audit log: the auditor's search, and the chain's state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditChainHead, AuditSeal, AuditVerifyRun
from core.models import AuditEvent

# Newest first; every filter has an index ending in occurred_at (see migrations).
AUDIT_ORDERING = ["-occurred_at", "-id"]


@dataclass(frozen=True)
class AuditFilters:
    start: dt.date | None = None  # Shanghai dates, both ends included
    end: dt.date | None = None
    username: str = ""
    event: str = ""
    object_type: str = ""
    object_id: str = ""
    result: str = ""
    ip: str = ""


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_event_search(filters: AuditFilters) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if filters.start:
        qs = qs.filter(occurred_at__gte=_day_start(filters.start))
    if filters.end:
        qs = qs.filter(occurred_at__lt=_day_start(filters.end + dt.timedelta(days=1)))
    if filters.username:
        qs = qs.filter(actor_username=filters.username)
    if filters.event:
        qs = qs.filter(event=filters.event)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
        if filters.object_id:
            qs = qs.filter(object_id=filters.object_id)
    if filters.result:
        qs = qs.filter(result=filters.result)
    if filters.ip:
        qs = qs.filter(ip=filters.ip)
    return qs.order_by(*AUDIT_ORDERING)


def audit_event_get(pk: int) -> AuditEvent | None:
    return AuditEvent.objects.filter(pk=pk).first()


def audit_seal_for(event: AuditEvent) -> AuditSeal | None:
    return AuditSeal.objects.filter(event_id=event.pk).first()


def audit_chain_head() -> AuditChainHead | None:
    return AuditChainHead.objects.filter(pk=1).first()


def audit_verify_latest() -> AuditVerifyRun | None:
    return (
        AuditVerifyRun.objects.select_related("requested_by")
        .order_by("-requested_at", "-id")
        .first()
    )
