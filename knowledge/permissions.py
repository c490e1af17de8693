"""Who may do what with knowledge. FAQ articles are public once published;
customer service managers maintain them and the reply templates. Every business
role and the auditor read the case library; the supervisor and the service
manager write cases and assign them as required reading."""

from __future__ import annotations

from typing import Any

from accounts.permissions import has_capability
from accounts.roles import Role

MANAGE = "knowledge.manage_knowledge"
VIEW_CASES = "knowledge.view_cases"
MANAGE_CASES = "knowledge.manage_cases"

ROLE_GRANTS: dict[str, list[str]] = {
    Role.AGENT: [VIEW_CASES],
    Role.SUPERVISOR: [VIEW_CASES, MANAGE, MANAGE_CASES],
    Role.SERVICE_MANAGER: [VIEW_CASES, MANAGE, MANAGE_CASES],
    Role.DEPARTMENT_STAFF: [VIEW_CASES],
    Role.DEPARTMENT_MANAGER: [VIEW_CASES],
    Role.GENERAL_MANAGER: [VIEW_CASES],
    Role.AUDITOR: [VIEW_CASES],
}


def can_manage_knowledge(user: Any) -> bool:
    return has_capability(user, MANAGE)


def can_view_cases(user: Any) -> bool:
    return has_capability(user, VIEW_CASES)


def can_manage_cases(user: Any) -> bool:
    return has_capability(user, MANAGE_CASES)


def can_use_knowledge(user: Any) -> bool:
    """The knowledge pages at all (FAQ list for staff, cases)."""
    return can_view_cases(user) or can_manage_knowledge(user)
