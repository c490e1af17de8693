"""The complaint flow, its actions, the reply check, the registration hook and the
panel on the ticket page, registered with the tickets app's extension points."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from ninja import Field, Schema
from pydantic import field_validator

from tickets.models import Ticket

S = Ticket.Status
OPEN = frozenset(
    {
        S.NEW,
        S.ACCEPTED,
        S.ASSESSING,
        S.INVESTIGATING,
        S.REMEDY_PENDING,
        S.REPLIED,
        S.FOLLOW_UP,
        S.WAITING_CUSTOMER,
    }
)
WORKING = frozenset({S.ACCEPTED, S.ASSESSING, S.INVESTIGATING, S.REPLIED, S.FOLLOW_UP})

# action → the statuses it may run in (the order of DESIGN §2).
COMPLAINT_FLOW: dict[str, frozenset[str]] = {
    "accept": frozenset({S.NEW}),
    "transfer": OPEN - {S.NEW},
    "assess": frozenset({S.ACCEPTED, S.ASSESSING}),
    "assign_department": frozenset({S.ASSESSING}),
    "record_findings": frozenset({S.INVESTIGATING}),
    "propose_remedy": frozenset({S.INVESTIGATING}),
    "approve_remedy": frozenset({S.REMEDY_PENDING}),
    "reply": frozenset({S.ASSESSING, S.INVESTIGATING}),
    # Resolved: complaints registered before the workflow existed.
    "follow_up": frozenset({S.REPLIED, S.FOLLOW_UP, S.RESOLVED}),
    "close": frozenset({S.REPLIED, S.FOLLOW_UP, S.RESOLVED}),
    "archive": frozenset({S.CLOSED}),
    "reopen": frozenset({S.CLOSED, S.RESOLVED}),
    "escalate": OPEN - {S.NEW},
    "bulletin": (OPEN - {S.NEW}) | {S.CLOSED},
    "wait_customer": WORKING,
    "resume": frozenset({S.WAITING_CUSTOMER}),
}


class AssessIn(Schema):
    valid: bool
    reason: str = Field("", max_length=2000)
    group: bool = False


class AssignIn(Schema):
    department: str = Field(..., max_length=32, description="code")
    reason: str = Field("", max_length=2000)


class FindingsIn(Schema):
    findings: str = Field("", max_length=10000)
    root_cause: str = Field("", max_length=32, description="code")
    responsibility: str = Field("", max_length=16, description="ours|customer|unclear")


class RemedyIn(Schema):
    asked: str = Field("", max_length=10000)
    kind: str = Field("", max_length=16)
    amount: str = Field("", max_length=32, description="CNY, e.g. 200 or 99.50")

    @field_validator("amount", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value


class ApproveIn(Schema):
    approve: bool
    comment: str = Field("", max_length=2000)


class ReplyIn(Schema):
    body: str = Field("", max_length=10000)
    confirm_promise_wording: bool = False


class FollowUpIn(Schema):
    satisfied: bool = False
    handling_ok: bool = False
    systemic: bool = False
    corrective_done: bool = False
    comment: str = Field("", max_length=10000)


class BulletinIn(Schema):
    departments: list[str] = Field(..., description="department codes")
    message: str = Field("", max_length=10000)

    @field_validator("departments", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v for v in (p.strip() for p in value.split(",")) if v]
        return value


def _possible(name: str):
    from tickets.workflow import transition_allowed

    return lambda ticket: transition_allowed(ticket, name)


def install() -> None:
    from complaints import actions, services, views
    from core.audit import audit_events_register
    from tickets.actions import TicketAction, action_register
    from tickets.extensions import (
        TicketPanel,
        reply_check_register,
        ticket_created_register,
        ticket_panel_register,
    )
    from tickets.workflow import flow_register

    flow_register("complaint", COMPLAINT_FLOW, types=[Ticket.Type.COMPLAINT])
    services.guards_install()
    reply_check_register(services.promise_wording_check)
    ticket_created_register(services.complaint_register)
    ticket_panel_register(
        TicketPanel(
            key="complaint",
            template="complaints/partials/_panel.html",
            context=views.panel_context,
            column="main",
            order=10,
        )
    )
    audit_events_register(
        {
            "complaint.export": gettext_lazy("导出投诉"),
            "complaint.settings": gettext_lazy("修改投诉处理设置"),
        }
    )
    for action in actions.ACTIONS:
        action_register(action)
    from sla.sweep import escalation_register

    escalation_register(Ticket.Type.COMPLAINT, services.complaint_breaches_escalate)
    _ = TicketAction  # the registry's type, for readers
