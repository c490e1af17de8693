"""API: tickets, their timeline and their actions (contract v1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import ValidationError

from core.audit import get_visible_or_404
from core.pagination import keyset_paginate
from core.schema import ConflictOut, CursorPage, ErrorOut
from tickets import selectors, services
from tickets.actions import ActionInputInvalid, action_run
from tickets.models import Ticket
from tickets.permissions import (
    can_view_ticket_internals,
    can_view_tickets,
)
from tickets.schemas import (
    ActionIn,
    EventIn,
    EventOut,
    TicketCreatedOut,
    TicketIn,
    TicketOut,
    TicketPatch,
)

router = Router(tags=["tickets"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
EDIT_ERRORS = {**ERRORS, 409: ConflictOut}


def _reader(request: HttpRequest) -> None:
    if not can_view_tickets(request.auth):
        raise PermissionDenied


def _ticket(request: HttpRequest, number: str) -> Ticket:
    _reader(request)
    return get_visible_or_404(
        request,
        selectors.ticket_visible(user=request.auth),
        number=selectors.number_clean(number),
    )


def _refs(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """API names → service arguments: customers and contacts by id, categories
    by code, users by username."""
    user = request.auth
    if data.get("customer") is not None:
        data["customer"] = selectors.customer_for_ticket(user=user, pk=data["customer"])
    if data.get("contact") is not None:
        data["contact"] = selectors.contact_for_ticket(
            customer=data.get("customer"), pk=data["contact"]
        )
    if "category" in data:
        code = data["category"]
        data["category"] = selectors.category_named(code) if code else None
    if data.get("owner"):
        data["owner"] = selectors.user_named(data["owner"], field="owner")
    return data


@router.get("/tickets", response={200: CursorPage[TicketOut], **ERRORS})
def list_tickets(
    request: HttpRequest,
    q: str = "",
    type: str = "",
    status: str = "",
    customer: int | None = None,
    owner: str = "",
    department: str = "",
    overdue: bool = False,
    view: str = "",
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    sort: str = "",
    limit: int | None = None,
    cursor: str | None = None,
):
    """Tickets the caller may read, newest first. ``q`` finds any two or more
    characters of the number, subject, description, references, customer name
    or contact phone (results newest first). ``status`` is a status code, or
    ``open`` / ``done`` / ``any`` (default); ``owner`` a username or ``me``;
    ``department`` a code; ``view`` one of mine, department, unassigned,
    registered, watch_moved, watch_unanswered, all (default); ``overdue`` keeps
    tickets with a passed due time (set by the service levels)."""
    _reader(request)
    filters = selectors.ticket_filters_clean(
        user=request.auth,
        view=view,
        status=status,
        type=type,
        customer=customer,
        owner=owner,
        department=department,
        created_from=created_from,
        created_to=created_to,
        overdue=overdue,
        sort=sort,
        default_status="any",
    )
    page = selectors.ticket_page(
        user=request.auth,
        filters=filters,
        q=q,
        cursor=cursor,
        limit=limit,
        api_fields=True,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/tickets", response={201: TicketCreatedOut, **ERRORS})
def create_ticket(request: HttpRequest, payload: TicketIn):
    """Register a ticket. It waits in ``new`` until a person accepts it (owned by
    ``owner`` if given, else by the customer service dispatcher). The answer
    carries ``customer_link``, the customer's private link, this once."""
    _reader(request)
    data = _refs(request, payload.dict())
    new_customer = data.pop("new_customer", None)
    made = services.ticket_create(
        actor=request.auth,
        entry=services.ENTRY_API,
        request=request,
        new_customer=new_customer,
        **data,
    )
    ticket = made.ticket  # built with every relation the answer shows (no re-read)
    ticket.customer_link = request.build_absolute_uri(made.customer_link)
    return Status(201, ticket)


@router.get("/tickets/{number}", response={200: TicketOut, **ERRORS})
def get_ticket(request: HttpRequest, number: str):
    return _ticket(request, number)


@router.patch("/tickets/{number}", response={200: TicketOut, **EDIT_ERRORS})
def update_ticket(request: HttpRequest, number: str, payload: TicketPatch):
    """Change fields; ``version`` is required (a stale one is 409)."""
    ticket = _ticket(request, number)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    if "contact" in data and data["contact"] is not None:
        customer = (
            selectors.customer_for_ticket(user=request.auth, pk=data["customer"])
            if data.get("customer") is not None
            else ticket.customer
        )
        data["contact"] = selectors.contact_for_ticket(
            customer=customer, pk=data["contact"]
        )
    if data.get("customer") is not None:
        data["customer"] = selectors.customer_for_ticket(
            user=request.auth, pk=data["customer"]
        )
    if "category" in data:
        data["category"] = (
            selectors.category_named(data["category"]) if data["category"] else None
        )
    services.ticket_update(
        ticket=ticket, actor=request.auth, version=version, request=request, **data
    )
    return _ticket(request, number)


@router.get("/tickets/{number}/events", response={200: CursorPage[EventOut], **ERRORS})
def list_ticket_events(
    request: HttpRequest,
    number: str,
    limit: int | None = None,
    cursor: str | None = None,
):
    """The timeline, oldest first. A registrant outside the ticket's department
    sees what the customer sees (public events, without internal detail)."""
    ticket = _ticket(request, number)
    page = keyset_paginate(
        selectors.ticket_events_visible(user=request.auth, ticket=ticket),
        ordering=["created_at", "id"],
        cursor=cursor,
        limit=limit,
    )
    items = page.items
    if not can_view_ticket_internals(request.auth, ticket):
        for event in items:
            event.data = {}
    return {"items": items, "next_cursor": page.next_cursor}


@router.post("/tickets/{number}/events", response={201: EventOut, **ERRORS})
def create_ticket_event(request: HttpRequest, number: str, payload: EventIn):
    """Add an internal ``note`` or a ``reply`` to the customer. Neither changes
    the ticket's version."""
    ticket = _ticket(request, number)
    event = services.ticket_event_add(
        ticket=ticket,
        actor=request.auth,
        kind=payload.kind,
        body=payload.body,
        confirm={"promise_wording"} if payload.confirm_promise_wording else (),
        request=request,
    )
    return Status(201, event)


_ACTIONS_DOC = """Run an action; each accepts an optional ``version`` (a stale one
is 409) and adds 1 to it. A wrong transition is 422 on field ``action``.

Actions and their bodies: ``accept`` {} (take a new ticket, or one waiting in a
department's queue), ``transfer`` {to_user | to_department, reason},
``wait_customer`` {reason} (shown to the customer), ``resume`` {},
``resolve`` {summary} (shown to the customer), ``close`` {}, ``reopen``
{reason}; other modules add more (the registry is open)."""


@router.post(
    "/tickets/{number}/actions/{action}",
    response={200: TicketOut, **EDIT_ERRORS},
    description=_ACTIONS_DOC,
)
def act_on_ticket(
    request: HttpRequest, number: str, action: str, payload: ActionIn | None = None
):
    ticket = _ticket(request, number)
    data = payload.model_dump() if payload is not None else {}
    try:
        action_run(
            name=action[:64],
            ticket=ticket,
            actor=request.auth,
            data=data,
            request=request,
        )
    except ActionInputInvalid as exc:
        raise ValidationError(
            [
                {**e, "loc": ("body", "payload", *e.get("loc", ()))}
                for e in exc.errors_raw
            ]
        ) from None
    # Even when the action handed the ticket out of the caller's sight (to another
    # department), the answer says where it went.
    return selectors.ticket_reload(pk=ticket.pk)
