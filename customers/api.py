"""API: customers, their contacts and events, and access grants (contract v1)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status

from core.errors import DomainError
from core.pagination import keyset_paginate
from core.schema import ConflictOut, CursorPage, ErrorOut
from customers import selectors, services
from customers.masking import masked
from customers.models import Customer
from customers.permissions import customer_visibility_q
from customers.schemas import (
    ContactIn,
    ContactOut,
    ContactPatch,
    CustomerActionIn,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    EventIn,
    EventOut,
    GrantActionIn,
    GrantIn,
    GrantOut,
)

router = Router(tags=["customers"])

ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
EDIT_ERRORS = {**ERRORS, 409: ConflictOut}


def _values(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """API names → service arguments: users by username, customers by id."""
    if "owner" in data and data["owner"] is not None:
        owner = selectors.user_by_username(data["owner"])
        if owner is None:
            raise DomainError(
                _("没有用户名为“%(name)s”的用户。") % {"name": data["owner"]},
                field="owner",
                code="unknown_user",
            )
        data["owner"] = owner
    if "referred_by" in data and data["referred_by"] is not None:
        referrer = (
            Customer.objects.filter(pk=data["referred_by"])
            .filter(customer_visibility_q(request.auth))
            .first()
        )
        if referrer is None:
            raise DomainError(
                _("推荐客户不存在。"), field="referred_by", code="unknown_customer"
            )
        data["referred_by"] = referrer
    return data


def _reader(request: HttpRequest) -> None:
    services.customer_readers_only(viewer=request.auth, request=request)


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    _reader(request)
    return selectors.customer_get_visible(user=request.auth, pk=customer_id)


# --- customers ---------------------------------------------------------------------


@router.get("/customers", response={200: CursorPage[CustomerOut], **ERRORS})
def list_customers(
    request: HttpRequest,
    q: str = "",
    tier: str = "",
    owner: str = "",
    kind: str = "",
    limit: int | None = None,
    cursor: str | None = None,
):
    """Customers, most recently changed first. ``q`` finds any two or more
    characters of a name, pinyin initials, a phone or its last four digits, a
    credit code (results newest first); ``owner`` is a username or ``me``."""
    user = request.auth
    _reader(request)
    filters = selectors.customer_filters_clean(
        user=user, tier=tier, kind=kind, owner=owner
    )
    queryset = selectors.customer_list_visible_to(user=user, **filters)
    page = selectors.customer_page(
        user=user,
        q=q,
        cursor=cursor,
        limit=limit,
        queryset=queryset.select_related("referred_by"),
    )
    items = selectors.customers_masked(user=user, customers=page.items)
    services.customers_reveal_record(
        viewer=user,
        revealed=[c for c in items if c.revealed],
        channel="api_list",
        request=request,
    )
    return {"items": items, "next_cursor": page.next_cursor}


@router.post("/customers", response={201: CustomerOut, **ERRORS})
def create_customer(request: HttpRequest, payload: CustomerIn):
    user = request.auth
    _reader(request)
    customer = services.customer_create(
        actor=user, request=request, **_values(request, payload.dict())
    )
    return Status(
        201,
        masked(customer, basis=selectors.customer_basis(user=user, customer=customer)),
    )


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request: HttpRequest, customer_id: int):
    """One customer; the view (and any reveal of credit) is logged."""
    return services.customer_open(
        viewer=request.auth, pk=customer_id, channel="api", request=request
    )


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **EDIT_ERRORS})
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerPatch):
    """Change fields; ``version`` is required (a stale one is 409)."""
    user = request.auth
    customer = _customer(request, customer_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    customer = services.customer_update(
        actor=user,
        customer=customer,
        version=version,
        request=request,
        **_values(request, data),
    )
    return masked(
        customer, basis=selectors.customer_basis(user=user, customer=customer)
    )


CUSTOMER_ACTIONS = {
    "verify": services.customer_verify,
    "flag_problem": services.customer_flag_problem,
    "unflag_problem": services.customer_unflag_problem,
    "delete": services.customer_delete,
}


@router.post(
    "/customers/{customer_id}/actions/{action}",
    response={200: CustomerOut, **EDIT_ERRORS},
)
def act_on_customer(
    request: HttpRequest, customer_id: int, action: str, payload: CustomerActionIn
):
    """``verify`` {}, ``flag_problem`` {reason}, ``unflag_problem`` {reason},
    ``delete`` {reason} (soft delete); each accepts an optional ``version``."""
    user = request.auth
    customer = _customer(request, customer_id)
    service = CUSTOMER_ACTIONS.get(action)
    if service is None:
        raise DomainError(
            _("未知操作：%(action)s。") % {"action": action},
            field="action",
            code="unknown_action",
        )
    kwargs: dict[str, Any] = {"version": payload.version}
    if action != "verify":
        kwargs["reason"] = payload.reason
    customer = service(actor=user, customer=customer, request=request, **kwargs)
    return masked(
        customer, basis=selectors.customer_basis(user=user, customer=customer)
    )


# --- contacts ----------------------------------------------------------------------


@router.get(
    "/customers/{customer_id}/contacts", response={200: list[ContactOut], **ERRORS}
)
def list_contacts(request: HttpRequest, customer_id: int):
    """A customer's contacts, private layer masked unless the viewer may read it;
    logged as a view of the archive."""
    customer = services.customer_open(
        viewer=request.auth, pk=customer_id, channel="api_contacts", request=request
    )
    contacts = selectors.contact_list_for(customer=customer.record)
    return selectors.contacts_masked(contacts=contacts, basis=customer.basis)


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut, **ERRORS})
def create_contact(request: HttpRequest, customer_id: int, payload: ContactIn):
    user = request.auth
    customer = _customer(request, customer_id)
    data = payload.dict()
    contact = services.contact_create(
        actor=user, customer=customer, request=request, **data
    )
    basis = selectors.customer_basis(user=user, customer=customer)
    return Status(201, masked(contact, basis=basis))


@router.get(
    "/customers/{customer_id}/contacts/{contact_id}",
    response={200: ContactOut, **ERRORS},
)
def get_contact(request: HttpRequest, customer_id: int, contact_id: int):
    customer = services.customer_open(
        viewer=request.auth, pk=customer_id, channel="api_contact", request=request
    )
    contact = selectors.contact_get_visible(
        user=request.auth, customer=customer.record, pk=contact_id
    )
    return masked(contact, basis=customer.basis)


@router.patch(
    "/customers/{customer_id}/contacts/{contact_id}",
    response={200: ContactOut, **EDIT_ERRORS},
)
def update_contact(
    request: HttpRequest, customer_id: int, contact_id: int, payload: ContactPatch
):
    """Change a contact; ``version`` is required. Private fields only for those
    who may read them."""
    user = request.auth
    customer = _customer(request, customer_id)
    contact = selectors.contact_get_visible(user=user, customer=customer, pk=contact_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    contact = services.contact_update(
        actor=user, contact=contact, version=version, request=request, **data
    )
    return masked(contact, basis=selectors.customer_basis(user=user, customer=customer))


@router.delete(
    "/customers/{customer_id}/contacts/{contact_id}",
    response={204: None, **EDIT_ERRORS},
)
def delete_contact(
    request: HttpRequest, customer_id: int, contact_id: int, version: int | None = None
):
    """Retire a contact (soft delete, audited)."""
    user = request.auth
    customer = _customer(request, customer_id)
    contact = selectors.contact_get_visible(user=user, customer=customer, pk=contact_id)
    services.contact_delete(
        actor=user, contact=contact, version=version, request=request
    )
    return Status(204, None)


# --- relationship events -----------------------------------------------------------


@router.get(
    "/customers/{customer_id}/events", response={200: CursorPage[EventOut], **ERRORS}
)
def list_customer_events(
    request: HttpRequest,
    customer_id: int,
    limit: int | None = None,
    cursor: str | None = None,
):
    """The relationship timeline (资料卡第二页), newest first."""
    customer = services.customer_open(
        viewer=request.auth, pk=customer_id, channel="api_events", request=request
    )
    page = keyset_paginate(
        selectors.customer_event_list(customer=customer.record),
        ordering=["-occurred_on", "-id"],
        cursor=cursor,
        limit=limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/customers/{customer_id}/events", response={201: EventOut, **ERRORS})
def create_customer_event(request: HttpRequest, customer_id: int, payload: EventIn):
    customer = _customer(request, customer_id)
    event = services.customer_event_create(
        actor=request.auth, customer=customer, **payload.dict()
    )
    return Status(201, event)


# --- access grants -----------------------------------------------------------------


@router.get("/grants", response={200: CursorPage[GrantOut], **ERRORS})
def list_grants(
    request: HttpRequest,
    status: str = "",
    customer: int | None = None,
    limit: int | None = None,
    cursor: str | None = None,
):
    """Access grants: every request for a service manager, one's own otherwise.
    ``status`` is pending, approved, live, expired, refused or revoked."""
    _reader(request)
    if status and status not in {"pending", "approved", "live", "expired"} | {
        "refused",
        "revoked",
    }:
        raise DomainError(
            _("状态只能是 pending、approved、live、expired、refused 或 revoked。"),
            field="status",
            code="invalid_choice",
        )
    target = _customer(request, customer) if customer is not None else None
    page = keyset_paginate(
        selectors.grant_list_visible_to(
            user=request.auth, status=status, customer=target
        ),
        ordering=["-requested_at", "-id"],
        cursor=cursor,
        limit=limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/customers/{customer_id}/grants", response={201: GrantOut, **ERRORS})
def request_grant(request: HttpRequest, customer_id: int, payload: GrantIn):
    """Ask to read this customer's confidential layer, with a reason."""
    customer = _customer(request, customer_id)
    grant = services.grant_request(
        actor=request.auth, customer=customer, reason=payload.reason, request=request
    )
    return Status(201, grant)


@router.get("/grants/{grant_id}", response={200: GrantOut, **ERRORS})
def get_grant(request: HttpRequest, grant_id: int):
    _reader(request)
    return selectors.grant_get_visible(user=request.auth, pk=grant_id)


@router.post("/grants/{grant_id}/actions/{action}", response={200: GrantOut, **ERRORS})
def act_on_grant(
    request: HttpRequest, grant_id: int, action: str, payload: GrantActionIn
):
    """``approve`` {hours, note?}, ``refuse`` {note}, ``revoke`` {note}: for a
    service manager."""
    _reader(request)
    grant = get_object_or_404(
        selectors.grant_list_visible_to(user=request.auth), pk=grant_id
    )
    user = request.auth
    if action == "approve":
        return services.grant_approve(
            actor=user,
            grant=grant,
            hours=payload.hours,
            note=payload.note,
            request=request,
        )
    if action == "refuse":
        return services.grant_refuse(
            actor=user, grant=grant, note=payload.note, request=request
        )
    if action == "revoke":
        return services.grant_revoke(
            actor=user, grant=grant, note=payload.note, request=request
        )
    raise DomainError(
        _("未知操作：%(action)s。") % {"action": action},
        field="action",
        code="unknown_action",
    )
