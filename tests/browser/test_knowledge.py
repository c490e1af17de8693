"""Knowledge in the browser, in Chinese: an agent links an FAQ article in a
reply to the customer; a new agent finds an assigned case on the home page,
reads it and the reading is recorded."""

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from complaints.tests.helpers import complaint_close_invalid
from knowledge import services
from knowledge.models import CaseReading
from tests.browser.test_shell import login
from tickets.models import TicketEvent
from tickets.services import ticket_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_links_an_faq_article_in_a_reply(page: Page, live_server, demo_accounts):
    manager = demo_accounts["manager"]
    category = services.faq_category_create(actor=manager, name="退换货")
    article = services.faq_article_save(
        actor=manager,
        category=category,
        title="收到的商品破损怎么办？",
        body="签收后七天内拍照提交，我们安排退货或补发。",
    )
    ticket = ticket_create(
        actor=demo_accounts["agent"],
        type="inquiry",
        channel="phone",
        subject="咨询破损商品如何退换",
        new_customer={"kind": "person", "name": "孙女士", "phone": "10033334444"},
    ).ticket

    login(page, live_server.url, "agent")
    expect(page.get_by_test_id("home-title")).to_have_text("我的工作台")
    page.goto(f"{live_server.url}/tickets/{ticket.number}/")
    page.get_by_test_id("kind-reply").click()
    page.get_by_test_id("event-body").fill("您好，破损商品可以这样处理：")
    page.get_by_test_id("faq-picker").click()
    page.get_by_test_id("faq-search").fill("破损")
    page.get_by_test_id("faq-pick").first.click()
    expect(page.get_by_test_id("event-body")).to_have_value(
        f"您好，破损商品可以这样处理：\n请参阅常见问题“{article.title}”："
        f"{live_server.url}/portal/faq/{article.pk}/"
    )
    page.get_by_test_id("event-submit").click()
    expect(page.get_by_test_id("timeline")).to_contain_text(
        f"/portal/faq/{article.pk}/"
    )
    reply = TicketEvent.objects.get(ticket=ticket, kind="reply")
    assert reply.is_public and f"/portal/faq/{article.pk}/" in reply.body

    # The customer opens the link on the portal.
    page.goto(f"{live_server.url}/portal/faq/{article.pk}/")
    expect(page.get_by_test_id("article-title")).to_have_text(article.title)


def test_a_new_agent_reads_an_assigned_case(page: Page, live_server, demo_accounts):
    supervisor = demo_accounts["supervisor"]
    ticket = ticket_create(
        actor=supervisor,
        type="complaint",
        channel="phone",
        subject="冷链配送延误",
        new_customer={"kind": "person", "name": "钱伟民", "phone": "10066667777"},
    ).ticket
    ticket = complaint_close_invalid(ticket, supervisor, reply="已致歉并说明情况。")
    case = services.case_create(
        actor=supervisor,
        ticket=ticket,
        classification="delivery",
        for_new_staff=True,
        title="钱伟民的海鲜变质投诉",
        summary="钱伟民收到的海鲜已变质。",
        cause="冷链车在途故障。",
        handling="当天致歉并赔付。",
        lessons="出车前检查制冷设备。",
    )
    newcomer = UserFactory(role=Role.AGENT, username="xinren", display_name="新同事")

    login(page, live_server.url, "xinren", "kefu-test-pass")
    panel = page.get_by_test_id("unread-cases")
    expect(panel).to_contain_text("某客户的海鲜变质投诉")
    panel.get_by_test_id("unread-case").first.click()
    expect(page.get_by_test_id("case-title")).to_have_text("某客户的海鲜变质投诉")
    expect(page.get_by_test_id("case-body")).not_to_contain_text("钱伟民")
    page.get_by_test_id("case-mark-read").click()
    expect(page.get_by_test_id("case-read-at")).to_contain_text("您已于")
    assert CaseReading.objects.get(user=newcomer, case=case).read_at is not None
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("home-title")).to_have_text("我的工作台")
    expect(page.get_by_test_id("unread-cases")).to_have_count(0)
