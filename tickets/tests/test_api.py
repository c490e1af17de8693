"""The ticket endpoints of the API contract: list with filters, create (with the
customer's link, once), detail, PATCH with versions, events, actions."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import api_token_issue
from tickets import services
from tickets.models import Ticket, TicketCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, users):
    """Call the API as a demo user (bearer token)."""
    keys = {}

    def call(method, path, username="agent", body=None, raw=None, **extra):
        if username not in keys:
            keys[username] = api_token_issue(user=users[username])[0]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {keys[username]}", **extra}
        if body is not None or raw is not None:
            kwargs.update(
                data=raw if raw is not None else json.dumps(body),
                content_type="application/json",
            )
        response = getattr(client, method)(f"/api/v1{path}", **kwargs)
        response.json_body = json.loads(response.content) if response.content else None
        return response

    return call


BODY = {"type": "complaint", "channel": "phone", "subject": "运单配送延误三天"}


def test_create_answers_201_with_the_customer_link_once(api, users, customer, contact):
    response = api(
        "post",
        "/tickets",
        body={
            **BODY,
            "customer": customer.pk,
            "contact": contact.pk,
            "mood": "angry",
            "order_ref": "JY000011112222",
            "received_at": "2026-11-23T09:00:00+08:00",
        },
    )
    assert response.status_code == 201, response.json_body
    body = response.json_body
    assert body["status"] == "new" and body["owner"] == "supervisor"
    assert body["unassigned"] and body["department"] == "cs"
    assert body["priority"] == "high" and body["severity"] == "minor"
    assert body["customer"] == {
        "id": customer.pk,
        "name": customer.name,
        "is_problem": False,
    }
    assert body["contact"] == {"id": contact.pk, "name": contact.name}
    assert body["received_at"] == "2026-11-23T09:00:00+08:00"
    assert body["due"] == {
        "acknowledge": None,
        "first_response": None,
        "resolution": None,
    }
    assert body["customer_link"].startswith(
        f"http://testserver/portal/t/{body['number']}?k="
    )
    again = api("get", f"/tickets/{body['number']}")
    assert again.status_code == 200 and "customer_link" not in again.json_body
    # The answer is the ticket as stored (the service's object, not re-read).
    assert {k: v for k, v in body.items() if k != "customer_link"} == again.json_body


def test_create_with_a_new_customer_and_an_owner(api, users):
    response = api(
        "post",
        "/tickets",
        body={
            **BODY,
            "type": "inquiry",
            "new_customer": {
                "kind": "person",
                "name": "李女士",
                "phone": "10011223344",
            },
            "owner": "agent2",
        },
    )
    assert response.status_code == 201, response.json_body
    body = response.json_body
    assert body["owner"] == "agent2" and not body["unassigned"]
    assert body["customer"]["name"] == "李女士"
    again = api("get", f"/tickets/{body['number']}")
    assert {k: v for k, v in body.items() if k != "customer_link"} == again.json_body


@pytest.mark.parametrize(
    "body,field,code",
    [
        ({"type": "gossip"}, "type", "invalid_choice"),
        ({"subject": ""}, "subject", "required"),
        ({"customer": None}, "customer", "required"),
        ({"customer": 999999}, "customer", "unknown_customer"),
        ({"contact": 999999}, "contact", "unknown_contact"),
        ({"category": "nope"}, "category", "unknown_category"),
        ({"owner": "ghost"}, "owner", "unknown_user"),
        ({"owner": "auditor"}, "owner", "not_allowed"),
        ({"received_at": "2026-11-23T09:00:00"}, "received_at", "timezone_aware"),
        ({"new_customer": {"name": ""}}, "customer", "ambiguous"),
        ({"subject": "长" * 201}, "subject", "string_too_long"),
    ],
)
def test_bad_creations_are_422_naming_the_field(api, customer, body, field, code):
    response = api("post", "/tickets", body={**BODY, "customer": customer.pk, **body})
    assert response.status_code == 422, response.json_body
    error = response.json_body["errors"][0]
    assert (error["field"], error["code"]) == (field, code)
    assert not Ticket.objects.exists()


def test_who_may_call_the_ticket_endpoints(api, client, make_ticket, customer):
    ticket = make_ticket()
    assert client.get("/api/v1/tickets").status_code == 401
    for username in ("secadmin", "admin"):
        assert api("get", "/tickets", username).status_code == 403
        assert api("get", f"/tickets/{ticket.number}", username).status_code == 403
        body = {**BODY, "customer": customer.pk}
        assert api("post", "/tickets", username, body=body).status_code == 403
    assert api("get", f"/tickets/{ticket.number}", "transport").status_code == 404
    assert api("get", "/tickets/KF19990101-00001", "agent").status_code == 404
    assert (
        api(
            "post", "/tickets", "auditor", body={**BODY, "customer": customer.pk}
        ).status_code
        == 403
    )


def test_the_list_filters(api, users, make_ticket):
    first = make_ticket("agent", subject="冷链车温度异常")
    second = make_ticket("warehouse", type="complaint", subject="外箱破损")
    done = make_ticket("agent2", resolution="当场答复")

    def numbers(query="", username="agent"):
        response = api("get", f"/tickets{query}", username)
        assert response.status_code == 200, response.json_body
        assert set(response.json_body) == {"items", "next_cursor"}
        return [item["number"] for item in response.json_body["items"]]

    assert numbers() == [done.number, second.number, first.number]
    assert numbers("?status=open") == [second.number, first.number]
    assert numbers("?status=resolved") == [done.number]
    assert numbers("?type=complaint") == [second.number]
    assert numbers("?owner=agent2") == [done.number]
    assert numbers("?owner=me") == [first.number]
    assert numbers("?department=cs&status=open") == [second.number, first.number]
    assert numbers(f"?customer={first.customer_id}&limit=1")[0] == done.number
    assert numbers("?q=温度") == [first.number]
    assert numbers("?view=unassigned", "supervisor") == [second.number]
    assert numbers("?overdue=true") == []
    assert numbers("", "warehouse") == [second.number]
    for query, field in [
        ("?status=gone", "status"),
        ("?limit=101", "limit"),
        ("?cursor=zzz", "cursor"),
        ("?q=温", "q"),
        ("?department=moon", "department"),
        ("?created_from=2026-13-01", "created_from"),
    ]:
        response = api("get", f"/tickets{query}")
        assert response.status_code == 422, query
        assert response.json_body["errors"][0]["field"] == field, query


def test_patch_needs_the_version_and_a_stale_one_is_409(api, make_ticket, contact):
    ticket = make_ticket()
    url = f"/tickets/{ticket.number}"
    missing = api("patch", url, body={"priority": "high"})
    assert missing.status_code == 422
    assert missing.json_body["errors"][0]["field"] == "version"
    TicketCategory.objects.create(code="late", name="配送延误")
    done = api(
        "patch",
        url,
        body={
            "version": 1,
            "priority": "high",
            "contact": contact.pk,
            "category": "late",
        },
    )
    assert done.status_code == 200, done.json_body
    assert done.json_body["version"] == 2 and done.json_body["category"] == "late"
    assert done.json_body["contact"]["id"] == contact.pk
    stale = api("patch", url, body={"version": 1, "priority": "low"})
    assert stale.status_code == 409 and stale.json_body["current_version"] == 2
    assert Ticket.objects.get(pk=ticket.pk).priority == "high"
    other = api("patch", url, "agent2", body={"version": 2, "priority": "low"})
    assert other.status_code == 403


def test_events_notes_and_replies(api, users, make_ticket):
    ticket = make_ticket("warehouse")
    url = f"/tickets/{ticket.number}/events"
    note = api("post", url, "supervisor", body={"kind": "note", "body": "内部：老客户"})
    assert note.status_code == 201 and not note.json_body["is_public"]
    reply = api(
        "post", url, "supervisor", body={"kind": "reply", "body": "您好，已安排。"}
    )
    assert reply.status_code == 201 and reply.json_body["is_public"]
    assert Ticket.objects.get(pk=ticket.pk).version == 1
    bad = api("post", url, "supervisor", body={"kind": "memo", "body": "x"})
    assert bad.status_code == 422 and bad.json_body["errors"][0]["field"] == "kind"
    refused = api("post", url, "agent2", body={"kind": "reply", "body": "x"})
    assert refused.status_code == 403
    everything = api("get", url, "supervisor").json_body["items"]
    assert [e["kind"] for e in everything] == ["created", "note", "reply"]
    # The registrant from 仓储部 sees what the customer sees, without internals.
    public = api("get", url, "warehouse").json_body["items"]
    assert [e["kind"] for e in public] == ["created", "reply"]
    assert all(e["data"] == {} for e in public)


def test_actions_follow_the_flow(api, users, make_ticket):
    ticket = make_ticket("agent", entry=services.ENTRY_API)
    url = f"/tickets/{ticket.number}/actions"
    accepted = api("post", f"{url}/accept", body={})
    assert accepted.status_code == 200, accepted.json_body
    assert (accepted.json_body["status"], accepted.json_body["owner"]) == (
        "accepted",
        "agent",
    )
    wrong = api("post", f"{url}/close", body={"version": 2})
    assert wrong.status_code == 422
    assert wrong.json_body["errors"][0] == {
        "field": "action",
        "message": "工单当前状态为“已受理”，不能执行此操作。",
        "code": "invalid_transition",
    }
    stale = api("post", f"{url}/wait_customer", body={"version": 1, "reason": "照片"})
    assert stale.status_code == 409 and stale.json_body["current_version"] == 2
    waiting = api(
        "post", f"{url}/wait_customer", body={"version": 2, "reason": "请提供照片"}
    )
    assert waiting.json_body["status"] == "waiting_customer"
    assert api("post", f"{url}/resume", body={}).json_body["status"] == "accepted"
    resolved = api("post", f"{url}/resolve", body={"summary": "已补发"})
    assert (
        resolved.json_body["status"] == "resolved"
        and resolved.json_body["version"] == 5
    )
    closed = api("post", f"{url}/close", body={})
    assert closed.json_body["status"] == "closed" and closed.json_body["closed_at"]
    reopened = api("post", f"{url}/reopen", body={"reason": "客户说还有一箱没到"})
    assert reopened.json_body["status"] == "accepted"


def test_action_errors(api, users, make_ticket):
    ticket = make_ticket()
    url = f"/tickets/{ticket.number}/actions"
    unknown = api("post", f"{url}/explode", body={})
    assert unknown.status_code == 422
    assert unknown.json_body["errors"][0]["code"] == "unknown_action"
    typed = api("post", f"{url}/resolve", body={"summary": 5})
    assert typed.status_code == 422
    assert typed.json_body["errors"][0] == {
        "field": "summary",
        "message": "请输入文本。",
        "code": "string_type",
    }
    assert api("post", f"{url}/resolve", raw="{oops").status_code == 400
    no_reason = api("post", f"{url}/transfer", body={"to_user": "agent2"})
    assert no_reason.json_body["errors"][0]["field"] == "reason"
    nowhere = api(
        "post", f"{url}/transfer", body={"to_department": "moon", "reason": "x"}
    )
    assert nowhere.json_body["errors"][0]["field"] == "to_department"
    forbidden = api("post", f"{url}/resolve", "agent2", body={"summary": "越权"})
    assert forbidden.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).version == 1


def test_a_transfer_out_of_sight_still_answers_where_it_went(api, users, make_ticket):
    ticket = make_ticket()
    services.ticket_transfer(
        ticket=ticket, actor=users["agent"], to_user=users["transport"], reason="核实"
    )
    response = api(
        "post",
        f"/tickets/{ticket.number}/actions/transfer",
        "transport",
        body={"to_department": "cs", "reason": "已核实", "version": 2},
    )
    assert response.status_code == 200, response.json_body
    assert response.json_body["owner"] == "supervisor"
    assert api("get", f"/tickets/{ticket.number}", "transport").status_code == 404


def _count(api, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api("get", path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/tickets", "/tickets?q=运单", "/tickets?view=mine"])
def test_the_list_endpoint_does_not_grow_with_rows(api, make_ticket, path):
    for _ in range(2):
        make_ticket()
    api("get", path)
    few = _count(api, path)
    for _ in range(10):
        make_ticket()
    assert _count(api, path) == few


def test_the_list_reads_every_relation_it_shows_in_its_one_query(
    api, users, make_ticket, contact
):
    """The list reads only some columns of the relations: a field it shows and did
    not read would cost a query per row (and the row would differ from the detail)."""
    category = TicketCategory.objects.create(code="late", name="配送延误")
    make_ticket()
    api("get", "/tickets")
    few = _count(api, "/tickets")
    for _ in range(3):
        make_ticket(contact=contact, category=category, owner=users["supervisor"])
    assert _count(api, "/tickets") == few
    listed = api("get", "/tickets").json_body["items"][0]
    detail = api("get", f"/tickets/{listed['number']}").json_body
    assert listed == detail
    assert listed["contact"] == {"id": contact.pk, "name": contact.name}
    assert listed["category"] == "late" and listed["registered_by"] == "agent"
    assert listed["owner"] == "supervisor" and listed["department"]


def test_the_events_endpoint_does_not_grow_with_rows(api, users, make_ticket):
    ticket = make_ticket()
    path = f"/tickets/{ticket.number}/events"
    services.ticket_event_add(
        ticket=ticket, actor=users["agent"], kind="note", body="1"
    )
    api("get", path)
    few = _count(api, path)
    for i in range(10):
        services.ticket_event_add(
            ticket=ticket, actor=users["supervisor"], kind="note", body=str(i)
        )
    assert _count(api, path) == few


def test_the_ticket_operations_are_in_the_openapi_document(client):
    spec = json.loads(client.get("/api/v1/openapi.json").content)
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/tickets"])
    assert {"get", "patch"} <= set(paths["/api/v1/tickets/{number}"])
    assert "post" in paths["/api/v1/tickets/{number}/actions/{action}"]
    assert {"get", "post"} <= set(paths["/api/v1/tickets/{number}/events"])


def test_odd_numbers_in_the_path_are_404_not_errors(api, make_ticket):
    ticket = make_ticket()
    assert api("get", f"/tickets/{ticket.number.lower()}").status_code == 200
    for odd in ("%00", "KF%00", "x" * 200, "%E4%B8%AD"):
        assert api("get", f"/tickets/{odd}").status_code == 404, odd


def test_a_ticket_resolved_on_the_line_through_the_api(api, customer):
    response = api(
        "post",
        "/tickets",
        body={**BODY, "customer": customer.pk, "resolution": "已在电话中答复"},
    )
    assert response.status_code == 201
    body = response.json_body
    assert body["status"] == "resolved" and body["first_contact_resolution"]
    assert body["owner"] == "agent"
