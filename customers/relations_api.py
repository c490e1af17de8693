"""API of the relationship data (contract v1 style): transactions (idempotent
with an external reference), tiers and their rules, credit, the review list,
duplicates and merges, handovers and xlsx imports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from accounts.handover import handover_holdings
from core.audit import audit_access_denied
from core.errors import DomainError
from core.pagination import keyset_paginate
from core.schema import ConflictOut, CursorPage, ErrorOut
from customers import selectors, services
from customers.credit import (
    credit_assess,
    credit_check,
    credit_history,
    credit_previous_ratings,
    credit_worsened_list,
)
from customers.freshness import (
    duplicate_dismiss,
    duplicate_get_visible,
    duplicate_list,
    review_list,
)
from customers.handover import (
    ANY_KIND,
    handover_get,
    handover_list,
    handover_perform,
    handover_staff,
)
from customers.imports import (
    import_cancel,
    import_confirm,
    import_issues,
    import_list_visible_to,
    import_start,
)
from customers.merge import customer_merge
from customers.models import Customer, ImportJob
from customers.permissions import (
    can_import,
    can_merge_customers,
    can_perform_handover,
    can_view_all_credit,
    can_view_handover,
)
from customers.relation_schemas import (
    AssessmentIn,
    AssessmentOut,
    CreditCheckIn,
    CreditCheckOut,
    CreditOut,
    CreditRowOut,
    DuplicateActionIn,
    DuplicateOut,
    HandoverIn,
    HandoverOut,
    HoldingOut,
    ImportActionIn,
    ImportIssueOut,
    ImportOut,
    MergeCustomerIn,
    MergeOut,
    PeriodSummaryOut,
    ReasonIn,
    ReviewRowOut,
    RulesOut,
    RulesPatch,
    TierIn,
    TierOut,
    TierReviewOut,
    TransactionIn,
    TransactionOut,
)
from customers.rules import customer_policy_get, customer_policy_update
from customers.tiers import (
    figures_json,
    tier_figures,
    tier_history,
    tier_review_list,
    tier_set,
)
from customers.transactions import (
    months_before,
    revenue_summary,
    transaction_create,
    transaction_get_for,
    transaction_list_for,
    transaction_void,
)

router = Router(tags=["relations"])

ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
EDIT_ERRORS = {**ERRORS, 409: ConflictOut}
CREDIT_FIELDS = ["rating", "score", "limit", "balance", "trend", "assessed_at"]


def _reader(request: HttpRequest) -> None:
    services.customer_readers_only(viewer=request.auth, request=request)


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    _reader(request)
    return selectors.customer_get_visible(user=request.auth, pk=customer_id)


def _page(queryset, ordering: list[str], cursor: str | None, limit: int | None):
    return keyset_paginate(queryset, ordering=ordering, cursor=cursor, limit=limit)


def _user(username: str | None, field: str):
    if username is None or username == "":
        return None
    found = selectors.user_by_username(username)
    if found is None:
        raise DomainError(
            _("没有用户名为“%(name)s”的用户。") % {"name": username},
            field=field,
            code="unknown_user",
        )
    return found


# --- transactions --------------------------------------------------------------------


@router.get(
    "/customers/{customer_id}/transactions",
    response={200: CursorPage[TransactionOut], **ERRORS},
)
def list_transactions(
    request: HttpRequest,
    customer_id: int,
    limit: int | None = None,
    cursor: str | None = None,
):
    """A customer's transactions (合作记录), newest first."""
    customer = _customer(request, customer_id)
    page = _page(
        transaction_list_for(customer=customer).select_related("customer"),
        ["-occurred_on", "-id"],
        cursor,
        limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/customers/{customer_id}/transactions",
    response={201: TransactionOut, 200: TransactionOut, **ERRORS},
)
def create_transaction(request: HttpRequest, customer_id: int, payload: TransactionIn):
    """Record a deal (amount in yuan). Idempotent with ``external_ref``: the same
    reference with the same deal answers 200 with the one already recorded; with
    a different deal, 422 on ``external_ref``."""
    customer = _customer(request, customer_id)
    record, created = transaction_create(
        actor=request.auth,
        customer=customer,
        source="api",
        request=request,
        **payload.dict(),
    )
    return Status(201 if created else 200, record)


@router.post(
    "/customers/{customer_id}/transactions/{transaction_id}/actions/void",
    response={200: TransactionOut, **ERRORS},
)
def void_transaction(
    request: HttpRequest, customer_id: int, transaction_id: int, payload: ReasonIn
):
    """Void a wrong transaction, with a reason (it leaves the sums)."""
    customer = _customer(request, customer_id)
    record = transaction_get_for(customer=customer, pk=transaction_id)
    return transaction_void(
        actor=request.auth, record=record, reason=payload.reason, request=request
    )


@router.get("/transactions/summary", response={200: PeriodSummaryOut, **ERRORS})
def transaction_summary(
    request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None
):
    """The 80/20 view of a period (default: the last twelve months): revenue, the
    share of the top 20 % of customers, repeat purchases, the cumulative curve."""
    _reader(request)
    today = timezone.localdate()
    end = end or today
    start = start or months_before(end, 12) + dt.timedelta(days=1)
    if start > end:
        raise DomainError(
            _("结束日期不能早于开始日期。"), field="end", code="out_of_range"
        )
    summary = revenue_summary(start=start, end=end)
    return {
        **{
            name: getattr(summary, name)
            for name in (
                "start",
                "end",
                "revenue",
                "deals",
                "customers",
                "top_customers",
                "top_revenue",
                "top_share",
                "repeat_customers",
            )
        },
        "curve": [list(point) for point in summary.curve],
    }


# --- tiers and rules -----------------------------------------------------------------


def _tier_out(customer: Customer) -> dict[str, Any]:
    policy, today = customer_policy_get(), timezone.localdate()
    figures = tier_figures(customer_ids=[customer.pk], policy=policy, today=today)
    return {
        "customer": customer,
        "tier": customer.tier,
        "proposed": customer.tier_proposed,
        "proposed_at": customer.tier_proposed_at,
        "review": customer.tier_review,
        "figures": figures_json(figures[customer.pk], today),
        "history": list(tier_history(customer=customer)[:50]),
        "version": customer.version,
    }


@router.get("/customers/{customer_id}/tier", response={200: TierOut, **ERRORS})
def get_tier(request: HttpRequest, customer_id: int):
    """The confirmed tier, the rules' proposal and what it rests on, the history."""
    return _tier_out(_customer(request, customer_id))


@router.post("/customers/{customer_id}/tier", response={200: TierOut, **EDIT_ERRORS})
def set_tier(request: HttpRequest, customer_id: int, payload: TierIn):
    """Confirm the proposal or set another tier, with a reason (supervisors and
    the service manager); ``version`` is optional, a stale one is 409."""
    customer = _customer(request, customer_id)
    tier_set(actor=request.auth, customer=customer, request=request, **payload.dict())
    customer.refresh_from_db()
    return _tier_out(customer)


@router.get("/tiers/review", response={200: CursorPage[TierReviewOut], **ERRORS})
def list_tier_reviews(
    request: HttpRequest,
    proposed: str = "",
    owner: str = "",
    every: bool = False,
    limit: int | None = None,
    cursor: str | None = None,
):
    """Customers whose proposed tier differs from the confirmed one and waits for a
    person; ``every`` adds those already kept at another tier with a reason;
    ``proposed`` A/B/C, ``owner`` a username or ``me``."""
    _reader(request)
    filters = selectors.customer_filters_clean(
        user=request.auth, tier=proposed, owner=owner
    )
    page = _page(
        tier_review_list(
            user=request.auth,
            proposed=filters.get("tier", ""),
            owner=filters.get("owner"),
            every=every,
        ),
        ["tier_proposed", "id"],
        cursor,
        limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/customer-rules", response={200: RulesOut, **ERRORS})
def get_customer_rules(request: HttpRequest):
    """The tier thresholds and the review period."""
    _reader(request)
    return customer_policy_get()


@router.patch("/customer-rules", response={200: RulesOut, **EDIT_ERRORS})
def update_customer_rules(request: HttpRequest, payload: RulesPatch):
    """Change the rules (service manager); ``version`` is required."""
    _reader(request)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    return customer_policy_update(
        actor=request.auth, version=version, request=request, **data
    )


# --- credit --------------------------------------------------------------------------


@router.get("/customers/{customer_id}/credit", response={200: CreditOut, **ERRORS})
def get_credit(request: HttpRequest, customer_id: int):
    """Credit and the history of assessments; null and named in ``masked_fields``
    unless the viewer may read them. Logged as a view (and reveal) of the archive."""
    customer = services.customer_open(
        viewer=request.auth, pk=customer_id, channel="api_credit", request=request
    )
    masked = customer.masked_fields
    return {
        "customer": customer.record,
        "rating": customer.credit_rating,
        "score": customer.credit_score,
        "limit": customer.credit_limit,
        "balance": customer.credit_balance,
        "trend": customer.credit_trend,
        "assessed_at": customer.credit_assessed_at,
        "assessments": list(credit_history(customer=customer.record)[:50])
        if customer.revealed
        else None,
        "masked_fields": [name for name in CREDIT_FIELDS if f"credit_{name}" in masked]
        + (["assessments"] if masked else []),
        "version": customer.version,
    }


@router.post(
    "/customers/{customer_id}/credit/assessments",
    response={201: AssessmentOut, **EDIT_ERRORS},
)
def create_credit_assessment(
    request: HttpRequest, customer_id: int, payload: AssessmentIn
):
    """Record a credit investigation (account owner or service manager): the
    archive's credit becomes its conclusion."""
    customer = _customer(request, customer_id)
    assessment = credit_assess(
        actor=request.auth, customer=customer, request=request, **payload.dict()
    )
    return Status(201, assessment)


@router.post(
    "/customers/{customer_id}/credit/check", response={200: CreditCheckOut, **ERRORS}
)
def check_credit(request: HttpRequest, customer_id: int, payload: CreditCheckIn):
    """Would an order or request of ``amount`` yuan exceed the credit limit? The
    flag is for everyone who reads the customer; the figures follow the masking."""
    customer = _customer(request, customer_id)
    result = credit_check(customer=customer, amount=payload.amount)
    revealed = selectors.customer_basis(user=request.auth, customer=customer)
    hidden = [] if revealed else ["limit", "balance", "available"]
    return {
        "exceeds": result.exceeds,
        "has_limit": result.has_limit,
        "amount": result.amount,
        "limit": None if hidden else result.limit,
        "balance": None if hidden else result.balance,
        "available": None if hidden else result.available,
        "masked_fields": hidden,
    }


@router.get("/credit/worsened", response={200: CursorPage[CreditRowOut], **ERRORS})
def list_worsened_credit(
    request: HttpRequest, limit: int | None = None, cursor: str | None = None
):
    """Customers whose latest assessment lowered the rating, among those whose
    credit the caller may read; the reveal is logged."""
    _reader(request)
    user = request.auth
    granted = (
        set()
        if can_view_all_credit(user)
        else selectors.granted_customer_ids(user=user)
    )
    page = _page(
        credit_worsened_list(user=user, granted_ids=granted),
        ["-credit_assessed_at", "-id"],
        cursor,
        limit,
    )
    rows = selectors.customers_masked(user=user, customers=page.items)
    services.customers_reveal_record(
        viewer=user,
        revealed=[c for c in rows if c.revealed],
        channel="api_credit_list",
        request=request,
    )
    previous = credit_previous_ratings(customer_ids=[c.pk for c in page.items])
    return {
        "items": [
            {
                "id": c.pk,
                "name": c.name,
                "owner": c.owner.username if c.owner_id else None,
                "previous_rating": previous.get(c.pk, ""),
                "rating": c.credit_rating,
                "score": c.credit_score,
                "limit": c.credit_limit,
                "balance": c.credit_balance,
                "assessed_at": c.credit_assessed_at,
            }
            for c in rows
        ],
        "next_cursor": page.next_cursor,
    }


# --- freshness, duplicates, merges ---------------------------------------------------


@router.get("/freshness/review", response={200: CursorPage[ReviewRowOut], **ERRORS})
def list_review(
    request: HttpRequest,
    owner: str = "",
    limit: int | None = None,
    cursor: str | None = None,
):
    """Archives not verified within the review period, longest unchecked first;
    ``owner`` a username or ``me``."""
    _reader(request)
    filters = selectors.customer_filters_clean(user=request.auth, owner=owner)
    page = _page(
        review_list(user=request.auth, owner=filters.get("owner")),
        ["checked_at", "id"],
        cursor,
        limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/duplicates", response={200: CursorPage[DuplicateOut], **ERRORS})
def list_duplicates(
    request: HttpRequest, limit: int | None = None, cursor: str | None = None
):
    """Open duplicate candidates (service manager)."""
    _merger(request)
    page = _page(duplicate_list(user=request.auth), ["-found_at", "-id"], cursor, limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


def _merger(request: HttpRequest) -> None:
    _reader(request)
    if not can_merge_customers(request.auth):
        raise PermissionDenied


@router.post(
    "/duplicates/{duplicate_id}/actions/{action}",
    response={200: DuplicateOut, 201: MergeOut, **ERRORS},
)
def act_on_duplicate(
    request: HttpRequest,
    duplicate_id: int,
    action: str,
    payload: DuplicateActionIn,
):
    """``merge`` {survivor, reason}: fold the other record into ``survivor``;
    ``dismiss`` {note}: they are not the same customer."""
    _merger(request)
    candidate = duplicate_get_visible(user=request.auth, pk=duplicate_id)
    if action == "merge":
        data = payload
        if data.survivor not in (candidate.first_id, candidate.second_id):
            raise DomainError(
                _("保留的客户必须是这对记录中的一条。"),
                field="survivor",
                code="invalid_choice",
            )
        survivor, merged = (
            (candidate.first, candidate.second)
            if data.survivor == candidate.first_id
            else (candidate.second, candidate.first)
        )
        record = customer_merge(
            actor=request.auth,
            survivor=survivor,
            merged=merged,
            reason=data.reason,
            request=request,
        )
        return Status(201, record)
    if action == "dismiss":
        return duplicate_dismiss(
            actor=request.auth, candidate=candidate, note=payload.note, request=request
        )
    raise DomainError(
        _("未知操作：%(action)s。") % {"action": action},
        field="action",
        code="unknown_action",
    )


@router.post("/customers/{customer_id}/merge", response={201: MergeOut, **ERRORS})
def merge_customer(request: HttpRequest, customer_id: int, payload: MergeCustomerIn):
    """Fold another customer (``duplicate``) into this one (service manager):
    everything moves here, the other record is retired and traceable."""
    _merger(request)
    survivor = _customer(request, customer_id)
    merged = selectors.customer_get_visible(user=request.auth, pk=payload.duplicate)
    record = customer_merge(
        actor=request.auth,
        survivor=survivor,
        merged=merged,
        reason=payload.reason,
        request=request,
    )
    return Status(201, record)


# --- handover ------------------------------------------------------------------------


def _handover_allowed(request: HttpRequest) -> None:
    _reader(request)
    if not can_perform_handover(request.auth):
        raise PermissionDenied


def _staff(username: str):
    found = (
        None
        if "\x00" in username
        else handover_staff().filter(username=username).first()
    )
    if found is None:
        raise Http404
    return found


@router.get("/users/{username}/holdings", response={200: list[HoldingOut], **ERRORS})
def list_holdings(request: HttpRequest, username: str):
    """What a member of staff holds and would hand over (customers, open tickets,
    pending requests …)."""
    _handover_allowed(request)
    return [
        {
            "kind": h.kind,
            "label": h.label,
            "count": h.count,
            "examples": h.examples,
            "needs_receiver": h.needs_receiver,
        }
        for h in handover_holdings(_staff(username), examples=10)
    ]


@router.post("/handovers", response={201: HandoverOut, **ERRORS})
def create_handover(request: HttpRequest, payload: HandoverIn):
    """Hand everything ``from_user`` holds to ``to_user`` (or per kind, in
    ``receivers``), in one recorded operation."""
    _handover_allowed(request)
    holder = (
        None
        if "\x00" in payload.from_user
        else handover_staff().filter(username=payload.from_user).first()
    )
    if holder is None:
        raise DomainError(
            _("没有用户名为“%(name)s”的业务人员。") % {"name": payload.from_user},
            field="from_user",
            code="unknown_user",
        )
    receivers = {ANY_KIND: _user(payload.to_user, "to_user")}
    for kind, username in payload.receivers.items():
        receivers[kind] = _user(username, f"receivers.{kind}")
    record = handover_perform(
        actor=request.auth,
        from_user=holder,
        receivers=receivers,
        reason=payload.reason,
        request=request,
    )
    return Status(201, record)


@router.get("/handovers", response={200: CursorPage[HandoverOut], **ERRORS})
def list_handovers(
    request: HttpRequest, limit: int | None = None, cursor: str | None = None
):
    _handover_allowed(request)
    page = _page(handover_list(), ["-performed_at", "-id"], cursor, limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/handovers/{handover_id}", response={200: HandoverOut, **ERRORS})
def get_handover(request: HttpRequest, handover_id: int):
    _reader(request)
    record = handover_get(pk=handover_id)
    if not can_view_handover(request.auth, record):
        audit_access_denied(request, status=404, obj=record)
        raise Http404
    return record


# --- imports -------------------------------------------------------------------------


def _job(request: HttpRequest, import_id: int) -> ImportJob:
    _reader(request)
    if not can_import(request.auth):
        raise PermissionDenied
    found = import_list_visible_to(user=request.auth).filter(pk=import_id).first()
    if found is None:
        hidden = ImportJob.objects.filter(pk=import_id).first()
        if hidden is not None:
            audit_access_denied(request, status=404, obj=hidden)
        raise Http404
    return found


@router.post("/imports", response={201: ImportOut, **ERRORS})
def create_import(
    request: HttpRequest,
    kind: Form[str],
    file: File[UploadedFile],
):
    """Upload an xlsx sheet (``kind`` customers or transactions, multipart). It is
    checked row by row by a job; nothing changes until ``confirm``."""
    _reader(request)
    job = import_start(actor=request.auth, kind=kind, upload=file, request=request)
    job.refresh_from_db()
    return Status(201, job)


@router.get("/imports/{import_id}", response={200: ImportOut, **ERRORS})
def get_import(request: HttpRequest, import_id: int):
    """An import's status and counts (poll while ``validating`` or ``importing``)."""
    return _job(request, import_id)


@router.get(
    "/imports/{import_id}/issues", response={200: CursorPage[ImportIssueOut], **ERRORS}
)
def list_import_issues(
    request: HttpRequest,
    import_id: int,
    limit: int | None = None,
    cursor: str | None = None,
):
    """The row-by-row report: row, column, message."""
    job = _job(request, import_id)
    page = _page(import_issues(job=job), ["row", "id"], cursor, limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/imports/{import_id}/actions/{action}", response={200: ImportOut, **ERRORS}
)
def act_on_import(
    request: HttpRequest, import_id: int, action: str, payload: ImportActionIn
):
    """``confirm`` {valid_only}: import every row, or with errors only the valid
    ones when ``valid_only`` is true; ``cancel``: drop it."""
    job = _job(request, import_id)
    if action == "confirm":
        import_confirm(
            actor=request.auth, job=job, valid_only=payload.valid_only, request=request
        )
    elif action == "cancel":
        import_cancel(actor=request.auth, job=job, request=request)
    else:
        raise DomainError(
            _("未知操作：%(action)s。") % {"action": action},
            field="action",
            code="unknown_action",
        )
    job.refresh_from_db()
    return job
