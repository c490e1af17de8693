"""The channel pages: who may open them, bad input named on its field with
nothing changed, stale versions refused, lists of constant query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channels.models import InboundMail, Mailbox, MessageTemplate, Robot, SmsGateway
from channels.services import inbound_mail_receive
from channels.tests.servers import eml
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

PAGES = {
    "/channels/templates/": {"manager"},
    "/channels/mailbox/": {"admin"},
    "/channels/sms/": {"admin"},
    "/channels/robots/": {"admin"},
    "/channels/robots/new/": {"admin"},
    "/channels/inbound/": {"manager", "supervisor"},
}


@pytest.mark.parametrize("path", sorted(PAGES))
@pytest.mark.parametrize(
    "username", ["admin", "manager", "supervisor", "agent", "auditor", "transport"]
)
def test_each_page_is_for_its_role_only(client, users, path, username):
    client.force_login(users[username])
    expected = 200 if username in PAGES[path] else 403
    assert client.get(path).status_code == expected


def test_the_sidebar_shows_each_role_its_channel_pages(client, users):
    client.force_login(users["manager"])
    page = client.get("/channels/templates/").content.decode()
    assert "客户通知模板" in page and "/channels/inbound/" in page
    assert "/channels/mailbox/" not in page
    client.force_login(users["admin"])
    page = client.get("/channels/mailbox/").content.decode()
    assert "渠道设置" in page and "/channels/templates/" not in page


def template_post(client, template, **values):
    data = {
        "subject": template.subject,
        "body": template.body,
        "is_active": "on",
        "version": template.version,
        **values,
    }
    return client.post(f"/channels/templates/{template.pk}/", data)


def test_the_manager_edits_a_template(client, users):
    template = MessageTemplate.objects.get(code="ack")
    client.force_login(users["manager"])
    response = template_post(
        client, template, subject="【{number}】来信已收到", body="您好，链接：{link}"
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.subject == "【{number}】来信已收到" and template.version == 2
    assert template.updated_by == users["manager"]
    assert AuditEvent.objects.filter(event="channels.template_update").exists()


@pytest.mark.parametrize(
    "values,field,message",
    [
        ({"subject": "来信已收到"}, "subject", "必须包含占位符：{number}"),
        ({"body": "您好 {name} {link}"}, "body", "不认识的占位符：{name}"),
        ({"body": "没有链接的正文"}, "body", "必须包含占位符：{link}"),
        ({"body": "  "}, "body", "请填写正文"),
    ],
)
def test_a_bad_template_is_refused_on_its_field(client, users, values, field, message):
    template = MessageTemplate.objects.get(code="ack")
    client.force_login(users["manager"])
    response = template_post(client, template, **values)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-field-error="{field}"' in page and message in page
    assert MessageTemplate.objects.get(pk=template.pk).version == 1


def test_a_stale_template_edit_is_refused(client, users):
    template = MessageTemplate.objects.get(code="close")
    client.force_login(users["manager"])
    template_post(client, template, body="第一次 {link}")
    response = template_post(client, template, body="第二次 {link}")
    assert "已被他人修改（当前版本 2）" in response.content.decode()
    assert MessageTemplate.objects.get(pk=template.pk).body == "第一次 {link}"


def test_an_agent_cannot_post_a_template(client, users):
    template = MessageTemplate.objects.get(code="ack")
    client.force_login(users["agent"])
    assert template_post(client, template, body="x {link}").status_code == 403
    assert MessageTemplate.objects.get(pk=template.pk).version == 1


def mailbox_post(client, **values):
    data = {
        "is_enabled": "on",
        "host": "imap.example.invalid",
        "port": "993",
        "security": "tls",
        "username": "kefu@example.invalid",
        "password": "mail-secret",
        "folder": "INBOX",
        "version": Mailbox.objects.get_or_create(pk=1)[0].version,
        **values,
    }
    return client.post("/channels/mailbox/", data)


def test_the_administrator_sets_the_mailbox_and_the_password_is_kept(client, users):
    client.force_login(users["admin"])
    assert mailbox_post(client).status_code == 302
    mailbox = Mailbox.objects.get(pk=1)
    assert mailbox.is_enabled and mailbox.password == "mail-secret"
    assert mailbox_post(client, password="").status_code == 302
    assert Mailbox.objects.get(pk=1).password == "mail-secret"
    page = client.get("/channels/mailbox/").content.decode()
    assert "mail-secret" not in page


@pytest.mark.parametrize(
    "values,field,message",
    [
        ({"security": "plain"}, "security", "明文 IMAP 只允许连接本机"),
        ({"port": "70000"}, "port", "端口必须在 1 到 65535 之间"),
        ({"host": ""}, "host", "请填写IMAP 服务器"),
    ],
)
def test_bad_mailbox_settings_are_refused(client, users, values, field, message):
    client.force_login(users["admin"])
    response = mailbox_post(client, **values)
    page = response.content.decode()
    assert f'data-field-error="{field}"' in page and message in page
    assert not Mailbox.objects.get(pk=1).is_enabled


def test_the_poll_button_reports_what_it_read(client, users, mailbox, dovecot):
    dovecot.deliver(eml("plain.eml"))
    client.force_login(users["admin"])
    page = client.get("/channels/mailbox/").content.decode()
    assert 'data-testid="poll-now">' in page  # enabled: the mailbox is switched on
    response = client.post("/channels/mailbox/poll/", follow=True)
    assert "读取 1 封：新工单 1" in response.content.decode()
    client.force_login(users["manager"])
    assert client.post("/channels/mailbox/poll/").status_code == 403


def test_sms_settings_need_a_valid_address_when_switched_on(client, users):
    client.force_login(users["admin"])
    data = {
        "is_enabled": "on",
        "endpoint": "not a url",
        "access_key": "k",
        "secret": "s",
        "sign_name": "华东捷运",
        "template_code": "SMS_1",
        "version": 1,
    }
    page = client.post("/channels/sms/", data).content.decode()
    assert 'data-field-error="endpoint"' in page and "不是有效的网址" in page
    data["endpoint"] = "https://sms.example.invalid/send"
    assert client.post("/channels/sms/", data).status_code == 302
    gateway = SmsGateway.objects.get(pk=1)
    assert gateway.is_enabled and gateway.secret == "s"


def test_the_administrator_adds_a_robot_for_a_department(client, users):
    client.force_login(users["admin"])
    data = {
        "department": users["transport"].department_id,
        "kind": "dingtalk",
        "name": "运输配送部群",
        "webhook": "https://oapi.dingtalk.example.invalid/robot/send?access_token=x",
        "secret": "SECabc",
        "is_active": "on",
    }
    bad = client.post("/channels/robots/new/", {**data, "name": ""}).content.decode()
    assert 'data-field-error="name"' in bad and "请填写名称" in bad
    assert not Robot.objects.exists()
    assert client.post("/channels/robots/new/", data).status_code == 302
    robot = Robot.objects.get()
    assert robot.secret == "SECabc" and robot.department.code == "transport"
    listing = client.get("/channels/robots/").content.decode()
    assert "运输配送部群" in listing and "SECabc" not in listing
    edit = {**data, "secret": "", "name": "运输群", "version": robot.version}
    assert client.post(f"/channels/robots/{robot.pk}/", edit).status_code == 302
    robot.refresh_from_db()
    assert robot.name == "运输群" and robot.secret == "SECabc"


def test_unreadable_mail_is_listed_read_and_resolved(client, users):
    record = inbound_mail_receive(raw=eml("broken.eml")).record
    client.force_login(users["supervisor"])
    listing = client.get("/channels/inbound/").content.decode()
    assert f"/channels/inbound/{record.pk}/" in listing
    detail = client.get(f"/channels/inbound/{record.pk}/").content.decode()
    assert "this is not a mail" in detail
    raw = client.get(f"/channels/inbound/{record.pk}/raw/")
    assert raw["Content-Disposition"].startswith("attachment")
    assert raw.content == eml("broken.eml")
    empty = client.post(f"/channels/inbound/{record.pk}/", {"resolution": " "})
    assert "请说明如何处理了这封来信" in empty.content.decode()
    done = client.post(
        f"/channels/inbound/{record.pk}/", {"resolution": "已电话联系客户，手工登记。"}
    )
    assert done.status_code == 302
    record.refresh_from_db()
    assert record.status == InboundMail.Status.RESOLVED
    assert record.resolved_by == users["supervisor"]
    client.force_login(users["agent"])
    assert client.get(f"/channels/inbound/{record.pk}/raw/").status_code == 403


def test_the_inbound_list_costs_the_same_queries_for_2_and_12_mails(client, users):
    client.force_login(users["supervisor"])

    def count(n):
        for i in range(n - InboundMail.objects.count()):
            inbound_mail_receive(raw=b"garbage %d" % i)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/channels/inbound/?status=all").status_code == 200
        return len(ctx.captured_queries)

    assert count(2) == count(12)


def test_mail_attachments_download_only_for_those_who_see_the_ticket(client, users):
    from attachments.models import Attachment

    record = inbound_mail_receive(raw=eml("attachment.eml")).record
    attachment = Attachment.objects.get()
    url = f"/attachments/{attachment.pk}/"
    client.force_login(users["agent"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    body = (
        response.content
        if not response.streaming
        else b"".join(response.streaming_content)
    )
    assert body.startswith(b"\x89PNG")
    detail = client.get(record.ticket.get_absolute_url()).content.decode()
    assert "客户来信（chen.jing@example.invalid）" in detail
    assert attachment.original_name in detail
    client.force_login(users["transport"])
    assert client.get(url).status_code in (403, 404)
