"""Tiers A/B/C (客户分级): the rules propose, a person confirms or overrides with a
reason, and the history keeps who, when and why.

The rules (thresholds in ``CustomerPolicy``) look at each customer's transactions:
the amount and the number of deals within the window, and how long ago the first
deal was. The proposal for every customer is one set-based UPDATE (run nightly
and after new transactions); a customer whose proposal differs from its confirmed
tier waits on the review list until someone confirms or overrides it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.versioning import version_check, versioned_update
from customers.models import Customer, CustomerPolicy, TierChange, TierRun, Transaction
from customers.permissions import can_confirm_tier, customer_visibility_q
from customers.rules import customer_policy_get
from customers.transactions import (
    NO_FIGURES,
    Figures,
    months_before,
    transaction_figures,
)
from customers.validation import choice_clean, reason_clean

# Amounts are whole cents; on SQLite their sums are floating point, so a sum is
# compared with half a cent of slack (exact for sums of cents, on both databases).
_SLACK = 0.005
CHUNK = 5000  # customers per UPDATE when proposing for a list (bound parameters)


def tier_for(figures: Figures, policy: CustomerPolicy, today: dt.date) -> str:
    """The tier the rules give (the same rule as the SQL of ``tiers_propose``)."""
    tenure_cutoff = months_before(today, policy.a_tenure_months)
    if (
        figures.amount >= policy.a_amount
        and figures.deals >= policy.a_count
        and figures.first_on is not None
        and figures.first_on <= tenure_cutoff
    ):
        return Customer.Tier.A
    if figures.amount >= policy.b_amount or figures.deals >= policy.b_count:
        return Customer.Tier.B
    return Customer.Tier.C


def tier_figures(
    *, customer_ids: list[int], policy: CustomerPolicy, today: dt.date | None = None
) -> dict[int, Figures]:
    """The figures behind each customer's proposal (one query)."""
    today = today or timezone.localdate()
    since = months_before(today, policy.window_months)
    found = transaction_figures(customer_ids=customer_ids, since=since)
    return {pk: found.get(pk, NO_FIGURES) for pk in customer_ids}


def figures_json(figures: Figures, today: dt.date) -> dict[str, Any]:
    return {
        "amount": str(figures.amount),
        "deals": figures.deals,
        "first_on": figures.first_on.isoformat() if figures.first_on else None,
        "tenure_months": figures.tenure_months(today),
    }


def figures_text(figures: Figures, policy: CustomerPolicy, today: dt.date) -> str:
    """近 12 个月 ¥620,000.00，8 笔；首笔合作于 2023年3月1日（合作 32 个月）."""
    text = _("近 %(months)s 个月 ¥%(amount)s，%(deals)s 笔") % {
        "months": policy.window_months,
        "amount": f"{figures.amount:,.2f}",
        "deals": figures.deals,
    }
    if figures.first_on is None:
        return text + _("；还没有合作记录")
    return text + _("；首笔合作于 %(date)s（合作 %(months)s 个月）") % {
        "date": date_format(figures.first_on, "DATE_FORMAT"),
        "months": figures.tenure_months(today),
    }


def _proposal_sql(
    policy: CustomerPolicy, today: dt.date, now: dt.datetime, ids: list[int] | None
) -> tuple[str, list[Any]]:
    c = Customer._meta.db_table
    t = Transaction._meta.db_table
    ops = connection.ops
    since = ops.adapt_datefield_value(months_before(today, policy.window_months))
    cutoff = ops.adapt_datefield_value(months_before(today, policy.a_tenure_months))
    only_c = only_t = ""
    if ids is not None:
        marks = ", ".join(["%s"] * len(ids))
        only_c = f" AND c.id IN ({marks})"
        only_t = f" AND customer_id IN ({marks})"
    sql = (
        f"UPDATE {c} SET "
        f"tier_review = CASE WHEN p.tier = {c}.tier THEN %s "
        f"WHEN p.tier = {c}.tier_proposed THEN {c}.tier_review ELSE %s END, "
        "tier_proposed = p.tier, tier_proposed_at = %s "
        "FROM (SELECT c.id AS id, CASE "
        "WHEN s.amount + %s >= %s AND s.deals >= %s AND s.first_on <= %s THEN 'A' "
        "WHEN s.amount + %s >= %s OR s.deals >= %s THEN 'B' ELSE 'C' END AS tier "
        f"FROM {c} c LEFT JOIN (SELECT customer_id, "
        "SUM(CASE WHEN occurred_on >= %s THEN amount ELSE 0 END) AS amount, "
        "SUM(CASE WHEN occurred_on >= %s THEN 1 ELSE 0 END) AS deals, "
        "MIN(occurred_on) AS first_on "
        f"FROM {t} WHERE deleted_at IS NULL{only_t} GROUP BY customer_id) s "
        f"ON s.customer_id = c.id WHERE c.deleted_at IS NULL{only_c}) p "
        f"WHERE {c}.id = p.id"
    )
    params: list[Any] = [
        False,
        True,
        ops.adapt_datetimefield_value(now),
        _SLACK,
        policy.a_amount,
        policy.a_count,
        cutoff,
        _SLACK,
        policy.b_amount,
        policy.b_count,
        since,
        since,
    ]
    if ids is not None:
        params += list(ids)  # transactions of these customers
        params += list(ids)  # these customers
    return sql, params


def tiers_propose(
    *, customer_ids: list[int] | None = None, actor: Any = None
) -> TierRun:
    """Propose a tier for every live customer (or for these), in one UPDATE.

    A proposal that differs from the confirmed tier puts the customer on the
    review list, unless it is the very proposal someone already looked at (an
    override stays decided until the figures say something new). The version
    and the "last changed" time of the customer are not touched: a proposal is
    not an edit."""
    now = timezone.now()
    policy = customer_policy_get()
    ids = sorted(set(customer_ids)) if customer_ids is not None else None
    run = TierRun.objects.create(started_at=now, whole=ids is None, triggered_by=actor)
    if ids == []:
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
        return run
    today = timezone.localdate(now)
    chunks = (
        [None]
        if ids is None
        else [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for chunk in chunks:
            cursor.execute(*_proposal_sql(policy, today, now, chunk))
            run.customers += max(cursor.rowcount, 0)
    run.finished_at = timezone.now()
    run.save(update_fields=["customers", "finished_at"])
    return run


def _set(
    *,
    actor: Any,
    customer: Customer,
    tier: str,
    reason: str,
    kind: str,
    figures: Figures,
    today: dt.date,
) -> TierChange:
    return TierChange.objects.create(
        customer=customer,
        kind=kind,
        from_tier=customer.tier if kind != TierChange.Kind.INITIAL else "",
        to_tier=tier,
        proposed_tier=customer.tier_proposed,
        reason=reason,
        figures=figures_json(figures, today),
        changed_by=actor,
    )


@transaction.atomic
def tier_set(
    *,
    actor: Any,
    customer: Customer,
    tier: str,
    reason: str,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> TierChange:
    """Confirm the proposal or set another tier, with a reason; the customer
    leaves the review list and the change is kept (who, when, why, on what)."""
    if not can_confirm_tier(actor):
        raise PermissionDenied
    customer = (
        Customer.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=customer.pk)
    )
    version_check(customer, version)
    tier = choice_clean(
        tier, field="tier", label=_("客户分级"), choices=Customer.Tier, blank=False
    )
    reason = reason_clean(reason)
    today = timezone.localdate()
    policy = customer_policy_get()
    figures = tier_figures(customer_ids=[customer.pk], policy=policy, today=today)
    kind = (
        TierChange.Kind.CONFIRM
        if tier == customer.tier_proposed
        else TierChange.Kind.OVERRIDE
    )
    change = _set(
        actor=actor,
        customer=customer,
        tier=tier,
        reason=reason,
        kind=kind,
        figures=figures[customer.pk],
        today=today,
    )
    previous = customer.tier
    customer.tier = tier
    customer.tier_review = False
    versioned_update(customer, version=customer.version, fields=["tier", "tier_review"])
    audit_record(
        event="customer.tier_set",
        actor=actor,
        request=request,
        obj=customer,
        data={
            "from": previous,
            "to": tier,
            "proposed": customer.tier_proposed,
            "kind": kind,
            "reason": reason,
        },
    )
    return change


def tier_initial_record(*, actor: Any, customer: Customer) -> TierChange:
    """The tier a customer was registered with starts its history."""
    return _set(
        actor=actor,
        customer=customer,
        tier=customer.tier,
        reason=_("登记客户时设定"),
        kind=TierChange.Kind.INITIAL,
        figures=NO_FIGURES,
        today=timezone.localdate(),
    )


# --- reads ---------------------------------------------------------------------------


def tier_review_list(
    *, user: Any, proposed: str = "", owner: Any = None, every: bool = False
) -> QuerySet[Customer]:
    """Customers whose proposal differs from the confirmed tier and waits for a
    person; with ``every``, also those someone already kept at another tier
    (order: proposed tier, then id — each served by a partial index)."""
    differs = (
        ~Q(tier_proposed="") & ~Q(tier_proposed=F("tier"))
        if every
        else Q(tier_review=True)
    )
    qs = Customer.objects.filter(customer_visibility_q(user)).filter(differs)
    if proposed:
        qs = qs.filter(tier_proposed=proposed)
    if owner is not None:
        qs = qs.filter(owner=owner)
    return qs.select_related("owner")


def tier_history(*, customer: Customer) -> QuerySet[TierChange]:
    return (
        TierChange.objects.filter(customer=customer)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")
    )


def tier_run_latest() -> TierRun | None:
    """The last run over every customer."""
    return (
        TierRun.objects.filter(whole=True, finished_at__isnull=False)
        .order_by("-started_at")
        .first()
    )
