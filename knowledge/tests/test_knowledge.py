"""FAQ (public, searchable, managed), reply templates (placeholders, the
promise-wording hook), the reply tools, and the case library (personal data
removed, required reading, reading recorded, new staff)."""

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from knowledge import services
from knowledge.models import Case, CaseReading, FaqArticle, ReplyTemplate

pytestmark = pytest.mark.django_db


# --- FAQ ---------------------------------------------------------------------------


def test_public_faq_lists_searches_and_shows_published_articles(client, faq):
    shown = faq()
    hidden = faq(title="内部草稿：赔付标准", body="不公开", is_published=False)
    listing = client.get("/portal/faq/").content.decode()
    assert shown.title in listing and hidden.title not in listing
    found = client.get("/portal/faq/", {"q": "补发"}).content.decode()
    assert shown.title in found
    nothing = client.get("/portal/faq/", {"q": "发票抬头"}).content.decode()
    assert shown.title not in nothing and "没有找到相关问题" in nothing
    article = client.get(f"/portal/faq/{shown.pk}/")
    assert article.status_code == 200 and "七天内" in article.content.decode()
    assert client.get(f"/portal/faq/{hidden.pk}/").status_code == 404
    assert client.get("/portal/faq/99999/").status_code == 404


def test_faq_search_matches_any_two_characters(faq):
    from knowledge.selectors import faq_page

    article = faq()
    assert [a.pk for a in faq_page(q="品破", public=True).items] == [article.pk]
    assert faq_page(q="破品", public=True).items == []


def test_deleted_article_leaves_the_portal(client, users, faq):
    article = faq()
    services.faq_article_delete(actor=users["manager"], article=article)
    assert client.get(f"/portal/faq/{article.pk}/").status_code == 404
    assert FaqArticle.all_objects.filter(pk=article.pk).exists()


@override_settings(RATELIMIT_ENABLE=True, KEFU_PORTAL_RATE="2/m")
def test_public_faq_is_rate_limited(client, faq):
    cache.clear()
    article = faq()
    codes = [client.get(f"/portal/faq/{article.pk}/").status_code for _ in range(3)]
    assert codes[-1] == 429
    cache.clear()
    codes = [client.get("/portal/faq/").status_code for _ in range(3)]
    assert codes[-1] == 429


def test_manager_edits_faq_and_a_stale_edit_is_refused(client, users, faq):
    article = faq()
    client.force_login(users["manager"])
    data = {
        "category": article.category_id,
        "title": "商品破损如何处理？",
        "body": "拍照后在线提交。",
        "is_published": "on",
        "version": article.version,
    }
    assert client.post(f"/knowledge/faq/{article.pk}/edit/", data).status_code == 302
    article.refresh_from_db()
    assert article.title == "商品破损如何处理？" and article.version == 2
    stale = client.post(f"/knowledge/faq/{article.pk}/edit/", {**data, "title": "旧"})
    assert stale.status_code == 422 and "已被别人修改" in stale.content.decode()
    article.refresh_from_db()
    assert article.title == "商品破损如何处理？"


def test_faq_form_names_missing_fields(client, users):
    client.force_login(users["manager"])
    response = client.post("/knowledge/faq/new/", {"title": "", "body": ""})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-field-error="title"' in body and 'data-field-error="body"' in body
    assert not FaqArticle.objects.exists()


def test_faq_management_is_refused_to_others(client, users, faq):
    article = faq()
    client.force_login(users["agent"])
    assert client.get("/knowledge/").status_code == 200  # reads the list
    assert client.get("/knowledge/faq/new/").status_code == 403
    assert client.post(f"/knowledge/faq/{article.pk}/delete/").status_code == 403
    assert client.get("/knowledge/templates/").status_code == 403
    client.force_login(users["admin"])
    assert client.get("/knowledge/").status_code == 403
    assert client.get("/knowledge/cases/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.faq_article_save(
            actor=users["agent"], category=article.category, title="x", body="y"
        )


# --- templates and the reply tools -------------------------------------------------


def test_template_placeholders_are_checked_and_filled(users, closed_complaint):
    manager = users["manager"]
    with pytest.raises(DomainError) as exc:
        services.reply_template_save(actor=manager, name="受理", body="{客户名}您好")
    assert exc.value.errors[0].field == "body" and "{客户名}" in exc.value.message
    template = services.reply_template_save(
        actor=manager,
        name="受理回复",
        body="{客户}您好，您的工单{工单号}已受理，我们将在{截止时间}前答复。客服{客服}",
    )
    text = services.template_render(
        template, ticket=closed_complaint, actor=users["agent"]
    )
    assert closed_complaint.customer.name in text and closed_complaint.number in text
    assert users["agent"].name in text and "{" not in text


def test_promise_wording_needs_confirmation(client, users):
    client.force_login(users["manager"])
    data = {"name": "赔付", "body": "我们保证全额赔偿。"}
    response = client.post("/knowledge/templates/new/", data)
    assert response.status_code == 422
    assert 'data-testid="promise-warning"' in response.content.decode()
    assert not ReplyTemplate.objects.exists()
    response = client.post(
        "/knowledge/templates/new/", {**data, "confirm_promise_wording": "on"}
    )
    assert response.status_code == 302
    assert ReplyTemplate.objects.get().wording_confirmed


def test_reply_tools_for_the_owner_only(client, users, faq):
    from tickets.services import ticket_create

    faq()
    services.reply_template_save(
        actor=users["manager"], name="通用", body="{客户}您好，工单{工单号}已收到。"
    )
    ticket = ticket_create(
        actor=users["agent"],
        type="inquiry",
        channel="phone",
        subject="咨询退货",
        new_customer={"kind": "person", "name": "孙女士", "phone": "10033334444"},
    ).ticket
    client.force_login(users["agent"])
    tools = client.get(f"/knowledge/reply/{ticket.number}/").content.decode()
    assert f"孙女士您好，工单{ticket.number}已收到。" in tools
    picks = client.get(f"/knowledge/reply/{ticket.number}/faq/", {"q": "破损"})
    body = picks.content.decode()
    assert "收到的商品破损怎么办？" in body and "http://testserver/portal/faq/" in body
    client.force_login(users["agent2"])
    assert client.get(f"/knowledge/reply/{ticket.number}/").status_code == 403
    client.force_login(users["transport"])
    assert client.get(f"/knowledge/reply/{ticket.number}/").status_code == 404


# --- cases --------------------------------------------------------------------------


def _write(users, ticket, **kw):
    values = {
        "title": "钱伟民投诉海鲜变质",
        "classification": "delivery",
        "summary": "客户钱伟民（电话 100-6666-7777）来电，联系人钱晓红邮箱 qian@example.com。",
        "cause": "冷链车在途故障，未及时换车。",
        "handling": "致电 10011119999 致歉，赔付货款。",
        "lessons": "冷链车出发前检查制冷。",
    }
    values.update(kw)
    return services.case_create(actor=users["supervisor"], ticket=ticket, **values)


def test_case_removes_personal_data(users, closed_complaint):
    case = _write(users, closed_complaint)
    text = " ".join([case.title, case.summary, case.cause, case.handling, case.lessons])
    for secret in (
        "钱伟民",
        "钱晓红",
        "qian@example.com",
        "100-6666-7777",
        "10011119999",
    ):
        assert secret not in text
    assert "某客户" in case.title and "联系人" in case.summary
    assert "冷链车在途故障" in case.cause


def test_only_closed_complaints_become_cases(users, closed_complaint):
    from tickets.services import ticket_reopen

    ticket_reopen(ticket=closed_complaint, actor=users["supervisor"], reason="复查")
    closed_complaint.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        _write(users, closed_complaint)
    assert exc.value.errors[0].field == "ticket"
    with pytest.raises(PermissionDenied):
        services.case_create(
            actor=users["agent"], ticket=closed_complaint, classification="other"
        )


def test_case_form_names_missing_fields_and_refuses_agents(
    client, users, closed_complaint
):
    client.force_login(users["supervisor"])
    url = f"/knowledge/cases/new/?ticket={closed_complaint.number}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "", "classification": ""})
    assert response.status_code == 422
    for field in ("classification", "cause", "lessons"):
        assert f'data-field-error="{field}"' in response.content.decode()
    client.force_login(users["agent"])
    assert client.get(url).status_code == 403


def test_required_reading_assigned_read_and_listed(
    client, users, closed_complaint, django_capture_on_commit_callbacks
):
    from notify.models import Notification

    case = _write(users, closed_complaint)
    with django_capture_on_commit_callbacks(execute=True):
        made = services.case_assign(
            actor=users["supervisor"], case=case, users=[users["agent"], users["admin"]]
        )
    assert made == 1  # the administrator reads no cases
    assert Notification.objects.filter(
        user=users["agent"], title__contains="必读"
    ).exists()
    client.force_login(users["agent"])
    panel = client.get("/knowledge/panel/unread/").content.decode()
    assert case.title in panel
    assert case.title in client.get("/knowledge/cases/").content.decode()
    assert client.post(f"/knowledge/cases/{case.pk}/assign/").status_code == 403
    assert client.post(f"/knowledge/cases/{case.pk}/read/").status_code == 302
    reading = CaseReading.objects.get(user=users["agent"])
    assert reading.read_at is not None
    assert case.title not in client.get("/knowledge/panel/unread/").content.decode()
    client.force_login(users["supervisor"])
    detail = client.get(f"/knowledge/cases/{case.pk}/").content.decode()
    assert users["agent"].name in detail


def test_new_staff_get_the_cases_marked_for_them(users, closed_complaint):
    from accounts.roles import Role
    from accounts.tests.factories import UserFactory

    case = _write(users, closed_complaint, for_new_staff=True)
    newcomer = UserFactory(role=Role.AGENT)
    assert CaseReading.objects.filter(user=newcomer, case=case, required=True).exists()
    assert Case.objects.count() == 1


def test_unread_panel_query_count_does_not_grow(users, closed_complaint):
    from knowledge.selectors import unread_required

    for i in range(12):
        case = _write(users, closed_complaint, title=f"案例{i}")
        services.case_assign(
            actor=users["supervisor"], case=case, users=[users["agent"]]
        )
    with CaptureQueriesContext(connection) as few:
        list(unread_required(user=users["agent"], limit=2))
    with CaptureQueriesContext(connection) as many:
        list(unread_required(user=users["agent"], limit=12))
    assert len(few) == len(many) == 1


def test_demo_step(users, closed_complaint):
    from core.demo import DemoContext
    from knowledge import demo
    from knowledge.models import FaqCategory

    ctx = DemoContext.create()
    ctx.made["users"] = users
    demo.build(ctx)
    assert FaqCategory.objects.count() == 3 and FaqArticle.objects.count() == 5
    assert ReplyTemplate.objects.count() == 3
    case = Case.objects.get()
    assert case.for_new_staff and closed_complaint.customer.name not in case.title
    assert set(
        CaseReading.objects.filter(case=case).values_list("user__username", flat=True)
    ) == {"agent", "agent2"}


def test_list_pages_query_counts_do_not_grow(client, users, closed_complaint, faq):
    client.force_login(users["supervisor"])
    urls = ("/knowledge/", "/knowledge/cases/", "/portal/faq/")

    def counts():
        measured = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            measured[url] = len(queries)
        return measured

    for rows in (2, 10):
        for i in range(rows):
            faq(title=f"问题{rows}-{i}")
            _write(users, closed_complaint, title=f"案例{rows}-{i}")
        if rows == 2:
            at_two = counts()
    assert counts() == at_two
