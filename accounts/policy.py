"""The security policy: reading the one row, and the security administrator's edit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import SecurityPolicy, User
from accounts.permissions import can_manage_security
from accounts.roles import Role
from core.audit import audit_record
from core.errors import Conflict, DomainError, FieldError

# The range each number of the policy may take (inclusive), checked by the form,
# the API schema and the service alike.
POLICY_LIMITS: dict[str, tuple[int, int]] = {
    "password_min_length": (8, 64),
    "password_expiry_days": (1, 365),
    "password_history": (1, 24),
    "lockout_threshold": (3, 20),
    "lockout_minutes": (1, 1440),
    "session_idle_minutes": (5, 480),
    "session_absolute_hours": (1, 24),
    "token_days": (1, 365),
    "audit_retention_days": (SecurityPolicy.MIN_AUDIT_RETENTION_DAYS, 3650),
}
POLICY_FIELDS = [
    "password_profile",
    *POLICY_LIMITS,
    "totp_required_roles",
]


def security_policy_get() -> SecurityPolicy:
    """The policy in force; the row is made with the defaults on first use."""
    # Read on every request: one row by its key, without first()'s ordering (whose
    # compilation cost more than the query).
    found = list(SecurityPolicy.objects.filter(pk=SecurityPolicy.SINGLETON)[:1])
    if found:
        return found[0]
    policy, _created = SecurityPolicy.objects.get_or_create(
        pk=SecurityPolicy.SINGLETON,
        defaults={"token_days": settings.KEFU_API_TOKEN_DAYS},
    )
    return policy


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "password_profile":
            if value not in SecurityPolicy.PasswordProfile.values:
                errors.append(FieldError(field, _("请选择有效的密码策略。")))
            cleaned[field] = value
        elif field == "totp_required_roles":
            roles = sorted({str(r) for r in value or []})
            unknown = [r for r in roles if r not in Role.values]
            if unknown:
                errors.append(
                    FieldError(
                        field,
                        _("未知角色：%(roles)s") % {"roles": ", ".join(unknown)},
                    )
                )
            cleaned[field] = roles
        elif field in POLICY_LIMITS:
            low, high = POLICY_LIMITS[field]
            if not isinstance(value, int) or isinstance(value, bool):
                errors.append(FieldError(field, _("请输入整数。"), "invalid"))
            elif not low <= value <= high:
                errors.append(
                    FieldError(
                        field,
                        _("必须在 %(low)s 到 %(high)s 之间。")
                        % {"low": low, "high": high},
                        "out_of_range",
                    )
                )
            cleaned[field] = value
        else:
            errors.append(FieldError(field, _("不支持此字段。"), "unknown_field"))
    if errors:
        raise DomainError(errors[0].message, field=errors[0].field, errors=errors)
    return cleaned


@transaction.atomic
def security_policy_update(
    *,
    actor: User,
    version: int,
    changes: dict[str, Any],
    request: HttpRequest | None = None,
) -> SecurityPolicy:
    """Change the policy (security administrator only); stale ``version`` is a
    Conflict; what changed, from what to what, is audited."""
    if not can_manage_security(actor):
        raise PermissionDenied
    security_policy_get()
    policy = SecurityPolicy.objects.select_for_update().get(pk=SecurityPolicy.SINGLETON)
    if policy.version != version:
        raise Conflict(current_version=policy.version)
    cleaned = _clean(changes)
    diff = {
        field: [getattr(policy, field), value]
        for field, value in cleaned.items()
        if getattr(policy, field) != value
    }
    if not diff:
        return policy
    for field, value in cleaned.items():
        setattr(policy, field, value)
    policy.version += 1
    policy.updated_by = actor
    policy.save()
    audit_record(
        event="security.policy_change",
        actor=actor,
        request=request,
        obj=policy,
        data=diff,
    )
    return policy
