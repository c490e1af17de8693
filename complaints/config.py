"""Writes of the complaint workflow's configurable tables — promise wording, root
causes, approval limits and the remedy policy — by whoever may configure them
(the service manager); each change audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from complaints.models import (
    ApprovalLimit,
    PromiseWord,
    RemedyKind,
    RemedyPolicy,
    RootCause,
)
from complaints.permissions import can_configure_complaints
from complaints.services import _amount_clean
from core.audit import audit_record
from core.errors import DomainError
from customers.validation import text_clean
from tickets.models import Ticket, TicketCategory


def _check(actor: Any) -> None:
    if not can_configure_complaints(actor):
        raise PermissionDenied


def _audit(actor, request, obj, data) -> None:
    audit_record(
        event="complaint.settings", actor=actor, request=request, obj=obj, data=data
    )


@transaction.atomic
def promise_word_save(
    *,
    actor: Any,
    word: str,
    explanation: str = "",
    is_active: bool = True,
    request: HttpRequest | None = None,
) -> PromiseWord:
    """Add a promise word, or change the explanation and state of an existing one."""
    _check(actor)
    word = text_clean(word, field="word", label=_("措辞"), max_length=32, required=True)
    explanation = text_clean(
        explanation, field="explanation", label=_("说明"), max_length=200
    )
    row, _created = PromiseWord.objects.update_or_create(
        word=word, defaults={"explanation": explanation, "is_active": bool(is_active)}
    )
    _audit(actor, request, row, {"word": word, "is_active": row.is_active})
    return row


@transaction.atomic
def root_cause_save(
    *,
    actor: Any,
    code: str,
    name: str,
    is_active: bool = True,
    request: HttpRequest | None = None,
) -> RootCause:
    """Add a root cause, or rename / switch off an existing one (by code)."""
    _check(actor)
    code = text_clean(code, field="code", label=_("代码"), max_length=32, required=True)
    if not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        raise DomainError(
            _("代码只能包含英文字母、数字、下划线和连字符。"),
            field="code",
            code="invalid",
        )
    name = text_clean(name, field="name", label=_("名称"), max_length=64, required=True)
    if RootCause.objects.filter(name=name).exclude(code=code).exists():
        raise DomainError(
            _("名称“%(name)s”已被其他原因使用。") % {"name": name},
            field="name",
            code="duplicate",
        )
    row, _created = RootCause.objects.update_or_create(
        code=code, defaults={"name": name, "is_active": bool(is_active)}
    )
    _audit(
        actor, request, row, {"code": code, "name": name, "is_active": row.is_active}
    )
    return row


@transaction.atomic
def approval_limit_set(
    *,
    actor: Any,
    limit: ApprovalLimit,
    amount: Any,
    request: HttpRequest | None = None,
) -> ApprovalLimit:
    """Set a rung's approval limit (empty: no limit); a higher rung never has a
    lower limit than the one below it."""
    _check(actor)
    value = None if str(amount or "").strip() == "" else _amount_clean(amount)
    infinite = Decimal("Infinity")
    ladder = [
        (row.rank, value if row.pk == limit.pk else row.amount)
        for row in ApprovalLimit.objects.order_by("rank")
    ]
    amounts = [infinite if a is None else a for _rank, a in ladder]
    if amounts != sorted(amounts):
        raise DomainError(
            _(
                "授权额度必须逐级不减：客服主管 ≤ 客服部经理 ≤ 总经理（空表示不设上限）。"
            ),
            field="amount",
            code="order",
        )
    limit.amount = value
    limit.save(update_fields=["amount"])
    _audit(actor, request, limit, {"role": limit.role, "amount": str(value)})
    return limit


@transaction.atomic
def remedy_policy_save(
    *,
    actor: Any,
    category: TicketCategory | None,
    severity: str,
    kind: str,
    amount: Any,
    note: str = "",
    request: HttpRequest | None = None,
) -> RemedyPolicy:
    """Set what the company gives for a category and severity (blank: any)."""
    _check(actor)
    if severity and severity not in Ticket.Severity.values:
        raise DomainError(
            _("请选择严重程度。"), field="severity", code="invalid_choice"
        )
    if kind not in RemedyKind.values:
        raise DomainError(_("请选择补救方式。"), field="kind", code="invalid_choice")
    value: Decimal = _amount_clean(amount)
    note = text_clean(note, field="note", label=_("说明"), max_length=200)
    row, _created = RemedyPolicy.objects.update_or_create(
        category=category,
        severity=severity,
        defaults={"kind": kind, "amount": value, "note": note},
    )
    _audit(
        actor,
        request,
        row,
        {
            "category": category.code if category else None,
            "severity": severity,
            "kind": kind,
            "amount": str(value),
        },
    )
    return row
