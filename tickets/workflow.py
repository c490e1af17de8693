"""Which action may run in which status, per kind of ticket (its flow).

Every type follows the simple flow ``new → accepted → resolved → closed`` with
``waiting_customer`` / ``resume`` and ``reopen``. Another flow (the complaint
workflow) is registered with ``flow_register`` and chosen per type; its actions
join the registry in ``tickets.actions``. Services call ``transition_check``: a
wrong transition is a DomainError on field ``action``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

from core.errors import DomainError
from tickets.models import DONE_STATUSES, Ticket

S = Ticket.Status
OPEN_STATUSES = frozenset(s for s in S.values if s not in DONE_STATUSES)

SIMPLE_FLOW: dict[str, frozenset[str]] = {
    "accept": frozenset({S.NEW}),
    "transfer": OPEN_STATUSES,
    "wait_customer": frozenset({S.ACCEPTED}),
    "resume": frozenset({S.WAITING_CUSTOMER}),
    "resolve": frozenset({S.ACCEPTED, S.WAITING_CUSTOMER}),
    "close": frozenset({S.RESOLVED}),
    "reopen": frozenset({S.RESOLVED, S.CLOSED}),
}

FLOWS: dict[str, dict[str, frozenset[str]]] = {"simple": SIMPLE_FLOW}
FLOW_OF_TYPE: dict[str, str] = dict.fromkeys(Ticket.Type.values, "simple")


def flow_register(
    name: str,
    transitions: Mapping[str, Iterable[str]],
    *,
    types: Iterable[str] = (),
) -> None:
    """Add (or replace) a flow and make it the flow of ``types``."""
    FLOWS[name] = {
        action: frozenset(statuses) for action, statuses in transitions.items()
    }
    for ticket_type in types:
        FLOW_OF_TYPE[ticket_type] = name


def flow_name(ticket: Ticket) -> str:
    return FLOW_OF_TYPE.get(ticket.type, "simple")


def flow_of(ticket: Ticket) -> dict[str, frozenset[str]]:
    return FLOWS[flow_name(ticket)]


def transition_allowed(ticket: Ticket, action: str) -> bool:
    return ticket.status in flow_of(ticket).get(action, frozenset())


def transition_check(ticket: Ticket, action: str) -> None:
    """Refuse an action the ticket's flow does not allow in its status, or that a
    guard registered for the flow refuses (``tickets.extensions``)."""
    if not transition_allowed(ticket, action):
        raise DomainError(
            _("工单当前状态为“%(status)s”，不能执行此操作。")
            % {"status": ticket.get_status_display()},
            field="action",
            code="invalid_transition",
        )
    from tickets.extensions import GUARDS

    for guard in GUARDS.get((flow_name(ticket), action), ()):
        guard(ticket)
