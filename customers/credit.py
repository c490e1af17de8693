"""Credit (信用管理): investigations and assessments with their history, the
change of rating, and the check other modules call to flag a request or order
that would take a customer over its limit.

Credit is confidential: pages and the API read it through ``customers.masking``
(owner, service manager, live grant); assessments are written by the owner or a
manager only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import DomainError
from core.versioning import version_check, versioned_update
from customers.models import RATING_ORDER, CreditAssessment, Customer
from customers.permissions import can_assess_credit, credit_visibility_q
from customers.transactions import (
    AMOUNT_MAX,
    CENT,
    amount_clean,
    date_clean,
    decimals,
)
from customers.validation import choice_clean, text_clean

ASSESSED_SOURCES = [
    code for code in CreditAssessment.Source.values if code != "archive"
]
CREDIT_FIELDS = [
    "credit_rating",
    "credit_limit",
    "credit_score",
    "credit_balance",
    "credit_assessed_at",
    "credit_trend",
]


def rating_trend(previous: str, new: str) -> str:
    """first / up / same / down, comparing ratings (AAA best, C worst)."""
    if not new:
        return ""
    if not previous or previous not in RATING_ORDER:
        return Customer.CreditTrend.FIRST
    before, after = RATING_ORDER.index(previous), RATING_ORDER.index(new)
    if after < before:
        return Customer.CreditTrend.UP
    if after > before:
        return Customer.CreditTrend.DOWN
    return Customer.CreditTrend.SAME


def money_clean(value: Any, *, field: str, label: str) -> Decimal | None:
    """An optional amount in yuan, 0 or more, at most two decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("%(label)s请填写金额（元）。") % {"label": label},
            field=field,
            code="invalid",
        ) from None
    if not amount.is_finite():
        raise DomainError(
            _("%(label)s请填写金额（元），最多两位小数。") % {"label": label},
            field=field,
            code="invalid",
        )
    if amount < 0 or amount > AMOUNT_MAX:
        raise DomainError(
            _("%(label)s应在 0 到 999,999,999,999.99 元之间。") % {"label": label},
            field=field,
            code="out_of_range",
        )
    if decimals(amount) > 2:
        raise DomainError(
            _("%(label)s请填写金额（元），最多两位小数。") % {"label": label},
            field=field,
            code="invalid",
        )
    return amount.quantize(CENT)


def score_clean(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        score = int(str(value).strip())
    except ValueError:
        raise DomainError(
            _("信用分请填写 0 到 100 的整数。"), field="score", code="invalid"
        ) from None
    if not 0 <= score <= 100:
        raise DomainError(
            _("信用分请填写 0 到 100 的整数。"), field="score", code="out_of_range"
        )
    return score


def sources_clean(values: Any) -> list[str]:
    values = [str(v).strip() for v in (values or []) if str(v).strip()]
    unknown = [v for v in values if v not in ASSESSED_SOURCES]
    if unknown:
        raise DomainError(
            _("资料来源的取值无效，可选值：%(values)s。")
            % {"values": "、".join(ASSESSED_SOURCES)},
            field="sources",
            code="invalid_choice",
        )
    return list(dict.fromkeys(values))


@transaction.atomic
def credit_assess(
    *,
    actor: Any,
    customer: Customer,
    assessed_on: Any,
    rating: Any,
    notes: Any,
    sources: Any = (),
    score: Any = None,
    limit: Any = None,
    balance: Any = None,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> CreditAssessment:
    """Record a credit investigation and what it concluded; the archive's credit
    (rating, score, limit, balance) becomes this one, and the change of rating
    against the previous assessment is kept (a worsening puts the customer on
    the list of worsened credit)."""
    customer = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
    if not can_assess_credit(actor, customer):
        raise PermissionDenied
    version_check(customer, version)
    values = {
        "assessed_on": date_clean(
            assessed_on, field="assessed_on", label=_("调查日期")
        ),
        "rating": choice_clean(
            rating,
            field="rating",
            label=_("信用评级"),
            choices=Customer.CreditRating,
            blank=False,
        ),
        "notes": text_clean(
            notes, field="notes", label=_("调查记录"), max_length=5000, required=True
        ),
        "sources": sources_clean(sources),
        "score": score_clean(score),
        "limit": money_clean(limit, field="limit", label=_("信用额度")),
        "balance": money_clean(balance, field="balance", label=_("应收余额")),
    }
    trend = rating_trend(customer.credit_rating, values["rating"])
    assessment = CreditAssessment.objects.create(
        customer=customer,
        previous_rating=customer.credit_rating,
        trend=trend,
        assessed_by=actor,
        **values,
    )
    customer.credit_rating = values["rating"]
    customer.credit_score = values["score"]
    customer.credit_limit = values["limit"]
    customer.credit_balance = values["balance"]
    customer.credit_assessed_at = assessment.created_at
    customer.credit_trend = trend
    versioned_update(customer, version=customer.version, fields=CREDIT_FIELDS)
    audit_record(
        event="customer.credit_assess",
        actor=actor,
        request=request,
        obj=customer,
        data={"assessment": assessment.pk, "trend": trend},
    )
    return assessment


def credit_archive_record(
    *, actor: Any, customer: Customer, previous_rating: str
) -> CreditAssessment:
    """A rating or limit written straight into the archive (the customer form)
    still enters the history, marked as such."""
    trend = rating_trend(previous_rating, customer.credit_rating)
    assessment = CreditAssessment.objects.create(
        customer=customer,
        assessed_on=timezone.localdate(),
        sources=[CreditAssessment.Source.ARCHIVE],
        notes=_("在客户档案中直接修改了信用评级或额度。"),
        score=customer.credit_score,
        rating=customer.credit_rating,
        limit=customer.credit_limit,
        balance=customer.credit_balance,
        previous_rating=previous_rating,
        trend=trend,
        assessed_by=actor,
    )
    Customer.objects.filter(pk=customer.pk).update(
        credit_assessed_at=assessment.created_at, credit_trend=trend
    )
    customer.credit_assessed_at = assessment.created_at
    customer.credit_trend = trend
    return assessment


@dataclass(frozen=True)
class CreditCheck:
    """Whether ``amount`` more would take the customer over its credit limit."""

    amount: Decimal
    limit: Decimal | None
    balance: Decimal
    available: Decimal | None
    exceeds: bool

    @property
    def has_limit(self) -> bool:
        return self.limit is not None

    @property
    def message(self) -> str:
        if not self.has_limit:
            return _("该客户未设定信用额度，无法核对。")
        if self.exceeds:
            return _(
                "超出信用额度：额度 ¥%(limit)s，应收余额 ¥%(balance)s，"
                "本次 ¥%(amount)s，超出 ¥%(over)s。"
            ) % {
                "limit": f"{self.limit:,.2f}",
                "balance": f"{self.balance:,.2f}",
                "amount": f"{self.amount:,.2f}",
                "over": f"{self.amount - self.available:,.2f}",
            }
        return _("未超出信用额度：本次 ¥%(amount)s，可用额度 ¥%(available)s。") % {
            "amount": f"{self.amount:,.2f}",
            "available": f"{self.available:,.2f}",
        }


def credit_check(*, customer: Customer, amount: Any) -> CreditCheck:
    """Would a request or order of ``amount`` yuan exceed the customer's credit
    limit (limit − outstanding balance)? For other modules to flag the request,
    never to block it. A customer without a limit is never flagged. The result
    carries confidential figures: show them through the masking rules."""
    amount = amount_clean(amount)
    row = (
        Customer.objects.filter(pk=customer.pk)
        .values("credit_limit", "credit_balance")
        .first()
    ) or {"credit_limit": None, "credit_balance": None}
    limit = row["credit_limit"]
    balance = row["credit_balance"] or Decimal("0.00")
    if limit is None:
        return CreditCheck(amount, None, balance, None, False)
    available = limit - balance
    return CreditCheck(amount, limit, balance, available, amount > available)


# --- reads ---------------------------------------------------------------------------


def credit_history(*, customer: Customer) -> QuerySet[CreditAssessment]:
    return (
        CreditAssessment.objects.filter(customer=customer)
        .select_related("assessed_by")
        .order_by("-created_at", "-id")
    )


def credit_worsened_list(*, user: Any, granted_ids=()) -> QuerySet[Customer]:
    """Customers whose latest assessment lowered their rating, among those whose
    credit the user may read (the list itself is confidential)."""
    return (
        Customer.objects.filter(credit_visibility_q(user, granted_ids))
        .filter(credit_trend=Customer.CreditTrend.DOWN)
        .select_related("owner")
    )


def credit_previous_ratings(*, customer_ids: list[int]) -> dict[int, str]:
    """The rating before the latest assessment of each customer (one query)."""
    if not customer_ids:
        return {}
    latest: dict[int, str] = {}
    rows = (
        CreditAssessment.objects.filter(customer_id__in=customer_ids)
        .order_by("customer_id", "-created_at", "-id")
        .values_list("customer_id", "previous_rating")
    )
    for customer_id, previous in rows:
        latest.setdefault(customer_id, previous)
    return latest


def credit_assessed_on_default() -> dt.date:
    return timezone.localdate()
