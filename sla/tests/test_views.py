"""The system administrator's calendar pages: who may open them, what they show
(sources, 调休, the fallback warning), the forms with good and bad input, stale
edits, and query counts that do not grow with rows."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from sla.models import Calendar, DayOverride, HolidayYear
from sla.services import day_override_set
from sla.tests.factories import calendar_make

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)

PAGES = [
    "/system/calendars/",
    "/system/calendars/new/",
    "/system/calendars/standard/2026/",
    "/system/calendars/standard/edit/",
    "/system/calendars/standard/days/2026-10-10/",
    "/system/calendars/holidays/2027/",
    "/system/calendars/standard/trial/?start=2026-09-30T17:00&minutes=480",
]


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Pages ask for "this year" and "next year": pin the date to 23 November 2026."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


@pytest.fixture
def admin_client(client, demo_accounts):
    client.force_login(demo_accounts["admin"])
    return client


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    "username,status",
    [
        ("admin", 200),
        ("secadmin", 403),
        ("auditor", 403),
        ("gm", 403),
        ("manager", 403),
        ("agent", 403),
        ("deptmgr", 403),
    ],
)
def test_only_the_system_admin_opens_the_calendar_pages(
    client, demo_accounts, url, username, status
):
    client.force_login(demo_accounts[username])
    assert client.get(url).status_code == status


@pytest.mark.parametrize(
    "url,data",
    [
        ("/system/calendars/new/", {"code": "x", "name": "x", "week_0": "09:00-10:00"}),
        ("/system/calendars/standard/edit/", {"name": "x", "version": 1}),
        (
            "/system/calendars/standard/days/2026-12-24/",
            {"scope": "all", "kind": "holiday", "note": "x"},
        ),
        ("/system/calendars/holidays/2027/", {"holidays": "元旦 2027-01-01"}),
        ("/system/calendars/holidays/2026/remove/", {"version": 1}),
    ],
)
def test_changes_are_refused_to_everyone_but_the_system_admin(
    client, demo_accounts, url, data
):
    for username in ["manager", "secadmin", "auditor", "agent"]:
        client.force_login(demo_accounts[username])
        assert client.post(url, data).status_code == 403
    assert not DayOverride.objects.exists() and not HolidayYear.objects.exists()
    assert Calendar.objects.count() == 2
    assert Calendar.objects.get(code="standard").name == "标准工作日历"


def test_removing_a_setting_is_refused_to_others(client, demo_accounts):
    override = day_override_set(
        actor=demo_accounts["admin"],
        calendar=None,
        date=dt.date(2026, 12, 24),
        kind="holiday",
        note="年会",
    )
    client.force_login(demo_accounts["manager"])
    url = f"/system/calendars/overrides/{override.pk}/remove/"
    assert client.post(url, {"version": override.version}).status_code == 403
    assert DayOverride.objects.filter(pk=override.pk).exists()


def test_the_sidebar_links_the_calendars_for_the_admin(admin_client):
    html = admin_client.get("/").content.decode()
    assert 'href="/system/calendars/" data-module="calendars"' in html


def test_the_list_shows_calendars_years_and_the_2027_warning(admin_client):
    html = admin_client.get("/system/calendars/").content.decode()
    assert 'data-calendar="standard"' in html and 'data-calendar="24x7"' in html
    assert "星期一至星期五" in html and "09:00-12:00, 13:30-18:00" in html
    assert 'data-testid="calendar-assumed-warning"' in html
    assert "2027 年还没有法定节假日和调休数据" in html
    years = re.findall(r'data-year="(\d+)"', html)
    assert years == ["2025", "2026", "2027"]
    assert "无数据，按周一至周五推定" in html


def test_the_system_admins_home_page_warns_about_2027(admin_client, demo_accounts):
    html = admin_client.get("/").content.decode()
    assert "2027 年还没有法定节假日和调休数据" in html
    assert 'href="/system/calendars/holidays/2027/"' in html
    admin_client.post(
        "/system/calendars/holidays/2027/",
        {"holidays": "元旦 2027-01-01 至 2027-01-03", "makeup_days": ""},
    )
    assert "2027 年还没有" not in admin_client.get("/").content.decode()


def test_other_home_pages_carry_no_calendar_warning(client, demo_accounts):
    client.force_login(demo_accounts["agent"])
    assert "calendar-assumed-warning" not in client.get("/").content.decode()


def test_the_year_view_shows_each_days_kind_and_source(admin_client):
    response = admin_client.get("/system/calendars/standard/")
    assert response.status_code == 302
    assert response["Location"] == "/system/calendars/standard/2026/"
    html = admin_client.get("/system/calendars/standard/2026/").content.decode()
    assert re.search(r'data-date="2026-10-10" data-kind="makeup"', html)
    assert re.search(r'data-date="2026-10-01" data-kind="holiday"', html)
    assert re.search(r'data-date="2026-11-23" data-kind="workday"', html)
    assert re.search(r'data-date="2026-11-28" data-kind="rest"', html)
    assert 'data-testid="year-source">法定节假日数据包<' in html
    assert re.search(r'data-testid="working-days">\s*248 天', html)
    special = html.split('data-testid="special-days"')[1]
    assert "10月10日" in special and "调休上班" in special
    assert "10月01日" in special or "10月1日" in special


def test_a_year_without_data_is_shown_as_assumed(admin_client):
    html = admin_client.get("/system/calendars/standard/2028/").content.decode()
    assert 'data-testid="year-assumed"' in html
    assert "sla-months--assumed" in html
    assert "无年度数据，按周一至周五推定" in html
    html = admin_client.get("/system/calendars/24x7/2028/").content.decode()
    assert 'data-testid="year-assumed"' not in html
    assert 'data-testid="year-source">每周工作时间<' in html


@pytest.mark.parametrize(
    "url", ["/system/calendars/standard/1999/", "/system/calendars/nope/2026/"]
)
def test_years_out_of_range_and_unknown_calendars_are_404(admin_client, url):
    assert admin_client.get(url).status_code == 404


def test_the_day_panel_is_a_partial_for_htmx(admin_client):
    url = "/system/calendars/standard/days/2026-10-10/"
    partial = admin_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert 'data-testid="day-kind">调休上班 · 国庆节<' in partial
    assert 'data-testid="day-source">法定节假日数据包<' in partial
    page = admin_client.get(url).content.decode()
    assert "<html" in page and "调休上班" in page
    assert (
        admin_client.get("/system/calendars/standard/days/2026-02-30/").status_code
        == 404
    )


def test_setting_a_day_from_the_page(admin_client, demo_accounts):
    response = admin_client.post(
        "/system/calendars/standard/days/2026-12-24/",
        {"scope": "calendar", "kind": "holiday", "note": "公司年会"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/system/calendars/standard/2026/"
    override = DayOverride.objects.get()
    assert override.calendar.code == "standard" and override.note == "公司年会"
    html = admin_client.get("/system/calendars/standard/2026/").content.decode()
    assert re.search(r'data-date="2026-12-24" data-kind="holiday"', html)
    assert "公司年会" in html
    assert AuditEvent.objects.filter(event="calendar.day_set").exists()


def test_a_day_form_without_a_note_says_so_and_changes_nothing(admin_client):
    response = admin_client.post(
        "/system/calendars/standard/days/2026-12-24/",
        {"scope": "all", "kind": "holiday", "note": ""},
    )
    assert response.status_code == 200
    assert 'data-field-error="note"' in response.content.decode()
    assert not DayOverride.objects.exists()


def test_a_stale_day_form_gets_a_clear_message(admin_client, demo_accounts):
    url = "/system/calendars/standard/days/2026-12-24/"
    # The form was opened when the day had no setting; someone set it meanwhile.
    day_override_set(
        actor=demo_accounts["admin"],
        calendar=None,
        date=dt.date(2026, 12, 24),
        kind="workday",
        note="别人设的",
    )
    response = admin_client.post(
        url, {"scope": "all", "kind": "holiday", "note": "我设的", "version_all": ""}
    )
    assert "该记录已被他人修改，请刷新后重试。" in response.content.decode()
    assert DayOverride.objects.get().note == "别人设的"


def test_removing_a_setting_from_the_page(admin_client, demo_accounts):
    override = day_override_set(
        actor=demo_accounts["admin"],
        calendar=None,
        date=dt.date(2026, 12, 24),
        kind="holiday",
        note="年会",
    )
    url = f"/system/calendars/overrides/{override.pk}/remove/"
    stale = admin_client.post(url, {"version": override.version + 1}, follow=True)
    assert "该记录已被他人修改" in stale.content.decode()
    assert DayOverride.objects.exists()
    response = admin_client.post(
        url,
        {"version": override.version, "next": "/system/calendars/standard/2026/"},
    )
    assert response["Location"] == "/system/calendars/standard/2026/"
    assert not DayOverride.objects.exists()


def test_the_year_form_starts_from_the_package_and_saves_a_correction(admin_client):
    html = admin_client.get("/system/calendars/holidays/2026/").content.decode()
    assert "国庆节 2026-10-01 至 2026-10-07" in html
    assert "国庆节 2026-10-10" in html
    assert 'data-testid="holiday-year-source">法定节假日数据包<' in html


def test_entering_2027_from_the_page(admin_client):
    response = admin_client.post(
        "/system/calendars/holidays/2027/",
        {
            "holidays": "元旦 2027-01-01 至 2027-01-03\n春节 2月6日 至 2月12日",
            "makeup_days": "春节 2027-02-20",
            "note": "国务院办公厅通知",
            "next": "/system/calendars/standard/2027/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/system/calendars/standard/2027/"
    schedule = HolidayYear.objects.get(year=2027)
    assert schedule.days.count() == 11
    html = admin_client.get("/system/calendars/standard/2027/").content.decode()
    assert 'data-testid="year-assumed"' not in html
    assert re.search(r'data-date="2027-02-20" data-kind="makeup"', html)


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"holidays": ""}, "holidays", "这个字段是必填项"),
        ({"holidays": "2027-01-01"}, "holidays", "缺少节日名称"),
        ({"holidays": "元旦 2027-13-01"}, "holidays", "日期不存在"),
        (
            {"holidays": "元旦 2027-01-01", "makeup_days": "春节 2027-02-22"},
            "makeup_days",
            "周六或周日",
        ),
        ({"holidays": "元旦 2025-01-01"}, "holidays", "不在"),
    ],
)
def test_a_bad_year_form_names_the_field_and_changes_nothing(
    admin_client, data, field, message
):
    response = admin_client.post("/system/calendars/holidays/2027/", data)
    html = response.content.decode()
    assert response.status_code == 200
    errors = re.findall(rf'data-field-error="{field}">([^<]*)<', html)
    assert errors and message in errors[0]
    assert not HolidayYear.objects.exists()


def test_a_calendar_created_and_edited_from_the_pages(admin_client):
    response = admin_client.post(
        "/system/calendars/new/",
        {
            "code": "transport",
            "name": "运输部",
            "observes_holidays": "on",
            "makeup_weekday": "0",
            **{f"week_{i}": "08:00 - 20:00" for i in range(6)},
        },
    )
    assert response.status_code == 302
    calendar = Calendar.objects.get(code="transport")
    assert calendar.periods.count() == 6
    edit = "/system/calendars/transport/edit/"
    assert "08:00-20:00" in admin_client.get(edit).content.decode()
    response = admin_client.post(
        edit,
        {
            "name": "运输部",
            "makeup_weekday": "0",
            "version": calendar.version,
            "is_active": "on",
            "week_0": "08:00-12:00，13:00-20:00",
        },
    )
    assert response.status_code == 302
    assert calendar.periods.count() == 2
    stale = admin_client.post(
        edit,
        {"name": "x", "makeup_weekday": "0", "version": 1, "week_0": "09:00-10:00"},
    )
    assert "该记录已被他人修改，请刷新后重试。" in stale.content.decode()
    assert Calendar.objects.get(code="transport").name == "运输部"


@pytest.mark.parametrize(
    "data,field",
    [
        ({"week_0": "9点到12点"}, "week_0"),
        ({"week_0": "12:00-09:00"}, "week_0"),
        ({"week_0": "09:00-12:00, 11:00-13:00"}, "week_0"),
        ({}, "week_0"),
        ({"week_0": "09:00-12:00", "code": "standard"}, "code"),
        ({"week_0": "09:00-12:00", "code": "有中文"}, "code"),
        ({"week_0": "09:00-12:00", "makeup_weekday": "6"}, "makeup_weekday"),
    ],
)
def test_a_bad_calendar_form_names_the_field(admin_client, data, field):
    values = {
        "code": "x",
        "name": "X",
        "makeup_weekday": "0",
        "observes_holidays": "on",
    }
    response = admin_client.post("/system/calendars/new/", {**values, **data})
    assert response.status_code == 200
    assert f'data-field-error="{field}"' in response.content.decode()
    assert Calendar.objects.count() == 2


def test_a_builtin_calendar_shows_its_fixed_rules(admin_client):
    html = admin_client.get("/system/calendars/standard/edit/").content.decode()
    assert "是内置日历" in html
    assert 'name="week_0"' not in html


def test_the_trial_answers_in_a_partial(admin_client):
    response = admin_client.get(
        "/system/calendars/standard/trial/?start=2026-09-30T17:00&minutes=480",
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "2026年10月8日 星期四 17:30" in html
    assert "2026-10-08T17:30:00+08:00" in html
    bad = admin_client.get(
        "/system/calendars/standard/trial/?start=2026-09-30T17:00&minutes=-5",
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'data-field-error="minutes"' in bad
    fallback = admin_client.get(
        "/system/calendars/standard/trial/?start=2026-12-31T17:00&minutes=120",
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "2027年1月1日" in fallback and "2027 年没有节假日数据" in fallback


def test_the_list_page_queries_do_not_grow_with_calendars(admin_client, demo_accounts):
    admin_client.get("/system/calendars/")
    with CaptureQueriesContext(connection) as two:
        admin_client.get("/system/calendars/")
    for i in range(10):
        calendar_make(code=f"c{i}", actor=demo_accounts["admin"])
    with CaptureQueriesContext(connection) as twelve:
        html = admin_client.get("/system/calendars/").content.decode()
    assert html.count("data-calendar=") == 12
    assert len(two) == len(twelve)


def test_the_year_page_queries_do_not_grow_with_settings(admin_client, demo_accounts):
    def settings(count: int, start: int) -> None:
        for i in range(count):
            day_override_set(
                actor=demo_accounts["admin"],
                calendar=None,
                date=dt.date(2026, 3, 1) + dt.timedelta(days=start + i),
                kind="holiday",
                note=f"调整{i}",
            )

    settings(2, 0)
    admin_client.get("/system/calendars/standard/2026/")
    with CaptureQueriesContext(connection) as two:
        admin_client.get("/system/calendars/standard/2026/")
    settings(10, 2)
    admin_client.get("/system/calendars/standard/2026/")  # rules rebuilt once
    with CaptureQueriesContext(connection) as twelve:
        html = admin_client.get("/system/calendars/standard/2026/").content.decode()
    assert html.count("调整") >= 12
    assert len(two) == len(twelve)
