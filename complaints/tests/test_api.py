"""The complaint workflow through the API: actions by name, the 422 of promise
wording and its confirmation, records, bulletins, permissions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def post_action(api, number, action, username="agent", **body):
    return api("post", f"/tickets/{number}/actions/{action}", username, body=body)


def advanced(api, complaint):
    """A complaint with findings and an approved remedy, ready to be answered."""
    ticket = complaint()
    n = ticket.number
    assert post_action(api, n, "assess", valid=True, reason="属实").status_code == 200
    r = post_action(api, n, "assign_department", department="transport", reason="运输")
    assert r.status_code == 200, r.json_body
    r = post_action(
        api,
        n,
        "record_findings",
        "transport",
        findings="未加固",
        root_cause="procedure",
        responsibility="ours",
    )
    assert r.status_code == 200, r.json_body
    r = post_action(api, n, "propose_remedy", asked="赔偿", kind="apology", amount=0)
    assert r.status_code == 200, r.json_body
    return ticket


def test_a_reply_with_promise_wording_is_422_until_confirmed(api, complaint):
    ticket = advanced(api, complaint)
    n = ticket.number
    r = post_action(api, n, "reply", body="我们保证赔偿您的全部损失。")
    assert r.status_code == 422
    error = r.json_body["errors"][0]
    assert error["code"] == "promise_wording" and error["field"] == "body"
    assert "保证" in error["message"] and "赔偿" in error["message"]
    assert not TicketEvent.objects.filter(ticket=ticket, kind="reply").exists()
    r = post_action(
        api, n, "reply", body="我们保证赔偿您的全部损失。", confirm_promise_wording=True
    )
    assert r.status_code == 200 and r.json_body["status"] == "replied"
    reply = TicketEvent.objects.get(ticket=ticket, kind="reply")
    assert reply.data["warnings"][0]["code"] == "promise_wording"
    assert set(reply.data["warnings"][0]["words"]) == {"保证", "赔偿"}


def test_an_event_reply_goes_through_the_same_check(api, complaint, make_ticket):
    ticket = make_ticket()
    path = f"/tickets/{ticket.number}/events"
    r = api("post", path, body={"kind": "reply", "body": "百分之百给您解决"})
    assert (
        r.status_code == 422 and r.json_body["errors"][0]["code"] == "promise_wording"
    )
    r = api("post", path, body={"kind": "note", "body": "内部：客户要求赔偿"})
    assert r.status_code == 201
    r = api(
        "post",
        path,
        body={
            "kind": "reply",
            "body": "百分之百给您解决",
            "confirm_promise_wording": True,
        },
    )
    assert r.status_code == 201
    r = api("post", "/reply-check", body={"body": "一定给您补偿"})
    assert r.status_code == 200 and set(r.json_body[0]["words"]) == {"一定给您", "补偿"}


def test_a_wrong_step_is_422_on_action_and_a_stale_version_409(api, complaint):
    ticket = complaint()
    r = post_action(api, ticket.number, "reply", body="您好")
    assert r.status_code == 422 and r.json_body["errors"][0]["field"] == "action"
    r = post_action(api, ticket.number, "assess", valid=True, reason="x", version=99)
    assert r.status_code == 409
    r = post_action(api, ticket.number, "assess", reason="x")
    assert r.status_code == 422


def test_others_are_refused(api, complaint):
    ticket = complaint()
    assert (
        post_action(
            api, ticket.number, "assess", "agent2", valid=True, reason="x"
        ).status_code
        == 403
    )
    assert (
        post_action(
            api, ticket.number, "assess", "warehouse", valid=True, reason="x"
        ).status_code
        == 404
    )
    assert api("get", f"/complaints/{ticket.number}", "warehouse").status_code == 404
    assert api("get", f"/complaints/{ticket.number}", "admin").status_code == 403


def test_the_record_and_the_list(api, complaint):
    ticket = advanced(api, complaint)
    r = api("get", f"/complaints/{ticket.number}")
    assert r.status_code == 200
    body = r.json_body
    assert body["valid"] is True and body["department"] == "transport"
    assert (
        body["root_cause"] == "procedure"
        and body["remedies"][0]["status"] == "approved"
    )
    r = api("get", "/complaints?status=open")
    assert [i["number"] for i in r.json_body["items"]] == [ticket.number]


def test_the_list_costs_the_same_at_2_and_12_rows(api, complaint):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api("get", "/complaints?limit=100", "manager").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        complaint()
    count()  # the token is issued on the first call
    small = count()
    for _ in range(10):
        complaint()
    assert count() == small


def test_bulletin_through_the_api(api, complaint, users):
    ticket = complaint()
    r = post_action(
        api,
        ticket.number,
        "bulletin",
        departments=["transport", "warehouse"],
        message="同批次外箱强度不足，请各部门排查",
    )
    assert r.status_code == 200, r.json_body
    bulletin_id = ticket.complaint.bulletins.get().pk
    r = api("post", f"/bulletins/{bulletin_id}/acknowledge", "transport")
    assert r.status_code == 200
    acks = {a["department"]: a for a in r.json_body["acks"]}
    assert acks["transport"]["acknowledged_by"] == "transport"
    assert acks["warehouse"]["acknowledged_at"] is None
    assert (
        api("post", f"/bulletins/{bulletin_id}/acknowledge", "transport").status_code
        == 422
    )
    assert (
        api("post", f"/bulletins/{bulletin_id}/remind", "transport").status_code == 403
    )
    r = api("post", f"/bulletins/{bulletin_id}/remind", "agent")
    assert r.status_code == 200
    acks = {a["department"]: a for a in r.json_body["acks"]}
    assert (
        acks["warehouse"]["remind_count"] == 1
        and acks["transport"]["remind_count"] == 0
    )
    r = post_action(api, ticket.number, "bulletin", departments=[], message="x")
    assert r.status_code == 422
