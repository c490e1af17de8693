"""The rules of the relationship data (客户管理规则): tier thresholds and the
review period. Read by everyone who reads customers; changed by the service
manager, with a version (a stale edit is a Conflict) and an audit row."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import DomainError, FieldError
from core.versioning import version_check, version_require
from customers.models import CustomerPolicy
from customers.permissions import can_manage_rules

# The range each rule may take (inclusive), checked by the form, the API and the
# service alike.
RULE_LIMITS: dict[str, tuple[int, int]] = {
    "window_months": (1, 60),
    "a_amount": (1, 10**12),
    "a_count": (1, 10_000),
    "a_tenure_months": (0, 600),
    "b_amount": (1, 10**12),
    "b_count": (1, 10_000),
    "review_days": (7, 3650),
}
RULE_FIELDS = list(RULE_LIMITS)


def customer_policy_get() -> CustomerPolicy:
    """The rules in force; the row is made with the defaults on first use."""
    policy = CustomerPolicy.objects.filter(pk=CustomerPolicy.SINGLETON).first()
    if policy is None:
        policy, _created = CustomerPolicy.objects.get_or_create(
            pk=CustomerPolicy.SINGLETON
        )
    return policy


def _clean(values: dict[str, Any], current: CustomerPolicy) -> dict[str, int]:
    errors: list[FieldError] = []
    cleaned: dict[str, int] = {}
    for name, value in values.items():
        if name not in RULE_LIMITS:
            raise TypeError(f"not a rule: {name}")
        low, high = RULE_LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(FieldError(name, _("请输入整数。"), "invalid"))
        elif not low <= value <= high:
            errors.append(
                FieldError(
                    name,
                    _("必须在 %(low)s 到 %(high)s 之间。") % {"low": low, "high": high},
                    "out_of_range",
                )
            )
        else:
            cleaned[name] = value
    if not errors:
        merged = {n: cleaned.get(n, getattr(current, n)) for n in RULE_FIELDS}
        if merged["a_amount"] < merged["b_amount"]:
            errors.append(
                FieldError(
                    "a_amount",
                    _("A 类的金额门槛不能低于 B 类的金额门槛。"),
                    "inconsistent",
                )
            )
        if merged["a_count"] < merged["b_count"]:
            errors.append(
                FieldError(
                    "a_count",
                    _("A 类的合作笔数门槛不能低于 B 类的笔数门槛。"),
                    "inconsistent",
                )
            )
    if errors:
        raise DomainError(
            errors[0].message, field=errors[0].field, code=errors[0].code, errors=errors
        )
    return cleaned


@transaction.atomic
def customer_policy_update(
    *,
    actor: Any,
    version: int | None,
    request: HttpRequest | None = None,
    **changes: Any,
) -> CustomerPolicy:
    """Change the rules if ``version`` is still current; the next run of the tier
    rules and the review list follow them."""
    if not can_manage_rules(actor):
        raise PermissionDenied
    version_require(version)
    customer_policy_get()
    policy = CustomerPolicy.objects.select_for_update().get(pk=CustomerPolicy.SINGLETON)
    version_check(policy, version)
    cleaned = _clean(changes, policy)
    before = {name: getattr(policy, name) for name in cleaned}
    changed = {n: v for n, v in cleaned.items() if before[n] != v}
    for name, value in changed.items():
        setattr(policy, name, value)
    policy.version += 1
    policy.updated_by = actor
    policy.save()
    audit_record(
        event="customer.rules_change",
        actor=actor,
        request=request,
        obj=policy,
        data={
            "changes": {n: [before[n], v] for n, v in changed.items()},
            "version": policy.version,
        },
    )
    return policy
