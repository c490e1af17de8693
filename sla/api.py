"""API: calendars, their days, and business-time arithmetic (DESIGN API contract).
Every member of staff may read; changes are made on the administrator's pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router

from core.errors import DomainError, FieldError
from core.pagination import keyset_paginate
from core.schema import CursorPage, ErrorOut
from sla import reports, selectors
from sla.forms_levels import RateFilterForm
from sla.models import Commitment
from sla.permissions import can_view_calendars, can_view_service_levels
from sla.schemas import (
    CalendarOut,
    CalendarYearOut,
    CommitmentOut,
    DueOut,
    ElapsedOut,
    QueryDateTime,
    RatesOut,
    periods_out,
)

router = Router(tags=["calendars"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _require_view(request: HttpRequest) -> None:
    if not can_view_calendars(request.auth):
        raise PermissionDenied


@router.get("/calendars", response={200: CursorPage[CalendarOut], **ERRORS})
def list_calendars(
    request: HttpRequest, limit: int | None = None, cursor: str | None = None
):
    _require_view(request)
    page = keyset_paginate(
        selectors.calendar_list().prefetch_related("periods"),
        ordering=["code", "id"],
        cursor=cursor,
        limit=limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/calendars/{code}", response={200: CalendarOut, **ERRORS})
def get_calendar(request: HttpRequest, code: str):
    _require_view(request)
    return selectors.calendar_get(code=code)


@router.get("/calendars/{code}/days", response={200: CalendarYearOut, **ERRORS})
def list_calendar_days(request: HttpRequest, code: str, year: int | None = None):
    """Every day of a year on this calendar: its kind, where that comes from, and
    its working periods (default: the current year)."""
    _require_view(request)
    calendar = selectors.calendar_get(code=code)
    year = selectors.calendar_year_check(year or timezone.localdate().year)
    rules = selectors.business_calendar_for(calendar)
    days = rules.days(year)
    return {
        "code": calendar.code,
        "year": year,
        "source": rules.year_source(year),
        "assumed": rules.is_assumed(year),
        "working_days": sum(1 for d in days if d.periods),
        "working_minutes": sum(d.working_minutes for d in days),
        "days": [
            {
                "date": d.date,
                "weekday": d.date.isoweekday(),
                "kind": d.kind,
                "source": d.source,
                "name": d.name,
                "note": d.note,
                "working_minutes": d.working_minutes,
                "periods": periods_out(d.periods),
            }
            for d in days
        ],
    }


@router.get("/calendars/{code}/add", response={200: DueOut, **ERRORS})
def add_business_minutes(
    request: HttpRequest, code: str, start: QueryDateTime, minutes: int
):
    """The earliest moment at which ``minutes`` business minutes have passed since
    ``start`` (a span that ends at the lunch break ends at 12:00, not 13:30)."""
    _require_view(request)
    rules = selectors.business_calendar_get(code)
    result = selectors.calendar_due(calendar=rules, start=start, minutes=minutes)
    return {"due": result.due, "assumed_years": result.assumed_years}


@router.get("/calendars/{code}/between", response={200: ElapsedOut, **ERRORS})
def measure_business_minutes(
    request: HttpRequest, code: str, start: QueryDateTime, end: QueryDateTime
):
    """Business minutes from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    _require_view(request)
    rules = selectors.business_calendar_get(code)
    result = selectors.calendar_elapsed(calendar=rules, start=start, end=end)
    return {"minutes": result.minutes, "assumed_years": result.assumed_years}


@router.get(
    "/commitments",
    auth=None,
    response={200: list[CommitmentOut]},
    tags=["commitments"],
)
def list_commitments(request: HttpRequest):
    """The published service commitments (no login: the portal's home page)."""
    return list(reports.commitments_published())


@router.get(
    "/commitments/{commitment_id}/rates",
    response={200: RatesOut, **ERRORS},
    tags=["commitments"],
)
def commitment_rates(
    request: HttpRequest, commitment_id: int, month: str = "", by: str = "month"
):
    """Compliance of a commitment: by ``month`` (the twelve months up to
    ``month``, default this one), or by ``department`` or ``owner`` within it."""
    if not can_view_service_levels(request.auth):
        raise PermissionDenied
    commitment = get_object_or_404(Commitment, pk=commitment_id)
    form = RateFilterForm({"month": month, "by": by})
    if not form.is_valid():
        errors = [
            FieldError(field=field, message=str(messages[0]))
            for field, messages in form.errors.items()
        ]
        raise DomainError(errors[0].message, field=errors[0].field, errors=errors)
    by = form.cleaned_data["by"] or "month"
    start, end = reports.month_range(form.cleaned_data["month"] or None)
    since = reports._next_month(start.replace(year=start.year - 1))
    rows = reports.commitment_rates(
        commitment, start=since if by == "month" else start, end=end, by=by
    )
    return {
        "commitment": commitment,
        "month": f"{start:%Y-%m}",
        "by": by,
        "rows": [
            {
                "key": str(r.key),
                "label": str(r.label),
                "total": r.total,
                "kept": r.kept,
                "breached": r.breached,
                "rate": r.rate,
            }
            for r in rows
        ],
    }
