"""Writes about the audit log: sealing new rows into the hash chain, verifying the
chain, and the retention purge. Nothing here changes an audit row."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import SecurityPolicy, User
from accounts.policy import security_policy_get
from audit.export import audit_export_workbook
from audit.models import GENESIS, AuditChainHead, AuditSeal, AuditVerifyRun
from audit.permissions import can_export_audit_log, can_verify_audit_log
from audit.selectors import AuditFilters, audit_event_search
from core.audit import audit_record
from core.models import AuditEvent

logger = logging.getLogger("kefu.audit")

SEAL_BATCH = 2000
# Rows committed late (a long transaction took its id before a newer row was
# sealed) are picked up when their id is at most this far below the newest seal.
LOOKBACK_IDS = 10_000
PURGE_BATCH = 1000


def _chain_key() -> bytes:
    configured = getattr(settings, "KEFU_AUDIT_KEY", "")
    if configured:
        return configured.encode()
    return hashlib.sha256(f"kefu.audit-chain:{settings.SECRET_KEY}".encode()).digest()


def _canonical(event: AuditEvent) -> bytes:
    occurred = event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return json.dumps(
        [
            event.pk,
            occurred,
            event.actor_id,
            event.actor_username,
            event.ip or "",
            event.event,
            event.object_type,
            event.object_id,
            event.object_repr,
            event.result,
            event.data,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode()


def seal_digest(prev_digest: str, event: AuditEvent) -> str:
    """HMAC-SHA256 over the previous digest and the row as stored."""
    return hmac.new(
        _chain_key(), prev_digest.encode() + b"\n" + _canonical(event), hashlib.sha256
    ).hexdigest()


def _head_locked() -> AuditChainHead:
    AuditChainHead.objects.get_or_create(pk=1)
    return AuditChainHead.objects.select_for_update().get(pk=1)


def _unsealed(after_id: int):
    return AuditEvent.objects.filter(id__gt=after_id).filter(
        ~Exists(AuditSeal.objects.filter(event_id=OuterRef("pk")))
    )


@transaction.atomic
def _seal_batch() -> int:
    head = _head_locked()  # one sealer at a time: the chain never forks
    events = list(
        _unsealed(max(0, head.last_event_id - LOOKBACK_IDS)).order_by("id")[:SEAL_BATCH]
    )
    if not events:
        return 0
    now = timezone.now()
    prev, seq, seals = head.last_digest, head.last_seq, []
    for event in events:
        seq += 1
        digest = seal_digest(prev, event)
        seals.append(
            AuditSeal(
                seq=seq,
                event_id=event.pk,
                event_occurred_at=event.occurred_at,
                prev_digest=prev,
                digest=digest,
                sealed_at=now,
            )
        )
        prev = digest
    AuditSeal.objects.bulk_create(seals)
    head.last_seq, head.last_digest, head.sealed_at = seq, prev, now
    head.last_event_id = max(head.last_event_id, max(e.pk for e in events))
    head.save()
    return len(events)


def audit_seal(*, limit: int = 100_000) -> int:
    """Seal the rows written since the last run, in id order (a periodic job)."""
    sealed = 0
    while sealed < limit:
        count = _seal_batch()
        if not count:
            break
        sealed += count
    if sealed:
        head = AuditChainHead.objects.get(pk=1)
        # A copy of the chain's end outside the database, for comparison later.
        logger.info(
            "audit chain sealed %s rows through seal %s digest %s",
            sealed,
            head.last_seq,
            head.last_digest,
        )
    return sealed


@dataclass
class VerifyReport:
    is_intact: bool
    checked: int
    problem: str = ""
    broken_seq: int | None = None
    broken_event_id: int | None = None
    unsealed: int = 0

    def describe(self) -> str:
        if self.is_intact:
            return (
                f"audit chain intact: {self.checked} rows checked, "
                f"{self.unsealed} not sealed yet"
            )
        label = AuditVerifyRun.Problem(self.problem).label
        where = f"seal {self.broken_seq}" if self.broken_seq else "chain"
        return (
            f"audit chain broken at {where} (audit row {self.broken_event_id}): "
            f"{self.problem} — {label}; {self.checked} rows checked before it"
        )


def audit_chain_verify(*, chunk: int = 2000) -> VerifyReport:
    """Recompute the chain from its start and report the first broken link."""
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead()
    expected_prev = head.anchor_digest if head.anchor_seq else GENESIS
    checked, last, after = 0, None, 0

    def broken(problem: str, seal: AuditSeal | None, event_id: int | None):
        return VerifyReport(
            is_intact=False,
            checked=checked,
            problem=problem,
            broken_seq=seal.seq if seal else None,
            broken_event_id=event_id,
        )

    while batch := list(
        AuditSeal.objects.filter(seq__gt=after).order_by("seq")[:chunk]
    ):
        events = AuditEvent.objects.in_bulk([seal.event_id for seal in batch])
        for seal in batch:
            if seal.prev_digest != expected_prev:
                problem = AuditVerifyRun.Problem.LINK
                if last is None:
                    problem = AuditVerifyRun.Problem.ANCHOR
                return broken(problem, seal, seal.event_id)
            event = events.get(seal.event_id)
            if event is None:
                return broken(AuditVerifyRun.Problem.MISSING, seal, seal.event_id)
            if not hmac.compare_digest(seal_digest(expected_prev, event), seal.digest):
                return broken(AuditVerifyRun.Problem.CHANGED, seal, seal.event_id)
            expected_prev, last = seal.digest, seal
            checked += 1
        after = batch[-1].seq
    end_seq = last.seq if last else head.anchor_seq
    if end_seq != head.last_seq or expected_prev != head.last_digest:
        return broken(
            AuditVerifyRun.Problem.HEAD, last, last.event_id if last else None
        )
    stray = (
        AuditEvent.objects.filter(id__lte=head.last_event_id - LOOKBACK_IDS)
        .filter(~Exists(AuditSeal.objects.filter(event_id=OuterRef("pk"))))
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if stray is not None:
        return broken(AuditVerifyRun.Problem.UNSEALED, None, stray)
    return VerifyReport(
        is_intact=True,
        checked=checked,
        unsealed=_unsealed(max(0, head.last_event_id - LOOKBACK_IDS)).count(),
    )


def audit_verify_request(
    *, actor: User | None, request: HttpRequest | None = None
) -> AuditVerifyRun:
    """Record that a check was asked for; the job runs it (audit.tasks)."""
    if actor is not None and not can_verify_audit_log(actor):
        raise PermissionDenied
    run = AuditVerifyRun.objects.create(requested_by=actor)
    audit_record(event="audit.verify", actor=actor, request=request, obj=run)
    transaction.on_commit(lambda: _enqueue_verify(run.pk))
    return run


def _enqueue_verify(run_id: int) -> None:
    from audit.tasks import audit_verify_task

    audit_verify_task(run_id)


def audit_verify_run(*, run_id: int) -> AuditVerifyRun:
    """Run one requested check and keep its result."""
    report = audit_chain_verify()
    AuditVerifyRun.objects.filter(pk=run_id).update(
        finished_at=timezone.now(),
        is_intact=report.is_intact,
        checked=report.checked,
        problem=report.problem,
        broken_seq=report.broken_seq,
        broken_event_id=report.broken_event_id,
        unsealed=report.unsealed,
    )
    log = logger.info if report.is_intact else logger.error
    log(report.describe())
    return AuditVerifyRun.objects.get(pk=run_id)


def audit_retention_days(policy: SecurityPolicy) -> int:
    return max(policy.audit_retention_days, SecurityPolicy.MIN_AUDIT_RETENTION_DAYS)


def audit_purge(*, now: dt.datetime | None = None) -> int:
    """Remove sealed rows older than the retention (at least 183 days), oldest
    first, with their seals; the chain's new start is kept in the head. Never a
    younger row, never an unsealed one. The run records itself in the log."""
    now = now or timezone.now()
    days = audit_retention_days(security_policy_get())
    cutoff = now - dt.timedelta(days=days)
    deleted = 0
    while True:
        with transaction.atomic():
            head = _head_locked()
            first_young = (
                AuditSeal.objects.filter(event_occurred_at__gte=cutoff)
                .order_by("seq")
                .values_list("seq", flat=True)
                .first()
            )
            prefix = AuditSeal.objects.filter(event_occurred_at__lt=cutoff)
            if first_young is not None:
                prefix = prefix.filter(seq__lt=first_young)
            batch = list(prefix.order_by("seq")[:PURGE_BATCH])
            if not batch:
                break
            # The only deletes of the log anywhere; the database refuses younger rows.
            AuditEvent._base_manager.filter(pk__in=[s.event_id for s in batch]).delete()
            AuditSeal._base_manager.filter(seq__in=[s.seq for s in batch]).delete()
            head.anchor_seq, head.anchor_digest = batch[-1].seq, batch[-1].digest
            head.save(update_fields=["anchor_seq", "anchor_digest"])
            deleted += len(batch)
    audit_record(
        event="audit.purge",
        data={
            "cutoff": cutoff.isoformat(),
            "retention_days": days,
            "deleted": deleted,
        },
    )
    logger.info("audit retention: %s rows older than %s removed", deleted, cutoff)
    return deleted


def audit_export(
    *, actor: User, filters: AuditFilters, request: HttpRequest | None = None
) -> bytes:
    """The auditor's xlsx export of a search; the export itself is audited."""
    if not can_export_audit_log(actor):
        raise PermissionDenied
    content, rows = audit_export_workbook(audit_event_search(filters))
    audit_record(
        event="audit.export",
        actor=actor,
        request=request,
        data={
            "filters": {
                key: str(value)
                for key, value in asdict(filters).items()
                if value not in (None, "")
            },
            "rows": rows,
        },
    )
    return content
