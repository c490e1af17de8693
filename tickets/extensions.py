"""Extension points of tickets for other apps (the complaint workflow, later the
portal and e-mail): checks of the text of a reply, work to do when a ticket is
registered, rules that guard a transition, and panels on the detail page.

Each is a plain registry filled in an ``AppConfig.ready``; tickets itself knows
nothing about who registers what."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

# --- checks of the text of a reply ----------------------------------------------------


@dataclass(frozen=True)
class ReplyWarning:
    """Something in a reply the sender must confirm before it goes out."""

    code: str  # e.g. "promise_wording"; the API's error code
    message: str
    words: tuple[str, ...] = ()
    explanation: str = ""


REPLY_CHECKS: list[Callable[[str], list[ReplyWarning]]] = []


def reply_check_register(check: Callable[[str], list[ReplyWarning]]) -> None:
    if check not in REPLY_CHECKS:
        REPLY_CHECKS.append(check)


def reply_warnings(text: str) -> list[ReplyWarning]:
    """What every registered check finds in ``text`` (a reply or a template)."""
    return [w for check in REPLY_CHECKS for w in check(text or "")]


# --- work done when a ticket is registered (inside the same transaction) --------------

TICKET_CREATED: list[Callable[..., None]] = []


def ticket_created_register(hook: Callable[..., None]) -> None:
    """``hook(*, ticket, actor, request)`` runs in the registering transaction."""
    if hook not in TICKET_CREATED:
        TICKET_CREATED.append(hook)


def ticket_created_run(*, ticket: Any, actor: Any, request: Any = None) -> None:
    for hook in TICKET_CREATED:
        hook(ticket=ticket, actor=actor, request=request)


# --- guards of transitions -------------------------------------------------------------

# (flow, action) → checks(ticket) that raise DomainError when the doctrine forbids it.
GUARDS: dict[tuple[str, str], list[Callable[[Any], None]]] = {}


def transition_guard_register(
    flow: str, action: str, guard: Callable[[Any], None]
) -> None:
    guards = GUARDS.setdefault((flow, action), [])
    if guard not in guards:
        guards.append(guard)


# --- panels on the detail page ---------------------------------------------------------


@dataclass(frozen=True)
class TicketPanel:
    """A card on the ticket page: ``context(user, ticket)`` returns the partial's
    context (None: nothing to show); ``column`` is "main" or "side"."""

    key: str
    template: str
    context: Callable[[Any, Any], dict | None]
    column: str = "side"
    order: int = 100
    label: Promise | str = ""
    extra: dict = field(default_factory=dict)


PANELS: dict[str, TicketPanel] = {}


def ticket_panel_register(panel: TicketPanel) -> None:
    PANELS[panel.key] = panel


def ticket_panels(user: Any, ticket: Any) -> dict[str, list[dict]]:
    """The panels this user sees on this ticket, by column."""
    shown: dict[str, list[dict]] = {"main": [], "side": []}
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(user, ticket)
        if context is not None:
            shown[panel.column].append({"template": panel.template, **context})
    return shown


def confirmations_clean(values: Iterable[str] | None) -> frozenset[str]:
    return frozenset(v for v in (values or ()) if v)
