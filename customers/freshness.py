"""Freshness (动态管理): archives not verified within the review period, and
duplicate candidates (similar names with the same phone) found by a set-based
query, for a person to merge (customers.merge) or dismiss."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import DomainError
from core.search import normalize
from customers.models import Contact, Customer, DuplicateCandidate
from customers.permissions import can_merge_customers, customer_visibility_q
from customers.rules import customer_policy_get
from customers.validation import reason_clean

SIMILAR_MIN = 60  # percent of shared bigrams of the names' cores
PHONE_MIN_DIGITS = 7
PHONE_MAX_SHARERS = 5  # a number shared by more customers is a switchboard
_LEGAL = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|集团|公司|分公司|分店|总店|"
    r"co\.?,?|ltd\.?|limited|inc\.?|corp\.?|group)"
)
_NOISE = re.compile(r"[\s()（）\[\]【】·,，.。\-_/&]+")


# --- the review list ---------------------------------------------------------------


def review_cutoff(*, now: dt.datetime | None = None) -> dt.datetime:
    """Archives last checked before this moment are due for review."""
    now = now or timezone.now()
    return now - dt.timedelta(days=customer_policy_get().review_days)


def review_list(
    *, user: Any, owner: Any = None, now: dt.datetime | None = None
) -> QuerySet[Customer]:
    """Live customers not verified within the review period (never verified:
    counted from registration), longest unchecked first (``checked_at``, id) —
    served by the expression indexes on COALESCE(verified_at, created_at)."""
    qs = (
        Customer.objects.filter(customer_visibility_q(user))
        .annotate(checked_at=Coalesce("verified_at", "created_at"))
        .filter(checked_at__lt=review_cutoff(now=now))
        .select_related("owner", "verified_by")
    )
    if owner is not None:
        qs = qs.filter(owner=owner)
    return qs


# --- duplicates ----------------------------------------------------------------------


def name_core(name: str) -> str:
    """What is left of a name without legal forms, brackets and spaces."""
    text = normalize(name)
    text = _LEGAL.sub("", text)
    return _NOISE.sub("", text)


def name_similarity(a: str, b: str) -> int:
    """0–100: how much two names are alike (bigrams of their cores; one core
    inside the other is 100)."""
    x, y = name_core(a), name_core(b)
    if not x or not y:
        return 0
    if x in y or y in x:
        return 100
    grams_x = {x[i : i + 2] for i in range(len(x) - 1)} or {x}
    grams_y = {y[i : i + 2] for i in range(len(y) - 1)} or {y}
    return round(200 * len(grams_x & grams_y) / (len(grams_x) + len(grams_y)))


def _digits_sql(column: str) -> str:
    expr = column
    for char in ("-", " ", "(", ")", "+", "/"):
        expr = f"REPLACE({expr}, '{char}', '')"
    return expr


def _shared_phone_pairs() -> list[tuple[int, int, str]]:
    """(lower id, higher id, phone) of live customers sharing a phone of their
    own or of a live contact — one query, joined in the database."""
    c, k = Customer._meta.db_table, Contact._meta.db_table
    phones = (
        f"SELECT id AS customer_id, {_digits_sql('phone')} AS p FROM {c} "
        "WHERE deleted_at IS NULL AND phone <> '' "
        f"UNION SELECT k.customer_id, {_digits_sql('k.mobile')} FROM {k} k "
        f"JOIN {c} c ON c.id = k.customer_id "
        "WHERE k.deleted_at IS NULL AND c.deleted_at IS NULL AND k.mobile <> '' "
        f"UNION SELECT k.customer_id, {_digits_sql('k.phone')} FROM {k} k "
        f"JOIN {c} c ON c.id = k.customer_id "
        "WHERE k.deleted_at IS NULL AND c.deleted_at IS NULL AND k.phone <> ''"
    )
    sql = (
        f"WITH phones AS ({phones}), shared AS (SELECT p FROM phones "
        "WHERE LENGTH(p) >= %s GROUP BY p "
        "HAVING COUNT(DISTINCT customer_id) BETWEEN 2 AND %s) "
        "SELECT DISTINCT a.customer_id, b.customer_id, a.p FROM phones a "
        "JOIN phones b ON b.p = a.p AND a.customer_id < b.customer_id "
        "WHERE a.p IN (SELECT p FROM shared)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [PHONE_MIN_DIGITS, PHONE_MAX_SHARERS])
        return [(int(a), int(b), str(p)) for a, b, p in cursor.fetchall()]


def duplicates_find() -> int:
    """Record new duplicate candidates (pairs already known, open or decided,
    are left as they are). Returns how many were added."""
    pairs = _shared_phone_pairs()
    if not pairs:
        return 0
    ids = {pk for a, b, _p in pairs for pk in (a, b)}
    names = dict(
        Customer.objects.filter(pk__in=ids).values_list("pk", "name").order_by()
    )
    known = set(
        DuplicateCandidate.objects.filter(first_id__in=ids).values_list(
            "first_id", "second_id"
        )
    )
    found: dict[tuple[int, int], DuplicateCandidate] = {}
    for a, b, phone in pairs:
        if (a, b) in known or (a, b) in found:
            continue
        similarity = name_similarity(names.get(a, ""), names.get(b, ""))
        if similarity >= SIMILAR_MIN:
            found[(a, b)] = DuplicateCandidate(
                first_id=a,
                second_id=b,
                reason=DuplicateCandidate.Reason.PHONE_NAME,
                shared=phone[:32],
                similarity=similarity,
            )
    DuplicateCandidate.objects.bulk_create(found.values(), ignore_conflicts=True)
    return len(found)


def duplicate_list(*, user: Any) -> QuerySet[DuplicateCandidate]:
    """Open candidates whose two customers are both still live, newest first."""
    visible = Customer.objects.filter(customer_visibility_q(user)).values("pk")
    return DuplicateCandidate.objects.filter(
        status=DuplicateCandidate.Status.OPEN,
        first__in=visible,
        second__in=visible,
    ).select_related("first", "second", "first__owner", "second__owner")


def duplicate_get_visible(*, user: Any, pk: int) -> DuplicateCandidate:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(duplicate_list(user=user), pk=pk)


def duplicates_of(*, customer: Customer) -> list[DuplicateCandidate]:
    """Open candidates involving one customer (for a hint on its page)."""
    return list(
        DuplicateCandidate.objects.filter(
            Q(first=customer) | Q(second=customer),
            status=DuplicateCandidate.Status.OPEN,
            first__deleted_at__isnull=True,
            second__deleted_at__isnull=True,
        ).select_related("first", "second")[:5]
    )


@transaction.atomic
def duplicate_dismiss(
    *,
    actor: Any,
    candidate: DuplicateCandidate,
    note: str,
    request: HttpRequest | None = None,
) -> DuplicateCandidate:
    """Say two customers are not the same (with why); the pair is not proposed
    again."""
    if not can_merge_customers(actor):
        raise PermissionDenied
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != DuplicateCandidate.Status.OPEN:
        raise DomainError(
            _("这对客户已经处理过了。"), field="action", code="already_decided"
        )
    candidate.note = reason_clean(note, field="note", label=_("说明"))
    candidate.status = DuplicateCandidate.Status.DISMISSED
    candidate.decided_by = actor
    candidate.decided_at = timezone.now()
    candidate.save(update_fields=["note", "status", "decided_by", "decided_at"])
    audit_record(
        event="customer.duplicate_dismiss",
        actor=actor,
        request=request,
        obj=candidate.first,
        data={"other": candidate.second_id, "note": candidate.note},
    )
    return candidate
