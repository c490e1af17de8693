"""Who may read calendars and compute business time, and who may change them."""

from __future__ import annotations

from typing import Any

from accounts.permissions import has_capability
from accounts.roles import Role

# Every member of staff reads calendars (clocks and due times depend on them); only
# the system administrator changes them (DESIGN "Users and roles").
ROLE_GRANTS: dict[str, list[str]] = {
    role: ["sla.view_calendars"] for role in Role if role != Role.SYSTEM_ADMIN
}
ROLE_GRANTS[Role.SYSTEM_ADMIN] = ["sla.view_calendars", "sla.manage_calendars"]


def can_view_calendars(user: Any) -> bool:
    return has_capability(user, "sla.view_calendars")


def can_manage_calendars(user: Any) -> bool:
    return has_capability(user, "sla.manage_calendars")


# Service levels and commitments: the service manager maintains them; the
# business roles and the auditor read them, the overdue lists and the rates.
MANAGE_LEVELS = "sla.manage_service_levels"
VIEW_LEVELS = "sla.view_service_levels"
for _role in (
    Role.AGENT,
    Role.SUPERVISOR,
    Role.SERVICE_MANAGER,
    Role.DEPARTMENT_STAFF,
    Role.DEPARTMENT_MANAGER,
    Role.GENERAL_MANAGER,
    Role.AUDITOR,
):
    ROLE_GRANTS[_role] = [*ROLE_GRANTS[_role], VIEW_LEVELS]
ROLE_GRANTS[Role.SERVICE_MANAGER].append(MANAGE_LEVELS)


def can_view_service_levels(user: Any) -> bool:
    return has_capability(user, VIEW_LEVELS)


def can_manage_service_levels(user: Any) -> bool:
    return has_capability(user, MANAGE_LEVELS)
