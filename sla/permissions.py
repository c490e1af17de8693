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
