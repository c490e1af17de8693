"""Merging a duplicate customer into the one that stays (动态管理: stale or duplicate
records are merged, never silently lost).

Everything that belongs to the duplicate moves to the survivor: contacts,
relationship events, transactions, credit assessments, tier history, customers it
referred, and whatever other apps attach to customers (tickets …) through the
movers registered here. Empty fields of the survivor are filled from the
duplicate. The duplicate stays in the database, soft-deleted, pointing at the
survivor (``merged_into``); a ``CustomerMerge`` row lists every moved id and the
audit log records the merge on both records.

Another app adds what it attaches to customers in its ``AppConfig.ready``::

    from customers.merge import MergeMover, merge_mover_register

    merge_mover_register(MergeMover(
        kind="tickets", label=_("工单"),
        move=tickets_move_to_customer,  # (*, source, target, actor) -> moved ids
    ))

``move`` runs inside the merge's transaction; when it raises, nothing is merged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audit_record
from core.errors import DomainError
from core.versioning import versioned_update
from customers.models import (
    AccessGrant,
    Contact,
    CreditAssessment,
    Customer,
    CustomerEvent,
    CustomerMerge,
    DuplicateCandidate,
    TierChange,
    Transaction,
)
from customers.permissions import can_merge_customers
from customers.search import customer_index
from customers.validation import reason_clean


@dataclass(frozen=True)
class MergeMover:
    kind: str
    label: Any
    move: Callable[..., list[int]]
    order: int = 100


_MOVERS: dict[str, MergeMover] = {}


def merge_mover_register(mover: MergeMover) -> None:
    """Add (or replace) what moves from a duplicate to the survivor, of one kind."""
    _MOVERS[mover.kind] = mover


def merge_movers() -> list[MergeMover]:
    return sorted(_MOVERS.values(), key=lambda m: (m.order, m.kind))


def merge_kind_labels() -> dict[str, str]:
    return {m.kind: str(m.label) for m in merge_movers()}


# --- what the archive itself moves -----------------------------------------------


def _ids(queryset) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def _move_contacts(*, source: Customer, target: Customer, actor: Any) -> list[int]:
    moving = Contact.all_objects.filter(customer=source)
    ids = _ids(moving)
    if Contact.objects.filter(customer=target, is_primary=True).exists():
        moving.filter(is_primary=True).update(is_primary=False)
    Contact.all_objects.filter(pk__in=ids).update(
        customer=target, version=F("version") + 1, updated_at=timezone.now()
    )
    return ids


def _reparent(model) -> Callable[..., list[int]]:
    """Move the rows of an append-only table (their content never changes; only
    the archive they belong to does)."""

    def move(*, source: Customer, target: Customer, actor: Any) -> list[int]:
        rows = model._base_manager.filter(customer=source)
        ids = _ids(rows)
        model._base_manager.filter(pk__in=ids).update(customer=target)
        return ids

    return move


def _move_transactions(*, source: Customer, target: Customer, actor: Any) -> list[int]:
    ids = _ids(Transaction.all_objects.filter(customer=source))
    Transaction.all_objects.filter(pk__in=ids).update(customer=target)
    return ids


def _move_referrals(*, source: Customer, target: Customer, actor: Any) -> list[int]:
    referred = Customer.all_objects.filter(referred_by=source).exclude(pk=target.pk)
    ids = _ids(referred)
    Customer.all_objects.filter(pk__in=ids).update(
        referred_by=target, version=F("version") + 1
    )
    return ids


def _close_grant_requests(
    *, source: Customer, target: Customer, actor: Any
) -> list[int]:
    """A pending request to read the duplicate has nothing left to read: it is
    withdrawn (the requester may ask again for the survivor)."""
    pending = AccessGrant.objects.filter(
        customer=source, status=AccessGrant.Status.PENDING
    )
    ids = _ids(pending)
    pending.update(
        status=AccessGrant.Status.WITHDRAWN,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_note=_("客户已合并到“%(name)s”，申请自动撤回。")
        % {"name": target.name},
    )
    return ids


for _mover in [
    MergeMover("contacts", gettext_lazy("联系人"), _move_contacts, 10),
    MergeMover("events", gettext_lazy("重要事项"), _reparent(CustomerEvent), 20),
    MergeMover("transactions", gettext_lazy("合作记录"), _move_transactions, 30),
    MergeMover(
        "credit_assessments",
        gettext_lazy("信用评估"),
        _reparent(CreditAssessment),
        40,
    ),
    MergeMover("tier_changes", gettext_lazy("分级记录"), _reparent(TierChange), 50),
    MergeMover("referrals", gettext_lazy("推荐的客户"), _move_referrals, 60),
    MergeMover(
        "grant_requests",
        gettext_lazy("撤回的查阅申请"),
        _close_grant_requests,
        70,
    ),
]:
    merge_mover_register(_mover)

# Fields of the survivor that a merge fills from the duplicate when empty.
FILLED_FIELDS = [
    "credit_code",
    "ownership",
    "industry",
    "province",
    "city",
    "size",
    "source",
    "phone",
    "email",
    "address",
    "background",
    "owner",
    "referred_by",
]
CREDIT_FIELDS = [
    "credit_rating",
    "credit_limit",
    "credit_score",
    "credit_balance",
    "credit_assessed_at",
    "credit_trend",
]


def _empty(value: Any) -> bool:
    return value is None or value == ""


@transaction.atomic
def customer_merge(
    *,
    actor: Any,
    survivor: Customer,
    merged: Customer,
    reason: str,
    request: HttpRequest | None = None,
) -> CustomerMerge:
    """Fold ``merged`` into ``survivor``: everything moves, empty fields are
    filled, the duplicate is retired (soft-deleted, ``merged_into`` set) and the
    merge is recorded and audited on both."""
    if not can_merge_customers(actor):
        raise PermissionDenied
    if survivor.pk == merged.pk:
        raise DomainError(
            _("不能把客户合并到它自己。"), field="merged", code="same_customer"
        )
    reason = reason_clean(reason)
    locked = {
        c.pk: c
        for c in Customer.all_objects.select_for_update(of=("self",))
        .filter(pk__in=[survivor.pk, merged.pk])
        .order_by("pk")
    }
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    for customer, field in ((survivor, "survivor"), (merged, "merged")):
        if customer.is_deleted:
            raise DomainError(
                _("客户“%(name)s”已被删除或合并，不能再合并。")
                % {"name": customer.name},
                field=field,
                code="not_live",
            )
    moved: dict[str, list[int]] = {}
    for mover in merge_movers():
        moved[mover.kind] = mover.move(source=merged, target=survivor, actor=actor)

    now = timezone.now()
    merged.deleted_at = now
    merged.deleted_by = actor
    merged.merged_into = survivor
    versioned_update(
        merged,
        version=merged.version,
        fields=["deleted_at", "deleted_by", "merged_into"],
    )

    filled = []
    for name in FILLED_FIELDS:
        attname = Customer._meta.get_field(name).attname
        if name == "credit_code" and survivor.kind == Customer.Kind.PERSON:
            continue
        if _empty(getattr(survivor, attname)) and not _empty(getattr(merged, attname)):
            setattr(survivor, attname, getattr(merged, attname))
            filled.append(name)
    if survivor.referred_by_id in (merged.pk, survivor.pk):
        # Referred by the duplicate (or, filled just now, by itself): take the
        # duplicate's own referrer, if that is another customer.
        referrer = merged.referred_by_id
        survivor.referred_by_id = referrer if referrer != survivor.pk else None
        filled.append("referred_by")
    if not survivor.credit_rating and merged.credit_rating:
        for name in CREDIT_FIELDS:
            setattr(survivor, name, getattr(merged, name))
        filled += CREDIT_FIELDS
    filled = list(dict.fromkeys(filled))
    versioned_update(survivor, version=survivor.version, fields=filled)
    customer_index.remove([merged.pk])
    customer_index.refresh([Customer.objects.get(pk=survivor.pk)])

    DuplicateCandidate.objects.filter(
        Q(first=merged) | Q(second=merged), status=DuplicateCandidate.Status.OPEN
    ).update(
        status=DuplicateCandidate.Status.MERGED,
        decided_by=actor,
        decided_at=now,
        note=reason,
    )
    record = CustomerMerge.objects.create(
        survivor=survivor,
        merged=merged,
        merged_name=merged.name,
        reason=reason,
        moved=moved,
        filled=filled,
        performed_by=actor,
        performed_at=now,
    )
    counts = {kind: len(ids) for kind, ids in moved.items()}
    audit_record(
        event="customer.merge",
        actor=actor,
        request=request,
        obj=survivor,
        data={
            "merge": record.pk,
            "merged": merged.pk,
            "merged_name": merged.name,
            "moved": counts,
            "filled": filled,
            "reason": reason,
        },
    )
    audit_record(
        event="customer.merged_into",
        actor=actor,
        request=request,
        obj=merged,
        data={"merge": record.pk, "survivor": survivor.pk, "reason": reason},
    )
    from customers.tiers import tiers_propose

    tiers_propose(customer_ids=[survivor.pk])
    return record


def merge_list_for(*, customer: Customer):
    """The merges that folded other records into this customer, newest first."""
    return (
        CustomerMerge.objects.filter(survivor=customer)
        .select_related("performed_by")
        .order_by("-performed_at", "-id")
    )
