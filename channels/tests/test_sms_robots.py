"""SMS through an HTTP gateway and the group robots of WeCom, DingTalk and
Feishu: a local HTTP receiver checks each payload and signature."""

import base64
import hashlib
import hmac
import json
import time
import urllib.parse

import pytest

from accounts.models import Department
from channels.models import Robot
from channels.senders import dingtalk_sign, feishu_sign, sms_sign
from channels.services import robots_broadcast
from notify.models import Message
from notify.services import message_deliver
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def test_without_email_the_link_goes_by_sms_signed(
    sms_gateway, receiver, make_ticket, contact, django_capture_on_commit_callbacks
):
    type(contact).objects.filter(pk=contact.pk).update(email="")
    contact.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket().ticket
    message = Message.objects.get()
    assert message.channel == "sms" and message.status == Message.Status.SENT
    assert len(receiver.calls) == 1
    call = receiver.calls[0]
    assert call.path == "/sms/send"
    body = call.body
    assert body["phone"] == "13800138000"
    assert body["access_key"] == "kefu-key"
    assert body["sign_name"] == "华东捷运" and body["template_code"] == "SMS_0001"
    params = json.loads(body["params"])
    assert params["number"] == ticket.number
    assert f"/portal/t/{ticket.number}?k=" in params["link"]
    assert ticket.number in body["text"] and params["link"] in body["text"]
    # The receiver recomputes the signature with the shared secret.
    signed = {k: v for k, v in body.items() if k not in ("signature", "text")}
    text = "&".join(f"{k}={signed[k]}" for k in sorted(signed))
    expected = hmac.new(b"sms-secret", text.encode(), hashlib.sha256).hexdigest()
    assert body["signature"] == expected == sms_sign("sms-secret", signed)
    assert abs(int(body["timestamp"]) - time.time()) < 60


def test_a_gateway_error_is_retried_with_the_same_out_id(
    sms_gateway, receiver, make_ticket, contact, django_capture_on_commit_callbacks
):
    type(contact).objects.filter(pk=contact.pk).update(email="")
    contact.refresh_from_db()
    receiver.answer = {"code": "isv.BUSINESS_LIMIT_CONTROL", "message": "limited"}
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket()
    message = Message.objects.get()
    assert message.status == Message.Status.RETRY
    assert "BUSINESS_LIMIT_CONTROL" in message.last_error
    receiver.answer = {"code": "OK"}
    Message.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
    assert message_deliver(message_id=message.pk) == Message.Status.SENT
    assert len({c.body["out_id"] for c in receiver.calls}) == 1


def test_with_the_gateway_off_no_sms_is_queued(
    sms_gateway, receiver, make_ticket, contact
):
    sms_gateway.is_enabled = False
    sms_gateway.save()
    type(contact).objects.filter(pk=contact.pk).update(email="")
    contact.refresh_from_db()
    make_ticket()
    assert Message.objects.count() == 0


def robot(users, kind, receiver, *, department="transport", secret=""):
    return Robot.objects.create(
        department=Department.objects.get(code=department),
        kind=kind,
        name=f"{kind} 群",
        webhook=receiver.url(f"/{kind}/send?access_token=abc"),
        secret=secret,
    )


def test_wecom_robot_gets_a_text_message(
    users, receiver, django_capture_on_commit_callbacks
):
    robot(users, "wecom", receiver)
    with django_capture_on_commit_callbacks(execute=True):
        robots_broadcast(
            "transport", "内部通报", "批次 B20261101 外箱破损，请各部门核查。"
        )
    (call,) = receiver.calls
    assert call.path == "/wecom/send" and call.query["access_token"] == ["abc"]
    assert call.body == {
        "msgtype": "text",
        "text": {"content": "内部通报\n批次 B20261101 外箱破损，请各部门核查。"},
    }


def test_dingtalk_robot_signs_timestamp_and_secret(
    users, receiver, django_capture_on_commit_callbacks
):
    robot(users, "dingtalk", receiver, secret="SECdingtalk")
    receiver.answer = {"errcode": 0, "errmsg": "ok"}
    with django_capture_on_commit_callbacks(execute=True):
        robots_broadcast(
            "transport", "投诉升级", "KF20261123-00001 已升级到客服部经理。"
        )
    (call,) = receiver.calls
    stamp = call.query["timestamp"][0]
    # parse_qs already URL-decoded the sign once.
    sign = call.query["sign"][0]
    digest = hmac.new(
        b"SECdingtalk", f"{stamp}\nSECdingtalk".encode(), hashlib.sha256
    ).digest()
    assert sign == base64.b64encode(digest).decode()
    assert urllib.parse.unquote_plus(dingtalk_sign("SECdingtalk", int(stamp))) == sign
    assert abs(int(stamp) / 1000 - time.time()) < 60
    assert call.body["msgtype"] == "text"
    assert "已升级到客服部经理" in call.body["text"]["content"]


def test_feishu_robot_signs_with_timestamp_and_secret_as_key(
    users, receiver, django_capture_on_commit_callbacks
):
    robot(users, "feishu", receiver, secret="feishu-secret")
    receiver.answer = {"code": 0, "msg": "success"}
    with django_capture_on_commit_callbacks(execute=True):
        robots_broadcast("transport", "超时提醒", "KF20261123-00002 已超过解决时限。")
    (call,) = receiver.calls
    stamp = call.body["timestamp"]
    key = f"{stamp}\nfeishu-secret".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert call.body["sign"] == expected == feishu_sign("feishu-secret", int(stamp))
    assert call.body["msg_type"] == "text"
    assert call.body["content"]["text"].startswith("超时提醒\n")


def test_a_robot_error_is_retried_and_logged(users, receiver):
    robot(users, "feishu", receiver)
    receiver.answer = {"code": 19021, "msg": "sign match fail"}
    (message,) = robots_broadcast("transport", "超时提醒", "x")
    assert message_deliver(message_id=message.pk) == Message.Status.RETRY
    message.refresh_from_db()
    assert "19021" in message.last_error
    assert message.attempt_log.get().ok is False


def test_broadcasts_go_to_the_departments_robots_only_and_once_per_key(
    users, receiver, django_capture_on_commit_callbacks
):
    robot(users, "wecom", receiver, department="transport")
    robot(users, "wecom", receiver, department="warehouse")
    off = robot(users, "wecom", receiver, department="transport")
    off.is_active = False
    off.save()
    with django_capture_on_commit_callbacks(execute=True):
        robots_broadcast("transport", "内部通报", "请核查。", key="bulletin:7")
        robots_broadcast("transport", "内部通报", "请核查。", key="bulletin:7")
    assert len(receiver.calls) == 1
    assert Message.objects.count() == 1


def test_an_escalation_on_the_timeline_reaches_the_departments_robot(
    users, receiver, make_ticket, smtp, django_capture_on_commit_callbacks
):
    robot(users, "wecom", receiver, department="cs")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket().ticket
        TicketEvent.objects.create(
            ticket=ticket,
            kind=TicketEvent.Kind.ESCALATION,
            actor=users["supervisor"],
            body="客户不满意回访结果，升级到客服部经理。",
        )
    (call,) = receiver.calls
    content = call.body["text"]["content"]
    assert content.startswith(f"工单升级：{ticket.number}")
    assert "升级到客服部经理" in content


def test_the_administrator_sends_a_test_message_to_a_robot(
    client, users, receiver, django_capture_on_commit_callbacks
):
    target = robot(users, "wecom", receiver)
    client.force_login(users["manager"])
    assert client.post(f"/channels/robots/{target.pk}/test/").status_code == 403
    client.force_login(users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/channels/robots/{target.pk}/test/")
    assert response.status_code == 302
    (call,) = receiver.calls
    assert call.body["text"]["content"].startswith("测试消息\n")
    assert Message.objects.get().status == Message.Status.SENT


def test_bulletins_and_service_level_breaches_reach_the_department_robots(
    users, receiver, make_ticket, django_capture_on_commit_callbacks
):
    from accounts.tests.helpers import clock_at
    from sla.sweep import sla_sweep
    from sla.tests.clock_helpers import at, level_make
    from tickets.actions import action_run

    robot(users, "wecom", receiver, department="transport")
    robot(users, "wecom", receiver, department="cs")
    level_make(users, name="默认")
    monday = at(2026, 11, 2, 10, 0)
    with clock_at(monday):
        complaint = make_ticket(
            type="complaint", subject="货物外箱破损", received_at=monday
        ).ticket
        inquiry = make_ticket(subject="查询到货时间", received_at=monday).ticket
    with django_capture_on_commit_callbacks(execute=True):
        action_run(
            name="bulletin",
            ticket=complaint,
            actor=users["agent"],
            data={"departments": ["transport"], "message": "同批次货物请排查"},
        )
    (call,) = receiver.calls
    assert call.path == "/wecom/send"
    assert "同批次货物请排查" in call.body["text"]["content"]
    assert complaint.number in call.body["text"]["content"]

    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=at(2026, 11, 2, 15, 0))
        sla_sweep(now=at(2026, 11, 2, 15, 1))  # a second run posts nothing more
    texts = [c.body["text"]["content"] for c in receiver.calls[1:]]
    breaches = [t for t in texts if "服务等级超时" in t]
    assert any(inquiry.number in t for t in breaches)
    assert any(complaint.number in t for t in breaches)
    assert len(breaches) == len(set(breaches))
