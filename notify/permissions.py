"""Who may read the outbox and delivery log."""

from __future__ import annotations

from typing import Any

from accounts.permissions import has_capability
from accounts.roles import Role

ROLE_GRANTS = {
    Role.SYSTEM_ADMIN: ["notify.view_delivery_log"],
    Role.SERVICE_MANAGER: ["notify.view_delivery_log"],
}


def can_view_delivery_log(user: Any) -> bool:
    return has_capability(user, "notify.view_delivery_log")
