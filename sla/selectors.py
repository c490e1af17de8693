"""Reads of calendars: the rules loaded once per process into immutable
``BusinessCalendar`` objects, due times, a year's days, and the fallback warnings."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import threading
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from sla.business_time import (
    TZ,
    BusinessCalendar,
    BusinessTimeError,
    Day,
    DayKind,
    DaySource,
    NationalSchedule,
    package_covers,
    periods_text,
)
from sla.models import Calendar, DayOverride, HolidayYear, HolidayYearDay, Weekday

# The range of years the pages and the API accept (the arithmetic itself goes wider).
FIRST_YEAR = 2000
LAST_YEAR = 2100
# At most one leap year of minutes in one request.
MAX_MINUTES = 366 * 24 * 60
# The next year's schedule is asked for once the year is this close.
NEXT_YEAR_WARNING_DAYS = 92

_cache: dict[int, tuple[str, BusinessCalendar]] = {}
_cache_lock = threading.Lock()


def calendar_list() -> QuerySet[Calendar]:
    return Calendar.objects.all()


def calendar_get(*, code: str) -> Calendar:
    """The calendar with ``code``, or 404."""
    return get_object_or_404(Calendar, code=code)


def national_schedule_load() -> NationalSchedule:
    """China's schedule as administrators entered and corrected it (3 queries)."""
    return NationalSchedule(
        years=frozenset(HolidayYear.objects.values_list("year", flat=True)),
        entered={
            date: (kind, name)
            for date, kind, name in HolidayYearDay.objects.values_list(
                "date", "kind", "name"
            )
        },
        overrides={
            date: (kind, note)
            for date, kind, note in DayOverride.objects.filter(
                calendar__isnull=True
            ).values_list("date", "kind", "note")
        },
    )


def _business_calendar_build(calendar: Calendar) -> BusinessCalendar:
    week = calendar_week(calendar)
    return BusinessCalendar(
        code=calendar.code,
        week=tuple(tuple(day) for day in week),
        observes_holidays=calendar.observes_holidays,
        makeup_weekday=calendar.makeup_weekday,
        national=(
            national_schedule_load()
            if calendar.observes_holidays
            else NationalSchedule()
        ),
        overrides={
            date: (kind, note)
            for date, kind, note in calendar.day_overrides.values_list(
                "date", "kind", "note"
            )
        },
    )


def business_calendar_for(calendar: Calendar) -> BusinessCalendar:
    """The rules of a loaded calendar row, built once per process and rebuilt only
    when its ``rules_token`` changed (every change of its rules sets a new one)."""
    cached = _cache.get(calendar.pk)
    if cached is not None and cached[0] == calendar.rules_token:
        return cached[1]
    built = _business_calendar_build(calendar)
    with _cache_lock:
        _cache[calendar.pk] = (calendar.rules_token, built)
    return built


def business_calendar_get(code: str) -> BusinessCalendar:
    """The rules of the calendar ``code`` (one query when cached), or 404."""
    return business_calendar_for(calendar_get(code=code))


def business_calendars_all() -> dict[str, BusinessCalendar]:
    """Every active calendar's rules by code, for jobs that compute many due times."""
    return {
        c.code: business_calendar_for(c)
        for c in Calendar.objects.filter(is_active=True)
    }


# --- arithmetic for pages and the API ------------------------------------------------


def _year_check(moment: dt.datetime, field: str) -> None:
    if not FIRST_YEAR <= moment.astimezone(TZ).year <= LAST_YEAR:
        raise DomainError(
            _("时间必须在 %(first)s 年到 %(last)s 年之间。")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field=field,
            code="out_of_range",
        )


def _no_working_time(calendar: BusinessCalendar, field: str) -> DomainError:
    return DomainError(
        _("日历 %(code)s 在这段时间内没有工作时间。") % {"code": calendar.code},
        field=field,
        code="no_working_time",
    )


@dataclass(frozen=True)
class DueResult:
    due: dt.datetime
    assumed_years: list[int]


@dataclass(frozen=True)
class ElapsedResult:
    elapsed: dt.timedelta
    assumed_years: list[int]

    @property
    def minutes(self) -> float:
        return self.elapsed / dt.timedelta(minutes=1)


def calendar_due(
    *, calendar: BusinessCalendar, start: dt.datetime, minutes: int
) -> DueResult:
    """The earliest moment ``minutes`` business minutes after ``start``, and the
    years on the way whose holidays are assumed (Monday–Friday fallback)."""
    _year_check(start, "start")
    if not 0 <= minutes <= MAX_MINUTES:
        raise DomainError(
            _("分钟数必须在 0 到 %(max)s 之间。") % {"max": MAX_MINUTES},
            field="minutes",
            code="out_of_range",
        )
    try:
        due = calendar.add(start, minutes)
    except BusinessTimeError as exc:
        raise _no_working_time(calendar, "minutes") from exc
    _year_check(due, "minutes")
    return DueResult(due=due, assumed_years=calendar.assumed_years(start, due))


def calendar_elapsed(
    *, calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime
) -> ElapsedResult:
    """Business time from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    _year_check(start, "start")
    _year_check(end, "end")
    return ElapsedResult(
        elapsed=calendar.between(start, end),
        assumed_years=calendar.assumed_years(start, end),
    )


def calendar_year_check(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(
            _("年份必须在 %(first)s 到 %(last)s 之间。")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field="year",
            code="out_of_range",
        )
    return year


# --- a calendar's year -----------------------------------------------------------------


@dataclass(frozen=True)
class DaySpan:
    """Consecutive days of the same kind, name and source (e.g. a holiday week)."""

    first: Day
    last: Day

    @property
    def days(self) -> int:
        return (self.last.date - self.first.date).days + 1


@dataclass(frozen=True)
class YearOverview:
    calendar: Calendar
    year: int
    source: DaySource
    days: list[Day]
    months: list[dict]
    special_days: list[DaySpan]
    overrides: list[DayOverride]
    working_days: int
    working_hours: float

    @property
    def is_assumed(self) -> bool:
        return self.source is DaySource.FALLBACK


def _months(year: int, days: list[Day]) -> list[dict]:
    """Twelve month grids, weeks from Monday, blanks as None."""
    by_date = {d.date: d for d in days}
    grid = month_calendar.Calendar(firstweekday=0)
    return [
        {
            "month": month,
            "weeks": [
                [by_date[d] if d.month == month else None for d in week]
                for week in grid.monthdatescalendar(year, month)
            ],
        }
        for month in range(1, 13)
    ]


def calendar_year_overview(*, calendar: Calendar, year: int) -> YearOverview:
    """Every day of ``year`` on ``calendar`` with its kind and source, the
    administrators' overrides of that year, and the year's working time."""
    calendar_year_check(year)
    rules = business_calendar_for(calendar)
    days = rules.days(year)
    scope = Q(calendar=calendar)
    if calendar.observes_holidays:
        scope |= Q(calendar__isnull=True)
    overrides = list(
        DayOverride.objects.filter(scope, date__year=year)
        .select_related("calendar", "updated_by")
        .order_by("date", "id")
    )
    special: list[DaySpan] = []
    for day in days:
        if day.kind not in (DayKind.HOLIDAY, DayKind.MAKEUP) and day.source not in (
            DaySource.OVERRIDE,
            DaySource.CALENDAR,
        ):
            continue
        previous = special[-1] if special else None
        if (
            previous is not None
            and previous.last.date + dt.timedelta(days=1) == day.date
            and (previous.last.kind, previous.last.name, previous.last.source)
            == (day.kind, day.name, day.source)
            and previous.last.note == day.note
        ):
            special[-1] = DaySpan(previous.first, day)
        else:
            special.append(DaySpan(day, day))
    return YearOverview(
        calendar=calendar,
        year=year,
        source=rules.year_source(year),
        days=days,
        months=_months(year, days),
        special_days=special,
        overrides=overrides,
        working_days=sum(1 for d in days if d.periods),
        working_hours=sum(d.working_minutes for d in days) / 60,
    )


def calendar_day_get(*, calendar: Calendar, date: dt.date) -> Day:
    calendar_year_check(date.year)
    return business_calendar_for(calendar).day(date)


def day_override_get(*, calendar: Calendar | None, date: dt.date) -> DayOverride | None:
    return (
        DayOverride.objects.filter(calendar=calendar, date=date)
        .select_related("updated_by")
        .first()
    )


# --- year schedules and warnings -----------------------------------------------------


def holiday_year_get(year: int) -> HolidayYear | None:
    return HolidayYear.objects.filter(year=year).select_related("updated_by").first()


@dataclass(frozen=True)
class YearStatus:
    year: int
    source: DaySource
    schedule: HolidayYear | None


def holiday_year_statuses(*, today: dt.date | None = None) -> list[YearStatus]:
    """Last year to next year, plus every later year entered: where each year's
    holidays come from (one query)."""
    today = today or timezone.localdate()
    entered = {
        h.year: h
        for h in HolidayYear.objects.filter(year__gte=today.year - 1).select_related(
            "updated_by"
        )
    }
    years = sorted({today.year - 1, today.year, today.year + 1, *entered})
    statuses = []
    for year in years:
        if year in entered:
            source = DaySource.YEAR
        elif package_covers(year):
            source = DaySource.PACKAGE
        else:
            source = DaySource.FALLBACK
        statuses.append(YearStatus(year, source, entered.get(year)))
    return statuses


def calendar_assumed_years(*, today: dt.date | None = None) -> list[int]:
    """Years that need China's schedule and have none (the current year, and the
    next one once it is near), when some active calendar observes holidays: the
    warning administrators see on the calendar pages and their home page."""
    today = today or timezone.localdate()
    years = [today.year]
    if (dt.date(today.year + 1, 1, 1) - today).days <= NEXT_YEAR_WARNING_DAYS:
        years.append(today.year + 1)
    years = [y for y in years if not package_covers(y)]
    if not years:
        return []
    if not Calendar.objects.filter(is_active=True, observes_holidays=True).exists():
        return []
    entered = set(
        HolidayYear.objects.filter(year__in=years).values_list("year", flat=True)
    )
    return [y for y in years if y not in entered]


@dataclass(frozen=True)
class HolidaySpan:
    """Consecutive days off under one name, as the State Council's notices list them."""

    name: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class MakeupDay:
    name: str
    date: dt.date


def holiday_year_schedule(year: int) -> tuple[list[HolidaySpan], list[MakeupDay]]:
    """The year's days off and make-up days as currently known (an entered year, or
    the package's data), grouped into spans: the starting point for a correction."""
    national = national_schedule_load()
    schedule = NationalSchedule(years=national.years, entered=national.entered)
    source = schedule.year_source(year)
    spans: list[HolidaySpan] = []
    makeups: list[MakeupDay] = []
    if source is DaySource.FALLBACK:
        return spans, makeups
    if source is DaySource.YEAR:
        rows = HolidayYearDay.objects.filter(schedule__year=year).order_by("date")
        listed = [(r.date, r.kind, r.name) for r in rows]
    else:
        first = dt.date(year, 1, 1)
        listed = []
        for offset in range((dt.date(year, 12, 31) - first).days + 1):
            date = first + dt.timedelta(days=offset)
            kind, name, _source, _note = schedule.day(date)
            if name:
                listed.append((date, kind, name))
    for date, kind, name in listed:
        if kind == DayKind.WORKDAY:
            makeups.append(MakeupDay(name, date))
        elif (
            spans
            and spans[-1].name == name
            and spans[-1].end + dt.timedelta(days=1) == date
        ):
            spans[-1] = HolidaySpan(name, spans[-1].start, date)
        else:
            spans.append(HolidaySpan(name, date, date))
    return spans, makeups


def calendar_week(calendar: Calendar) -> list[list[tuple[int, int]]]:
    """The weekly periods of a calendar (uses prefetched ``periods`` when there)."""
    week: list[list[tuple[int, int]]] = [[] for _day in range(7)]
    for period in calendar.periods.all():
        week[period.weekday].append((period.start_minute, period.end_minute))
    for day in week:
        day.sort()
    return week


def calendar_week_rows(calendar: Calendar) -> list[dict]:
    """The week in lines such as 星期一至星期五 09:00-12:00, 13:30-18:00."""
    week = calendar_week(calendar)
    rows: list[dict] = []
    for weekday, periods in enumerate(week):
        if rows and rows[-1]["periods"] == periods:
            rows[-1]["last"] = weekday
        else:
            rows.append({"first": weekday, "last": weekday, "periods": periods})
    for row in rows:
        first, last = Weekday(row["first"]).label, Weekday(row["last"]).label
        row["label"] = (
            first
            if row["first"] == row["last"]
            else _("%(first)s至%(last)s") % {"first": first, "last": last}
        )
        row["text"] = periods_text(row["periods"]) if row["periods"] else ""
    return rows
