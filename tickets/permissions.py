"""Who may see and do what with tickets.

Customer service (agents, supervisor, service manager), the general manager and the
auditor read every ticket. Department staff and department managers read their
department's tickets, the ones they own and the ones they registered (首问负责: the
registrant can always see where a case went). The administrators read none.

Working a ticket (editing, transferring, replying, changing its status) is for its
owner and for those who manage it: the supervisor and service manager for every
ticket, a department's dispatcher for that department's tickets."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accounts.permissions import has_capability
from accounts.roles import Role

ADD = "tickets.add_ticket"
VIEW_ALL = "tickets.view_all_tickets"
WORK = "tickets.work_tickets"
SERVE = "tickets.serve_tickets"
DISPATCH = "tickets.dispatch_tickets"
MANAGE_CATEGORIES = "tickets.manage_categories"
HAND_OVER = "tickets.hand_over_tickets"

ROLE_GRANTS: dict[str, list[str]] = {
    Role.AGENT: [ADD, VIEW_ALL, WORK, SERVE],
    Role.SUPERVISOR: [ADD, VIEW_ALL, WORK, SERVE, DISPATCH, HAND_OVER],
    Role.SERVICE_MANAGER: [
        ADD,
        VIEW_ALL,
        WORK,
        SERVE,
        DISPATCH,
        MANAGE_CATEGORIES,
        HAND_OVER,
    ],
    # Any department registers what a customer brings to it (受理要快).
    Role.DEPARTMENT_STAFF: [ADD, WORK],
    Role.DEPARTMENT_MANAGER: [ADD, WORK],
    Role.GENERAL_MANAGER: [ADD, VIEW_ALL, WORK, HAND_OVER],
    # Read-only.
    Role.AUDITOR: [VIEW_ALL],
}


def _pk(user: Any) -> int | None:
    return getattr(user, "pk", None)


def can_view_tickets(user: Any) -> bool:
    """The ticket pages and API at all."""
    return has_capability(user, VIEW_ALL) or has_capability(user, ADD)


def can_register_tickets(user: Any) -> bool:
    return has_capability(user, ADD)


def can_work_tickets(user: Any) -> bool:
    """May own tickets (a transfer names only such a person)."""
    return has_capability(user, WORK)


def serves_customers(user: Any) -> bool:
    """Customer service: owns what it registers, may reopen any ticket."""
    return has_capability(user, SERVE)


def can_dispatch_any(user: Any) -> bool:
    return has_capability(user, DISPATCH)


def can_manage_categories(user: Any) -> bool:
    return has_capability(user, MANAGE_CATEGORIES)


def ticket_visibility_q(user: Any) -> Q:
    """The tickets ``user`` may read."""
    if has_capability(user, VIEW_ALL):
        return Q()
    if not has_capability(user, ADD) and not has_capability(user, WORK):
        return Q(pk__in=[])
    visible = Q(owner_id=user.pk) | Q(registered_by_id=user.pk)
    if user.department_id:
        visible |= Q(department_id=user.department_id)
    return visible


def _in_department(user: Any, ticket: Any) -> bool:
    return bool(ticket.department_id) and ticket.department_id == getattr(
        user, "department_id", None
    )


def is_dispatcher_of(user: Any, ticket: Any) -> bool:
    """The dispatcher of the ticket's department (reads ``ticket.department``)."""
    department = ticket.department if ticket.department_id else None
    return department is not None and department.dispatcher_id == _pk(user)


def can_view_ticket_internals(user: Any, ticket: Any) -> bool:
    """The whole timeline, internal notes included. A registrant who is neither
    in the ticket's department nor its owner sees its status and what the
    customer sees."""
    return (
        has_capability(user, VIEW_ALL)
        or ticket.owner_id == _pk(user)
        or (can_work_tickets(user) and _in_department(user, ticket))
    )


def manages_ticket(user: Any, ticket: Any) -> bool:
    """Supervisors and the service manager manage every ticket; a dispatcher the
    tickets of their department."""
    if not can_work_tickets(user):
        return False
    return can_dispatch_any(user) or is_dispatcher_of(user, ticket)


def can_edit_ticket(user: Any, ticket: Any) -> bool:
    """Edit, transfer, wait, resume, resolve, close, reply: owner or manager."""
    if not can_work_tickets(user):
        return False
    return ticket.owner_id == _pk(user) or manages_ticket(user, ticket)


def can_accept_ticket(user: Any, ticket: Any) -> bool:
    """Take a ticket: its owner or a manager; and, while it waits in a
    department's queue, any member of that department."""
    if not can_work_tickets(user):
        return False
    if can_edit_ticket(user, ticket):
        return True
    return ticket.unassigned and _in_department(user, ticket)


def can_reopen_ticket(user: Any, ticket: Any) -> bool:
    """A customer may call back anyone in customer service."""
    return can_edit_ticket(user, ticket) or (
        can_work_tickets(user) and serves_customers(user)
    )


def can_add_note(user: Any, ticket: Any) -> bool:
    return can_work_tickets(user) and can_view_ticket_internals(user, ticket)


def can_reply(user: Any, ticket: Any) -> bool:
    return can_edit_ticket(user, ticket)


def can_hand_over_tickets(user: Any) -> bool:
    """Moving a person's open tickets when they leave or change job: the
    supervisor, the service manager and the general manager."""
    return has_capability(user, HAND_OVER)
