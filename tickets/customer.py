"""What the customer does on their ticket (through the portal's private link,
later by e-mail): write to us, confirm that a resolved ticket is settled or say
it is not, and appeal a closed complaint. There is no staff actor: the
timeline records the customer, and the owner is told."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from tickets.models import Ticket, TicketEvent
from tickets.services import (
    _event,
    _locked,
    _save,
    _set_status,
    _status_event,
    _tell,
    service_dispatcher,
)
from tickets.validation import body_clean, reason_clean
from tickets.workflow import FLOW_OF_TYPE

S = Ticket.Status
K = TicketEvent.Kind
CLOSED = (S.CLOSED, S.ARCHIVED)


def _owner_back_if_gone(ticket: Ticket, fields: list[str]) -> None:
    """An owner who has left is replaced by the customer service dispatcher."""
    if not ticket.owner.is_active:
        dispatcher = service_dispatcher()
        if dispatcher is not None:
            ticket.owner, ticket.department = dispatcher, dispatcher.department
            ticket.unassigned = True
            fields += ["owner", "department", "unassigned"]


@transaction.atomic
def ticket_customer_message(
    *,
    ticket: Ticket,
    body: str,
    via: str = "portal",
    request: HttpRequest | None = None,
) -> TicketEvent:
    """The customer wrote. On the timeline for everyone; a ticket waiting on the
    customer goes back to where it waited (the clocks run again). A closed
    ticket takes no more messages (a complaint may be appealed instead)."""
    ticket = _locked(ticket)
    body = body_clean(body, label=_("留言内容"))
    if ticket.status in CLOSED:
        raise DomainError(
            _("工单已关闭，不能再留言。如对投诉处理结果不满意，可以申诉。"),
            field="body",
            code="closed",
        )
    now = timezone.now()
    event = _event(ticket, K.CUSTOMER, None, now=now, public=True, body=body, via=via)
    if ticket.status == S.WAITING_CUSTOMER:
        previous = _set_status(ticket, ticket.paused_status or S.ACCEPTED)
        ticket.paused_status = ""
        _save(ticket, ["status", "is_open", "paused_status"], now=now)
        _status_event(ticket, None, previous, now=now, by="customer")
    else:
        Ticket.objects.filter(pk=ticket.pk).update(last_activity_at=now)
    _tell(
        ticket.owner_id,
        title=_("客户留言：%(number)s %(subject)s")
        % {"number": ticket.number, "subject": ticket.subject},
        ticket=ticket,
        key=f"ticket.customer.{event.pk}",
    )
    return event


@transaction.atomic
def ticket_customer_confirm(
    *,
    ticket: Ticket,
    satisfied: bool,
    comment: str = "",
    request: HttpRequest | None = None,
) -> Ticket:
    """The customer answers whether a resolved ticket is settled: satisfied
    closes it; not satisfied opens it again for its owner."""
    ticket = _locked(ticket)
    if ticket.status != S.RESOLVED:
        raise DomainError(
            _("只有已解决的工单才能确认处理结果。"),
            field="satisfied",
            code="not_resolved",
        )
    comment = (comment or "").strip()
    if comment:
        comment = body_clean(comment, field="comment", label=_("意见"))
    elif not satisfied:
        raise DomainError(
            _("请告诉我们哪里还没有解决。"), field="comment", code="required"
        )
    now = timezone.now()
    fields = ["status", "is_open", "unassigned"]
    if satisfied:
        previous = _set_status(ticket, S.CLOSED)
        ticket.closed_at = now
        fields.append("closed_at")
        title = _("客户确认已解决：%(number)s %(subject)s")
    else:
        previous = _set_status(ticket, S.ACCEPTED)
        ticket.resolved_at = None
        ticket.first_contact_resolution = False
        fields += ["resolved_at", "first_contact_resolution"]
        _owner_back_if_gone(ticket, fields)
        title = _("客户表示问题未解决：%(number)s %(subject)s")
    _save(ticket, fields, now=now)
    _status_event(
        ticket,
        None,
        previous,
        now=now,
        body=comment,
        by="customer",
        satisfied=satisfied,
    )
    _tell(
        ticket.owner_id,
        title=title % {"number": ticket.number, "subject": ticket.subject},
        ticket=ticket,
        key=f"ticket.confirm.{ticket.pk}.{ticket.version}",
    )
    return ticket


def appeal_status() -> str:
    """An appealed complaint is assessed again (判断); until the complaint
    workflow is installed, it is simply accepted again."""
    return (
        S.ASSESSING
        if FLOW_OF_TYPE.get("complaint", "simple") != "simple"
        else S.ACCEPTED
    )


@transaction.atomic
def ticket_customer_appeal(
    *, ticket: Ticket, reason: str, request: HttpRequest | None = None
) -> Ticket:
    """The customer appeals (申诉) a closed complaint: it is opened again to be
    assessed anew. The caller escalates it."""
    ticket = _locked(ticket)
    reason = reason_clean(reason, label=_("申诉理由"))
    if ticket.type != Ticket.Type.COMPLAINT:
        raise DomainError(_("只有投诉可以申诉。"), field="reason", code="not_complaint")
    if ticket.status != S.CLOSED:
        raise DomainError(
            _("投诉关闭以后才能申诉；处理中的投诉请直接留言。"),
            field="reason",
            code="not_closed",
        )
    now = timezone.now()
    previous = _set_status(ticket, appeal_status())
    ticket.closed_at = None
    ticket.resolved_at = None
    fields: list[str] = ["status", "is_open", "closed_at", "resolved_at"]
    _owner_back_if_gone(ticket, fields)
    _save(ticket, fields, now=now)
    _event(ticket, K.CUSTOMER, None, now=now, public=True, body=reason, appeal=True)
    _status_event(ticket, None, previous, now=now, by="customer", appeal=True)
    return ticket
