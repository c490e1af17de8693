"""The customer archive journey in Chinese: find a customer by pinyin initials,
open it as agent2 (not the owner) and see its confidential fields masked, ask for
a grant, the service manager approves, the fields show, and the auditor sees the
views."""

import pytest
from playwright.sync_api import Page, expect

from core.models import AuditEvent
from customers import services
from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page: Page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page.get_by_role("heading", name="登录您的账户")).to_be_visible()


@pytest.fixture
def huawei(demo_accounts):
    agent = demo_accounts["agent"]
    customer = services.customer_create(
        actor=agent,
        name="华为技术有限公司",
        credit_code="91350100M000100Y43",
        province="广东省",
        city="深圳市",
        owner=agent,
        tier="A",
        credit_rating="AA",
        credit_limit="500000",
    )
    services.contact_create(
        actor=agent,
        customer=customer,
        name="李明",
        title="采购经理",
        mobile="10012345678",
        birthday={"calendar": "lunar", "month": 3, "day": 15},
        interests="高尔夫",
    )
    services.customer_create(actor=agent, name="海王集团有限公司", owner=agent)
    return customer


def test_a_grant_reveals_the_archive_and_every_view_is_audited(
    page: Page, live_server, demo_accounts, huawei
):
    base = live_server.url
    # agent2 finds the customer by its pinyin initials in the header search.
    login(page, base, "agent2")
    page.get_by_test_id("header-search").fill("hwjs")
    menu = page.get_by_test_id("search-menu")
    expect(menu.get_by_text("华为技术有限公司")).to_be_visible()
    expect(menu.get_by_text("海王集团有限公司")).to_have_count(0)
    menu.get_by_text("华为技术有限公司").click()
    expect(page.get_by_test_id("customer-title")).to_contain_text("华为技术有限公司")

    # Not the owner: credit and the contact's birthday are masked.
    expect(page.get_by_test_id("credit-rating")).to_contain_text("保密")
    expect(page.get_by_test_id("credit-limit")).to_contain_text("保密")
    expect(page.get_by_test_id("contact-birthday")).to_contain_text("保密")
    expect(page.get_by_text("农历三月十五")).to_have_count(0)

    # Ask for a grant, with a reason.
    page.get_by_test_id("grant-open").click()
    page.get_by_test_id("grant-submit").click()
    expect(page.locator('[data-field-error="reason"]')).to_be_visible()
    page.get_by_label("申请理由").fill(
        "客户来电投诉配送延误，需要了解采购经理的情况以便回访。"
    )
    page.get_by_test_id("grant-submit").click()
    expect(page.get_by_test_id("grant-pending")).to_contain_text("等待客服部经理审批")
    logout(page)

    # The service manager is told and approves for eight hours.
    login(page, base, "manager")
    expect(page.get_by_test_id("bell-count")).to_have_text("1")
    page.goto(f"{base}/customers/grants/")
    expect(page.get_by_role("heading", name="查阅授权审批")).to_be_visible()
    row = page.locator("tr", has_text="华为技术有限公司")
    expect(row).to_contain_text("张浩然")
    row.get_by_label("授权时长").select_option("8")
    row.get_by_test_id("approve").click()
    expect(page.get_by_text("已批准。")).to_be_visible()
    logout(page)

    # agent2 now reads the confidential layer; the page says until when.
    login(page, base, "agent2")
    page.goto(f"{base}/customers/{huawei.pk}/")
    expect(page.get_by_test_id("grant-live")).to_be_visible()
    expect(page.get_by_test_id("credit-rating")).to_have_text("AA")
    expect(page.get_by_test_id("contact-birthday")).to_have_text("农历三月十五")
    page.get_by_test_id("contact-more").click()
    expect(page.get_by_test_id("contact-interests")).to_have_text("高尔夫")
    logout(page)

    # The auditor sees the views on the archive's access trail.
    login(page, base, "auditor")
    expect(page.get_by_test_id("home-auditor")).to_contain_text("customer.reveal")
    page.goto(f"{base}/customers/{huawei.pk}/")
    page.get_by_test_id("tab-trail").click()
    trail = page.get_by_test_id("trail-table")
    expect(trail.locator("tr", has_text="agent2").first).to_be_visible()
    expect(trail).to_contain_text("customer.reveal")
    expect(trail).to_contain_text("grant.approve")

    rows = AuditEvent.objects.filter(object_id=str(huawei.pk))
    agent2_views = rows.filter(actor_username="agent2", event="customer.view")
    assert {v.data["masked"] for v in agent2_views} == {True, False}
    assert rows.filter(actor_username="agent2", event="grant.request").exists()
    assert rows.filter(actor_username="manager", event="grant.approve").exists()
    reveal = rows.filter(actor_username="agent2", event="customer.reveal").first()
    assert reveal.data["basis"] == "grant"


def test_an_agent_registers_a_customer_records_an_event_and_prints_the_card(
    page: Page, live_server, demo_accounts
):
    base = live_server.url
    referrer = services.customer_create(
        actor=demo_accounts["agent"], name="杭州海纳电器有限公司"
    )
    login(page, base, "agent")
    page.get_by_test_id("sidebar").get_by_text("客户档案", exact=True).click()
    page.get_by_test_id("customer-create").click()
    page.get_by_label("名称").fill("苏州远航精密机械有限公司")
    page.get_by_placeholder("输入名称任意两个字或拼音首字母查找").fill("hzhn")
    page.locator("[data-pick-results]").get_by_text("杭州海纳电器有限公司").click()
    expect(page.locator("[data-pick-label]")).to_have_text("杭州海纳电器有限公司")
    page.get_by_label("统一社会信用代码").fill("91350100M000100Y44")
    page.get_by_test_id("save").click()
    expect(page.locator('[data-field-error="credit_code"]')).to_contain_text("校验位")
    expect(page.locator("[data-pick-label]")).to_have_text("杭州海纳电器有限公司")
    page.get_by_label("统一社会信用代码").fill("91350100M000100Y43")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("customer-title")).to_contain_text("苏州远航精密机械")
    expect(page.get_by_test_id("owner")).to_have_text("李思琪")
    expect(page.get_by_test_id("basics")).to_contain_text(referrer.name)

    # Page two of the card: an event appended in place (htmx), newest first.
    page.get_by_test_id("tab-events").click()
    form = page.get_by_test_id("event-form")
    form.get_by_label("类别").select_option("branch")
    form.get_by_label("事项").fill("无锡分公司成立")
    page.get_by_test_id("event-submit").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("无锡分公司成立")

    # The owner sees the credit fields; the A4 card has both pages.
    expect(page.get_by_test_id("credit-rating")).not_to_contain_text("保密")
    page.get_by_test_id("print-card").click()
    expect(page.get_by_text("第一页 · 基本资料")).to_be_visible()
    expect(page.get_by_test_id("print-events")).to_contain_text("无锡分公司成立")
    page.emulate_media(media="print")
    expect(page.locator("[data-print]")).to_be_hidden()
