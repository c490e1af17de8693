"""Who may configure the channels and handle the mail that could not be read."""

from __future__ import annotations

from typing import Any

from accounts.permissions import has_capability
from accounts.roles import Role

TEMPLATES = "channels.manage_templates"
CONFIGURE = "channels.manage_channels"
INBOUND = "channels.handle_inbound_mail"

ROLE_GRANTS = {
    Role.SERVICE_MANAGER: [TEMPLATES, INBOUND],
    Role.SUPERVISOR: [INBOUND],
    Role.SYSTEM_ADMIN: [CONFIGURE],
}


def can_manage_templates(user: Any) -> bool:
    """The Chinese texts customers receive: the service manager's."""
    return has_capability(user, TEMPLATES)


def can_manage_channels(user: Any) -> bool:
    """Mailbox, SMS gateway and group robots: the system administrator's."""
    return has_capability(user, CONFIGURE)


def can_handle_inbound_mail(user: Any) -> bool:
    """The list of inbound mail, reading the raw mail, marking it handled."""
    return has_capability(user, INBOUND)
