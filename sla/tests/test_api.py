"""The calendar endpoints of the API contract: add, between, a year's days, the
list; 404 for an unknown code, 422 for a start without offset or bad minutes, and
who may call them."""

import datetime as dt
import json
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from sla.selectors import HolidaySpan
from sla.services import holiday_year_set
from sla.tests.factories import calendar_make

pytestmark = pytest.mark.django_db


def _get(client, path, **params):
    response = client.get(f"/api/v1{path}?{urlencode(params)}")
    return response.status_code, json.loads(response.content)


@pytest.fixture
def agent_client(client, demo_accounts):
    client.force_login(demo_accounts["agent"])
    return client


@pytest.mark.parametrize(
    "start,minutes,due",
    [
        ("2026-09-30T17:00+08:00", 480, "2026-10-08T17:30:00+08:00"),
        ("2026-10-09T17:30+08:00", 60, "2026-10-10T09:30:00+08:00"),
        ("2026-11-23T11:00+08:00", 60, "2026-11-23T12:00:00+08:00"),
        ("2026-09-30T09:00:00Z", 480, "2026-10-08T17:30:00+08:00"),
    ],
)
def test_add_on_the_standard_calendar(agent_client, start, minutes, due):
    status, body = _get(
        agent_client, "/calendars/standard/add", start=start, minutes=minutes
    )
    assert status == 200
    assert body == {"due": due, "assumed_years": []}


def test_add_on_24x7_is_plain_time(agent_client):
    status, body = _get(
        agent_client,
        "/calendars/24x7/add",
        start="2026-09-30T17:00+08:00",
        minutes=480,
    )
    assert (status, body["due"]) == (200, "2026-10-01T01:00:00+08:00")


def test_an_unencoded_plus_in_the_offset_still_reads_as_plus(agent_client):
    response = agent_client.get(
        "/api/v1/calendars/standard/add?start=2026-10-09T17:30+08:00&minutes=60"
    )
    assert json.loads(response.content)["due"] == "2026-10-10T09:30:00+08:00"


def test_the_2027_fallback_is_answered_and_reported(agent_client, demo_accounts):
    params = {"start": "2026-12-31T17:00+08:00", "minutes": 120}
    status, body = _get(agent_client, "/calendars/standard/add", **params)
    assert (status, body) == (
        200,
        {"due": "2027-01-01T10:00:00+08:00", "assumed_years": [2027]},
    )
    holiday_year_set(
        actor=demo_accounts["admin"],
        year=2027,
        holidays=[HolidaySpan("元旦", dt.date(2027, 1, 1), dt.date(2027, 1, 3))],
        makeup_days=[],
    )
    status, body = _get(agent_client, "/calendars/standard/add", **params)
    assert body == {"due": "2027-01-04T10:00:00+08:00", "assumed_years": []}


def test_an_unknown_calendar_is_404(agent_client):
    status, body = _get(
        agent_client, "/calendars/nope/add", start="2026-11-23T09:00+08:00", minutes=1
    )
    assert (status, body["detail"]) == (404, "未找到。")


@pytest.mark.parametrize(
    "params,field,code",
    [
        ({"start": "2026-11-23T09:00", "minutes": 1}, "start", "timezone_aware"),
        ({"start": "yesterday", "minutes": 1}, "start", None),
        ({"minutes": 1}, "start", "missing"),
        ({"start": "2026-11-23T09:00+08:00", "minutes": "ten"}, "minutes", None),
        ({"start": "2026-11-23T09:00+08:00", "minutes": -1}, "minutes", None),
        ({"start": "2026-11-23T09:00+08:00", "minutes": 1.5}, "minutes", None),
        ({"start": "2026-11-23T09:00+08:00", "minutes": 10**9}, "minutes", None),
        ({"start": "2026-11-23T09:00+08:00"}, "minutes", "missing"),
        ({"start": "1990-01-01T09:00+08:00", "minutes": 1}, "start", None),
    ],
)
def test_bad_input_is_422_naming_the_field(agent_client, params, field, code):
    status, body = _get(agent_client, "/calendars/standard/add", **params)
    assert status == 422
    assert body["errors"][0]["field"] == field
    assert body["errors"][0]["message"]
    if code:
        assert body["errors"][0]["code"] == code


def test_messages_follow_accept_language(agent_client):
    response = agent_client.get(
        "/api/v1/calendars/standard/add?start=2026-11-23T09:00&minutes=1",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "offset" in json.loads(response.content)["errors"][0]["message"]


def test_between_measures_business_minutes(agent_client):
    status, body = _get(
        agent_client,
        "/calendars/standard/between",
        start="2026-09-30T17:00+08:00",
        end="2026-10-08T17:30+08:00",
    )
    assert (status, body) == (200, {"minutes": 480.0, "assumed_years": []})
    status, body = _get(
        agent_client,
        "/calendars/standard/between",
        start="2026-11-23T18:00+08:00",
        end="2026-11-23T09:00+08:00",
    )
    assert body["minutes"] == -450.0


def test_a_years_days_with_their_sources(agent_client):
    status, body = _get(agent_client, "/calendars/standard/days", year=2026)
    assert status == 200
    assert (body["year"], body["source"], body["assumed"]) == (2026, "package", False)
    days = {d["date"]: d for d in body["days"]}
    assert len(days) == 365
    assert days["2026-10-10"] == {
        "date": "2026-10-10",
        "weekday": 6,
        "kind": "makeup",
        "source": "package",
        "name": "国庆节",
        "note": "",
        "working_minutes": 450,
        "periods": [
            {"start": "09:00", "end": "12:00"},
            {"start": "13:30", "end": "18:00"},
        ],
    }
    assert days["2026-10-01"]["kind"] == "holiday"
    status, body = _get(agent_client, "/calendars/standard/days", year=2027)
    assert (body["source"], body["assumed"]) == ("fallback", True)
    status, body = _get(agent_client, "/calendars/standard/days", year=1800)
    assert (status, body["errors"][0]["field"]) == (422, "year")


def test_one_calendar_with_its_week(agent_client):
    status, body = _get(agent_client, "/calendars/standard")
    assert status == 200
    assert body["time_zone"] == "Asia/Shanghai"
    assert body["observes_holidays"] is True and body["is_builtin"] is True
    assert body["week"][0] == {
        "weekday": 1,
        "periods": [
            {"start": "09:00", "end": "12:00"},
            {"start": "13:30", "end": "18:00"},
        ],
    }
    assert body["week"][6] == {"weekday": 7, "periods": []}
    assert _get(agent_client, "/calendars/nope")[0] == 404


def test_the_list_pages_by_cursor_without_totals(agent_client):
    status, body = _get(agent_client, "/calendars", limit=1)
    assert [c["code"] for c in body["items"]] == ["24x7"]
    status, body = _get(agent_client, "/calendars", limit=1, cursor=body["next_cursor"])
    assert [c["code"] for c in body["items"]] == ["standard"]
    assert body["next_cursor"] is None
    assert _get(agent_client, "/calendars", limit=101)[0] == 422
    assert _get(agent_client, "/calendars", cursor="bad")[0] == 422


def test_list_queries_do_not_grow_with_calendars(agent_client, demo_accounts):
    agent_client.get("/api/v1/calendars?limit=100")
    with CaptureQueriesContext(connection) as two:
        agent_client.get("/api/v1/calendars?limit=100")
    admin = demo_accounts["admin"]
    for i in range(10):
        calendar_make(code=f"c{i}", actor=admin)
    with CaptureQueriesContext(connection) as twelve:
        response = agent_client.get("/api/v1/calendars?limit=100")
    assert len(json.loads(response.content)["items"]) == 12
    assert len(two) == len(twelve)


def test_adding_with_cached_rules_reads_one_row(agent_client):
    """Rules are loaded once per process; later calls read only the calendar row
    (and the session and user of the request)."""
    params = {"start": "2026-11-23T09:00+08:00", "minutes": 1}
    _get(agent_client, "/calendars/standard/add", **params)
    with CaptureQueriesContext(connection) as queries:
        _get(agent_client, "/calendars/standard/add", **params)
    calendar_queries = [q for q in queries if "sla_" in q["sql"]]
    assert len(calendar_queries) == 1


@pytest.mark.parametrize(
    "username", ["agent", "supervisor", "transport", "auditor", "secadmin", "admin"]
)
def test_every_role_may_read_calendars(client, demo_accounts, username):
    client.force_login(demo_accounts[username])
    status, _body = _get(
        client, "/calendars/standard/add", start="2026-11-23T09:00+08:00", minutes=1
    )
    assert status == 200


@pytest.mark.parametrize(
    "path", ["/calendars", "/calendars/standard", "/calendars/standard/days"]
)
def test_a_user_without_a_role_is_refused_and_anonymous_is_401(client, path):
    assert client.get(f"/api/v1{path}").status_code == 401
    client.force_login(UserFactory())
    status, body = _get(client, path)
    assert (status, body["detail"]) == (403, "无权执行此操作。")


def test_token_authentication_works_for_integrators(client, demo_accounts):
    token = json.loads(
        client.post(
            "/api/v1/auth/token",
            {"username": "agent", "password": "kefu-demo"},
            content_type="application/json",
        ).content
    )["token"]
    response = client.get(
        "/api/v1/calendars/standard/add?"
        + urlencode({"start": "2026-09-30T17:00+08:00", "minutes": 480}),
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert json.loads(response.content)["due"] == "2026-10-08T17:30:00+08:00"


def test_calendars_cannot_be_changed_through_get(client, demo_accounts):
    client.force_login(demo_accounts["admin"])
    assert client.post("/api/v1/calendars/standard/add").status_code == 405
