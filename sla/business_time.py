"""Business time on a working calendar, in Asia/Shanghai. Pure: no database.

A ``BusinessCalendar`` holds one calendar's rules — working periods per weekday,
China's statutory holidays and make-up working days (调休), administrators'
overrides — and answers two questions:

- ``add(start, minutes)``: the earliest moment at which that many business minutes
  have passed since ``start`` (a span that ends at the lunch break ends at 12:00,
  not at 13:30);
- ``between(start, end)``: the business time between two moments (negative when
  ``end`` is before ``start``).

Each year is indexed once per calendar object: the working periods of every day and
the cumulative working time before each day. Adding is then a binary search over
that index and a walk over at most one day's periods; nothing steps day by day or
minute by minute. Times are exact to the microsecond, so adding and then measuring
gives back exactly what was added.

Which day is what, for a calendar that observes China's holidays (first match wins):
an override for this calendar; an override for all calendars; a year schedule
entered by an administrator; the ``chinese_calendar`` package (2004–2026 in the
pinned version); otherwise the fallback: Monday to Friday are working days and the
year is reported as assumed (``year_source`` → ``"fallback"``), never an error.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

TZ = ZoneInfo("Asia/Shanghai")
MICROSECOND = 1
SECOND = 1_000_000
MINUTE = 60 * SECOND
MINUTES_PER_DAY = 24 * 60
# Asia/Shanghai has kept +08:00 without daylight saving since 1992, so wall-clock
# arithmetic is exact from then on.
FIRST_YEAR = 1992
LAST_YEAR = 9998
# A calendar whose rules give no working time for this many whole years in a row is
# broken; adding to it stops with an error instead of searching for ever.
MAX_EMPTY_YEARS = 3

Period = tuple[int, int]  # minutes after midnight: start, end (end ≤ 1440)


class DayKind(StrEnum):
    WORKDAY = "workday"  # 工作日
    MAKEUP = "makeup"  # 调休上班: a Saturday or Sunday worked in exchange for a holiday
    HOLIDAY = "holiday"  # 法定节假日 or a day off set by an administrator: closed
    REST = "rest"  # an ordinary weekend day (open only if the calendar opens then)


class DaySource(StrEnum):
    WEEKLY = "weekly"  # the calendar ignores holidays: its weekly periods alone
    PACKAGE = "package"  # the chinese_calendar package
    YEAR = "year"  # a year schedule entered by an administrator
    OVERRIDE = "override"  # an administrator's correction for every calendar
    CALENDAR = "calendar"  # an administrator's correction for this calendar only
    FALLBACK = "fallback"  # no data for the year: Monday to Friday assumed


# What an administrator may set a day to.
WORKDAY, HOLIDAY = DayKind.WORKDAY.value, DayKind.HOLIDAY.value
DAY_SETTINGS = frozenset({WORKDAY, HOLIDAY})

PACKAGE_FIRST_YEAR = min(chinese_calendar.holidays).year
PACKAGE_LAST_YEAR = max(chinese_calendar.holidays).year
_HOLIDAY_NAMES = {h.value: h.chinese for h in chinese_calendar.Holiday}


class BusinessTimeError(ValueError):
    """A question the calendar cannot answer: ``code`` says why (``naive``,
    ``range``, ``negative``, ``no_working_time``)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def package_covers(year: int) -> bool:
    """True when the chinese_calendar package has China's schedule for ``year``."""
    return PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class Day:
    """One date on one calendar: what it is, why, and when it is open."""

    date: dt.date
    kind: DayKind
    source: DaySource
    name: str = ""  # the holiday's name (春节, 国庆节 …) when there is one
    note: str = ""  # an administrator's note for an override
    periods: tuple[Period, ...] = ()

    @property
    def working_minutes(self) -> int:
        return sum(end - start for start, end in self.periods)


@dataclass(frozen=True)
class NationalSchedule:
    """China's working days as this installation knows them.

    ``years``: years an administrator entered as a whole; ``entered``: their listed
    days, date → (kind, name) (a listed date may lie just outside its year, as the
    New Year holiday sometimes starts on 30 December); ``overrides``: single days
    corrected for every calendar, date → (kind, note)."""

    years: frozenset[int] = frozenset()
    entered: Mapping[dt.date, tuple[str, str]] = field(default_factory=dict)
    overrides: Mapping[dt.date, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "years", frozenset(self.years))
        object.__setattr__(self, "entered", _frozen(self.entered))
        object.__setattr__(self, "overrides", _frozen(self.overrides))
        for kind, _text in (*self.entered.values(), *self.overrides.values()):
            if kind not in DAY_SETTINGS:
                raise ValueError(f"unknown day setting {kind!r}")

    def year_source(self, year: int) -> DaySource:
        """Where the schedule of ``year`` comes from (``FALLBACK``: nowhere)."""
        if year in self.years:
            return DaySource.YEAR
        if package_covers(year):
            return DaySource.PACKAGE
        return DaySource.FALLBACK

    def day(self, date: dt.date) -> tuple[str, str, DaySource, str]:
        """(kind, name, source, note): kind is workday, holiday or rest."""
        if date in self.overrides:
            kind, note = self.overrides[date]
            return kind, "", DaySource.OVERRIDE, note
        if date in self.entered:
            kind, name = self.entered[date]
            return kind, name, DaySource.YEAR, ""
        source = self.year_source(date.year)
        if source is DaySource.PACKAGE:
            if date in chinese_calendar.workdays:
                name = chinese_calendar.workdays[date]
                return WORKDAY, _HOLIDAY_NAMES.get(name, name), source, ""
            if date in chinese_calendar.holidays:
                name = chinese_calendar.holidays[date]
                return HOLIDAY, _HOLIDAY_NAMES.get(name, name), source, ""
        rest = date.weekday() >= 5
        return (DayKind.REST if rest else DayKind.WORKDAY).value, "", source, ""


def periods_validate(periods: Iterable[Period]) -> tuple[Period, ...]:
    """Sorted, non-overlapping periods inside one day, or ValueError."""
    result = tuple(sorted((int(s), int(e)) for s, e in periods))
    previous_end = 0
    for start, end in result:
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise ValueError(f"period {start}-{end} is not inside one day")
        if start < previous_end:
            raise ValueError(f"period {start}-{end} overlaps the one before")
        previous_end = end
    return result


def periods_text(periods: Iterable[Period]) -> str:
    """``09:00-12:00, 13:30-18:00``: the form in which pages show and take periods."""
    return ", ".join(
        f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in periods
    )


@dataclass(frozen=True, slots=True)
class _Year:
    """One calendar's year: each day's periods in microseconds and the working time
    before each day (``before[i]``; ``before[-1]`` is the year's total)."""

    year: int
    first_ordinal: int
    periods: tuple[tuple[tuple[int, int], ...], ...]
    before: tuple[int, ...]

    @property
    def total(self) -> int:
        return self.before[-1]


def _worked(periods: tuple[tuple[int, int], ...], at: int) -> int:
    """Working microseconds of one day before ``at`` (microseconds after midnight)."""
    done = 0
    for start, end in periods:
        if at <= start:
            break
        done += (end if at >= end else at) - start
    return done


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BusinessTimeError(
            f"year {year} is outside {FIRST_YEAR}–{LAST_YEAR}", "range"
        )


def _split(moment: dt.datetime) -> tuple[int, int, int]:
    """(year, day of year from 0, microseconds after midnight) in Shanghai time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise BusinessTimeError("a moment needs a time zone offset", "naive")
    local = moment.astimezone(TZ)
    _check_year(local.year)
    index = local.toordinal() - dt.date(local.year, 1, 1).toordinal()
    micro = (
        local.hour * 3600 + local.minute * 60 + local.second
    ) * SECOND + local.microsecond
    return local.year, index, micro


@dataclass(frozen=True)
class BusinessCalendar:
    """One calendar's rules, immutable; years are indexed on first use.

    ``week``: seven tuples of periods, Monday first. ``makeup_weekday``: the weekday
    whose periods a make-up working day (调休) follows. ``overrides``: days set by an
    administrator for this calendar only, date → (kind, note)."""

    code: str
    week: tuple[tuple[Period, ...], ...]
    observes_holidays: bool = True
    makeup_weekday: int = 0
    national: NationalSchedule = field(default_factory=NationalSchedule)
    overrides: Mapping[dt.date, tuple[str, str]] = field(default_factory=dict)
    _years: dict[int, _Year] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("a week has seven days")
        week = tuple(periods_validate(day) for day in self.week)
        if not any(week):
            raise ValueError("a calendar needs at least one working period")
        if not 0 <= self.makeup_weekday <= 6:
            raise ValueError("makeup_weekday is 0 (Monday) to 6 (Sunday)")
        object.__setattr__(self, "week", week)
        object.__setattr__(self, "overrides", _frozen(self.overrides))
        for kind, _note in self.overrides.values():
            if kind not in DAY_SETTINGS:
                raise ValueError(f"unknown day setting {kind!r}")

    @classmethod
    def around_the_clock(cls, code: str = "24x7") -> BusinessCalendar:
        """Every minute of every day is working time: business time is plain time."""
        return cls(
            code=code, week=(((0, MINUTES_PER_DAY),),) * 7, observes_holidays=False
        )

    # --- days ------------------------------------------------------------------

    def year_source(self, year: int) -> DaySource:
        """Where this calendar's days of ``year`` come from."""
        if not self.observes_holidays:
            return DaySource.WEEKLY
        return self.national.year_source(year)

    def is_assumed(self, year: int) -> bool:
        """True when the year's holidays are unknown and Monday–Friday is assumed."""
        return self.year_source(year) is DaySource.FALLBACK

    def day(self, date: dt.date) -> Day:
        """What ``date`` is on this calendar, where that comes from, its periods."""
        if date in self.overrides:
            kind, note = self.overrides[date]
            return self._day(date, kind, "", DaySource.CALENDAR, note)
        if not self.observes_holidays:
            return self._day(date, DayKind.REST, "", DaySource.WEEKLY, "")
        kind, name, source, note = self.national.day(date)
        return self._day(date, kind, name, source, note)

    def _day(
        self, date: dt.date, kind: str, name: str, source: DaySource, note: str
    ) -> Day:
        weekday = date.weekday()
        template = self.week[self.makeup_weekday]
        if kind == DayKind.HOLIDAY:
            periods: tuple[Period, ...] = ()
        elif kind == DayKind.WORKDAY and weekday >= 5:
            # A make-up working day is a full working day, whatever the weekend's hours.
            periods, kind = template, DayKind.MAKEUP
        elif kind == DayKind.WORKDAY and source is DaySource.CALENDAR:
            # Opened on purpose for this calendar, even on a weekday it usually closes.
            periods = self.week[weekday] or template
        else:
            periods = self.week[weekday]
            kind = DayKind.WORKDAY if periods else DayKind.REST
        if not periods and kind != DayKind.HOLIDAY:
            kind = DayKind.REST
        return Day(date, DayKind(kind), source, name, note, periods)

    def days(self, year: int) -> list[Day]:
        """Every day of ``year``, 1 January first."""
        _check_year(year)
        first = dt.date(year, 1, 1)
        count = (dt.date(year, 12, 31) - first).days + 1
        return [self.day(first + dt.timedelta(days=i)) for i in range(count)]

    def _year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is None:
            _check_year(year)
            periods = []
            before = [0]
            for day in self.days(year):
                micro = tuple((s * MINUTE, e * MINUTE) for s, e in day.periods)
                periods.append(micro)
                before.append(before[-1] + sum(e - s for s, e in micro))
            found = _Year(
                year, dt.date(year, 1, 1).toordinal(), tuple(periods), tuple(before)
            )
            self._years[year] = found
        return found

    # --- arithmetic --------------------------------------------------------------

    def _position(self, moment: dt.datetime) -> tuple[_Year, int]:
        """The year of ``moment`` and the working microseconds of it before ``moment``."""
        year, index, micro = _split(moment)
        indexed = self._year(year)
        return indexed, indexed.before[index] + _worked(indexed.periods[index], micro)

    def add(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """The earliest moment at which ``minutes`` business minutes have passed."""
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise TypeError("minutes must be an int")
        return self.add_duration(start, dt.timedelta(minutes=minutes))

    def add_duration(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """Like ``add`` for any non-negative duration (e.g. a paused span)."""
        amount = duration // dt.timedelta(microseconds=1)
        if amount < 0:
            raise BusinessTimeError("cannot add a negative duration", "negative")
        indexed, position = self._position(start)
        if amount == 0:
            return start.astimezone(TZ)
        target = position + amount
        empty_years = 0
        while target > indexed.total:
            target -= indexed.total
            empty_years = empty_years + 1 if indexed.total == 0 else 0
            if empty_years >= MAX_EMPTY_YEARS:
                raise BusinessTimeError(
                    f"calendar {self.code} has no working time", "no_working_time"
                )
            _check_year(indexed.year + 1)
            indexed = self._year(indexed.year + 1)
        # The day in which the target is reached: before[i] < target <= before[i + 1].
        index = bisect_left(indexed.before, target) - 1
        left = target - indexed.before[index]
        for period_start, period_end in indexed.periods[index]:
            length = period_end - period_start
            if left <= length:
                return _local_moment(indexed, index, period_start + left)
            left -= length
        raise AssertionError("the year index is inconsistent")  # pragma: no cover

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Business time from ``start`` to ``end``; negative if ``end`` comes first."""
        first, first_position = self._position(start)
        last, last_position = self._position(end)
        if end < start:
            return -self.between(end, start)
        if first.year == last.year:
            return dt.timedelta(microseconds=last_position - first_position)
        total = first.total - first_position + last_position
        for year in range(first.year + 1, last.year):
            total += self._year(year).total
        return dt.timedelta(microseconds=total)

    def minutes_between(self, start: dt.datetime, end: dt.datetime) -> float:
        return self.between(start, end) / dt.timedelta(minutes=1)

    def assumed_years(self, start: dt.datetime, end: dt.datetime) -> list[int]:
        """Years from ``start`` to ``end`` computed on the Monday–Friday fallback."""
        low, high = sorted((start.astimezone(TZ).year, end.astimezone(TZ).year))
        return [year for year in range(low, high + 1) if self.is_assumed(year)]


def _local_moment(indexed: _Year, index: int, micro: int) -> dt.datetime:
    day = dt.date.fromordinal(indexed.first_ordinal + index)
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=TZ)
    return midnight + dt.timedelta(microseconds=micro)
