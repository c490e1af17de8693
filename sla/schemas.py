"""API shapes of calendars, their days and business-time answers. Weekdays are
ISO 8601 numbers (1 = Monday … 7 = Sunday); times of day are HH:MM."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from ninja import Field, Schema
from pydantic import AwareDatetime, BeforeValidator

from core.schema import LocalDateTime
from sla.business_time import TZ
from sla.models import Calendar
from sla.selectors import calendar_week

# An unencoded "+" in a query string arrives as a space: 2026-09-30T17:00 08:00.
_SPACED_OFFSET = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$"
)


def _offset_plus_restored(value):
    if isinstance(value, str):
        match = _SPACED_OFFSET.match(value)
        if match:
            return f"{match.group(1)}+{match.group(2)}"
    return value


# A moment in a query string: an offset is required (a naive time is 422).
QueryDateTime = Annotated[AwareDatetime, BeforeValidator(_offset_plus_restored)]


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


class PeriodOut(Schema):
    start: str = Field(..., examples=["09:00"])
    end: str = Field(..., examples=["12:00"])


def periods_out(periods) -> list[dict]:
    return [{"start": _hhmm(s), "end": _hhmm(e)} for s, e in periods]


class WeekdayOut(Schema):
    weekday: int = Field(..., description="1 = 星期一 … 7 = 星期日 (ISO 8601)")
    periods: list[PeriodOut]


class CalendarOut(Schema):
    code: str
    name: str
    description: str
    time_zone: str
    observes_holidays: bool
    makeup_weekday: int = Field(
        ..., description="调休上班日采用这一天的工作时间 (1 = 星期一 … 7 = 星期日)"
    )
    is_builtin: bool
    is_active: bool
    version: int
    week: list[WeekdayOut]

    @staticmethod
    def resolve_time_zone(obj: Calendar) -> str:
        return str(TZ)

    @staticmethod
    def resolve_makeup_weekday(obj: Calendar) -> int:
        return obj.makeup_weekday + 1

    @staticmethod
    def resolve_week(obj: Calendar) -> list[dict]:
        return [
            {"weekday": i + 1, "periods": periods_out(day)}
            for i, day in enumerate(calendar_week(obj))
        ]


class DayOut(Schema):
    date: dt.date
    weekday: int
    kind: str = Field(..., description="workday, makeup (调休上班), holiday, rest")
    source: str = Field(
        ..., description="weekly, package, year, override, calendar, fallback"
    )
    name: str
    note: str
    working_minutes: int
    periods: list[PeriodOut]


class CalendarYearOut(Schema):
    code: str
    year: int
    source: str = Field(..., description="weekly, package, year or fallback")
    assumed: bool = Field(
        ..., description="true: no holiday data for the year, Monday–Friday assumed"
    )
    working_days: int
    working_minutes: int
    days: list[DayOut]


class DueOut(Schema):
    due: LocalDateTime
    assumed_years: list[int] = Field(
        ..., description="years on the way computed on the Monday–Friday fallback"
    )


class ElapsedOut(Schema):
    minutes: float
    assumed_years: list[int]


class CommitmentOut(Schema):
    """A published service commitment (public)."""

    id: int
    title: str
    description: str
    ticket_type: str
    clock: str
    target_minutes: int


class RateOut(Schema):
    """Clocks counted and kept for one month, department or person."""

    key: str
    label: str
    total: int
    kept: int
    breached: int
    rate: float | None


class RatesOut(Schema):
    commitment: CommitmentOut
    month: str
    by: str
    rows: list[RateOut]
