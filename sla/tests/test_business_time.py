"""The arithmetic of business time: the issue's fixed cases, China's calendar
(holidays, 调休, the 2027 fallback), overrides, and the laws, checked with
hypothesis against every kind of calendar and against a minute-by-minute oracle."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sla.builtins import STANDARD_DAY
from sla.business_time import (
    TZ,
    BusinessCalendar,
    BusinessTimeError,
    DayKind,
    DaySource,
    NationalSchedule,
    periods_validate,
)

UTC = dt.UTC
MICRO = dt.timedelta(microseconds=1)
STANDARD = BusinessCalendar(code="standard", week=(STANDARD_DAY,) * 5 + ((), ()))
AROUND = BusinessCalendar.around_the_clock()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


# --- fixed cases ---------------------------------------------------------------------

FIXED = [
    # The cases: over the National Day week, and onto a make-up Saturday.
    ("2026-09-30T17:00+08:00", 480, "2026-10-08T17:30+08:00"),
    ("2026-10-09T17:30+08:00", 60, "2026-10-10T09:30+08:00"),
    # A span ending at the lunch break ends at 12:00, not 13:30.
    ("2026-11-23T11:00+08:00", 60, "2026-11-23T12:00+08:00"),
    ("2026-11-23T11:00+08:00", 61, "2026-11-23T13:31+08:00"),
    ("2026-11-23T12:30+08:00", 30, "2026-11-23T14:00+08:00"),
    ("2026-11-23T08:00+08:00", 1, "2026-11-23T09:01+08:00"),
    # Over a weekend; from a Saturday; a whole working day is 450 minutes.
    ("2026-11-27T17:00+08:00", 120, "2026-11-30T10:00+08:00"),
    ("2026-11-28T10:00+08:00", 60, "2026-11-30T10:00+08:00"),
    ("2026-11-23T09:00+08:00", 450, "2026-11-23T18:00+08:00"),
    ("2026-11-23T09:00+08:00", 451, "2026-11-24T09:01+08:00"),
    # Spring Festival 2026: Saturday 14 February is worked, 15–23 February are off.
    ("2026-02-13T17:00+08:00", 120, "2026-02-14T10:00+08:00"),
    ("2026-02-14T17:30+08:00", 60, "2026-02-24T09:30+08:00"),
    # Nought minutes: the start itself, even outside working time.
    ("2026-11-28T10:00+08:00", 0, "2026-11-28T10:00+08:00"),
    # The same moment written in UTC.
    ("2026-09-30T09:00:00Z", 480, "2026-10-08T17:30+08:00"),
    # Seconds are kept.
    ("2026-11-23T11:59:30+08:00", 1, "2026-11-23T13:30:30+08:00"),
    # 2027 is not in the package: Monday–Friday fallback, so New Year's Day is worked.
    ("2026-12-31T17:00+08:00", 120, "2027-01-01T10:00+08:00"),
]


@pytest.mark.parametrize("start,n,due", FIXED)
def test_fixed_cases_on_the_standard_calendar(start, n, due):
    result = STANDARD.add(at(start), n)
    assert result == at(due)
    assert result.utcoffset() == dt.timedelta(hours=8)
    assert STANDARD.between(at(start), result) == minutes(n)


def test_between_counts_only_working_time():
    assert STANDARD.minutes_between(
        at("2026-09-30T17:00+08:00"), at("2026-10-08T17:30+08:00")
    ) == pytest.approx(480)
    assert STANDARD.between(
        at("2026-11-23T12:00+08:00"), at("2026-11-23T13:30+08:00")
    ) == dt.timedelta(0)
    assert STANDARD.between(
        at("2026-11-23T18:00+08:00"), at("2026-11-23T09:00+08:00")
    ) == -minutes(450)


def test_around_the_clock_is_plain_time():
    start = at("2026-09-30T17:00+08:00")
    assert AROUND.add(start, 480) == at("2026-10-01T01:00+08:00")
    assert AROUND.between(start, at("2026-10-08T17:30+08:00")) == (
        at("2026-10-08T17:30+08:00") - start
    )


def test_national_days_come_from_the_package():
    assert STANDARD.day(dt.date(2026, 10, 1)).kind is DayKind.HOLIDAY
    assert STANDARD.day(dt.date(2026, 10, 1)).name == "国庆节"
    makeup = STANDARD.day(dt.date(2026, 10, 10))
    assert (makeup.kind, makeup.source, makeup.periods) == (
        DayKind.MAKEUP,
        DaySource.PACKAGE,
        STANDARD_DAY,
    )
    assert STANDARD.day(dt.date(2026, 11, 28)).kind is DayKind.REST
    assert STANDARD.day(dt.date(2026, 11, 23)).working_minutes == 450


def test_a_year_without_data_falls_back_to_monday_to_friday():
    """No crash and no guess at holidays: weekdays worked, and the year is flagged."""
    assert STANDARD.year_source(2027) is DaySource.FALLBACK
    new_year = STANDARD.day(dt.date(2027, 1, 1))
    assert (new_year.kind, new_year.source) == (DayKind.WORKDAY, DaySource.FALLBACK)
    assert STANDARD.day(dt.date(2027, 1, 2)).kind is DayKind.REST
    start, due = at("2026-12-31T17:00+08:00"), at("2027-01-01T10:00+08:00")
    assert STANDARD.assumed_years(start, due) == [2027]
    assert STANDARD.assumed_years(start, at("2026-12-31T18:00+08:00")) == []
    assert AROUND.assumed_years(start, due) == []
    assert len(STANDARD.days(2027)) == 365
    assert sum(1 for d in STANDARD.days(2027) if d.periods) == 261


def test_an_entered_year_replaces_the_fallback():
    national = NationalSchedule(
        years={2027},
        entered={
            dt.date(2027, 1, 1): ("holiday", "元旦"),
            dt.date(2027, 1, 2): ("holiday", "元旦"),
            dt.date(2027, 1, 3): ("holiday", "元旦"),
            dt.date(2027, 2, 20): ("workday", "春节"),
        },
    )
    calendar = BusinessCalendar(code="c", week=STANDARD.week, national=national)
    assert calendar.year_source(2027) is DaySource.YEAR
    assert calendar.add(at("2026-12-31T17:00+08:00"), 120) == at(
        "2027-01-04T10:00+08:00"
    )
    assert calendar.day(dt.date(2027, 2, 20)).kind is DayKind.MAKEUP
    assert calendar.day(dt.date(2027, 1, 4)).source is DaySource.YEAR
    assert (
        calendar.assumed_years(
            at("2026-12-31T17:00+08:00"), at("2027-03-01T09:00+08:00")
        )
        == []
    )


def test_overrides_win_over_the_package_and_calendar_overrides_win_over_both():
    national = NationalSchedule(
        overrides={
            dt.date(2026, 10, 10): ("holiday", "更正：不调休"),
            dt.date(2026, 10, 8): ("holiday", "公司假日"),
        }
    )
    calendar = BusinessCalendar(
        code="c",
        week=STANDARD.week,
        national=national,
        overrides={dt.date(2026, 10, 8): ("workday", "本部门值班")},
    )
    assert calendar.day(dt.date(2026, 10, 10)).kind is DayKind.HOLIDAY
    assert calendar.day(dt.date(2026, 10, 10)).source is DaySource.OVERRIDE
    day = calendar.day(dt.date(2026, 10, 8))
    assert (day.kind, day.source, day.note) == (
        DayKind.WORKDAY,
        DaySource.CALENDAR,
        "本部门值班",
    )
    assert calendar.add(at("2026-10-09T17:30+08:00"), 60) == at(
        "2026-10-12T09:30+08:00"
    )


def test_a_calendar_that_ignores_holidays_ignores_national_overrides():
    national = NationalSchedule(overrides={dt.date(2026, 11, 23): ("holiday", "x")})
    calendar = BusinessCalendar(
        code="c", week=STANDARD.week, observes_holidays=False, national=national
    )
    assert calendar.day(dt.date(2026, 10, 1)).kind is DayKind.WORKDAY
    assert calendar.day(dt.date(2026, 10, 10)).kind is DayKind.REST
    assert calendar.day(dt.date(2026, 11, 23)).source is DaySource.WEEKLY


def test_make_up_days_follow_the_chosen_weekday_and_weekend_hours_stay_on_weekends():
    saturday_morning = ((9 * 60, 12 * 60),)
    week = (
        STANDARD_DAY,
        ((8 * 60, 20 * 60),),
        STANDARD_DAY,
        STANDARD_DAY,
        STANDARD_DAY,
        saturday_morning,
        (),
    )
    calendar = BusinessCalendar(code="c", week=week, makeup_weekday=1)
    assert calendar.day(dt.date(2026, 10, 10)).periods == ((480, 1200),)
    assert calendar.day(dt.date(2026, 11, 28)).periods == saturday_morning
    assert calendar.day(dt.date(2026, 11, 28)).kind is DayKind.WORKDAY
    # A Saturday inside a holiday block stays closed.
    assert calendar.day(dt.date(2026, 10, 3)).periods == ()


def test_bad_input_is_refused():
    with pytest.raises(BusinessTimeError) as naive:
        STANDARD.add(dt.datetime(2026, 11, 23, 9), 10)
    assert naive.value.code == "naive"
    with pytest.raises(BusinessTimeError):
        STANDARD.add_duration(at("2026-11-23T09:00+08:00"), -MICRO)
    with pytest.raises(TypeError):
        STANDARD.add(at("2026-11-23T09:00+08:00"), 1.5)
    with pytest.raises(BusinessTimeError):
        STANDARD.add(at("1980-01-01T09:00+08:00"), 1)
    with pytest.raises(ValueError):
        BusinessCalendar(code="empty", week=((),) * 7)
    with pytest.raises(ValueError):
        periods_validate([(540, 720), (700, 800)])
    with pytest.raises(ValueError):
        periods_validate([(540, 1441)])


def test_a_calendar_closed_for_years_stops_instead_of_searching_for_ever():
    overrides = {
        dt.date(2026, 1, 1) + dt.timedelta(days=i): ("holiday", "x")
        for i in range(365 * 4 + 1)
    }
    calendar = BusinessCalendar(code="c", week=STANDARD.week, overrides=overrides)
    with pytest.raises(BusinessTimeError) as error:
        calendar.add(at("2026-01-01T09:00+08:00"), 1)
    assert error.value.code == "no_working_time"


def test_long_spans_jump_over_days_instead_of_walking_them():
    """A year of minutes on a fresh calendar comes out exact."""
    fresh = BusinessCalendar(code="fresh", week=STANDARD.week)
    start = at("2026-01-05T09:00+08:00")
    due = fresh.add(start, 366 * 24 * 60)
    assert fresh.between(start, due) == minutes(366 * 24 * 60)


# --- the laws ------------------------------------------------------------------------

ZONES = st.sampled_from(
    [TZ, UTC, dt.timezone(dt.timedelta(hours=-5)), ZoneInfo("Asia/Kolkata")]
)
MOMENTS = st.datetimes(
    min_value=dt.datetime(2025, 12, 1),
    max_value=dt.datetime(2027, 12, 31),
    timezones=ZONES,
)
MINUTE_MOMENTS = MOMENTS.map(lambda t: t.replace(second=0, microsecond=0))
AMOUNTS = st.integers(min_value=0, max_value=5000)


@st.composite
def day_periods(draw):
    edges = sorted(
        draw(st.lists(st.integers(0, 1440), unique=True, min_size=0, max_size=6))
    )
    return tuple(zip(edges[0::2], edges[1::2], strict=False))


@st.composite
def calendars(draw):
    """Standard, 24×7, or a random week with random overrides, holiday rule and
    make-up weekday."""
    kind = draw(st.sampled_from(["standard", "around", "random"]))
    if kind == "standard":
        return STANDARD
    if kind == "around":
        return AROUND
    week = tuple(draw(day_periods()) for _day in range(7))
    assume(any(week))
    dates = st.dates(dt.date(2025, 12, 1), dt.date(2028, 3, 1))
    settings_ = st.sampled_from(["workday", "holiday"])
    overrides = draw(
        st.dictionaries(dates, st.tuples(settings_, st.just("")), max_size=8)
    )
    national = NationalSchedule(
        overrides=draw(
            st.dictionaries(dates, st.tuples(settings_, st.just("")), max_size=8)
        )
    )
    makeup = draw(st.integers(0, 6))
    assume(week[makeup])
    return BusinessCalendar(
        code="random",
        week=week,
        observes_holidays=draw(st.booleans()),
        makeup_weekday=makeup,
        national=national,
        overrides=overrides,
    )


@settings(max_examples=200)
@given(calendar=calendars(), start=MOMENTS, n=AMOUNTS)
def test_adding_then_measuring_gives_the_minutes_back(calendar, start, n):
    due = calendar.add(start, n)
    assert due >= start
    assert calendar.between(start, due) == minutes(n)
    assert due.tzinfo is TZ


@settings(max_examples=200)
@given(calendar=calendars(), start=MOMENTS, n=st.integers(1, 5000))
def test_the_due_time_is_the_earliest_moment(calendar, start, n):
    """One microsecond earlier, fewer than n minutes have passed: the due time is
    never pushed past a lunch break or a night into the next period."""
    due = calendar.add(start, n)
    assert calendar.between(start, due - MICRO) < minutes(n)


@settings(max_examples=200)
@given(
    calendar=calendars(),
    start=MOMENTS,
    n1=AMOUNTS,
    n2=AMOUNTS,
    shift=st.integers(0, 20000),
)
def test_adding_is_monotonic_in_the_start_and_in_the_minutes(
    calendar, start, n1, n2, shift
):
    low, high = sorted((n1, n2))
    assert calendar.add(start, low) <= calendar.add(start, high)
    later = start + dt.timedelta(minutes=shift)
    assert calendar.add(start, n1) <= calendar.add(later, n1)


@given(calendar=calendars(), start=MOMENTS, a=AMOUNTS, b=st.integers(1, 5000))
def test_adding_twice_is_adding_the_sum(calendar, start, a, b):
    assert calendar.add(calendar.add(start, a), b) == calendar.add(start, a + b)


@settings(max_examples=200)
@given(calendar=calendars(), a=MOMENTS, b=MOMENTS, c=MOMENTS)
def test_measuring_is_additive_antisymmetric_and_bounded_by_plain_time(
    calendar, a, b, c
):
    assert calendar.between(a, b) + calendar.between(b, c) == calendar.between(a, c)
    assert calendar.between(a, b) == -calendar.between(b, a)
    low, high = sorted((a, b))
    assert dt.timedelta(0) <= calendar.between(low, high) <= high - low


@given(start=MOMENTS, n=st.integers(0, 600_000), end=MOMENTS)
def test_around_the_clock_equals_plain_time(start, n, end):
    assert AROUND.add(start, n) == start + minutes(n)
    assert AROUND.between(start, end) == end - start


def _oracle_add(calendar: BusinessCalendar, start: dt.datetime, n: int) -> dt.datetime:
    """Minute by minute, the slow and obvious way (starts on whole minutes)."""
    moment = start.astimezone(TZ)
    while n > 0:
        minute = moment.hour * 60 + moment.minute
        periods = calendar.day(moment.date()).periods
        if any(s <= minute < e for s, e in periods):
            n -= 1
        moment += dt.timedelta(minutes=1)
    return moment


@settings(max_examples=100)
@given(calendar=calendars(), start=MINUTE_MOMENTS, n=st.integers(0, 1500))
def test_adding_agrees_with_walking_minute_by_minute(calendar, start, n):
    # Keep the walk short: calendars with a few minutes a week would take weeks.
    assume(sum(e - s for day in calendar.week for s, e in day) >= 600)
    assert calendar.add(start, n) == _oracle_add(calendar, start, n)
