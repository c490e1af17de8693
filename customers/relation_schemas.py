"""The relationship data in the API: transactions, tiers, rules, credit,
duplicates and merges, handovers and imports. Credit goes out as null and is
named in ``masked_fields`` for those who may not read it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from core.schema import LocalDateTime
from customers.schemas import CustomerRef


def _username(user) -> str | None:
    return user.username if user is not None else None


class TransactionOut(Schema):
    id: int
    customer: CustomerRef
    occurred_on: dt.date
    amount: Decimal
    description: str
    external_ref: str
    source: str
    created_by: str
    created_at: LocalDateTime
    voided: bool
    void_reason: str

    @staticmethod
    def resolve_created_by(obj) -> str:
        return obj.created_by.username

    @staticmethod
    def resolve_voided(obj) -> bool:
        return obj.deleted_at is not None

    @staticmethod
    def resolve_void_reason(obj) -> str:
        return obj.delete_reason


class TransactionIn(Schema):
    occurred_on: dt.date
    amount: Decimal = Field(..., description="yuan, more than 0, two decimals")
    description: str = Field(..., max_length=200)
    external_ref: str = Field(
        "",
        max_length=64,
        description="order or contract number; the same one twice is one deal",
    )


class ReasonIn(Schema):
    reason: str = Field("", max_length=1000)


class PeriodSummaryOut(Schema):
    start: dt.date
    end: dt.date
    revenue: Decimal
    deals: int
    customers: int
    top_customers: int
    top_revenue: Decimal
    top_share: float | None = Field(
        description="percent of revenue from the top 20 % of customers"
    )
    repeat_customers: int = Field(description="customers with more than one deal")
    curve: list[list[float]] = Field(
        description="[percent of customers, percent of revenue] in 5 % steps"
    )


class FiguresOut(Schema):
    amount: Decimal
    deals: int
    first_on: dt.date | None
    tenure_months: int


class TierChangeOut(Schema):
    id: int
    kind: str
    from_tier: str
    to_tier: str
    proposed_tier: str
    reason: str
    changed_by: str
    changed_at: LocalDateTime

    @staticmethod
    def resolve_changed_by(obj) -> str:
        return obj.changed_by.username


class TierOut(Schema):
    customer: CustomerRef
    tier: str
    proposed: str
    proposed_at: LocalDateTime | None
    review: bool
    figures: FiguresOut
    history: list[TierChangeOut]
    version: int


class TierIn(Schema):
    tier: str = Field(..., max_length=1)
    reason: str = Field("", max_length=1000)
    version: int | None = None


class TierReviewOut(Schema):
    id: int
    name: str
    tier: str
    tier_proposed: str
    tier_proposed_at: LocalDateTime | None
    owner: str | None
    version: int

    @staticmethod
    def resolve_owner(obj) -> str | None:
        return _username(obj.owner)


class RulesOut(Schema):
    window_months: int
    a_amount: int
    a_count: int
    a_tenure_months: int
    b_amount: int
    b_count: int
    review_days: int
    version: int
    updated_at: LocalDateTime
    updated_by: str | None

    @staticmethod
    def resolve_updated_by(obj) -> str | None:
        return _username(obj.updated_by)


class RulesPatch(Schema):
    version: int | None = None
    window_months: int | None = None
    a_amount: int | None = None
    a_count: int | None = None
    a_tenure_months: int | None = None
    b_amount: int | None = None
    b_count: int | None = None
    review_days: int | None = None


class AssessmentOut(Schema):
    id: int
    assessed_on: dt.date
    sources: list[str]
    notes: str
    score: int | None
    rating: str
    limit: Decimal | None
    balance: Decimal | None
    previous_rating: str
    trend: str
    assessed_by: str
    created_at: LocalDateTime

    @staticmethod
    def resolve_assessed_by(obj) -> str:
        return obj.assessed_by.username


class CreditOut(Schema):
    customer: CustomerRef
    rating: str | None
    score: int | None
    limit: Decimal | None
    balance: Decimal | None
    trend: str | None
    assessed_at: LocalDateTime | None
    assessments: list[AssessmentOut] | None
    masked_fields: list[str]
    version: int


class AssessmentIn(Schema):
    assessed_on: dt.date
    rating: str = Field(..., max_length=3)
    notes: str = Field(..., max_length=5000)
    sources: list[str] = Field(default_factory=list, max_length=10)
    score: int | None = None
    limit: Decimal | None = None
    balance: Decimal | None = None
    version: int | None = None


class CreditCheckIn(Schema):
    amount: Decimal


class CreditCheckOut(Schema):
    exceeds: bool
    has_limit: bool
    amount: Decimal
    limit: Decimal | None
    balance: Decimal | None
    available: Decimal | None
    masked_fields: list[str]


class CreditRowOut(Schema):
    id: int
    name: str
    owner: str | None
    previous_rating: str
    rating: str | None
    score: int | None
    limit: Decimal | None
    balance: Decimal | None
    assessed_at: LocalDateTime | None


class ReviewRowOut(Schema):
    id: int
    name: str
    owner: str | None
    verified_at: LocalDateTime | None
    created_at: LocalDateTime
    checked_at: LocalDateTime

    @staticmethod
    def resolve_owner(obj) -> str | None:
        return _username(obj.owner)


class DuplicateOut(Schema):
    id: int
    first: CustomerRef
    second: CustomerRef
    reason: str
    shared: str
    similarity: int
    status: str
    found_at: LocalDateTime


class DuplicateActionIn(Schema):
    survivor: int | None = Field(
        None, description="merge: id of the customer that stays"
    )
    reason: str = Field("", max_length=1000, description="merge: why")
    note: str = Field("", max_length=1000, description="dismiss: why not the same")


class MergeCustomerIn(Schema):
    duplicate: int = Field(..., description="id of the customer merged into this one")
    reason: str = Field("", max_length=1000)


class MergeOut(Schema):
    id: int
    survivor: CustomerRef
    merged_id: int
    merged_name: str
    reason: str
    moved: dict[str, list[int]]
    filled: list[str]
    performed_by: str
    performed_at: LocalDateTime

    @staticmethod
    def resolve_performed_by(obj) -> str:
        return obj.performed_by.username


class HoldingOut(Schema):
    kind: str
    label: str
    count: int
    examples: list[str]
    needs_receiver: bool


class HandoverIn(Schema):
    from_user: str = Field(..., max_length=150)
    to_user: str | None = Field(None, max_length=150)
    receivers: dict[str, str] = Field(
        default_factory=dict, description="username of the receiver per kind"
    )
    reason: str = Field("", max_length=1000)


class HandoverItemOut(Schema):
    kind: str
    label: str
    count: int
    receiver: str | None


class HandoverOut(Schema):
    id: int
    from_user: str
    reason: str
    moved: list[HandoverItemOut]
    performed_by: str
    performed_at: LocalDateTime

    @staticmethod
    def resolve_from_user(obj) -> str:
        return obj.from_user.username

    @staticmethod
    def resolve_performed_by(obj) -> str:
        return obj.performed_by.username


class ImportOut(Schema):
    id: int
    kind: str
    status: str
    file_name: str
    total_rows: int
    processed_rows: int
    error_rows: int
    valid_rows: int
    imported_rows: int
    valid_only: bool
    message: str
    created_by: str
    created_at: LocalDateTime
    finished_at: LocalDateTime | None

    @staticmethod
    def resolve_created_by(obj) -> str:
        return obj.created_by.username


class ImportIssueOut(Schema):
    row: int
    field: str
    message: str


class ImportActionIn(Schema):
    valid_only: bool = False
