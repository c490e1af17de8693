"""The ticket journey in Chinese: a 仓储部 user registers an inquiry for a walk-in
consumer; customer service accepts it, transfers it with a reason (a transfer
without one is refused on the page), and resolves it; the registrant follows
its status all the way (首问负责) without seeing the internal reasons."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_customers import logout
from tests.browser.test_shell import login
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page: Page, test_id: str) -> None:
    """Click a button that posts a form, and wait for the page it leads to (on a
    busy machine the old page would otherwise be asserted on)."""
    with page.expect_navigation():
        page.get_by_test_id(test_id).click()


def test_a_walk_in_inquiry_from_registration_to_resolution(
    page: Page, live_server, demo_accounts
):
    base = live_server.url

    # 仓储部 registers the walk-in consumer's inquiry in one short form.
    login(page, base, "warehouse")
    page.get_by_test_id("sidebar").get_by_text("工单", exact=True).click()
    page.get_by_test_id("ticket-create").click()
    expect(page.get_by_role("heading", name="登记工单")).to_be_visible()
    page.get_by_test_id("ticket-save").click()
    expect(page.locator('[data-field-error="customer"]')).to_contain_text("请选择客户")
    page.get_by_text("客户还没有档案？当场登记新客户").click()
    page.get_by_label("客户名称或姓名").fill("王先生")
    page.get_by_label("电话", exact=True).fill("10012348888")
    page.get_by_label("渠道").select_option("visit")
    page.get_by_label("主题").fill("来仓库询问货物什么时候发出")
    page.get_by_label("详细描述").fill("客户持提货单来访，询问本周能否发货。")
    submit(page, "ticket-save")

    number = page.get_by_test_id("ticket-number").inner_text()
    assert re.fullmatch(r"KF\d{8}-\d{5}", number)
    expect(page.get_by_test_id("customer-link")).to_contain_text(f"/portal/t/{number}")
    expect(page.get_by_test_id("ticket-status")).to_have_text("已受理")
    expect(page.get_by_test_id("ticket-unassigned")).to_have_text("待分派")
    expect(page.get_by_test_id("ticket-owner")).to_have_text("王建军")
    logout(page)

    # Customer service finds it by its number and accepts it.
    login(page, base, "agent")
    page.get_by_test_id("header-search").fill(number)
    page.get_by_test_id("search-menu").get_by_text(number).click()
    expect(page.get_by_test_id("ticket-number")).to_have_text(number)
    submit(page, "action-accept")
    expect(page.get_by_text("已受理，您是这张工单的负责人。")).to_be_visible()
    expect(page.get_by_test_id("ticket-owner")).to_have_text("李思琪")

    # A transfer without a reason is refused; with one it goes through.
    page.get_by_test_id("action-transfer").click()
    page.get_by_test_id("transfer-to-user").select_option("agent2")
    submit(page, "submit-transfer")
    expect(page.locator('[data-field-error="reason"]')).to_contain_text(
        "请填写转交原因"
    )
    expect(page.get_by_test_id("ticket-owner")).to_have_text("李思琪")
    page.get_by_test_id("transfer-reason-input").fill("客户所在片区由张浩然负责跟进。")
    submit(page, "submit-transfer")
    expect(page.get_by_text("已转交。")).to_be_visible()
    expect(page.get_by_test_id("ticket-owner")).to_have_text("张浩然")
    expect(page.get_by_test_id("transfer-reason")).to_contain_text("片区由张浩然负责")
    logout(page)

    # The new owner answers the customer and resolves it.
    login(page, base, "agent2")
    page.get_by_test_id("home-tickets").get_by_text(number).click()
    page.get_by_test_id("kind-reply").click()
    page.get_by_test_id("event-body").fill("王先生您好，货物已排入周四的发运计划。")
    page.get_by_test_id("event-submit").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("周四的发运计划")
    page.get_by_test_id("action-resolve").click()
    page.get_by_test_id("resolve-summary").fill("已告知客户发货日期，客户表示满意。")
    submit(page, "submit-resolve")
    expect(page.get_by_test_id("ticket-status")).to_have_text("已解决")
    logout(page)

    # The registrant sees where the case went and how it ended.
    login(page, base, "warehouse")
    registered = page.get_by_test_id("home-registered")
    expect(registered).to_contain_text(number)
    expect(registered).to_contain_text("已解决")
    registered.get_by_text(number).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已解决")
    expect(page.get_by_test_id("registrant-view")).to_be_visible()
    expect(page.get_by_test_id("ticket-owner")).to_have_text("张浩然")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("已告知客户发货日期")
    expect(timeline).not_to_contain_text("片区由张浩然负责")

    ticket = Ticket.objects.get(number=number)
    assert ticket.status == "resolved" and ticket.registered_by.username == "warehouse"
    assert ticket.customer.kind == "person" and ticket.transfer_count == 1
