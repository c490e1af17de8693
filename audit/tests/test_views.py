"""The auditor's pages and API: search, read, export (formula-safe xlsx), check
the chain. Shown in Shanghai time; nobody else may open them."""

import datetime as dt
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.tests.factories import UserFactory
from audit.models import AuditVerifyRun
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _event(**fields) -> AuditEvent:
    fields.setdefault("event", "login.success")
    return AuditEvent.objects.create(**fields)


@pytest.fixture
def auditor_client(client, demo_accounts):
    client.force_login(demo_accounts["auditor"])
    return client


@pytest.mark.parametrize(
    "url", ["/audit/", "/audit/export.xlsx", "/api/v1/audit/events"]
)
@pytest.mark.parametrize(
    "username", ["admin", "secadmin", "gm", "manager", "agent", "transport"]
)
def test_only_the_auditor_reads_the_audit_log(client, demo_accounts, url, username):
    client.force_login(demo_accounts[username])
    assert client.get(url).status_code == 403


def test_the_search_filters_by_time_user_event_object_result_and_ip(auditor_client):
    # 2026-11-23 00:30 in Shanghai is 2026-11-22 16:30 UTC
    early = _event(
        occurred_at=dt.datetime(2026, 11, 22, 16, 30, tzinfo=UTC),
        actor_username="lisi",
        ip="10.0.0.1",
    )
    late = _event(
        occurred_at=dt.datetime(2026, 11, 21, 12, 0, tzinfo=UTC),
        event="login.failure",
        actor_username="wangwu",
        ip="10.0.0.2",
        result="failed",
        object_type="accounts.user",
        object_id="7",
    )

    def found(query: str) -> list[int]:
        response = auditor_client.get(f"/audit/?{query}")
        assert response.status_code == 200
        return [e.pk for e, _label in response.context["rows"]]

    assert found("start=2026-11-23&end=2026-11-23") == [early.pk]
    assert found("end=2026-11-22") == [late.pk]
    assert found("username=wangwu") == [late.pk]
    assert found("event=login.failure") == [late.pk]
    assert found("result=failed") == [late.pk]
    assert found("ip=10.0.0.1") == [early.pk]
    assert found("object_type=accounts.user&object_id=7") == [late.pk]
    html = auditor_client.get("/audit/?username=lisi").content.decode()
    assert "2026-11-23 00:30:00" in html  # Shanghai time


@pytest.mark.parametrize(
    "query,field",
    [
        ("ip=not-an-ip", "ip"),
        ("start=2026-11-30&end=2026-11-01", "end"),
        ("start=yesterday", "start"),
        ("object_id=5", "object_type"),
    ],
)
def test_bad_search_input_names_the_field(auditor_client, query, field):
    response = auditor_client.get(f"/audit/?{query}")
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["rows"] == []


def test_the_list_pages_by_keyset_and_its_queries_do_not_grow(auditor_client):
    for i in range(2):
        _event(actor_username=f"u{i}")
    auditor_client.get("/audit/")
    with CaptureQueriesContext(connection) as few:
        auditor_client.get("/audit/")
    for i in range(60):
        _event(actor_username=f"v{i}")
    with CaptureQueriesContext(connection) as many:
        response = auditor_client.get("/audit/")
    assert len(few) == len(many)
    page = response.context["page"]
    assert len(page.items) == 50 and page.next_cursor
    second = auditor_client.get(f"/audit/?cursor={page.next_cursor}")
    first_ids = {e.pk for e in page.items}
    assert not first_ids & {e.pk for e in second.context["page"].items}


def test_one_row_in_detail(auditor_client):
    row = _event(
        occurred_at=dt.datetime(2026, 11, 23, 1, 2, 3, tzinfo=UTC),
        data={"via": "api", "备注": "测试"},
    )
    response = auditor_client.get(f"/audit/{row.pk}/")
    html = response.content.decode()
    assert "2026-11-23 09:02:03" in html and "测试" in html
    assert auditor_client.get("/audit/999999/").status_code == 404


def test_the_export_is_an_xlsx_in_shanghai_time_with_text_never_formulas(
    auditor_client,
):
    _event(
        occurred_at=dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
        actor_username="=cmd|' /C calc'!A0",
        object_repr="+SUM(1,2)",
        object_type="accounts.user",
        object_id="@x",
        data={"note": "-2+3"},
    )
    response = auditor_client.get("/audit/export.xlsx?username==cmd|' /C calc'!A0")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    content = response.content
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows())
    assert rows[0][0].value == "时间（北京时间）"
    data = rows[1]
    assert data[0].value == "2026-11-23 10:00:00"
    assert data[1].value == "=cmd|' /C calc'!A0" and data[1].data_type == "s"
    assert data[7].value == "+SUM(1,2)" and data[7].data_type == "s"
    assert all(cell.data_type != "f" for row in rows for cell in row)
    export = AuditEvent.objects.get(event="audit.export")
    assert export.actor_username == "auditor" and export.data["rows"] == 1


def test_an_export_with_bad_filters_goes_back_with_a_message(auditor_client):
    response = auditor_client.get("/audit/export.xlsx?ip=bad")
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(event="audit.export").exists()


def test_the_auditor_checks_the_chain_from_the_page(
    auditor_client, django_capture_on_commit_callbacks
):
    _event()
    with django_capture_on_commit_callbacks(execute=True):
        response = auditor_client.post("/audit/verify/")
    assert response.status_code == 302
    run = AuditVerifyRun.objects.get()
    assert run.finished_at and run.is_intact
    page = auditor_client.get("/audit/").content.decode()
    assert "完好" in page
    assert AuditEvent.objects.filter(event="audit.verify", actor_username="auditor")


# --- API ---------------------------------------------------------------------------


def _bearer(client, username):
    token = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": "kefu-demo"},
        content_type="application/json",
    ).json()["token"]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_api_lists_audit_rows_for_the_auditor(client, demo_accounts):
    _event(
        occurred_at=dt.datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
        actor_username="lisi",
        ip="10.0.0.9",
    )
    auth = _bearer(client, "auditor")
    body = client.get("/api/v1/audit/events?username=lisi", **auth).json()
    assert body["next_cursor"] is None
    (item,) = body["items"]
    assert item["occurred_at"] == "2026-11-23T09:00:00+08:00"
    assert (item["username"], item["ip"], item["event_label"]) == (
        "lisi",
        "10.0.0.9",
        "登录成功",
    )


@pytest.mark.parametrize(
    "query,field",
    [
        ("ip=x", "ip"),
        ("limit=500", "limit"),
        ("result=maybe", "result"),
        ("cursor=zz", "cursor"),
    ],
)
def test_the_api_refuses_bad_filters_with_422(client, demo_accounts, query, field):
    auth = _bearer(client, "auditor")
    response = client.get(f"/api/v1/audit/events?{query}", **auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_the_api_refuses_others_and_records_the_refusal(client, demo_accounts):
    auth = _bearer(client, "admin")
    assert client.get("/api/v1/audit/events", **auth).status_code == 403
    refusal = AuditEvent.objects.get(event="access.denied", actor_username="admin")
    assert refusal.data == {
        "status": 403,
        "method": "GET",
        "path": "/api/v1/audit/events",
    }


def test_the_superuser_flag_does_not_open_the_api(client, demo_accounts):
    user = UserFactory(is_superuser=True, username="root")
    client.force_login(user)
    assert client.get("/api/v1/audit/events").status_code == 403
