"""Who may read the audit log: the auditor (core.view_audit_log, granted in
accounts.permissions). Nobody may change it; no page or endpoint offers to."""

from __future__ import annotations

from typing import Any

from accounts.permissions import can_view_audit_log

__all__ = ["can_view_audit_log", "can_verify_audit_log", "can_export_audit_log"]


def can_export_audit_log(user: Any) -> bool:
    return can_view_audit_log(user)


def can_verify_audit_log(user: Any) -> bool:
    return can_view_audit_log(user)
