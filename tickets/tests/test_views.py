"""The ticket pages and htmx partials: who may open them, registration in one
short form, actions from the registry with their errors, stale versions, the
timeline, categories, the customer page, the header search, query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from customers.models import Customer
from tickets import services
from tickets.models import Ticket, TicketCategory

pytestmark = pytest.mark.django_db

BUSINESS = ["agent", "supervisor", "manager", "gm", "transport", "deptmgr", "warehouse"]


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.parametrize("username", [*BUSINESS, "auditor"])
def test_every_business_role_and_the_auditor_open_the_list(client, users, username):
    client.force_login(users[username])
    assert 'data-testid="ticket-table"' in _html(client.get("/tickets/"))


@pytest.mark.parametrize("username", ["secadmin", "admin"])
def test_the_administrators_see_no_tickets_and_the_refusal_is_audited(
    client, users, make_ticket, customer, username
):
    ticket = make_ticket()
    client.force_login(users[username])
    for url in [
        "/tickets/",
        "/tickets/new/",
        f"/tickets/{ticket.number}/",
        f"/tickets/of-customer/{customer.pk}/",
        "/tickets/categories/",
    ]:
        assert client.get(url).status_code == 403, url
    response = client.post(f"/tickets/{ticket.number}/actions/accept/")
    assert response.status_code == 403
    denied = AuditEvent.objects.filter(event="access.denied", actor=users[username])
    assert denied.count() >= 6
    assert 'data-module="tickets"' not in client.get("/").content.decode()


def test_a_ticket_out_of_sight_is_404_like_a_missing_one_and_audited(
    client, users, make_ticket
):
    ticket = make_ticket()
    client.force_login(users["transport"])
    assert client.get(f"/tickets/{ticket.number}/").status_code == 404
    assert client.get("/tickets/KF20000101-99999/").status_code == 404
    refusal = AuditEvent.objects.get(event="access.denied", actor=users["transport"])
    assert refusal.object_id == str(ticket.pk) and refusal.data["status"] == 404
    response = client.post(
        f"/tickets/{ticket.number}/events/", {"kind": "note", "body": "x"}
    )
    assert response.status_code == 404


def test_the_registrant_sees_the_status_but_not_the_internal_notes(
    client, users, make_ticket
):
    ticket = make_ticket("warehouse")
    services.ticket_event_add(
        ticket=ticket, actor=users["supervisor"], kind="note", body="客户曾多次投诉"
    )
    client.force_login(users["warehouse"])
    html = _html(client.get(f"/tickets/{ticket.number}/"))
    assert 'data-testid="registrant-view"' in html
    assert "客户曾多次投诉" not in html and "已受理" in html
    assert 'data-testid="composer"' not in html
    assert 'data-testid="ticket-actions"' not in html


# --- registration ----------------------------------------------------------------


FORM = {
    "type": "inquiry",
    "channel": "visit",
    "subject": "来访查询运单",
    "description": "客户到仓库询问货物何时发出",
    "mood": "calm",
    "priority": "normal",
    "source": "customer",
}


def test_a_warehouse_user_registers_a_walk_in_consumer_in_one_form(client, users):
    client.force_login(users["warehouse"])
    assert 'data-testid="ticket-form"' in _html(client.get("/tickets/new/"))
    response = client.post(
        "/tickets/new/",
        {
            **FORM,
            "new_customer_kind": "person",
            "new_customer_name": "王先生",
            "new_customer_phone": "10012340000",
        },
    )
    ticket = Ticket.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/tickets/{ticket.number}/"
    )
    assert ticket.customer.name == "王先生" and ticket.customer.kind == "person"
    assert ticket.owner == users["supervisor"] and ticket.unassigned
    html = _html(client.get(response["Location"]))
    link = re.search(r'id="customer-link-text"[^>]*>([^<]+)<', html).group(1)
    assert f"/portal/t/{ticket.number}?k=" in link
    # The link is shown once: the next view does not have it.
    assert "customer-link-text" not in _html(client.get(response["Location"]))


def test_registration_for_a_picked_customer_and_contact(
    client, users, customer, contact
):
    category = TicketCategory.objects.create(code="waybill", name="运单查询")
    client.force_login(users["agent"])
    form = _html(client.get(f"/tickets/new/?customer={customer.pk}"))
    assert customer.name in form and contact.name in form
    response = client.post(
        "/tickets/new/",
        {
            **FORM,
            "customer": customer.pk,
            "contact": contact.pk,
            "category": category.pk,
            "order_ref": "JY100200300400",
            "received_at": "2026-01-05T09:30",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.contact, ticket.category, ticket.owner) == (
        contact,
        category,
        users["agent"],
    )
    assert ticket.received_at.isoformat() == "2026-01-05T01:30:00+00:00"


@pytest.mark.parametrize(
    "changes,field",
    [
        ({}, "customer"),
        ({"customer": "1", "subject": ""}, "subject"),
        (
            {"new_customer_name": "赵", "new_customer_phone": "电话"},
            "new_customer_phone",
        ),
        ({"customer": "1", "resolved_on_contact": "on"}, "resolution"),
        ({"customer": "1", "received_at": "2099-01-01T10:00"}, "received_at"),
    ],
)
def test_bad_registrations_name_the_field_and_save_nothing(
    client, users, customer, changes, field
):
    client.force_login(users["agent"])
    values = {**FORM, **changes}
    if values.get("customer") == "1":
        values["customer"] = customer.pk
    response = client.post("/tickets/new/", values)
    html = _html(response)
    assert f'data-field-error="{field}"' in html, field
    assert not Ticket.objects.exists()
    assert Customer.objects.count() == 1


def test_resolved_on_the_spot_from_the_form(client, users, customer):
    client.force_login(users["agent"])
    client.post(
        "/tickets/new/",
        {
            **FORM,
            "customer": customer.pk,
            "resolved_on_contact": "on",
            "resolution": "已当场告知预计到达时间",
        },
    )
    ticket = Ticket.objects.get()
    assert ticket.status == "resolved" and ticket.first_contact_resolution


# --- actions from the registry ----------------------------------------------------


def test_a_transfer_without_reason_shows_the_form_again_with_the_error(
    client, users, make_ticket
):
    ticket = make_ticket()
    client.force_login(users["agent"])
    response = client.post(
        f"/tickets/{ticket.number}/actions/transfer/",
        {"version": ticket.version, "to_department": "transport", "reason": ""},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field-error="reason"' in html and "请填写转交原因" in html
    assert 'id="action-transfer"' in html and 'class="collapse show"' in html
    assert Ticket.objects.get(pk=ticket.pk).owner == users["agent"]


def test_a_transfer_out_of_sight_leads_back_to_the_list(client, users, make_ticket):
    ticket = make_ticket()
    services.ticket_transfer(
        ticket=ticket, actor=users["agent"], to_user=users["transport"], reason="核实"
    )
    client.force_login(users["transport"])
    response = client.post(
        f"/tickets/{ticket.number}/actions/transfer/",
        {"version": 2, "to_department": "cs", "reason": "已核实，请客服答复"},
    )
    assert response.status_code == 302 and response["Location"] == "/tickets/"
    assert Ticket.objects.get(pk=ticket.pk).owner == users["supervisor"]


def test_a_stale_version_says_so_and_changes_nothing(client, users, make_ticket):
    ticket = make_ticket()
    services.ticket_update(
        ticket=ticket, actor=users["supervisor"], version=1, priority="high"
    )
    client.force_login(users["agent"])
    response = client.post(
        f"/tickets/{ticket.number}/actions/resolve/",
        {"version": 1, "summary": "已处理"},
        follow=True,
    )
    html = _html(response)
    assert "已被他人修改" in html and "当前版本 2" in html
    assert Ticket.objects.get(pk=ticket.pk).status == "accepted"


def test_a_wrong_transition_says_why(client, users, make_ticket):
    ticket = make_ticket()
    client.force_login(users["agent"])
    response = client.post(
        f"/tickets/{ticket.number}/actions/close/", {"version": 1}, follow=True
    )
    assert "不能执行此操作" in _html(response)
    assert client.post(f"/tickets/{ticket.number}/actions/explode/").status_code == 404


def test_actions_the_user_may_not_run_are_refused(client, users, make_ticket):
    ticket = make_ticket()
    client.force_login(users["agent2"])
    html = _html(client.get(f"/tickets/{ticket.number}/"))
    assert 'data-testid="action-resolve"' not in html
    response = client.post(
        f"/tickets/{ticket.number}/actions/resolve/", {"summary": "越权处理"}
    )
    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == "accepted"


def test_the_detail_page_offers_the_owners_actions(client, users, make_ticket):
    ticket = make_ticket()
    client.force_login(users["agent"])
    html = _html(client.get(f"/tickets/{ticket.number}/"))
    offered = re.findall(r'data-testid="action-([a-z_]+)"', html)
    assert offered == ["transfer", "wait_customer", "resolve"]


# --- the timeline -------------------------------------------------------------------


def test_notes_and_replies_are_added_with_htmx_and_kept_apart(
    client, users, make_ticket
):
    ticket = make_ticket()
    client.force_login(users["agent"])
    html = _html(
        client.post(
            f"/tickets/{ticket.number}/events/",
            {"kind": "note", "body": "司机说下午到"},
            HTTP_HX_REQUEST="true",
        )
    )
    assert 'data-event="note" data-public="0"' in html and "司机说下午到" in html
    html = _html(
        client.post(
            f"/tickets/{ticket.number}/events/",
            {"kind": "reply", "body": "您好，预计下午送达。"},
            HTTP_HX_REQUEST="true",
        )
    )
    assert 'data-event="reply" data-public="1"' in html
    html = _html(
        client.post(
            f"/tickets/{ticket.number}/events/",
            {"kind": "note", "body": ""},
            HTTP_HX_REQUEST="true",
        )
    )
    assert 'data-field-error="body"' in html
    assert ticket.events.count() == 3


# --- edit ---------------------------------------------------------------------------


def test_an_edit_with_a_stale_version_is_refused_with_a_clear_message(
    client, users, make_ticket
):
    ticket = make_ticket()
    client.force_login(users["agent"])
    form = _html(client.get(f"/tickets/{ticket.number}/edit/"))
    assert 'name="version" value="1"' in form
    values = {
        "version": 1,
        "type": "complaint",
        "channel": "phone",
        "subject": "改成投诉",
        "priority": "high",
        "mood": "upset",
        "source": "customer",
        "received_at": "2026-01-05T09:30",
    }
    response = client.post(f"/tickets/{ticket.number}/edit/", values)
    assert response.status_code == 302
    edited = Ticket.objects.get(pk=ticket.pk)
    assert (edited.type, edited.subject, edited.version) == ("complaint", "改成投诉", 2)
    response = client.post(
        f"/tickets/{ticket.number}/edit/", {**values, "subject": "另一人的修改"}
    )
    assert "已被他人修改" in _html(response)
    assert Ticket.objects.get(pk=ticket.pk).subject == "改成投诉"
    client.force_login(users["agent2"])
    assert client.get(f"/tickets/{ticket.number}/edit/").status_code == 403


# --- categories ---------------------------------------------------------------------


def test_the_service_manager_keeps_the_categories(client, users):
    client.force_login(users["manager"])
    response = client.post(
        "/tickets/categories/new/",
        {"name": "配送延误", "code": "late", "sort_order": 10, "is_active": "on"},
    )
    assert response.status_code == 302
    html = _html(
        client.post(
            "/tickets/categories/new/",
            {"name": "配送延误", "code": "late2", "sort_order": 20},
        )
    )
    assert 'data-field-error="name"' in html
    category = TicketCategory.objects.get()
    client.post(
        f"/tickets/categories/{category.pk}/edit/",
        {"name": "配送延误", "code": "late", "sort_order": 10},
    )
    assert not TicketCategory.objects.get().is_active
    assert AuditEvent.objects.filter(event__startswith="ticket.category").count() == 2
    client.force_login(users["agent"])
    assert client.get("/tickets/categories/").status_code == 403


# --- other pages ----------------------------------------------------------------------


def test_the_customer_page_lists_its_tickets(client, users, make_ticket, customer):
    ticket = make_ticket()
    client.force_login(users["agent"])
    html = _html(client.get(f"/customers/{customer.pk}/"))
    assert f'hx-get="/tickets/of-customer/{customer.pk}/"' in html
    panel = _html(client.get(f"/tickets/of-customer/{customer.pk}/"))
    assert ticket.number in panel
    client.force_login(users["transport"])
    assert ticket.number not in _html(
        client.get(f"/tickets/of-customer/{customer.pk}/")
    )


def test_the_header_search_finds_tickets(client, users, make_ticket):
    ticket = make_ticket(subject="冷库温度异常")
    client.force_login(users["agent"])
    html = _html(client.get("/search/?q=冷库", HTTP_HX_REQUEST="true"))
    assert ticket.number in html
    html = _html(client.get(f"/search/?q={ticket.number}"))
    assert 'data-testid="search-tickets"' in html and ticket.number in html


def test_home_pages_show_the_queues(client, users, make_ticket):
    make_ticket("warehouse")
    client.force_login(users["supervisor"])
    html = _html(client.get("/"))
    assert (
        'data-testid="queue-unassigned"' in html and 'data-testid="queue-moved"' in html
    )
    client.force_login(users["warehouse"])
    html = _html(client.get("/"))
    assert 'data-testid="home-registered"' in html
    assert 'href="/tickets/"' in html  # the sidebar's entry is built now


def test_the_lists_tabs_depend_on_the_role(client, users):
    client.force_login(users["agent"])
    tabs = re.findall(r'data-testid="tab-(\w+)"', _html(client.get("/tickets/")))
    assert tabs == ["mine", "department", "registered", "all"]
    client.force_login(users["supervisor"])
    tabs = re.findall(r'data-testid="tab-(\w+)"', _html(client.get("/tickets/")))
    assert "unassigned" in tabs and "watch_moved" in tabs


def test_a_bad_filter_says_so(client, users):
    client.force_login(users["agent"])
    html = _html(client.get("/tickets/?q=漏"))
    assert 'data-testid="list-error"' in html
    html = _html(client.get("/tickets/?cursor=garbage"))
    assert "翻页游标无效" in html


# --- query counts -------------------------------------------------------------------


def _count(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **extra).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/tickets/?view=all",
        "/tickets/?view=mine",
        "/tickets/?view=all&q=运单",
        "/",
        "/search/?q=运单",
    ],
)
def test_list_pages_do_not_grow_with_rows(client, users, make_ticket, customer, url):
    for _ in range(2):
        make_ticket()
    client.force_login(users["supervisor"])
    client.get(url)
    few = _count(client, url)
    for _ in range(10):
        make_ticket(subject="查询运单进度", customer=customer)
    assert _count(client, url) == few


def test_customer_tickets_partial_does_not_grow_with_rows(
    client, users, make_ticket, customer
):
    for _ in range(2):
        make_ticket()
    client.force_login(users["agent"])
    url = f"/tickets/of-customer/{customer.pk}/"
    few = _count(client, url)
    for _ in range(10):
        make_ticket()
    assert _count(client, url) == few


def test_the_detail_page_does_not_grow_with_its_timeline(client, users, make_ticket):
    ticket = make_ticket()
    services.ticket_event_add(
        ticket=ticket, actor=users["agent"], kind="note", body="1"
    )
    client.force_login(users["supervisor"])
    url = f"/tickets/{ticket.number}/"
    client.get(url)
    few = _count(client, url)
    for i in range(5):
        services.ticket_event_add(
            ticket=ticket, actor=users["agent"], kind="reply", body=f"答复{i}"
        )
        services.ticket_event_add(
            ticket=ticket, actor=users["supervisor"], kind="note", body=f"备注{i}"
        )
    services.ticket_update(
        ticket=ticket, actor=users["agent"], version=1, priority="high"
    )
    assert ticket.events.count() == 13
    assert _count(client, url) == few


def test_saving_the_edit_form_unchanged_keeps_the_exact_contact_time(
    client, users, make_ticket
):
    """The form shows minutes; saving it must not cut the seconds off."""
    ticket = make_ticket()
    client.force_login(users["agent"])
    shown = re.search(
        r'name="received_at"[^>]*value="([^"]+)"',
        _html(client.get(f"/tickets/{ticket.number}/edit/")),
    ).group(1)
    values = {
        "version": 1,
        "type": "inquiry",
        "channel": "phone",
        "subject": ticket.subject,
        "priority": "high",
        "mood": "calm",
        "source": "customer",
        "received_at": shown,
    }
    assert client.post(f"/tickets/{ticket.number}/edit/", values).status_code == 302
    after = Ticket.objects.get(pk=ticket.pk)
    assert after.received_at == ticket.received_at
    assert list(after.events.get(kind="update").data["changes"]) == ["priority"]


def test_the_customer_picker_of_the_form(client, users, customer, contact):
    client.force_login(users["warehouse"])
    hits = _html(client.get("/tickets/pick/customers/?customer_q=恒通"))
    assert f'data-pick-value="{customer.pk}"' in hits
    assert "请至少输入两个" in _html(
        client.get("/tickets/pick/customers/?customer_q=恒")
    )
    options = _html(client.get(f"/tickets/pick/contacts/?customer={customer.pk}"))
    assert f'value="{contact.pk}"' in options
    assert 'value="' + str(contact.pk) not in _html(
        client.get("/tickets/pick/contacts/?customer=abc")
    )
    for username in ("auditor", "secadmin"):
        client.force_login(users[username])
        assert client.get("/tickets/pick/customers/?customer_q=恒通").status_code == 403
        assert (
            client.get(f"/tickets/pick/contacts/?customer={customer.pk}").status_code
            == 403
        )


def test_the_filter_selects_list_everyone_who_may_own_tickets_and_keep_the_choice(
    client, users
):
    users["agent2"].display_name = "张<浩然>"
    users["agent2"].save(update_fields=["display_name"])
    client.force_login(users["supervisor"])
    html = _html(client.get("/tickets/?owner=agent2&status=closed&sort=oldest"))
    owner = re.search(r'<select name="owner".*?</select>', html, re.S).group()
    assert '<option value="agent2" selected>张&lt;浩然&gt;</option>' in owner
    assert '<option value="transport">' in owner and "auditor" not in owner
    assert owner.count(" selected") == 1
    assert '<option value="closed" selected>' in html
    assert '<option value="oldest" selected>' in html
    plain = _html(client.get("/tickets/"))
    assert re.search(r'<select name="type"[^>]*><option value="" selected>', plain)


def test_the_list_rows_show_each_cell_and_escape_every_text(client, users, make_ticket):
    """The rows are written in Python (tickets/templatetags: ticket_rows): every
    text is escaped, and each column shows what the template showed before."""
    from customers import services as customer_services

    odd = customer_services.customer_create(
        actor=users["agent"],
        kind="person",
        name='<b>周"先生</b>',
        phone="13000000001",
        owner=users["agent"],
    )
    ticket = make_ticket(
        subject='<script>alert("x")</script>' + "很长的主题" * 10,
        customer=odd,
        priority="urgent",
    )
    client.force_login(users["supervisor"])
    html = _html(client.get("/tickets/?view=all"))
    row = re.search(rf'<tr data-ticket="{ticket.number}">.*?</tr>', html, re.S).group()
    assert "<script>" not in row and "<b>" not in row
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in row
    assert "&lt;b&gt;周&quot;先生&lt;/b&gt;" in row and "ti-user" in row
    assert f'href="/tickets/{ticket.number}/"' in row
    assert "很长的主题" * 10 not in row  # the subject is cut at 40 characters
    assert 'class="badge bg-red text-red-fg">紧急</span>' in row
    assert 'data-testid="ticket-status"' in row and "咨询" in row
    assert ticket.owner.name in row
