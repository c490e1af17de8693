"""The open registry of ticket actions: name → who may, when it is possible, the
shape of its input, the service that runs it, and how the detail page offers it.

The pages (``POST /tickets/<number>/actions/<name>/``) and the API
(``POST /api/v1/tickets/{number}/actions/{name}``) both run actions through
``action_run``, so another app adds its own (``assess``, ``assign_department`` …)
with ``action_register`` and a flow in ``tickets.workflow`` — no change here::

    action_register(TicketAction(
        name="assess", label=_("投诉判断"), schema=AssessIn, perform=_assess,
        permitted=can_assess, possible=lambda t: transition_allowed(t, "assess"),
        template="complaints/actions/_assess.html"))

``perform(*, ticket, actor, version, request, **values)`` receives the validated
input (a dict of the schema's fields) and returns the ticket; it must raise
PermissionDenied, DomainError (field ``action`` for a wrong transition) or
Conflict itself, as every service does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pydantic
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Schema

from core.errors import DomainError, FieldError
from tickets import services
from tickets.models import Ticket
from tickets.permissions import can_accept_ticket, can_edit_ticket, can_reopen_ticket
from tickets.selectors import department_named, user_named
from tickets.workflow import transition_allowed


@dataclass(frozen=True)
class TicketAction:
    name: str
    label: Promise
    schema: type[Schema]
    perform: Callable[..., Ticket]
    permitted: Callable[[Any, Ticket], bool]
    possible: Callable[[Ticket], bool]
    # The form on the detail page (a partial receiving ``ticket``, ``action`` and
    # the transfer choices); empty: a plain button.
    template: str = ""
    icon: str = ""
    primary: bool = False
    order: int = 100
    done_message: Promise | str = ""
    # Extra context of the form's partial: ``context(user, ticket) -> dict``.
    context: Callable[[Any, Ticket], dict] | None = None


ACTIONS: dict[str, TicketAction] = {}


def action_register(action: TicketAction) -> TicketAction:
    """Add an action (or replace one of the same name)."""
    ACTIONS[action.name] = action
    return action


def action_get(name: str) -> TicketAction:
    action = ACTIONS.get(name)
    if action is None:
        raise DomainError(
            _("未知操作：%(action)s。") % {"action": name[:50]},
            field="action",
            code="unknown_action",
        )
    return action


def actions_available(user: Any, ticket: Ticket) -> list[TicketAction]:
    """The actions the detail page offers this user now (the services check again)."""
    return sorted(
        (
            a
            for a in ACTIONS.values()
            if a.possible(ticket) and a.permitted(user, ticket)
        ),
        key=lambda a: (a.order, a.name),
    )


class ActionInputInvalid(DomainError):
    """The input does not fit the action's schema; ``errors_raw`` are pydantic's
    (the API reports them in its standard shape)."""

    def __init__(self, errors_raw: list[dict]) -> None:
        self.errors_raw = errors_raw
        errors = [
            FieldError(
                ".".join(str(p) for p in e.get("loc", ())) or None,
                _("此项为必填项。") if e.get("type") == "missing" else _("取值无效。"),
                e.get("type", "invalid"),
            )
            for e in errors_raw
        ]
        super().__init__(
            errors[0].message, field=errors[0].field, code="invalid", errors=errors
        )


def _version(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        version = int(value)
    except (TypeError, ValueError):
        raise DomainError(
            _("版本号必须是整数。"), field="version", code="int_parsing"
        ) from None
    if version < 0:
        raise DomainError(_("版本号无效。"), field="version", code="invalid")
    return version


def action_run(
    *,
    name: str,
    ticket: Ticket,
    actor: Any,
    data: dict[str, Any],
    request: HttpRequest | None = None,
) -> Ticket:
    """Validate ``data`` with the action's schema and run it; ``data`` may carry
    an optional ``version`` (a stale one is a Conflict; each action adds 1)."""
    action = action_get(name)
    data = dict(data)
    version = _version(data.pop("version", None))
    try:
        values = action.schema.model_validate(data).model_dump()
    except pydantic.ValidationError as exc:
        raise ActionInputInvalid(exc.errors(include_url=False)) from None
    return action.perform(
        ticket=ticket, actor=actor, version=version, request=request, **values
    )


# --- the actions of the simple flow -----------------------------------------------


class NoInput(Schema):
    pass


class TransferIn(Schema):
    to_user: str | None = Field(None, max_length=150, description="username")
    to_department: str | None = Field(None, max_length=32, description="code")
    reason: str = Field("", max_length=2000)


class ReasonIn(Schema):
    reason: str = Field("", max_length=2000)


class ResolveIn(Schema):
    summary: str = Field("", max_length=10000)


def _transfer(
    *,
    ticket: Ticket,
    actor: Any,
    version: int | None,
    request: HttpRequest | None,
    to_user: str | None,
    to_department: str | None,
    reason: str,
) -> Ticket:
    return services.ticket_transfer(
        ticket=ticket,
        actor=actor,
        version=version,
        request=request,
        reason=reason,
        to_user=user_named(to_user, field="to_user") if to_user else None,
        to_department=department_named(to_department, field="to_department")
        if to_department
        else None,
    )


def _possible(name: str) -> Callable[[Ticket], bool]:
    return lambda ticket: transition_allowed(ticket, name)


action_register(
    TicketAction(
        name="accept",
        label=gettext_lazy("受理"),
        schema=NoInput,
        perform=services.ticket_accept,
        permitted=can_accept_ticket,
        possible=lambda t: transition_allowed(t, "accept") or t.unassigned,
        icon="hand-grab",
        primary=True,
        order=10,
        done_message=gettext_lazy("已受理，您是这张工单的负责人。"),
    )
)
action_register(
    TicketAction(
        name="transfer",
        label=gettext_lazy("转交"),
        schema=TransferIn,
        perform=_transfer,
        permitted=can_edit_ticket,
        possible=_possible("transfer"),
        template="tickets/actions/_transfer.html",
        icon="arrow-forward-up",
        order=20,
        done_message=gettext_lazy("已转交。"),
    )
)
action_register(
    TicketAction(
        name="wait_customer",
        label=gettext_lazy("等待客户"),
        schema=ReasonIn,
        perform=services.ticket_wait_customer,
        permitted=can_edit_ticket,
        possible=_possible("wait_customer"),
        template="tickets/actions/_wait_customer.html",
        icon="player-pause",
        order=30,
        done_message=gettext_lazy("工单在等待客户，时限暂停计算。"),
    )
)
action_register(
    TicketAction(
        name="resume",
        label=gettext_lazy("继续处理"),
        schema=NoInput,
        perform=services.ticket_resume,
        permitted=can_edit_ticket,
        possible=_possible("resume"),
        icon="player-play",
        primary=True,
        order=31,
        done_message=gettext_lazy("工单继续处理。"),
    )
)
action_register(
    TicketAction(
        name="resolve",
        label=gettext_lazy("解决"),
        schema=ResolveIn,
        perform=services.ticket_resolve,
        permitted=can_edit_ticket,
        possible=_possible("resolve"),
        template="tickets/actions/_resolve.html",
        icon="circle-check",
        primary=True,
        order=40,
        done_message=gettext_lazy("工单已解决。"),
    )
)
action_register(
    TicketAction(
        name="close",
        label=gettext_lazy("关闭"),
        schema=NoInput,
        perform=services.ticket_close,
        permitted=can_edit_ticket,
        possible=_possible("close"),
        icon="lock",
        order=50,
        done_message=gettext_lazy("工单已关闭。"),
    )
)
action_register(
    TicketAction(
        name="reopen",
        label=gettext_lazy("重新打开"),
        schema=ReasonIn,
        perform=services.ticket_reopen,
        permitted=can_reopen_ticket,
        possible=_possible("reopen"),
        template="tickets/actions/_reopen.html",
        icon="refresh",
        order=60,
        done_message=gettext_lazy("工单已重新打开。"),
    )
)
