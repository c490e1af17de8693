from __future__ import annotations

from typing import Literal

from ninja import Field, Schema

from accounts.policy import POLICY_LIMITS
from accounts.roles import Role
from core.schema import LocalDateTime

RoleCode = Literal[tuple(Role.values)]  # type: ignore[valid-type]


def _limited(field: str, default=None):
    low, high = POLICY_LIMITS[field]
    return Field(default, ge=low, le=high)


class PolicyOut(Schema):
    password_profile: Literal["default", "mlps"]
    password_min_length: int
    password_expiry_days: int
    password_history: int
    lockout_threshold: int
    lockout_minutes: int
    session_idle_minutes: int
    session_absolute_hours: int
    token_days: int
    audit_retention_days: int
    totp_required_roles: list[str]
    version: int
    updated_at: LocalDateTime


class PolicyPatchIn(Schema):
    version: int = Field(..., ge=1)
    password_profile: Literal["default", "mlps"] | None = None
    password_min_length: int | None = _limited("password_min_length")
    password_expiry_days: int | None = _limited("password_expiry_days")
    password_history: int | None = _limited("password_history")
    lockout_threshold: int | None = _limited("lockout_threshold")
    lockout_minutes: int | None = _limited("lockout_minutes")
    session_idle_minutes: int | None = _limited("session_idle_minutes")
    session_absolute_hours: int | None = _limited("session_absolute_hours")
    token_days: int | None = _limited("token_days")
    audit_retention_days: int | None = _limited("audit_retention_days")
    totp_required_roles: list[RoleCode] | None = Field(None, max_length=20)
