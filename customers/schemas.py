"""The customer archive in the API: what comes in, what goes out. Confidential
fields go out as null and are named in ``masked_fields``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from core.schema import LocalDateTime


class CustomerRef(Schema):
    id: int
    name: str
    is_problem: bool


class CustomerOut(Schema):
    id: int
    kind: str
    name: str
    credit_code: str
    ownership: str
    industry: str
    province: str
    city: str
    size: str
    source: str
    phone: str
    email: str
    address: str
    background: str
    owner: str | None
    referred_by: CustomerRef | None
    tier: str
    tier_proposed: str
    tier_review: bool
    credit_rating: str | None
    credit_limit: Decimal | None
    credit_score: int | None
    credit_balance: Decimal | None
    credit_trend: str | None
    credit_assessed_at: LocalDateTime | None
    is_problem: bool
    problem_reason: str
    created_at: LocalDateTime
    updated_at: LocalDateTime
    verified_at: LocalDateTime | None
    version: int
    masked_fields: list[str]

    @staticmethod
    def resolve_owner(obj) -> str | None:
        return obj.owner.username if obj.owner_id else None


class CustomerIn(Schema):
    kind: str = Field("organisation", max_length=16)
    name: str = Field(..., max_length=200)
    credit_code: str = Field("", max_length=64)
    ownership: str = Field("", max_length=16)
    industry: str = Field("", max_length=64)
    province: str = Field("", max_length=32)
    city: str = Field("", max_length=32)
    size: str = Field("", max_length=16)
    source: str = Field("", max_length=16)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=200)
    background: str = Field("", max_length=5000)
    owner: str | None = Field(None, description="username of the account manager")
    referred_by: int | None = Field(None, description="id of the referring customer")
    tier: str = Field("C", max_length=1)
    credit_rating: str = Field("", max_length=3)
    credit_limit: Decimal | None = None


class CustomerPatch(Schema):
    version: int | None = None
    kind: str | None = Field(None, max_length=16)
    name: str | None = Field(None, max_length=200)
    credit_code: str | None = Field(None, max_length=64)
    ownership: str | None = Field(None, max_length=16)
    industry: str | None = Field(None, max_length=64)
    province: str | None = Field(None, max_length=32)
    city: str | None = Field(None, max_length=32)
    size: str | None = Field(None, max_length=16)
    source: str | None = Field(None, max_length=16)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=200)
    background: str | None = Field(None, max_length=5000)
    owner: str | None = None
    referred_by: int | None = None
    tier: str | None = Field(None, max_length=1)
    credit_rating: str | None = Field(None, max_length=3)
    credit_limit: Decimal | None = None


class CustomerActionIn(Schema):
    version: int | None = None
    reason: str = Field("", max_length=1000)


class Birthday(Schema):
    calendar: str = Field("solar", max_length=5, description="solar or lunar")
    year: int | None = Field(None, ge=1, le=9999)
    month: int | None = Field(None, ge=1, le=99)
    day: int | None = Field(None, ge=1, le=99)
    leap_month: bool = False


class BirthdayOut(Birthday):
    display: str


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    title: str
    decision_role: str
    phone: str
    mobile: str
    email: str
    is_primary: bool
    birthday: BirthdayOut | None
    family: str | None
    interests: str | None
    personality: str | None
    relationships: str | None
    created_at: LocalDateTime
    updated_at: LocalDateTime
    version: int
    masked_fields: list[str]

    @staticmethod
    def resolve_birthday(obj) -> dict | None:
        if not obj.birthday_month:
            return None
        return {
            "calendar": obj.birthday_calendar,
            "year": obj.birthday_year,
            "month": obj.birthday_month,
            "day": obj.birthday_day,
            "leap_month": obj.birthday_leap_month,
            "display": obj.birthday_display,
        }


class ContactIn(Schema):
    name: str = Field(..., max_length=64)
    title: str = Field("", max_length=64)
    decision_role: str = Field("", max_length=16)
    phone: str = Field("", max_length=32)
    mobile: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    is_primary: bool = False
    birthday: Birthday | None = None
    family: str = Field("", max_length=2000)
    interests: str = Field("", max_length=2000)
    personality: str = Field("", max_length=2000)
    relationships: str = Field("", max_length=2000)


class ContactPatch(Schema):
    version: int | None = None
    name: str | None = Field(None, max_length=64)
    title: str | None = Field(None, max_length=64)
    decision_role: str | None = Field(None, max_length=16)
    phone: str | None = Field(None, max_length=32)
    mobile: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    is_primary: bool | None = None
    birthday: Birthday | None = None
    family: str | None = Field(None, max_length=2000)
    interests: str | None = Field(None, max_length=2000)
    personality: str | None = Field(None, max_length=2000)
    relationships: str | None = Field(None, max_length=2000)


class EventOut(Schema):
    id: int
    occurred_on: dt.date
    kind: str
    title: str
    description: str
    created_by: str
    created_at: LocalDateTime

    @staticmethod
    def resolve_created_by(obj) -> str:
        return obj.created_by.username


class EventIn(Schema):
    occurred_on: dt.date
    kind: str = Field("other", max_length=16)
    title: str = Field(..., max_length=120)
    description: str = Field("", max_length=5000)


class GrantOut(Schema):
    id: int
    customer: CustomerRef
    requested_by: str
    reason: str
    status: str
    requested_at: LocalDateTime
    decided_by: str | None
    decided_at: LocalDateTime | None
    decision_note: str
    expires_at: LocalDateTime | None

    @staticmethod
    def resolve_requested_by(obj) -> str:
        return obj.requested_by.username

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return obj.decided_by.username if obj.decided_by_id else None

    @staticmethod
    def resolve_status(obj) -> str:
        return "expired" if obj.is_expired else obj.status


class GrantIn(Schema):
    reason: str = Field(..., max_length=1000)


class GrantActionIn(Schema):
    hours: int | None = Field(None, description="approve: how long the grant lasts")
    note: str = Field("", max_length=1000)
