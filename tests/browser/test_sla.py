"""Service levels in Chinese: the service manager sets one up on the page; a
ticket registered afterwards shows its three clocks with the remaining business
time and their history; waiting on the customer pauses them; the overdue list
is reached from the sidebar."""

import pytest
from playwright.sync_api import Page, expect

from customers import services as customer_services
from tests.browser.test_customers import logout
from tests.browser.test_shell import login
from tests.browser.test_tickets import submit
from tickets.services import ticket_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_ticket_shows_its_clocks_in_chinese(page: Page, live_server, demo_accounts):
    base = live_server.url
    login(page, base, "manager")
    page.get_by_test_id("sidebar").get_by_text("服务等级与承诺", exact=True).click()
    expect(page.get_by_role("heading", name="超时工单")).to_be_visible()
    page.get_by_role("link", name="服务等级与承诺").last.click()
    page.get_by_test_id("level-create").click()
    page.get_by_label("名称").fill("标准服务")
    page.get_by_label("工作日历").select_option(label="7×24 小时 (24x7)")
    page.get_by_label("受理时限（工作分钟）").fill("30")
    page.get_by_label("首次响应时限（工作分钟）").fill("120")
    page.get_by_label("解决时限（工作分钟）").fill("0")
    submit(page, "sla-save")
    expect(page.get_by_test_id("error-resolution_minutes")).to_contain_text(
        "必须在 1 到"
    )
    page.get_by_label("解决时限（工作分钟）").fill("1440")
    submit(page, "sla-save")
    expect(page.get_by_text("服务等级已保存")).to_be_visible()
    expect(page.get_by_test_id("level-table")).to_contain_text("24 小时")
    logout(page)

    agent = demo_accounts["agent"]
    customer = customer_services.customer_create(
        actor=agent, kind="organisation", name="恒通电子科技有限公司", owner=agent
    )
    ticket = ticket_create(
        actor=agent,
        entry="api",
        type="inquiry",
        channel="api",
        subject="查询运单的物流进度",
        customer=customer,
    ).ticket

    login(page, base, "agent")
    page.goto(f"{base}{ticket.get_absolute_url()}")
    clocks = page.get_by_test_id("ticket-clocks")
    expect(clocks).to_contain_text("服务时限")
    expect(clocks.locator('[data-clock="acknowledge"]')).to_contain_text("受理")
    expect(clocks.locator('[data-clock="acknowledge"]')).to_contain_text("计时中")
    expect(clocks.locator('[data-clock="acknowledge"]')).to_contain_text("剩余")
    expect(clocks.locator('[data-clock="first_response"]')).to_contain_text("首次响应")
    expect(clocks.locator('[data-clock="resolution"]')).to_contain_text("剩余 2")
    expect(clocks).to_contain_text("开始计时")
    submit(page, "action-accept")
    clocks = page.get_by_test_id("ticket-clocks")
    expect(clocks.locator('[data-clock="acknowledge"]')).to_contain_text("按时完成")

    page.get_by_test_id("action-wait_customer").click()
    page.get_by_test_id("wait-reason").fill("请提供运单号的照片。")
    submit(page, "submit-wait_customer")
    clocks = page.get_by_test_id("ticket-clocks")
    expect(clocks.locator('[data-clock="resolution"]')).to_contain_text("已暂停")
    expect(clocks.locator('[data-clock="resolution"]')).to_contain_text("暂停")
    expect(clocks.locator('[data-clock="first_response"]')).to_contain_text("按时完成")
