"""Transactions (合作记录): entering, voiding and pushing them (services), and the
figures they give (selectors): per-customer sums for the tiers, the 80/20 share
and repeat purchases of a period — all computed in SQL."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import DomainError
from customers.models import Customer, Transaction
from customers.permissions import can_add_transaction, can_void_transaction
from customers.validation import reason_clean, text_clean

AMOUNT_MAX = Decimal("999999999999.99")
EARLIEST = dt.date(1990, 1, 1)
CENT = Decimal("0.01")
_CHINESE_DATE = re.compile(
    r"^(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?$"
)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (the month's last day when it has fewer)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    return dt.date(year, month, min(day.day, 28))


def decimals(amount: Decimal) -> int:
    """How many decimal places a finite amount really has (12.3400 has two)."""
    return max(-amount.normalize().as_tuple().exponent, 0)


def amount_clean(value: Any, *, field: str = "amount", label: str | None = None):
    """A positive amount in yuan with at most two decimals."""
    label = label or _("金额")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DomainError(
            _("请填写%(label)s。") % {"label": label}, field=field, code="required"
        )
    if isinstance(value, bool):
        value = "x"
    try:
        amount = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("%(label)s请填写数字（元）。") % {"label": label},
            field=field,
            code="invalid",
        ) from None
    if not amount.is_finite():
        raise DomainError(
            _("%(label)s请填写数字（元）。") % {"label": label},
            field=field,
            code="invalid",
        )
    if amount <= 0:
        raise DomainError(
            _("%(label)s必须大于 0；作废一笔记录请用“作废”。") % {"label": label},
            field=field,
            code="out_of_range",
        )
    if amount > AMOUNT_MAX:
        raise DomainError(
            _("%(label)s不能超过 999,999,999,999.99 元。") % {"label": label},
            field=field,
            code="out_of_range",
        )
    if decimals(amount) > 2:
        raise DomainError(
            _("%(label)s最多保留两位小数。") % {"label": label},
            field=field,
            code="invalid",
        )
    return amount.quantize(CENT)


def date_clean(value: Any, *, field: str, label: str) -> dt.date:
    """A date no later than today and no earlier than 1990."""
    if value is None or value == "":
        raise DomainError(
            _("请填写%(label)s。") % {"label": label}, field=field, code="required"
        )
    if isinstance(value, dt.datetime):  # a date cell of a sheet
        value = value.date()
    if not isinstance(value, dt.date):
        text = str(value).strip()
        match = _CHINESE_DATE.match(text)
        if match:
            text = "{}-{:0>2}-{:0>2}".format(*match.groups())
        try:
            value = dt.date.fromisoformat(text.replace("/", "-"))
        except ValueError:
            raise DomainError(
                _("%(label)s格式不正确，请写成 2026-11-23。") % {"label": label},
                field=field,
                code="invalid",
            ) from None
    if value > timezone.localdate():
        raise DomainError(
            _("%(label)s不能晚于今天。") % {"label": label},
            field=field,
            code="future",
        )
    if value < EARLIEST:
        raise DomainError(
            _("%(label)s不能早于 1990 年。") % {"label": label},
            field=field,
            code="out_of_range",
        )
    return value


def transaction_field_clean(name: str, value: Any) -> Any:
    """One field of a transaction, checked; the message names the field."""
    if name == "occurred_on":
        return date_clean(value, field="occurred_on", label=_("日期"))
    if name == "amount":
        return amount_clean(value)
    if name == "description":
        return text_clean(
            value,
            field="description",
            label=_("合作内容"),
            max_length=200,
            required=True,
        )
    if name == "external_ref":
        return text_clean(
            value, field="external_ref", label=_("外部单号"), max_length=64
        )
    raise TypeError(f"not a transaction field: {name}")


TRANSACTION_FIELDS = ["occurred_on", "amount", "description", "external_ref"]


def transaction_clean(
    *, occurred_on: Any, amount: Any, description: Any, external_ref: Any = ""
) -> dict[str, Any]:
    """The fields of one transaction, checked; messages name the field."""
    given = {
        "occurred_on": occurred_on,
        "amount": amount,
        "description": description,
        "external_ref": external_ref,
    }
    return {name: transaction_field_clean(name, given[name]) for name in given}


def _same(existing: Transaction, customer: Customer, values: dict[str, Any]) -> bool:
    return (
        existing.customer_id == customer.pk
        and existing.occurred_on == values["occurred_on"]
        and existing.amount == values["amount"]
        and existing.description == values["description"]
    )


def _ref_taken() -> DomainError:
    return DomainError(
        _("外部单号已用于另一笔不同的合作记录。"),
        field="external_ref",
        code="external_ref_used",
    )


@transaction.atomic
def _with_ref(ref: str) -> Transaction | None:
    """The deal already holding a reference. The unique index is partial ("<> ''")
    and SQLite uses it only for a query that names its condition."""
    return (
        Transaction.all_objects.filter(external_ref=ref)
        .exclude(external_ref="")
        .first()
    )


def transaction_create(
    *,
    actor: Any,
    customer: Customer,
    occurred_on: Any,
    amount: Any,
    description: Any,
    external_ref: Any = "",
    source: str = Transaction.Source.ENTERED,
    request: HttpRequest | None = None,
) -> tuple[Transaction, bool]:
    """Record a deal. With an external reference the call is idempotent: the same
    reference with the same deal returns the one already recorded (created False);
    with a different deal it is refused. The customer's tier proposal follows."""
    if not can_add_transaction(actor, customer):
        raise PermissionDenied
    values = transaction_clean(
        occurred_on=occurred_on,
        amount=amount,
        description=description,
        external_ref=external_ref,
    )
    ref = values["external_ref"]
    if ref:
        existing = _with_ref(ref)
        if existing is not None:
            if _same(existing, customer, values):
                return existing, False
            raise _ref_taken()
    try:
        with transaction.atomic():
            created = Transaction.objects.create(
                customer=customer, created_by=actor, source=source, **values
            )
    except IntegrityError:  # the same reference, pushed twice at once
        existing = _with_ref(ref)
        if existing is not None and _same(existing, customer, values):
            return existing, False
        raise _ref_taken() from None
    audit_record(
        event="transaction.create",
        actor=actor,
        request=request,
        obj=customer,
        data={
            "transaction": created.pk,
            "amount": str(created.amount),
            "occurred_on": created.occurred_on.isoformat(),
            "source": source,
        },
    )
    from customers.tiers import tiers_propose

    tiers_propose(customer_ids=[customer.pk])
    return created, True


@transaction.atomic
def transaction_void(
    *,
    actor: Any,
    record: Transaction,
    reason: str,
    request: HttpRequest | None = None,
) -> Transaction:
    """Void a wrong transaction (soft delete with a reason); it leaves the sums."""
    if not can_void_transaction(actor):
        raise PermissionDenied
    record = Transaction.all_objects.select_for_update().get(pk=record.pk)
    if record.is_deleted:
        raise DomainError(
            _("这笔合作记录已经作废。"), field="action", code="already_voided"
        )
    record.delete_reason = reason_clean(reason, label=_("作废原因"))
    record.deleted_at = timezone.now()
    record.deleted_by = actor
    record.save(update_fields=["delete_reason", "deleted_at", "deleted_by"])
    audit_record(
        event="transaction.void",
        actor=actor,
        request=request,
        obj=record.customer,
        data={
            "transaction": record.pk,
            "amount": str(record.amount),
            "reason": record.delete_reason,
        },
    )
    from customers.tiers import tiers_propose

    tiers_propose(customer_ids=[record.customer_id])
    return record


# --- reads ---------------------------------------------------------------------------


def transaction_list_for(*, customer: Customer) -> QuerySet[Transaction]:
    """A customer's live transactions, newest first."""
    return (
        Transaction.objects.filter(customer=customer)
        .select_related("created_by")
        .order_by("-occurred_on", "-id")
    )


def transaction_get_for(*, customer: Customer, pk: int) -> Transaction:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Transaction.objects.filter(customer=customer), pk=pk)


def transaction_list(
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    customer_ids: QuerySet | None = None,
) -> QuerySet[Transaction]:
    """Live transactions of live customers in a period (the index on date serves
    the newest-first order)."""
    qs = Transaction.objects.filter(customer__deleted_at__isnull=True).select_related(
        "customer", "created_by"
    )
    if start:
        qs = qs.filter(occurred_on__gte=start)
    if end:
        qs = qs.filter(occurred_on__lte=end)
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=customer_ids)
    return qs


@dataclass(frozen=True)
class Figures:
    """What the tier rules look at for one customer."""

    amount: Decimal  # within the window
    deals: int  # within the window
    first_on: dt.date | None  # the first deal ever
    total: Decimal  # all time
    all_deals: int  # all time

    def tenure_months(self, today: dt.date) -> int:
        if self.first_on is None:
            return 0
        months = (today.year - self.first_on.year) * 12 + today.month
        months -= self.first_on.month
        return max(months - (today.day < self.first_on.day), 0)


NO_FIGURES = Figures(Decimal("0.00"), 0, None, Decimal("0.00"), 0)


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def transaction_figures(
    *, customer_ids: list[int], since: dt.date
) -> dict[int, Figures]:
    """Per customer: amount and deals since ``since``, first deal, totals (one
    grouped query, whatever the number of customers)."""
    if not customer_ids:
        return {}
    window = Q(occurred_on__gte=since)
    rows = (
        Transaction.objects.filter(customer_id__in=customer_ids)
        .values("customer_id")
        .annotate(
            window_amount=Sum("amount", filter=window),
            window_deals=Count("id", filter=window),
            first_on=Min("occurred_on"),
            total=Sum("amount"),
            all_deals=Count("id"),
        )
        .order_by()
    )
    return {
        r["customer_id"]: Figures(
            amount=_decimal(r["window_amount"]),
            deals=r["window_deals"],
            first_on=r["first_on"],
            total=_decimal(r["total"]),
            all_deals=r["all_deals"],
        )
        for r in rows
    }


@dataclass(frozen=True)
class RevenueSummary:
    start: dt.date
    end: dt.date
    revenue: Decimal
    customers: int  # customers with at least one deal in the period
    deals: int
    top_customers: int  # the top 20 % of them (rounded up)
    top_revenue: Decimal
    repeat_customers: int  # customers with more than one deal in the period
    curve: list[tuple[int, float]]  # (percent of customers, percent of revenue)

    @property
    def top_share(self) -> float | None:
        """Share of revenue from the top 20 % of customers, in percent."""
        if not self.revenue:
            return None
        return float(self.top_revenue * 100 / self.revenue)

    @property
    def repeat_share(self) -> float | None:
        if not self.customers:
            return None
        return self.repeat_customers * 100 / self.customers


def _period_sql(start: dt.date, end: dt.date) -> tuple[str, list[Any]]:
    """Per-customer totals of live transactions of live customers in a period."""
    t = Transaction._meta.db_table
    c = Customer._meta.db_table
    ops = connection.ops
    return (
        f"SELECT t.customer_id AS customer_id, SUM(t.amount) AS total, "
        f"COUNT(*) AS deals FROM {t} t JOIN {c} c ON c.id = t.customer_id "
        "WHERE t.deleted_at IS NULL AND c.deleted_at IS NULL "
        "AND t.occurred_on >= %s AND t.occurred_on <= %s GROUP BY t.customer_id",
        [ops.adapt_datefield_value(start), ops.adapt_datefield_value(end)],
    )


CURVE_POINTS = 20


def revenue_summary(*, start: dt.date, end: dt.date) -> RevenueSummary:
    """The 80/20 view of a period in one SQL query: customers ranked by revenue (a
    window function), then summed per 5 % step of customers and per side of the
    top-20 % line — revenue, customers, deals, the top fifth's revenue, repeat
    purchases and the cumulative curve all come from those few groups."""
    totals, params = _period_sql(start, end)
    # bucket b holds the ranks with ceil(rn * 20 / n) = b; the top fifth is
    # rn <= ceil(n / 5), written rn * 5 <= n + 4 (SQLite has no CEIL).
    sql = (
        f"SELECT (rn * {CURVE_POINTS} + n - 1) / n AS bucket, "
        "CASE WHEN rn * 5 <= n + 4 THEN 1 ELSE 0 END AS top, "
        "SUM(total), COUNT(*), SUM(deals), "
        "SUM(CASE WHEN deals > 1 THEN 1 ELSE 0 END) "
        "FROM (SELECT total, deals, "
        "ROW_NUMBER() OVER (ORDER BY total DESC, customer_id) AS rn, "
        f"COUNT(*) OVER () AS n FROM ({totals}) s) r "
        f"GROUP BY (rn * {CURVE_POINTS} + n - 1) / n, "
        "CASE WHEN rn * 5 <= n + 4 THEN 1 ELSE 0 END"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        groups = cursor.fetchall()
    revenue = top_revenue = Decimal("0")
    customers = deals = top = repeat = 0
    buckets: dict[int, Decimal] = {}
    for bucket, is_top, amount, count, bought, repeated in groups:
        amount = _decimal(amount)
        revenue += amount
        customers += int(count)
        deals += int(bought)
        repeat += int(repeated)
        if is_top:
            top_revenue += amount
            top += int(count)
        buckets[int(bucket)] = buckets.get(int(bucket), Decimal("0")) + amount
    curve: list[tuple[int, float]] = [(0, 0.0)]
    running = Decimal("0")
    for bucket in range(1, CURVE_POINTS + 1):
        running += buckets.get(bucket, Decimal("0"))
        share = float(running * 100 / revenue) if revenue else 0.0
        curve.append((bucket * 100 // CURVE_POINTS, round(share, 1)))
    return RevenueSummary(
        start=start,
        end=end,
        revenue=revenue,
        customers=customers,
        deals=deals,
        top_customers=top,
        top_revenue=top_revenue,
        repeat_customers=repeat,
        curve=curve if customers else [],
    )


def repeat_customer_count(*, start: dt.date, end: dt.date) -> int:
    """Customers with more than one deal in the period (one query)."""
    return (
        Transaction.objects.filter(
            occurred_on__gte=start,
            occurred_on__lte=end,
            customer__deleted_at__isnull=True,
        )
        .values("customer_id")
        .annotate(deals=Count("id"))
        .filter(deals__gt=1)
        .count()
    )
