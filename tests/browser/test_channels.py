"""Channels in the browser, in Chinese: the administrator points Kefu at a real
IMAP mailbox (dovecot on loopback) and reads it; the supervisor handles the mail
that could not be read; the service manager edits the acknowledgement."""

import pytest
from playwright.sync_api import Page, expect

from channels.models import InboundMail
from channels.tests.servers import Dovecot, eml
from tests.browser.test_shell import login
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dovecot():
    try:
        server = Dovecot().start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


def test_mail_is_read_unreadable_mail_handled_and_a_template_edited(
    page: Page, live_server, demo_accounts, dovecot
):
    dovecot.deliver(eml("gbk.eml"))
    dovecot.deliver(eml("broken.eml"))
    base = live_server.url

    login(page, base, "admin")
    page.get_by_test_id("sidebar").get_by_text("渠道设置", exact=True).click()
    form = page.get_by_test_id("mailbox-form")
    form.get_by_label("启用收信").check()
    form.get_by_label("IMAP 服务器").fill("127.0.0.1")
    form.get_by_label("端口").fill(str(dovecot.port))
    form.get_by_label("连接方式").select_option("plain")
    form.get_by_label("用户名").fill(dovecot.username)
    form.get_by_label("密码").fill(dovecot.password)
    form.get_by_test_id("save").click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    page.get_by_test_id("poll-now").click()
    expect(
        page.get_by_text("读取 2 封：新工单 1，追加到工单 0，无法解析 1，重复 0。")
    ).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.subject == "发票还没有收到" and ticket.channel == "email"
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()

    login(page, base, "supervisor")
    page.get_by_test_id("sidebar").get_by_text("来信", exact=True).click()
    page.get_by_test_id("inbound-table").get_by_role("link").first.click()
    expect(page.get_by_test_id("inbound-status")).to_have_text("无法解析")
    expect(page.get_by_test_id("raw-preview")).to_contain_text("this is not a mail")
    page.get_by_test_id("resolve").click()
    expect(page.get_by_text("请说明如何处理了这封来信。")).to_be_visible()
    page.get_by_label("处理说明").fill("不是客户来信，无需登记。")
    page.get_by_test_id("resolve").click()
    expect(page.get_by_test_id("inbound-status")).to_have_text("已人工处理")
    assert InboundMail.objects.filter(status="resolved").count() == 1
    page.goto(f"{base}{ticket.get_absolute_url()}")
    expect(page.get_by_text("请财务部门核实后寄出")).to_be_visible()
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()

    login(page, base, "manager")
    page.get_by_test_id("sidebar").get_by_text("客户通知模板", exact=True).click()
    page.get_by_role("link", name="受理通知（邮件）").click()
    page.get_by_label("邮件主题").fill("您的来信已收到")
    page.get_by_test_id("save").click()
    expect(page.get_by_text("必须包含占位符：{number}。")).to_be_visible()
    page.get_by_label("邮件主题").fill("【{number}】您的来信已收到")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("template-table")).to_contain_text(
        "【{number}】您的来信已收到"
    )
