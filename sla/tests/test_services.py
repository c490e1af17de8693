"""Changes to calendars: the built-ins always exist, administrators set days and
enter years, every change is audited, stale edits conflict, bad input changes
nothing, and each process sees a change at once (its cached rules are rebuilt)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management.sql import emit_post_migrate_signal

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from core.errors import Conflict, DomainError
from core.models import AuditEvent
from sla.business_time import DayKind, DaySource
from sla.forms import HolidayYearForm
from sla.models import Calendar, DayOverride, HolidayYear, HolidayYearDay
from sla.selectors import (
    HolidaySpan,
    MakeupDay,
    business_calendar_get,
    business_calendars_all,
    calendar_assumed_years,
    calendar_due,
    holiday_year_schedule,
    holiday_year_statuses,
)
from sla.services import (
    calendar_builtins_ensure,
    calendar_create,
    calendar_update,
    day_override_remove,
    day_override_set,
    holiday_year_remove,
    holiday_year_set,
)
from sla.tests.factories import calendar_make

pytestmark = pytest.mark.django_db

D = dt.date
AT = dt.datetime.fromisoformat
NEW_YEAR_2027 = [HolidaySpan("元旦", D(2027, 1, 1), D(2027, 1, 3))]


@pytest.fixture
def admin():
    return UserFactory(role=Role.SYSTEM_ADMIN)


def _due(code: str, start: str, minutes: int) -> dt.datetime:
    return calendar_due(
        calendar=business_calendar_get(code), start=AT(start), minutes=minutes
    ).due


def test_standard_and_24x7_always_exist_with_their_rules():
    standard = Calendar.objects.get(code="standard")
    assert standard.is_builtin and standard.observes_holidays
    assert list(
        standard.periods.values_list("weekday", "start_minute", "end_minute")
    ) == [(wd, s, e) for wd in range(5) for s, e in ((540, 720), (810, 1080))]
    around = Calendar.objects.get(code="24x7")
    assert not around.observes_holidays
    assert around.periods.count() == 7


def test_the_builtins_come_back_after_a_flush_and_are_never_duplicated():
    Calendar.objects.all().delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert sorted(Calendar.objects.values_list("code", flat=True)) == [
        "24x7",
        "standard",
    ]
    calendar_builtins_ensure()
    assert Calendar.objects.count() == 2


def test_setting_a_day_is_audited_and_seen_at_once(admin):
    start = "2026-10-09T17:30+08:00"
    assert _due("standard", start, 60) == AT("2026-10-10T09:30+08:00")
    day_override_set(
        actor=admin,
        calendar=None,
        date=D(2026, 10, 10),
        kind="holiday",
        note="公司统一放假",
    )
    assert _due("standard", start, 60) == AT("2026-10-12T09:30+08:00")
    day = business_calendar_get("standard").day(D(2026, 10, 10))
    assert (day.kind, day.source, day.note) == (
        DayKind.HOLIDAY,
        DaySource.OVERRIDE,
        "公司统一放假",
    )
    event = AuditEvent.objects.get(event="calendar.day_set")
    assert event.actor == admin
    assert event.data["date"] == "2026-10-10" and event.data["kind"] == "holiday"
    # 24x7 does not observe holidays: a national setting leaves it alone.
    assert _due("24x7", start, 60) == AT("2026-10-09T18:30+08:00")


def test_correcting_a_day_needs_the_version_that_was_seen(admin):
    calendar = Calendar.objects.get(code="standard")
    first = day_override_set(
        actor=admin, calendar=calendar, date=D(2026, 12, 24), kind="holiday", note="a"
    )
    with pytest.raises(Conflict):
        day_override_set(
            actor=admin,
            calendar=calendar,
            date=D(2026, 12, 24),
            kind="workday",
            note="b",
        )
    corrected = day_override_set(
        actor=admin,
        calendar=calendar,
        date=D(2026, 12, 24),
        kind="workday",
        note="b",
        version=first.version,
    )
    assert corrected.pk == first.pk and corrected.version == first.version + 1
    with pytest.raises(Conflict):
        day_override_set(
            actor=admin,
            calendar=calendar,
            date=D(2026, 12, 24),
            kind="holiday",
            note="c",
            version=first.version,
        )
    assert DayOverride.objects.get(pk=first.pk).note == "b"
    events = AuditEvent.objects.filter(event="calendar.day_set").order_by("id")
    assert events.last().data["before"] == {"kind": "holiday", "note": "a"}


def test_removing_a_day_setting_restores_the_package(admin):
    override = day_override_set(
        actor=admin, calendar=None, date=D(2026, 10, 1), kind="workday", note="值班"
    )
    assert business_calendar_get("standard").day(D(2026, 10, 1)).periods
    with pytest.raises(Conflict):
        day_override_remove(actor=admin, override=override, version=99)
    day_override_remove(actor=admin, override=override, version=override.version)
    assert not DayOverride.objects.exists()
    day = business_calendar_get("standard").day(D(2026, 10, 1))
    assert (day.kind, day.source) == (DayKind.HOLIDAY, DaySource.PACKAGE)
    assert AuditEvent.objects.get(event="calendar.day_remove").data["note"] == "值班"


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"note": " "}, "note"),
        ({"kind": "maybe"}, "kind"),
        ({"date": D(1999, 1, 1)}, "date"),
        ({"note": "x" * 201}, "note"),
    ],
)
def test_a_bad_day_setting_names_the_field_and_changes_nothing(admin, kwargs, field):
    values = {"date": D(2026, 12, 24), "kind": "holiday", "note": "年会", **kwargs}
    with pytest.raises(DomainError) as error:
        day_override_set(actor=admin, calendar=None, **values)
    assert error.value.field == field
    assert not DayOverride.objects.exists()
    assert not AuditEvent.objects.filter(event__startswith="calendar.").exists()


@pytest.mark.parametrize(
    "role", [Role.SERVICE_MANAGER, Role.SECURITY_ADMIN, Role.AUDITOR, Role.AGENT]
)
def test_only_the_system_admin_changes_calendars(role):
    user = UserFactory(role=role)
    standard = Calendar.objects.get(code="standard")
    with pytest.raises(PermissionDenied):
        day_override_set(
            actor=user, calendar=None, date=D(2026, 12, 24), kind="holiday", note="x"
        )
    with pytest.raises(PermissionDenied):
        holiday_year_set(actor=user, year=2027, holidays=NEW_YEAR_2027, makeup_days=[])
    with pytest.raises(PermissionDenied):
        calendar_create(actor=user, code="x", name="x", week=[[(540, 600)]] * 7)
    with pytest.raises(PermissionDenied):
        calendar_update(
            actor=user, calendar=standard, version=1, name="x", week=[[]] * 7
        )
    assert not DayOverride.objects.exists() and not HolidayYear.objects.exists()


def test_entering_2027_ends_the_fallback_and_its_warning(admin):
    today = D(2026, 11, 23)
    assert calendar_assumed_years(today=today) == [2027]
    assert _due("standard", "2026-12-31T17:00+08:00", 120) == AT(
        "2027-01-01T10:00+08:00"
    )
    schedule = holiday_year_set(
        actor=admin,
        year=2027,
        holidays=[
            *NEW_YEAR_2027,
            HolidaySpan("春节", D(2027, 2, 6), D(2027, 2, 12)),
        ],
        makeup_days=[MakeupDay("春节", D(2027, 2, 20))],
        note="国务院办公厅通知",
    )
    assert calendar_assumed_years(today=today) == []
    assert _due("standard", "2026-12-31T17:00+08:00", 120) == AT(
        "2027-01-04T10:00+08:00"
    )
    # Friday 5 February 17:00 + 120 minutes: the holiday runs to the 12th.
    assert _due("standard", "2027-02-05T17:00+08:00", 120) == AT(
        "2027-02-15T10:00+08:00"
    )
    assert business_calendar_get("standard").day(D(2027, 2, 20)).kind == "makeup"
    assert HolidayYearDay.objects.filter(schedule=schedule).count() == 11
    event = AuditEvent.objects.get(event="calendar.year_enter")
    assert event.data["makeup_days"] == ["2027-02-20"]
    statuses = {s.year: s.source for s in holiday_year_statuses(today=today)}
    assert statuses == {2025: "package", 2026: "package", 2027: "year"}


def test_the_next_year_is_warned_about_only_when_it_is_near():
    assert calendar_assumed_years(today=D(2026, 6, 1)) == []
    assert calendar_assumed_years(today=D(2026, 10, 1)) == [2027]
    assert calendar_assumed_years(today=D(2027, 3, 1)) == [2027]
    Calendar.objects.filter(observes_holidays=True).update(is_active=False)
    assert calendar_assumed_years(today=D(2027, 3, 1)) == []


def test_correcting_a_year_replaces_its_days_and_removing_it_restores_the_package(
    admin,
):
    spans, makeups = holiday_year_schedule(2026)
    assert HolidaySpan("国庆节", D(2026, 10, 1), D(2026, 10, 7)) in spans
    assert MakeupDay("国庆节", D(2026, 10, 10)) in makeups
    corrected = [s for s in spans if s.name != "国庆节"] + [
        HolidaySpan("国庆节", D(2026, 10, 1), D(2026, 10, 8))
    ]
    schedule = holiday_year_set(
        actor=admin, year=2026, holidays=corrected, makeup_days=makeups
    )
    assert _due("standard", "2026-09-30T17:00+08:00", 480) == AT(
        "2026-10-09T17:30+08:00"
    )
    with pytest.raises(Conflict):
        holiday_year_set(actor=admin, year=2026, holidays=spans, makeup_days=makeups)
    holiday_year_remove(actor=admin, schedule=schedule, version=schedule.version)
    assert _due("standard", "2026-09-30T17:00+08:00", 480) == AT(
        "2026-10-08T17:30+08:00"
    )
    assert not HolidayYearDay.objects.exists()
    assert AuditEvent.objects.filter(event="calendar.year_remove").exists()


@pytest.mark.parametrize(
    "holidays,makeups,field,message",
    [
        ([], [], "holidays", "至少"),
        ([HolidaySpan("元旦", D(2027, 1, 3), D(2027, 1, 1))], [], "holidays", "早于"),
        ([HolidaySpan("", D(2027, 1, 1), D(2027, 1, 1))], [], "holidays", "节日名称"),
        ([HolidaySpan("元旦", D(2028, 5, 1), D(2028, 5, 1))], [], "holidays", "不在"),
        ([HolidaySpan("长假", D(2027, 7, 1), D(2027, 8, 15))], [], "holidays", "超过"),
        (
            [
                HolidaySpan("元旦", D(2027, 1, 1), D(2027, 1, 3)),
                HolidaySpan("又一个", D(2027, 1, 3), D(2027, 1, 4)),
            ],
            [],
            "holidays",
            "重复",
        ),
        (NEW_YEAR_2027, [MakeupDay("", D(2027, 2, 22))], "makeup_days", "周六或周日"),
        (NEW_YEAR_2027, [MakeupDay("", D(2027, 1, 2))], "makeup_days", "既是"),
    ],
)
def test_a_bad_year_names_the_field_and_changes_nothing(
    admin, holidays, makeups, field, message
):
    with pytest.raises(DomainError) as error:
        holiday_year_set(actor=admin, year=2027, holidays=holidays, makeup_days=makeups)
    assert error.value.field == field and message in str(error.value)
    assert not HolidayYear.objects.exists()


def test_the_new_year_holiday_may_start_in_december(admin):
    holiday_year_set(
        actor=admin,
        year=2027,
        holidays=[HolidaySpan("元旦", D(2026, 12, 31), D(2027, 1, 2))],
        makeup_days=[],
    )
    day = business_calendar_get("standard").day(D(2026, 12, 31))
    assert (day.kind, day.source, day.name) == (DayKind.HOLIDAY, DaySource.YEAR, "元旦")
    with pytest.raises(DomainError) as error:
        holiday_year_set(
            actor=admin,
            year=2026,
            holidays=[HolidaySpan("元旦", D(2026, 12, 31), D(2026, 12, 31))],
            makeup_days=[],
        )
    assert "2027" in str(error.value)


def test_the_year_form_reads_the_notice_style():
    form = HolidayYearForm(
        {
            "holidays": "元旦 2027-01-01 至 2027-01-03\n春节：2月6日至2月12日\n清明节 4月5日",
            "makeup_days": "春节 2027年2月20日、2月21日",
            "note": "",
        },
        year=2027,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["holidays"] == [
        HolidaySpan("元旦", D(2027, 1, 1), D(2027, 1, 3)),
        HolidaySpan("春节", D(2027, 2, 6), D(2027, 2, 12)),
        HolidaySpan("清明节", D(2027, 4, 5), D(2027, 4, 5)),
    ]
    assert form.cleaned_data["makeup_days"] == [
        MakeupDay("春节", D(2027, 2, 20)),
        MakeupDay("春节", D(2027, 2, 21)),
    ]
    bad = HolidayYearForm(
        {"holidays": "元旦 2027-01-01\n春节 2月30日", "makeup_days": "春节"}, year=2027
    )
    assert not bad.is_valid()
    assert "第 2 行" in bad.errors["holidays"][0]
    assert "第 1 行" in bad.errors["makeup_days"][0]


def test_a_new_calendar_and_its_edits(admin):
    calendar = calendar_make(
        code="transport",
        actor=admin,
        week=[[(480, 1200)]] * 6 + [[]],
        makeup_weekday=0,
    )
    assert _due("transport", "2026-11-28T19:00+08:00", 120) == AT(
        "2026-11-30T09:00+08:00"
    )
    calendar_update(
        actor=admin,
        calendar=calendar,
        version=calendar.version,
        name="运输部工作时间",
        week=[[(480, 1200)]] * 7,
        observes_holidays=False,
    )
    assert _due("transport", "2026-11-28T19:00+08:00", 120) == AT(
        "2026-11-29T09:00+08:00"
    )
    with pytest.raises(Conflict):
        calendar_update(
            actor=admin, calendar=calendar, version=1, name="x", week=[[(0, 60)]] * 7
        )
    event = AuditEvent.objects.get(event="calendar.update")
    assert event.data["changed"]["name"] == {
        "from": "日历 transport",
        "to": "运输部工作时间",
    }


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"code": "standard"}, "code"),
        ({"code": "new"}, "code"),
        ({"name": " "}, "name"),
        ({"week": [[]] * 7}, "week_0"),
        ({"week": [[(600, 540)]] + [[]] * 6}, "week_0"),
        ({"week": [[(540, 720), (700, 800)]] * 7}, "week_0"),
        (
            {"week": [[(540, 600)]] * 5 + [[], []], "makeup_weekday": 6},
            "makeup_weekday",
        ),
    ],
)
def test_a_bad_calendar_names_the_field_and_changes_nothing(admin, kwargs, field):
    values = {"code": "x", "name": "X", "week": [[(540, 600)]] * 7, **kwargs}
    with pytest.raises(DomainError) as error:
        calendar_create(actor=admin, **values)
    assert error.value.field == field
    assert Calendar.objects.count() == 2


def test_the_rules_of_a_builtin_calendar_stay_fixed(admin):
    standard = Calendar.objects.get(code="standard")
    calendar_update(
        actor=admin,
        calendar=standard,
        version=standard.version,
        name="标准工作时间",
        week=[[(0, 1440)]] * 7,
        observes_holidays=False,
        is_active=False,
    )
    standard.refresh_from_db()
    assert standard.name == "标准工作时间"
    assert standard.observes_holidays and standard.is_active
    assert _due("standard", "2026-09-30T17:00+08:00", 480) == AT(
        "2026-10-08T17:30+08:00"
    )


def test_a_change_in_another_process_is_seen_through_the_rules_token(admin):
    """The cache is per process; a change made elsewhere shows as a new token."""
    before = business_calendar_get("standard")
    assert business_calendar_get("standard") is before
    Calendar.objects.filter(code="standard").update(rules_token="elsewhere")
    DayOverride.objects.create(
        calendar=None,
        date=D(2026, 11, 23),
        kind="holiday",
        note="另一台服务器上设置",
        updated_by=admin,
    )
    after = business_calendar_get("standard")
    assert after is not before
    assert after.day(D(2026, 11, 23)).kind is DayKind.HOLIDAY


def test_a_job_loads_every_calendar_once_and_then_computes_without_queries(
    django_assert_num_queries,
):
    """What the SLA sweep will do: one query for the rules, none per due time."""
    business_calendars_all()
    with django_assert_num_queries(1):
        calendars = business_calendars_all()
    assert sorted(calendars) == ["24x7", "standard"]
    start = AT("2026-09-30T17:00+08:00")
    with django_assert_num_queries(0):
        dues = [calendars["standard"].add(start, n) for n in range(0, 5000, 7)]
    assert dues[-1] > dues[0]
