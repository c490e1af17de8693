"""Tickets in the API: what comes in, what goes out (contract v1)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from core.schema import AwareDateTime, LocalDateTime


class CustomerRefOut(Schema):
    id: int
    name: str
    is_problem: bool


class ContactRefOut(Schema):
    id: int
    name: str


class DueOut(Schema):
    acknowledge: LocalDateTime | None
    first_response: LocalDateTime | None
    resolution: LocalDateTime | None


class TicketOut(Schema):
    number: str
    type: str
    channel: str
    source: str
    status: str
    priority: str
    severity: str
    mood: str
    subject: str
    description: str
    category: str | None
    customer: CustomerRefOut
    contact: ContactRefOut | None
    owner: str
    department: str | None
    unassigned: bool
    registered_by: str | None
    product: str
    order_ref: str
    batch: str
    received_at: LocalDateTime
    created_at: LocalDateTime
    updated_at: LocalDateTime
    accepted_at: LocalDateTime | None
    first_response_at: LocalDateTime | None
    resolved_at: LocalDateTime | None
    closed_at: LocalDateTime | None
    last_activity_at: LocalDateTime
    first_contact_resolution: bool
    transfer_count: int
    department_transfer_count: int
    due: DueOut
    version: int

    @staticmethod
    def resolve_owner(obj) -> str:
        return obj.owner.username

    @staticmethod
    def resolve_department(obj) -> str | None:
        return obj.department.code if obj.department_id else None

    @staticmethod
    def resolve_category(obj) -> str | None:
        return obj.category.code if obj.category_id else None

    @staticmethod
    def resolve_registered_by(obj) -> str | None:
        return obj.registered_by.username if obj.registered_by_id else None

    @staticmethod
    def resolve_contact(obj) -> dict | None:
        if not obj.contact_id:
            return None
        return {"id": obj.contact.pk, "name": obj.contact.name}


class TicketCreatedOut(TicketOut):
    customer_link: str = Field(
        description="The customer's private link to follow the ticket; returned "
        "only here, once (only a hash of its token is stored)."
    )


class NewCustomerIn(Schema):
    kind: str = Field("person", max_length=16, description="organisation or person")
    name: str = Field(..., max_length=200)
    phone: str = Field("", max_length=32)
    contact_name: str = Field("", max_length=64)


class TicketIn(Schema):
    type: str = Field(..., max_length=16)
    channel: str = Field(..., max_length=16)
    customer: int | None = Field(None, ge=1, le=2**62, description="customer id")
    new_customer: NewCustomerIn | None = None
    contact: int | None = Field(None, ge=1, le=2**62, description="contact id")
    subject: str = Field(..., max_length=200)
    description: str = Field("", max_length=10000)
    category: str | None = Field(None, max_length=32, description="category code")
    priority: str = Field("normal", max_length=8)
    severity: str = Field("", max_length=8)
    mood: str = Field("calm", max_length=8)
    source: str = Field("customer", max_length=24)
    order_ref: str = Field("", max_length=64)
    product: str = Field("", max_length=100)
    batch: str = Field("", max_length=64)
    received_at: AwareDateTime | None = None
    owner: str | None = Field(None, max_length=150, description="username")
    resolution: str = Field(
        "",
        max_length=10000,
        description="Resolved on the spot: the ticket is created resolved "
        "(first-contact resolution) with this summary for the customer.",
    )


class TicketPatch(Schema):
    version: int | None = None
    type: str | None = Field(None, max_length=16)
    channel: str | None = Field(None, max_length=16)
    source: str | None = Field(None, max_length=24)
    priority: str | None = Field(None, max_length=8)
    severity: str | None = Field(None, max_length=8)
    mood: str | None = Field(None, max_length=8)
    customer: int | None = Field(None, ge=1, le=2**62)
    contact: int | None = Field(None, ge=1, le=2**62)
    category: str | None = Field(None, max_length=32)
    subject: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=10000)
    product: str | None = Field(None, max_length=100)
    order_ref: str | None = Field(None, max_length=64)
    batch: str | None = Field(None, max_length=64)
    received_at: AwareDateTime | None = None


class EventIn(Schema):
    kind: str = Field(..., max_length=16, description="note or reply")
    body: str = Field(..., max_length=10000)
    confirm_promise_wording: bool = Field(
        False,
        description="send a reply although it promises substance (赔偿, 保证 …); "
        "without it such a reply is 422 with code promise_wording",
    )


class EventOut(Schema):
    id: int
    kind: str
    is_public: bool
    body: str
    actor: str | None
    data: dict[str, Any]
    created_at: LocalDateTime

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None


class ActionIn(BaseModel):
    """The body of an action: an optional ``version`` and the action's own fields
    (see the operation's description)."""

    model_config = ConfigDict(extra="allow")

    version: int | None = Field(None, ge=0, le=2**31)
