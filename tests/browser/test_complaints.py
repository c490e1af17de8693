"""The complaint journey in Chinese: a 仓储部 user registers a damaged-goods
complaint; customer service assesses it valid and assigns 运输配送部; `transport`
records the root cause; a remedy above policy goes to `manager` for approval; the
reply saying "保证赔偿" shows the warning before it is sent; the follow-up is
unsatisfied and escalates to `gm`."""

import pytest
from playwright.sync_api import Page, expect

from complaints.defaults import defaults_ensure
from complaints.models import Complaint
from tests.browser.test_customers import logout
from tests.browser.test_shell import login
from tests.browser.test_tickets import submit
from tickets.models import Ticket, TicketCategory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_damaged_goods_complaint_from_registration_to_escalation(
    page: Page, live_server, demo_accounts
):
    base = live_server.url
    defaults_ensure()  # an earlier transactional test may have emptied the tables
    TicketCategory.objects.create(code="damaged", name="货物破损")

    # 仓储部 registers the complaint at once (受理要快).
    login(page, base, "warehouse")
    page.goto(f"{base}/tickets/new/")
    page.get_by_text("客户还没有档案？当场登记新客户").click()
    page.get_by_label("客户名称或姓名").fill("赵女士")
    page.get_by_label("电话", exact=True).fill("10012340000")
    page.get_by_label("类型", exact=True).select_option("complaint")
    page.get_by_label("类别", exact=True).select_option(label="货物破损")
    page.get_by_label("主题").fill("收到的货物外箱破损，两台微波炉变形")
    page.get_by_label("详细描述").fill("客户到仓库提货时发现外箱破损，要求赔偿。")
    submit(page, "ticket-save")
    number = page.get_by_test_id("ticket-number").inner_text()
    logout(page)

    # Customer service takes it, assesses it valid and sends it to 运输配送部.
    login(page, base, "agent")
    page.goto(f"{base}/tickets/{number}/")
    submit(page, "action-accept")
    page.get_by_test_id("action-assess").click()
    page.get_by_test_id("assess-valid").check()
    page.get_by_test_id("assess-reason").fill("照片显示外箱破损，属实。")
    submit(page, "submit-assess")
    expect(page.get_by_test_id("ticket-status")).to_have_text("判断中")
    expect(page.get_by_test_id("complaint-verdict")).to_contain_text("有效投诉")
    page.get_by_test_id("action-assign_department").click()
    page.get_by_test_id("assign-department").select_option("transport")
    page.get_by_test_id("assign-reason").fill("运输途中破损，请运输配送部调查。")
    submit(page, "submit-assign_department")
    expect(page.get_by_text("已交责任部门调查。")).to_be_visible()
    logout(page)

    # transport records the findings and the root cause.
    login(page, base, "transport")
    page.goto(f"{base}/tickets/{number}/")
    expect(page.get_by_test_id("ticket-status")).to_have_text("调查中")
    page.get_by_test_id("action-record_findings").click()
    page.get_by_test_id("findings").fill("装车时没有使用护角，途中急刹造成挤压。")
    page.get_by_test_id("root-cause").select_option("procedure")
    page.get_by_test_id("responsibility").select_option("ours")
    submit(page, "submit-record_findings")
    expect(page.get_by_text("调查结果已记录")).to_be_visible()
    logout(page)

    # Back with customer service: a remedy above policy waits for the manager.
    login(page, base, "agent")
    page.goto(f"{base}/tickets/{number}/")
    expect(page.get_by_test_id("complaint-findings")).to_contain_text("作业程序")
    page.get_by_test_id("action-propose_remedy").click()
    expect(page.get_by_test_id("remedy-policy")).to_be_visible()
    page.get_by_test_id("remedy-asked").fill("按货值赔偿两台微波炉")
    page.get_by_test_id("remedy-kind").select_option("refund")
    page.get_by_test_id("remedy-amount").fill("1600")
    submit(page, "submit-propose_remedy")
    expect(page.get_by_test_id("ticket-status")).to_have_text("补救待批")
    logout(page)

    login(page, base, "manager")
    page.goto(f"{base}/tickets/{number}/")
    page.get_by_test_id("action-approve_remedy").click()
    expect(page.get_by_test_id("pending-remedy")).to_contain_text("1600")
    page.get_by_test_id("approve-yes").check()
    page.get_by_test_id("approve-comment").fill("同意按货值退款。")
    submit(page, "submit-approve_remedy")
    expect(page.get_by_test_id("complaint-remedies")).to_contain_text("已批准")
    logout(page)

    # The reply that promises substance is flagged before it is sent.
    login(page, base, "agent")
    page.goto(f"{base}/tickets/{number}/")
    page.get_by_test_id("action-reply").click()
    page.get_by_test_id("complaint-reply-body").fill("我们保证赔偿您的全部损失。")
    warning = page.get_by_test_id("complaint-reply-warnings").get_by_test_id(
        "reply-warning"
    )
    expect(warning).to_contain_text("保证")
    expect(warning).to_contain_text("赔偿")
    submit(page, "submit-reply")
    expect(page.get_by_test_id("confirm-promise")).to_be_visible()
    page.get_by_test_id("confirm-promise").locator("input").check()
    submit(page, "submit-reply")
    expect(page.get_by_test_id("ticket-status")).to_have_text("已答复")
    expect(page.get_by_test_id("event-warned")).to_be_visible()

    # The follow-up: the customer is not satisfied; it escalates to the gm.
    page.get_by_test_id("action-follow_up").click()
    page.get_by_test_id("fu-comment").fill("客户认为退款到账太慢，仍不满意。")
    submit(page, "submit-follow_up")
    expect(page.get_by_test_id("escalation-level")).to_contain_text("总经理")
    logout(page)

    login(page, base, "gm")
    page.goto(f"{base}/notifications/")
    expect(page.get_by_text(f"投诉升级到您（总经理）：{number}")).to_be_visible()

    ticket = Ticket.objects.get(number=number)
    assert ticket.registered_by.username == "warehouse"
    assert Complaint.objects.get(pk=ticket.pk).escalation_level == 3
