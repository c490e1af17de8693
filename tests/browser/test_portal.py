"""The customer's journey on a phone (390×844), in Chinese: a complaint with a
photo, the private link opened, a reply, and — after customer service closed
it — an appeal that opens it again and tells the supervisor."""

import re

import pytest
from playwright.sync_api import Page, expect

from complaints.tests.helpers import complaint_close_invalid
from portal.tests.conftest import PNG
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_accept

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def submit(page: Page, test_id: str) -> None:
    with page.expect_navigation():
        page.get_by_test_id(test_id).click()


def test_customer_complains_with_a_photo_replies_and_appeals(
    page: Page, live_server, demo_accounts, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    page.set_viewport_size(PHONE)
    base = live_server.url

    page.goto(f"{base}/portal/")
    expect(page.get_by_test_id("portal-title")).to_have_text("您好，有什么可以帮您？")
    page.get_by_test_id("start-complaint").click()
    expect(page.get_by_role("heading", name="提交您的问题或意见")).to_be_visible()
    # Nothing filled in: each required field is named.
    submit(page, "submit")
    expect(page.locator('[data-field-error="name"]')).to_contain_text("您的姓名")
    expect(page.locator('[data-field-error="phone"]')).to_be_visible()
    page.get_by_label("您的姓名").fill("林小姐")
    page.get_by_label("手机号码").fill("10098765432")
    page.get_by_label("标题").fill("收到的货物外箱破损")
    page.get_by_label("详细描述").fill("外箱被压坏，里面两件瓷器有裂痕。")
    page.get_by_label("图片或文件（选填）").set_input_files(
        [{"name": "外箱照片.png", "mimeType": "image/png", "buffer": PNG}]
    )
    submit(page, "submit")

    expect(page.get_by_text("已收到，谢谢您！")).to_be_visible()
    number = page.get_by_test_id("submitted-number").inner_text()
    assert re.fullmatch(r"KF\d{8}-\d{5}", number)
    link = page.get_by_test_id("submitted-link").inner_text()
    assert "?k=" in link

    # The link is exchanged for a cookie: the address loses the token.
    page.goto(link)
    expect(page).to_have_url(f"{base}/portal/t/{number}")
    expect(page.get_by_test_id("portal-status")).to_have_text("待受理")
    expect(page.get_by_test_id("portal-file")).to_contain_text("外箱照片.png")

    page.get_by_label("补充说明或回复客服").fill("运单号是 SF1234567890。")
    submit(page, "reply-submit")
    expect(page.get_by_test_id("portal-timeline")).to_contain_text(
        "运单号是 SF1234567890。"
    )
    expect(page.get_by_test_id("portal-timeline")).to_contain_text("您的留言")

    # Customer service handles and closes it.
    ticket = Ticket.objects.get(number=number)
    supervisor = demo_accounts["supervisor"]
    ticket = ticket_accept(ticket=ticket, actor=supervisor)
    complaint_close_invalid(ticket, supervisor, reply="已为您补发。")

    # Later, from the same phone: the appeal.
    page.goto(f"{base}/portal/t/{number}")
    expect(page.get_by_test_id("portal-status")).to_have_text("已关闭")
    expect(page.get_by_test_id("portal-timeline")).to_contain_text("已为您补发。")
    submit(page, "appeal-submit")
    expect(page.locator('[data-field-error="reason"]')).to_contain_text("申诉理由")
    page.get_by_label("申诉理由").fill("补发的货也是破的。")
    submit(page, "appeal-submit")
    expect(page.get_by_test_id("portal-status")).not_to_have_text("已关闭")
    expect(page.get_by_test_id("portal-timeline")).to_contain_text("您的申诉")
    assert TicketEvent.objects.filter(ticket__number=number, kind="escalation").exists()

    # Another ticket's address with this browser: the same 404 as a missing one.
    page.goto(f"{base}/portal/t/KF20000101-00001")
    expect(page.get_by_test_id("portal-404")).to_be_visible()
