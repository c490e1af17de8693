"""The system administrator's calendar pages: the list, a calendar's year, one
day's setting, a year's holiday schedule, and a due-time trial."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import Conflict, DomainError
from core.pagination import keyset_paginate
from sla import selectors
from sla.builtins import STANDARD_DAY
from sla.business_time import periods_text
from sla.forms import (
    CalendarForm,
    DayOverrideForm,
    HolidayYearForm,
    TrialForm,
    holiday_lines,
    makeup_lines,
)
from sla.models import Calendar, DayOverride
from sla.permissions import can_manage_calendars
from sla.services import (
    calendar_create,
    calendar_update,
    day_override_remove,
    day_override_set,
    holiday_year_remove,
    holiday_year_set,
)


def _require_manage(request: HttpRequest) -> None:
    if not can_manage_calendars(request.user):
        raise PermissionDenied


def _form_error(form, exc: DomainError | Conflict) -> None:
    if isinstance(exc, Conflict):
        form.add_error(None, str(exc.message))
        return
    for error in exc.errors:
        field = error.field if error.field in form.fields else None
        form.add_error(field, str(error.message))


def _year_param(value: str | int) -> int:
    try:
        return selectors.calendar_year_check(int(value))
    except (DomainError, ValueError):
        raise Http404 from None


def _date_param(value: str) -> dt.date:
    try:
        date = dt.date.fromisoformat(value)
        selectors.calendar_year_check(date.year)
    except (DomainError, ValueError):
        raise Http404 from None
    return date


def _posted_version(request: HttpRequest) -> int | None:
    """The version the person saw, from a removal form (None if absent)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return default


@require_GET
def calendar_list_view(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    queryset = selectors.calendar_list().prefetch_related("periods")
    try:
        page = keyset_paginate(
            queryset,
            ordering=["code", "id"],
            cursor=request.GET.get("cursor"),
            limit=50,
        )
    except DomainError:
        page = keyset_paginate(queryset, ordering=["code", "id"], cursor=None, limit=50)
    rows = [(c, selectors.calendar_week_rows(c)) for c in page.items]
    return render(
        request,
        "sla/calendar_list.html",
        {
            "page": page,
            "rows": rows,
            "years": selectors.holiday_year_statuses(),
            "assumed_years": selectors.calendar_assumed_years(),
            "this_year": timezone.localdate().year,
        },
    )


@require_http_methods(["GET", "POST"])
def calendar_create_view(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    standard = periods_text(STANDARD_DAY)
    form = CalendarForm(
        request.POST or None,
        creating=True,
        initial={f"week_{i}": standard for i in range(5)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            calendar = calendar_create(
                actor=request.user,
                request=request,
                code=data["code"],
                name=data["name"],
                description=data["description"],
                observes_holidays=data["observes_holidays"],
                makeup_weekday=data["makeup_weekday"],
                week=form.week(),
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("已创建工作日历 %(name)s。") % {"name": calendar.name}
            )
            return redirect("sla:calendar_detail", code=calendar.code)
    return render(request, "sla/calendar_form.html", {"form": form, "creating": True})


@require_http_methods(["GET", "POST"])
def calendar_edit_view(request: HttpRequest, code: str) -> HttpResponse:
    _require_manage(request)
    calendar = selectors.calendar_get(code=code)
    week = selectors.calendar_week(calendar)
    initial = {
        "name": calendar.name,
        "description": calendar.description,
        "observes_holidays": calendar.observes_holidays,
        "makeup_weekday": calendar.makeup_weekday,
        "is_active": calendar.is_active,
        "version": calendar.version,
        **{f"week_{i}": periods_text(day) for i, day in enumerate(week)},
    }
    form = CalendarForm(
        request.POST or None, initial=initial, builtin=calendar.is_builtin
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            calendar_update(
                actor=request.user,
                request=request,
                calendar=calendar,
                version=data["version"],
                name=data["name"],
                description=data["description"],
                observes_holidays=data.get("observes_holidays", False),
                makeup_weekday=data.get("makeup_weekday", calendar.makeup_weekday),
                is_active=data.get("is_active", False),
                week=form.week(),
            )
        except (DomainError, Conflict) as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("已保存工作日历 %(name)s。") % {"name": calendar.name}
            )
            return redirect("sla:calendar_detail", code=calendar.code)
    return render(
        request,
        "sla/calendar_form.html",
        {
            "form": form,
            "calendar": calendar,
            "week_rows": selectors.calendar_week_rows(calendar),
        },
    )


@require_GET
def calendar_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    _require_manage(request)
    calendar = selectors.calendar_get(code=code)
    return redirect(
        "sla:calendar_year", code=calendar.code, year=timezone.localdate().year
    )


@require_GET
def calendar_year_view(request: HttpRequest, code: str, year: int) -> HttpResponse:
    _require_manage(request)
    calendar = selectors.calendar_get(code=code)
    overview = selectors.calendar_year_overview(
        calendar=calendar, year=_year_param(year)
    )
    now = timezone.localtime()
    return render(
        request,
        "sla/calendar_year.html",
        {
            "calendar": calendar,
            "overview": overview,
            "week_rows": selectors.calendar_week_rows(calendar),
            "assumed_years": selectors.calendar_assumed_years(),
            "trial_form": TrialForm(
                initial={"start": now.strftime("%Y-%m-%dT%H:%M"), "minutes": 480}
            ),
            "first_year": selectors.FIRST_YEAR,
            "last_year": selectors.LAST_YEAR,
        },
    )


def _day_context(calendar: Calendar, date: dt.date, form=None) -> dict:
    day = selectors.calendar_day_get(calendar=calendar, date=date)
    own = selectors.day_override_get(calendar=calendar, date=date)
    national = selectors.day_override_get(calendar=None, date=date)
    if form is None:
        shown = own or national
        form = DayOverrideForm(
            observes_holidays=calendar.observes_holidays,
            initial={
                "scope": DayOverrideForm.SCOPE_CALENDAR
                if own or not calendar.observes_holidays
                else DayOverrideForm.SCOPE_ALL,
                "kind": shown.kind if shown else _opposite(day.kind),
                "note": shown.note if shown else "",
                "version_calendar": own.version if own else None,
                "version_all": national.version if national else None,
            },
        )
    return {
        "calendar": calendar,
        "day": day,
        "own": own,
        "national": national if calendar.observes_holidays else None,
        "form": form,
    }


def _opposite(kind: str) -> str:
    return "holiday" if kind in ("workday", "makeup") else "workday"


@require_http_methods(["GET", "POST"])
def calendar_day_view(request: HttpRequest, code: str, date: str) -> HttpResponse:
    """One day: what it is and why, and the form to set it (htmx panel or page)."""
    _require_manage(request)
    calendar = selectors.calendar_get(code=code)
    day_date = _date_param(date)
    form = None
    if request.method == "POST":
        form = DayOverrideForm(
            request.POST, observes_holidays=calendar.observes_holidays
        )
        if form.is_valid():
            data = form.cleaned_data
            for_all = data["scope"] == DayOverrideForm.SCOPE_ALL
            try:
                day_override_set(
                    actor=request.user,
                    request=request,
                    calendar=None if for_all else calendar,
                    date=day_date,
                    kind=data["kind"],
                    note=data["note"],
                    version=data["version_all" if for_all else "version_calendar"],
                )
            except (DomainError, Conflict) as exc:
                _form_error(form, exc)
            else:
                messages.success(
                    request,
                    _("已调整 %(date)s。") % {"date": _date_label(day_date)},
                )
                return redirect(
                    "sla:calendar_year", code=calendar.code, year=day_date.year
                )
    context = _day_context(calendar, day_date, form)
    if request.htmx and request.method == "GET":
        return render(request, "sla/partials/_day_panel.html", context)
    return render(request, "sla/calendar_day.html", context)


def _date_label(date: dt.date) -> str:
    return _("%(year)s年%(month)s月%(day)s日") % {
        "year": date.year,
        "month": date.month,
        "day": date.day,
    }


@require_POST
def calendar_override_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    override = get_object_or_404(DayOverride, pk=pk)
    back = _next_url(request, reverse("sla:calendar_list"))
    try:
        day_override_remove(
            actor=request.user,
            request=request,
            override=override,
            version=_posted_version(request),
        )
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("已撤销 %(date)s 的调整。") % {"date": _date_label(override.date)},
        )
    return redirect(back)


@require_http_methods(["GET", "POST"])
def calendar_holidays_view(request: HttpRequest, year: int) -> HttpResponse:
    """Enter or correct China's holiday schedule of one year."""
    _require_manage(request)
    year = _year_param(year)
    schedule = selectors.holiday_year_get(year)
    spans, makeups = selectors.holiday_year_schedule(year)
    form = HolidayYearForm(
        request.POST or None,
        year=year,
        initial={
            "note": schedule.note if schedule else "",
            "holidays": holiday_lines(spans),
            "makeup_days": makeup_lines(makeups),
            "version": schedule.version if schedule else None,
        },
    )
    back = _next_url(request, reverse("sla:calendar_list"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            holiday_year_set(
                actor=request.user,
                request=request,
                year=year,
                holidays=data["holidays"],
                makeup_days=data["makeup_days"],
                note=data["note"],
                version=data["version"],
            )
        except (DomainError, Conflict) as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("已保存 %(year)s 年的节假日安排。") % {"year": year}
            )
            return redirect(back)
    return render(
        request,
        "sla/holiday_year_form.html",
        {
            "form": form,
            "year": year,
            "schedule": schedule,
            "source": selectors.national_schedule_load().year_source(year),
            "next": back,
        },
    )


@require_POST
def calendar_holidays_remove_view(request: HttpRequest, year: int) -> HttpResponse:
    _require_manage(request)
    schedule = selectors.holiday_year_get(_year_param(year))
    if schedule is None:
        raise Http404
    try:
        holiday_year_remove(
            actor=request.user,
            request=request,
            schedule=schedule,
            version=_posted_version(request),
        )
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("已删除 %(year)s 年录入的节假日安排。") % {"year": year}
        )
    return redirect("sla:calendar_list")


@require_GET
def calendar_trial_view(request: HttpRequest, code: str) -> HttpResponse:
    """Try the arithmetic: a start and a number of business minutes → the due time."""
    _require_manage(request)
    calendar = selectors.calendar_get(code=code)
    form = TrialForm(request.GET or None)
    result = None
    if form.is_valid():
        try:
            rules = selectors.business_calendar_for(calendar)
            due = selectors.calendar_due(
                calendar=rules,
                start=form.cleaned_data["start"],
                minutes=form.cleaned_data["minutes"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            result = {
                "start": form.cleaned_data["start"],
                "minutes": form.cleaned_data["minutes"],
                "due": due.due,
                "assumed_years": due.assumed_years,
            }
    context = {"calendar": calendar, "trial_form": form, "result": result}
    template = (
        "sla/partials/_trial_result.html" if request.htmx else "sla/calendar_trial.html"
    )
    return render(request, template, context)
