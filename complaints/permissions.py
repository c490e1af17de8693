"""Who may do what in the complaint workflow. The ticket's own rules (tickets.
permissions) decide who reads it and who works it; these add the steps."""

from __future__ import annotations

from typing import Any

from accounts.permissions import has_capability, has_role
from accounts.roles import Role
from tickets.permissions import (
    can_edit_ticket,
    can_view_ticket_internals,
    can_view_tickets,
    can_work_tickets,
    manages_ticket,
)

EXPORT = "complaints.export_complaints"
CONFIGURE = "complaints.configure_complaints"
APPROVE = "complaints.approve_remedies"
ACKNOWLEDGE = "complaints.acknowledge_bulletins"

ROLE_GRANTS: dict[str, list[str]] = {
    Role.AGENT: [ACKNOWLEDGE],
    Role.SUPERVISOR: [APPROVE, ACKNOWLEDGE, EXPORT],
    Role.SERVICE_MANAGER: [APPROVE, ACKNOWLEDGE, EXPORT, CONFIGURE],
    Role.DEPARTMENT_STAFF: [ACKNOWLEDGE],
    Role.DEPARTMENT_MANAGER: [ACKNOWLEDGE],
    Role.GENERAL_MANAGER: [APPROVE, ACKNOWLEDGE, EXPORT],
}

# The escalation ladder (and the roles that approve remedies), by rank.
LADDER = {
    1: Role.SUPERVISOR,
    2: Role.SERVICE_MANAGER,
    3: Role.GENERAL_MANAGER,
}


def user_rank(user: Any) -> int:
    """The highest rung of the ladder the user stands on (0: none)."""
    return max(
        (rank for rank, role in LADDER.items() if has_role(user, role)), default=0
    )


def can_view_complaints(user: Any) -> bool:
    return can_view_tickets(user)


def can_work_complaint(user: Any, ticket: Any) -> bool:
    """Assess, assign, propose remedies, reply, follow up: the owner (customer
    service) or whoever manages the ticket."""
    return can_edit_ticket(user, ticket)


def can_record_findings(user: Any, ticket: Any) -> bool:
    """The responsible department investigates: its members, while the complaint
    is with it, and those who manage the ticket."""
    if not can_work_tickets(user):
        return False
    return manages_ticket(user, ticket) or (
        bool(ticket.department_id)
        and ticket.department_id == getattr(user, "department_id", None)
    )


def can_approve_remedy(user: Any, ticket: Any) -> bool:
    return has_capability(user, APPROVE) and can_view_ticket_internals(user, ticket)


def can_escalate_complaint(user: Any, ticket: Any) -> bool:
    return can_edit_ticket(user, ticket) or (
        has_capability(user, APPROVE) and can_view_ticket_internals(user, ticket)
    )


def can_send_bulletin(user: Any, ticket: Any) -> bool:
    return can_edit_ticket(user, ticket) or (
        has_capability(user, APPROVE) and can_view_ticket_internals(user, ticket)
    )


def can_acknowledge_bulletin(user: Any, department_id: int) -> bool:
    return (
        has_capability(user, ACKNOWLEDGE)
        and getattr(user, "department_id", None) == department_id
    )


def can_remind_bulletin(user: Any, bulletin: Any) -> bool:
    return bulletin.sent_by_id == getattr(user, "pk", None) or has_capability(
        user, APPROVE
    )


def can_export_complaints(user: Any) -> bool:
    return has_capability(user, EXPORT)


def can_configure_complaints(user: Any) -> bool:
    return has_capability(user, CONFIGURE)
