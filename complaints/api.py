"""API of the complaint workflow beyond the ticket actions (which run through
``POST /api/v1/tickets/{number}/actions/{action}``): complaint lists and records,
bulletins and their acknowledgement, and the promise-wording check."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Router, Schema

from complaints import selectors, services
from complaints.permissions import can_view_complaints
from core.audit import get_visible_or_404
from core.pagination import keyset_paginate
from core.schema import CursorPage, ErrorOut, LocalDateTime
from tickets.extensions import reply_warnings
from tickets.models import Ticket
from tickets.permissions import can_view_ticket_internals
from tickets.selectors import number_clean, ticket_visible

router = Router(tags=["complaints"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ComplaintItemOut(Schema):
    number: str
    status: str
    source: str
    severity: str
    subject: str
    created_at: LocalDateTime


class RemedyOut(Schema):
    asked: str
    kind: str
    amount: Decimal
    policy_kind: str
    policy_amount: Decimal
    status: str
    proposed_by: str
    decided_by: str | None = None


class ComplaintOut(Schema):
    number: str
    status: str
    valid: bool | None
    assessment_reason: str
    is_group: bool
    department: str | None
    findings: str
    root_cause: str | None
    responsibility: str
    escalation_level: int
    recurrence_count: int
    recurs: list[str]
    satisfied: bool | None
    handling_ok: bool | None
    systemic: bool | None
    corrective_done: bool | None
    remedies: list[RemedyOut]


class AckOut(Schema):
    department: str
    acknowledged_at: LocalDateTime | None
    acknowledged_by: str | None
    remind_count: int


class BulletinOut(Schema):
    id: int
    number: str
    message: str
    sent_by: str
    created_at: LocalDateTime
    acks: list[AckOut]


class CheckIn(Schema):
    body: str = Field(..., max_length=10000)


class WarningOut(Schema):
    code: str
    message: str
    words: list[str]


def _reader(request: HttpRequest) -> None:
    if not can_view_complaints(request.auth):
        raise PermissionDenied


@router.get("/complaints", response={200: CursorPage[ComplaintItemOut], **ERRORS})
def list_complaints(
    request: HttpRequest,
    status: str = "",
    limit: int | None = None,
    cursor: str | None = None,
):
    """Complaints the caller may read, newest first; ``status`` a status code or
    ``open``."""
    _reader(request)
    page = keyset_paginate(
        selectors.complaint_list_visible(user=request.auth, status=status[:20]),
        ordering=["-created_at", "-id"],
        cursor=cursor,
        limit=limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/complaints/{number}", response={200: ComplaintOut, **ERRORS})
def get_complaint(request: HttpRequest, number: str):
    """The workflow record of a complaint (for those who see its internals)."""
    _reader(request)
    ticket = get_visible_or_404(
        request,
        ticket_visible(user=request.auth).filter(type=Ticket.Type.COMPLAINT),
        number=number_clean(number),
    )
    if not can_view_ticket_internals(request.auth, ticket):
        raise PermissionDenied
    services.complaint_ensure(ticket)
    detail = selectors.complaint_detail(ticket=ticket)
    c = detail["complaint"]
    return {
        "number": ticket.number,
        "status": ticket.status,
        "valid": c.valid,
        "assessment_reason": c.assessment_reason,
        "is_group": c.is_group,
        "department": c.investigating_department.code
        if c.investigating_department
        else None,
        "findings": c.findings,
        "root_cause": c.root_cause.code if c.root_cause else None,
        "responsibility": c.responsibility,
        "escalation_level": c.escalation_level,
        "recurrence_count": c.recurrence_count,
        "recurs": [link.number for link in detail["recurrences"]],
        "satisfied": c.satisfied,
        "handling_ok": c.handling_ok,
        "systemic": c.systemic,
        "corrective_done": c.corrective_done,
        "remedies": [
            {
                "asked": r.asked,
                "kind": r.kind,
                "amount": r.amount,
                "policy_kind": r.policy_kind,
                "policy_amount": r.policy_amount,
                "status": r.status,
                "proposed_by": r.proposed_by.username,
                "decided_by": r.decided_by.username if r.decided_by else None,
            }
            for r in detail["remedies"]
        ],
    }


def _bulletin_out(bulletin, acks) -> dict:
    return {
        "id": bulletin.pk,
        "number": bulletin.complaint.ticket.number,
        "message": bulletin.message,
        "sent_by": bulletin.sent_by.username,
        "created_at": bulletin.created_at,
        "acks": [
            {
                "department": a.department.code,
                "acknowledged_at": a.acknowledged_at,
                "acknowledged_by": a.acknowledged_by.username
                if a.acknowledged_by
                else None,
                "remind_count": a.remind_count,
            }
            for a in acks
        ],
    }


@router.get("/bulletins/{bulletin_id}", response={200: BulletinOut, **ERRORS})
def get_bulletin(request: HttpRequest, bulletin_id: int):
    _reader(request)
    bulletin = selectors.bulletin_get_visible(user=request.auth, pk=bulletin_id)
    return _bulletin_out(bulletin, selectors.bulletin_acks(bulletin))


@router.post(
    "/bulletins/{bulletin_id}/acknowledge", response={200: BulletinOut, **ERRORS}
)
def acknowledge_bulletin(request: HttpRequest, bulletin_id: int):
    """The caller's department acknowledges the bulletin."""
    _reader(request)
    bulletin = selectors.bulletin_get_visible(user=request.auth, pk=bulletin_id)
    services.bulletin_acknowledge(
        bulletin=bulletin, actor=request.auth, request=request
    )
    return _bulletin_out(bulletin, selectors.bulletin_acks(bulletin))


@router.post("/bulletins/{bulletin_id}/remind", response={200: BulletinOut, **ERRORS})
def remind_bulletin(request: HttpRequest, bulletin_id: int):
    """Remind the departments that have not acknowledged (sender or approvers)."""
    _reader(request)
    bulletin = selectors.bulletin_get_visible(user=request.auth, pk=bulletin_id)
    services.bulletin_remind(bulletin=bulletin, actor=request.auth, request=request)
    return _bulletin_out(bulletin, selectors.bulletin_acks(bulletin))


@router.post("/reply-check", response={200: list[WarningOut], **ERRORS})
def check_reply(request: HttpRequest, payload: CheckIn):
    """What a reply or a reply template would be warned about (promise wording
    …) before it is sent."""
    _reader(request)
    return [
        {"code": w.code, "message": w.message, "words": list(w.words)}
        for w in reply_warnings(payload.body)
    ]
