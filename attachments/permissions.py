"""Who may read and add a ticket's files: the ticket's own rules. Files of
internal notes need the ticket's internals; the customer's link reads the public
ones (checked by the portal)."""

from __future__ import annotations

from typing import Any

from tickets.permissions import (
    can_add_note,
    can_reply,
    can_view_ticket_internals,
    ticket_visibility_q,
)

ROLE_GRANTS: dict[str, list[str]] = {}


def can_view_attachment(user: Any, attachment: Any, *, ticket_visible: bool) -> bool:
    """``ticket_visible``: the ticket is in ``ticket_visibility_q(user)``."""
    if not ticket_visible:
        return False
    return attachment.is_public or can_view_ticket_internals(user, attachment.ticket)


def can_attach(user: Any, ticket: Any, *, public: bool) -> bool:
    """Files go with a reply (customer-visible) or with an internal note."""
    return can_reply(user, ticket) if public else can_add_note(user, ticket)


__all__ = ["can_attach", "can_view_attachment", "ticket_visibility_q"]
