"""The archive's pages and htmx partials: who may open them, masking, bad input,
stale edits, audit rows of views, query counts."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from core.models import AuditEvent
from customers import services
from customers.models import AccessGrant, Customer
from customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db

READERS = [
    "agent",
    "agent2",
    "supervisor",
    "manager",
    "gm",
    "transport",
    "deptmgr",
    "warehouse",
    "auditor",
]


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.parametrize("username", READERS)
def test_every_business_role_and_the_auditor_read_customers(
    client, users, archive, username
):
    client.force_login(users[username])
    pk = archive["customer"].pk
    assert "华为技术有限公司" in _html(client.get("/customers/"))
    assert "华为技术有限公司" in _html(client.get(f"/customers/{pk}/"))


@pytest.mark.parametrize("username", ["secadmin", "admin"])
def test_the_administrators_see_no_customer_data_and_the_refusal_is_audited(
    client, users, archive, username
):
    client.force_login(users[username])
    pk = archive["customer"].pk
    for url in [
        "/customers/",
        f"/customers/{pk}/",
        f"/customers/{pk}/print/",
        f"/customers/{pk}/contacts/{archive['contact'].pk}/",
        "/customers/grants/",
        "/customers/new/",
        "/search/?q=华为",
    ]:
        assert client.get(url).status_code == 403, url
    denied = AuditEvent.objects.filter(event="access.denied", actor=users[username])
    assert denied.count() >= 5
    assert {e.result for e in denied} == {"denied"}
    html = client.get("/").content.decode()
    assert 'data-module="customers"' not in html and "header-search" not in html


def _detail(client, users, username, pk) -> str:
    client.force_login(users[username])
    return _html(client.get(f"/customers/{pk}/"))


@pytest.mark.parametrize(
    "username,revealed",
    [
        ("agent", True),
        ("manager", True),
        ("agent2", False),
        ("supervisor", False),
        ("gm", False),
        ("transport", False),
        ("auditor", False),
    ],
)
def test_credit_and_private_contact_fields_are_masked_per_role(
    client, users, archive, username, revealed
):
    pk, contact = archive["customer"].pk, archive["contact"]
    html = _detail(client, users, username, pk)
    assert ("AA" in html and "500,000.00" in html) is revealed
    assert ('data-masked="credit_rating"' in html) is not revealed
    assert ("农历三月十五" in html) is revealed
    card = _html(
        client.get(f"/customers/{pk}/contacts/{contact.pk}/", HTTP_HX_REQUEST="true")
    )
    for secret in [
        "高尔夫",
        "已婚，孩子读小学",
        "做事严谨",
        "与总经理关系密切",
        "农历三月十五",
    ]:
        assert (secret in card) is revealed, secret
    printed = _html(client.get(f"/customers/{pk}/print/"))
    assert ("高尔夫" in printed) is revealed and ("（保密）" in printed) is not revealed
    views = AuditEvent.objects.filter(
        event="customer.view", actor=users[username], object_id=str(pk)
    )
    assert sorted(v.data["channel"] for v in views) == ["page", "partial", "print"]
    assert {v.data["masked"] for v in views} == {not revealed}
    reveals = AuditEvent.objects.filter(event="customer.reveal", actor=users[username])
    assert reveals.count() == (3 if revealed else 0)


def test_a_grant_reveals_until_it_expires_and_the_page_says_so(client, users, archive):
    customer = archive["customer"]
    grant = services.grant_request(
        actor=users["agent2"], customer=customer, reason="回访"
    )
    grant = services.grant_approve(actor=users["manager"], grant=grant, hours=8)
    html = _detail(client, users, "agent2", customer.pk)
    assert "500,000.00" in html and 'data-testid="grant-live"' in html
    reveal = AuditEvent.objects.get(event="customer.reveal", actor=users["agent2"])
    assert reveal.data == {"channel": "page", "basis": "grant"}
    AccessGrant.objects.filter(pk=grant.pk).update(expires_at=grant.decided_at)
    html = _detail(client, users, "agent2", customer.pk)
    assert "500,000.00" not in html and 'data-testid="masked-notice"' in html


def test_requesting_a_grant_from_the_page_htmx(client, users, archive):
    pk = archive["customer"].pk
    client.force_login(users["agent2"])
    response = client.post(
        f"/customers/{pk}/grants/request/", {"reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert 'data-field-error="reason"' in _html(response)
    assert not AccessGrant.objects.exists()
    response = client.post(
        f"/customers/{pk}/grants/request/",
        {"reason": "客户投诉，需要回访"},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-testid="grant-pending"' in _html(response)
    assert AccessGrant.objects.get().requested_by == users["agent2"]
    client.force_login(users["auditor"])
    assert (
        client.post(f"/customers/{pk}/grants/request/", {"reason": "x"}).status_code
        == 403
    )


def test_the_manager_decides_in_the_queue(client, users, archive):
    grant = services.grant_request(
        actor=users["agent2"], customer=archive["customer"], reason="回访"
    )
    client.force_login(users["agent2"])
    assert f'data-grant="{grant.pk}"' in _html(client.get("/customers/grants/"))
    assert (
        client.post(
            f"/customers/grants/{grant.pk}/decide/", {"action": "approve", "hours": "8"}
        ).status_code
        == 403
    )
    client.force_login(users["manager"])
    html = _html(client.get("/customers/grants/"))
    assert f'data-testid="decide-{grant.pk}"' in html
    client.post(
        f"/customers/grants/{grant.pk}/decide/", {"action": "refuse", "note": ""}
    )
    assert AccessGrant.objects.get().status == "pending"  # a refusal needs a reason
    client.post(
        f"/customers/grants/{grant.pk}/decide/", {"action": "approve", "hours": "72"}
    )
    grant.refresh_from_db()
    assert grant.status == "approved" and grant.decided_by == users["manager"]
    client.force_login(users["supervisor"])
    assert f'data-grant="{grant.pk}"' not in _html(client.get("/customers/grants/"))


def test_creating_a_customer_on_the_page(client, users):
    client.force_login(users["agent"])
    response = client.post(
        "/customers/new/",
        {
            "kind": "organisation",
            "name": "杭州远航食品有限公司",
            "tier": "B",
            "credit_code": "91350100M000100Y43",
            "phone": "0571-0123456",
        },
    )
    customer = Customer.objects.get()
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.owner == users["agent"] and customer.tier == "B"


@pytest.mark.parametrize(
    "data,field",
    [
        ({"name": ""}, "name"),
        ({"credit_code": "91350100M000100Y44"}, "credit_code"),
        ({"phone": "打电话"}, "phone"),
        ({"email": "nope"}, "email"),
        ({"kind": "person", "credit_code": "91350100M000100Y43"}, "credit_code"),
        ({"referred_by": "999999"}, "referred_by"),
    ],
)
def test_bad_input_on_the_customer_form_names_the_field(client, users, data, field):
    client.force_login(users["agent"])
    html = _html(
        client.post(
            "/customers/new/",
            {"kind": "organisation", "name": "甲公司", "tier": "C", **data},
        )
    )
    assert f'data-field-error="{field}"' in html
    assert not Customer.objects.exists()


def test_a_stale_edit_on_the_page_says_so_and_overwrites_nothing(
    client, users, archive
):
    customer = archive["customer"]
    client.force_login(users["agent"])
    edit = _html(client.get(f"/customers/{customer.pk}/edit/"))
    version = re.search(r'name="version" value="(\d+)"', edit).group(1)
    services.customer_update(
        actor=users["manager"],
        customer=customer,
        version=customer.version,
        industry="通信设备",
    )
    data = {
        "kind": "organisation",
        "name": customer.name,
        "tier": "A",
        "industry": "我的修改",
        "version": version,
    }
    html = _html(client.post(f"/customers/{customer.pk}/edit/", data))
    assert "该记录已被他人修改" in html
    customer.refresh_from_db()
    assert customer.industry == "通信设备"


def test_the_edit_form_offers_credit_only_to_owner_and_manager(client, users, archive):
    pk = archive["customer"].pk
    client.force_login(users["agent2"])
    assert 'name="credit_rating"' not in _html(client.get(f"/customers/{pk}/edit/"))
    assert 'name="owner"' not in _html(client.get(f"/customers/{pk}/edit/"))
    client.force_login(users["agent"])
    assert 'name="credit_rating"' in _html(client.get(f"/customers/{pk}/edit/"))
    client.force_login(users["auditor"])
    assert client.get(f"/customers/{pk}/edit/").status_code == 403
    assert client.post(f"/customers/{pk}/edit/", {"name": "x"}).status_code == 403


def test_the_contact_form_hides_the_private_layer_from_those_who_may_not_read_it(
    client, users, archive
):
    pk, contact = archive["customer"].pk, archive["contact"]
    client.force_login(users["agent2"])
    html = _html(client.get(f"/customers/{pk}/contacts/{contact.pk}/edit/"))
    assert 'name="interests"' not in html and "高尔夫" not in html
    # Editing the public layer keeps the private layer as it was.
    client.post(
        f"/customers/{pk}/contacts/{contact.pk}/edit/",
        {"name": "李明", "title": "采购总监", "version": "1"},
    )
    contact.refresh_from_db()
    assert contact.title == "采购总监" and contact.interests == "高尔夫"
    html = _html(
        client.post(f"/customers/{pk}/contacts/new/", {"name": "", "mobile": "abc"})
    )
    assert 'data-field-error="name"' in html


def test_a_wrong_birthday_on_the_contact_form_names_the_field(client, users, archive):
    pk = archive["customer"].pk
    client.force_login(users["agent"])
    html = _html(
        client.post(
            f"/customers/{pk}/contacts/new/",
            {
                "name": "王五",
                "birthday_calendar": "solar",
                "birthday_month": "2",
                "birthday_day": "30",
            },
        )
    )
    assert 'data-field-error="birthday_day"' in html


def test_adding_an_event_swaps_the_timeline(client, users, archive):
    pk = archive["customer"].pk
    client.force_login(users["agent2"])
    html = _html(
        client.post(
            f"/customers/{pk}/events/",
            {"occurred_on": "2025-06-01", "kind": "branch", "title": "苏州分公司成立"},
            HTTP_HX_REQUEST="true",
        )
    )
    assert "苏州分公司成立" in html and 'id="timeline"' in html
    html = _html(
        client.post(
            f"/customers/{pk}/events/",
            {"occurred_on": "2999-01-01", "kind": "branch", "title": "x"},
            HTTP_HX_REQUEST="true",
        )
    )
    assert 'data-field-error="occurred_on"' in html
    client.force_login(users["auditor"])
    assert (
        client.post(
            f"/customers/{pk}/events/", {"occurred_on": "2025-06-01", "title": "x"}
        ).status_code
        == 403
    )


def test_flagging_deleting_and_verifying_from_the_page(client, users, archive):
    customer = archive["customer"]
    client.force_login(users["agent"])
    assert (
        client.post(f"/customers/{customer.pk}/flag/", {"reason": "x"}).status_code
        == 403
    )
    assert (
        client.post(f"/customers/{customer.pk}/delete/", {"reason": "x"}).status_code
        == 403
    )
    assert not Customer.objects.get(pk=customer.pk).is_problem
    client.post(f"/customers/{customer.pk}/verify/", {"version": customer.version})
    assert Customer.objects.get(pk=customer.pk).verified_by == users["agent"]
    client.force_login(users["manager"])
    client.post(f"/customers/{customer.pk}/flag/", {"reason": "多次恶意投诉"})
    assert Customer.objects.get(pk=customer.pk).is_problem
    client.force_login(users["agent2"])
    assert 'data-testid="problem-badge"' in _html(client.get("/customers/"))
    assert 'data-testid="problem-alert"' in _html(
        client.get(f"/customers/{customer.pk}/")
    )
    client.force_login(users["manager"])
    client.post(f"/customers/{customer.pk}/delete/", {"reason": ""})
    assert Customer.objects.filter(pk=customer.pk).exists()
    client.post(f"/customers/{customer.pk}/delete/", {"reason": "重复登记"})
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert client.get(f"/customers/{customer.pk}/").status_code == 404


def test_list_search_and_filters(client, users):
    CustomerFactory(name="华为技术有限公司", tier="A")
    CustomerFactory(name="中兴通讯股份有限公司", tier="B", phone="10012345678")
    client.force_login(users["agent"])
    html = _html(client.get("/customers/?q=为技"))
    assert "华为技术有限公司" in html and "中兴通讯" not in html
    assert "中兴通讯" in _html(client.get("/customers/?q=5678"))
    html = _html(client.get("/customers/?tier=B"))
    assert "中兴通讯" in html and "华为技术" not in html
    html = _html(client.get("/customers/?q=华"))
    assert 'data-testid="search-error"' in html
    partial = _html(
        client.get(
            "/customers/?q=hwjs",
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="customer-results",
        )
    )
    assert "华为技术有限公司" in partial and "<html" not in partial


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_page_query_count_does_not_grow_with_rows(client, users):
    for _ in range(2):
        CustomerFactory(owner=users["agent"])
    client.force_login(users["agent"])
    client.get("/customers/")
    few = _count(client, "/customers/")
    few_search = _count(client, "/customers/?q=客户")
    for _ in range(10):
        CustomerFactory(owner=users["agent2"])
    assert _count(client, "/customers/") == few
    assert _count(client, "/customers/?q=客户") == few_search


def test_the_detail_page_query_count_does_not_grow_with_contacts(client, users):
    customer = CustomerFactory(owner=users["agent"])
    ContactFactory(customer=customer)
    client.force_login(users["agent"])
    few = _count(client, f"/customers/{customer.pk}/")
    for _ in range(11):
        ContactFactory(customer=customer)
    assert _count(client, f"/customers/{customer.pk}/") == few


def test_the_header_search_finds_customers_by_pinyin(client, users):
    CustomerFactory(name="华为技术有限公司", is_problem=True, problem_reason="恶意投诉")
    client.force_login(users["agent"])
    menu = _html(client.get("/search/?q=hwjs", HTTP_HX_REQUEST="true"))
    assert "华为技术有限公司" in menu and 'data-testid="problem-badge"' in menu
    page = _html(client.get("/search/?q=hwjs"))
    assert "华为技术有限公司" in page
    assert "请至少输入两个" in _html(client.get("/search/?q=h", HTTP_HX_REQUEST="true"))
    assert 'data-testid="header-search"' in _html(client.get("/"))


def test_export_needs_its_permission_masks_and_is_audited(client, users, archive):
    customer = archive["customer"]
    Customer.objects.filter(pk=customer.pk).update(address='=HYPERLINK("http://x")')
    client.force_login(users["agent"])
    assert client.get("/customers/export.xlsx").status_code == 403
    client.force_login(users["supervisor"])
    response = client.get("/customers/export.xlsx?q=华为")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].values)
    credit = [rows[0].index(h) for h in ("信用评级", "信用额度（元）", "信用分")]
    assert rows[1][1] == "华为技术有限公司"
    assert [rows[1][i] for i in credit] == ["（保密）"] * 3
    address = book.worksheets[0].cell(row=2, column=13)
    assert address.data_type == "s" and address.value.startswith("=")
    contacts = list(book.worksheets[1].values)
    assert contacts[1][2] == "李明" and contacts[1][10] == "（保密）"
    export = AuditEvent.objects.get(event="customer.export")
    assert export.data["customers"] == 1 and export.data["revealed"] == 0
    client.force_login(users["manager"])
    book = load_workbook(io.BytesIO(client.get("/customers/export.xlsx").content))
    assert list(book.worksheets[0].values)[1][credit[0]] == "AA"
    assert list(book.worksheets[1].values)[1][10] == "高尔夫"


def test_the_auditor_sees_the_access_trail_of_an_archive(client, users, archive):
    pk = archive["customer"].pk
    _detail(client, users, "agent2", pk)
    html = _detail(client, users, "auditor", pk)
    assert 'data-testid="trail-table"' in html and "customer.view" in html
    assert 'data-testid="trail-table"' not in _detail(client, users, "manager", pk)


def test_the_edit_forms_count_as_views_of_the_archive(client, users, archive):
    pk, contact = archive["customer"].pk, archive["contact"]
    client.force_login(users["agent"])
    _html(client.get(f"/customers/{pk}/edit/"))
    _html(client.get(f"/customers/{pk}/contacts/{contact.pk}/edit/"))
    channels = AuditEvent.objects.filter(
        event="customer.reveal", actor=users["agent"], object_id=str(pk)
    ).values_list("data__channel", flat=True)
    assert sorted(channels) == ["contact_edit", "edit"]
