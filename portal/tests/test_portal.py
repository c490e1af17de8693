"""The customer portal: submission, the private link and its cookie, the
customer's reply, confirmation and appeal, rate limits and refusals."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from attachments.models import Attachment
from complaints.tests.helpers import complaint_close_invalid
from customers.models import Customer
from notify.models import Notification
from portal import services
from portal.tests.conftest import PNG, upload
from tickets.models import Ticket, TicketEvent
from tickets.services import (
    ticket_accept,
    ticket_close,
    ticket_resolve,
    ticket_wait_customer,
)

pytestmark = pytest.mark.django_db


def _accept_and_close(ticket, user):
    ticket = ticket_accept(ticket=ticket, actor=user)
    if ticket.type == "complaint":
        return complaint_close_invalid(ticket, user)
    ticket = ticket_resolve(ticket=ticket, actor=user, summary="已为您补发新货。")
    return ticket_close(ticket=ticket, actor=user)


# --- submission ---------------------------------------------------------------------


def test_home_lists_kinds_and_commitments_without_login(client):
    from sla.models import Commitment

    Commitment.objects.create(
        title="投诉24个工作小时内答复",
        ticket_type="complaint",
        clock="resolution",
        target_minutes=24 * 60,
        is_published=True,
    )
    Commitment.objects.create(
        title="内部目标：咨询两小时内解决", clock="resolution", target_minutes=120
    )
    response = client.get("/portal/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "我们的服务承诺" in body and "投诉" in body
    assert "投诉24个工作小时内答复" in body and "内部目标" not in body
    assert response["Referrer-Policy"] == "same-origin"  # forms keep their Origin


def test_submit_page_registers_a_new_customer_and_shows_the_link_once(client, users):
    response = client.post(
        "/portal/submit/",
        {
            "type": "complaint",
            "name": "林小姐",
            "phone": "10098765432",
            "subject": "外箱破损",
            "description": "外箱压坏。",
            "files": [upload("现场.png", PNG)],
        },
    )
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.status == "new" and ticket.channel == "portal"
    assert ticket.type == "complaint" and ticket.registered_by.username == "kefu-portal"
    assert ticket.customer.name == "林小姐" and ticket.customer.phone == "10098765432"
    assert ticket.customer.source == Customer.Source.WEBSITE
    body = response.content.decode()
    assert ticket.number in body and "/portal/t/" in body and "?k=" in body
    attachment = Attachment.objects.get()
    assert attachment.by_customer and attachment.is_public
    assert attachment.content_type == "image/png"
    assert attachment.event.ticket_id == ticket.pk


def test_submit_matches_the_archive_by_contact_phone(users, submit):
    from customers.services import contact_create, customer_create

    agent = users["agent"]
    customer = customer_create(actor=agent, kind="organisation", name="远洋贸易公司")
    contact = contact_create(
        actor=agent, customer=customer, name="陈先生", mobile="100-1111-2222"
    )
    created = submit(phone="10011112222", name="陈")
    assert created.ticket.customer == customer
    assert created.ticket.contact == contact
    assert Customer.objects.count() == 1


def test_submit_matches_by_email_when_the_phone_is_unknown(users, submit):
    from customers.services import customer_create

    customer = customer_create(
        actor=users["agent"], kind="person", name="王女士", email="wang@example.com"
    )
    created = submit(phone="10055556666", email="WANG@example.com")
    assert created.ticket.customer == customer


def test_bad_submission_names_each_field_and_saves_nothing(client, users):
    response = client.post("/portal/submit/", {"type": "praise", "phone": "abc"})
    assert response.status_code == 422
    body = response.content.decode()
    for field in ("name", "phone", "description"):
        assert f'data-field-error="{field}"' in body
    assert not Ticket.objects.exists() and not Customer.objects.exists()


def test_submission_with_a_refused_file_saves_nothing(users, submit):
    from core.errors import DomainError

    with pytest.raises(DomainError) as exc:
        submit(files=[upload("照片.png", b"<html><script>alert(1)</script></html>")])
    assert exc.value.errors[0].field == "files"
    assert not Ticket.objects.exists() and not Customer.objects.exists()


# --- the private link ---------------------------------------------------------------


def test_link_is_exchanged_for_a_cookie_and_redirected(client, submit, opened):
    created = submit()
    exchange = client.get(created.customer_link)
    assert exchange["Referrer-Policy"] == "no-referrer"
    assert exchange["Cache-Control"] == "no-store"
    cookie = exchange.cookies[services.cookie_name(created.ticket.number)]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert created.token not in cookie.value
    page = exchange["Location"]
    assert page == f"/portal/t/{created.ticket.number}"
    response = client.get(page)
    assert response.status_code == 200
    assert created.token not in response.content.decode()
    assert created.ticket.subject in response.content.decode()


def test_only_the_hash_of_the_token_is_stored(submit):
    created = submit()
    ticket = Ticket.objects.get()
    assert created.token not in ticket.customer_token_hash
    assert len(created.token) >= 22  # at least 128 bits, URL-safe
    assert not TicketEvent.objects.filter(body__contains=created.token).exists()


def test_token_of_ticket_a_on_ticket_b_is_404(client, submit):
    a = submit()
    b = submit(subject="另一件事")
    response = client.get(f"/portal/t/{b.ticket.number}?k={a.token}")
    assert response.status_code == 404
    assert response["Referrer-Policy"] == "no-referrer"
    # The same answer as a ticket that does not exist, and as no cookie at all.
    missing = client.get(f"/portal/t/KF20000101-99999?k={a.token}")
    assert missing.status_code == 404
    for answer in (response, missing):
        assert 'data-testid="portal-404"' in answer.content.decode()
        assert b.ticket.subject not in answer.content.decode()
    assert client.get(f"/portal/t/{b.ticket.number}").status_code == 404


def test_cookie_of_ticket_a_does_not_open_ticket_b(client, submit, opened):
    a = submit()
    b = submit(subject="另一件事")
    opened(a)
    # Copy a's cookie under b's name: bound to a's ticket, refused.
    client.cookies[services.cookie_name(b.ticket.number)] = client.cookies[
        services.cookie_name(a.ticket.number)
    ].value
    assert client.get(f"/portal/t/{b.ticket.number}").status_code == 404


def test_forged_cookie_is_404(client, submit):
    created = submit()
    client.cookies[services.cookie_name(created.ticket.number)] = "forged"
    assert client.get(f"/portal/t/{created.ticket.number}").status_code == 404


def test_expired_link_is_404(client, users, submit, opened, settings):
    created = submit()
    page = opened(created)
    _accept_and_close(created.ticket, users["agent"])
    assert client.get(page).status_code == 200  # closed, within the period
    Ticket.objects.filter(pk=created.ticket.pk).update(
        closed_at=timezone.now() - dt.timedelta(days=settings.KEFU_PORTAL_LINK_DAYS + 1)
    )
    assert client.get(page).status_code == 404
    assert client.get(created.customer_link).status_code == 404


def test_timeline_shows_only_customer_visible_entries(client, users, submit, opened):
    from tickets.services import ticket_event_add

    created = submit()
    agent = users["agent"]
    ticket = ticket_accept(ticket=created.ticket, actor=users["supervisor"])
    ticket_event_add(
        ticket=ticket, actor=users["supervisor"], kind="note", body="内部：先查仓库监控"
    )
    ticket_event_add(
        ticket=ticket,
        actor=users["supervisor"],
        kind="reply",
        body="您好，我们正在核实。",
    )
    page = opened(created)
    body = client.get(page).content.decode()
    assert "您好，我们正在核实。" in body
    assert "先查仓库监控" not in body
    assert agent.username not in body


# --- the customer acts ------------------------------------------------------------


def test_reply_lands_on_the_timeline_and_resumes_waiting(
    client, users, submit, opened, django_capture_on_commit_callbacks
):
    created = submit()
    sup = users["supervisor"]
    ticket = ticket_accept(ticket=created.ticket, actor=sup)
    ticket_wait_customer(ticket=ticket, actor=sup, reason="请提供外箱照片")
    page = opened(created)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{page}/reply",
            {"body": "照片已上传。", "files": [upload("外箱.png", PNG)]},
        )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "accepted"
    event = TicketEvent.objects.filter(kind="customer").get()
    assert event.is_public and event.actor is None and event.body == "照片已上传。"
    assert event.attachments.get().original_name == "外箱.png"
    assert Notification.objects.filter(user=ticket.owner).exists()


def test_empty_reply_is_refused_naming_the_field(client, submit, opened):
    created = submit()
    page = opened(created)
    response = client.post(f"{page}/reply", {"body": " "})
    assert response.status_code == 422
    assert 'data-field-error="body"' in response.content.decode()
    assert not TicketEvent.objects.filter(kind="customer").exists()


def test_reply_without_the_cookie_is_404(client, submit):
    created = submit()
    response = client.post(f"/portal/t/{created.ticket.number}/reply", {"body": "x"})
    assert response.status_code == 404
    assert not TicketEvent.objects.filter(kind="customer").exists()


def test_confirm_satisfied_closes_and_unsatisfied_reopens(
    client, users, submit, opened
):
    sup = users["supervisor"]
    created = submit(type="request")
    ticket = ticket_accept(ticket=created.ticket, actor=sup)
    ticket_resolve(ticket=ticket, actor=sup, summary="已安排上门。")
    page = opened(created)
    refused = client.post(f"{page}/confirm", {"satisfied": "no"})
    assert refused.status_code == 422
    assert 'data-field-error="comment"' in refused.content.decode()
    assert (
        client.post(
            f"{page}/confirm", {"satisfied": "no", "comment": "师傅没来"}
        ).status_code
        == 302
    )
    ticket.refresh_from_db()
    assert ticket.status == "accepted" and ticket.resolved_at is None
    ticket = ticket_resolve(ticket=ticket, actor=sup, summary="师傅已上门。")
    assert client.post(f"{page}/confirm", {"satisfied": "yes"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.closed_at is not None
    last = TicketEvent.objects.filter(kind="status").latest("id")
    assert last.data["satisfied"] is True and last.data["by"] == "customer"


def test_appeal_of_a_closed_complaint_reopens_and_escalates(
    client, users, submit, opened, django_capture_on_commit_callbacks
):
    created = submit()
    ticket = _accept_and_close(created.ticket, users["supervisor"])
    page = opened(created)
    body = client.get(page).content.decode()
    assert 'data-testid="appeal-form"' in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{page}/appeal", {"reason": "补发的货也是坏的"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.is_open and ticket.closed_at is None
    assert ticket.status == "assessing"  # judged again
    escalation = TicketEvent.objects.get(kind="escalation")
    assert not escalation.is_public and "补发的货也是坏的" in escalation.body
    assert escalation.data["level"] == 1 and escalation.data["automatic"]
    assert Notification.objects.filter(
        user__username="supervisor", title__contains=ticket.number
    ).exists()
    # The customer's words are on the timeline they see.
    assert TicketEvent.objects.filter(
        ticket=ticket, is_public=True, body="补发的货也是坏的"
    ).exists()


def test_appeal_refused_for_an_open_complaint_or_another_type(
    client, users, submit, opened
):
    created = submit()
    page = opened(created)
    assert 'data-testid="appeal-form"' not in client.get(page).content.decode()
    response = client.post(f"{page}/appeal", {"reason": "不满意"})
    assert response.status_code == 422
    assert "关闭以后才能申诉" in response.content.decode()
    other = submit(type="praise")
    _accept_and_close(other.ticket, users["supervisor"])
    other_page = opened(other)
    response = client.post(f"{other_page}/appeal", {"reason": "不满意"})
    assert response.status_code == 422
    assert "只有投诉可以申诉" in response.content.decode()


def test_customer_downloads_only_public_files_of_their_ticket(
    client, users, submit, opened
):
    from attachments.services import attachments_add

    created = submit(files=[upload("现场.png", PNG)])
    ticket = ticket_accept(ticket=created.ticket, actor=users["supervisor"])
    internal = attachments_add(
        ticket=ticket, files=[upload("内部.txt", "仓库记录".encode())], public=False
    )[0]
    public = Attachment.objects.get(by_customer=True)
    page = opened(created)
    response = client.get(f"{page}/files/{public.pk}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == PNG
    assert client.get(f"{page}/files/{internal.pk}").status_code == 404
    other = submit(subject="别的")
    other_page = opened(other)
    assert client.get(f"{other_page}/files/{public.pk}").status_code == 404


# --- limits and logs --------------------------------------------------------------


@override_settings(RATELIMIT_ENABLE=True, KEFU_PORTAL_RATE="3/m")
def test_every_anonymous_page_is_rate_limited(client, submit):
    created = submit()
    for path in (
        "/portal/",
        f"/portal/t/{created.ticket.number}",
        created.customer_link,
    ):
        cache.clear()
        statuses = [client.get(path).status_code for _ in range(4)]
        assert statuses[-1] == 429, path
    cache.clear()
    for _ in range(3):
        client.post(f"/portal/t/{created.ticket.number}/reply", {"body": "x"})
    response = client.post(f"/portal/t/{created.ticket.number}/reply", {"body": "x"})
    assert response.status_code == 429 and response["Retry-After"]


@override_settings(RATELIMIT_ENABLE=True, KEFU_PORTAL_SUBMIT_RATE="2/h")
def test_submissions_are_rate_limited(client, users):
    cache.clear()
    data = {
        "type": "inquiry",
        "name": "赵",
        "phone": "10012340000",
        "subject": "问",
        "description": "问问",
    }
    codes = [client.post("/portal/submit/", data).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert Ticket.objects.count() == 2


def test_the_token_is_not_in_the_access_log(submit):
    """The served app's access log format writes the path without the query."""
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from core.management.commands.kefu_serve import ACCESS_LOG_FORMAT

    created = submit()
    path, query = created.customer_link.split("?", 1)
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "RAW_URI": created.customer_link,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    request = SimpleNamespace(
        method="GET",
        path=path,
        query=query,
        uri=created.customer_link,
        version=(1, 1),
        headers=[],
        remote_addr="127.0.0.1",
    )
    response = SimpleNamespace(
        status="302 Found", status_code=302, response_length=0, sent=0, headers=[]
    )
    atoms = Logger(Config()).atoms(
        response, request, environ, dt.timedelta(milliseconds=3)
    )
    line = ACCESS_LOG_FORMAT % atoms
    assert path in line
    assert created.token not in line and "k=" not in line


def test_ticket_page_query_count_does_not_grow(client, submit, opened):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    created = submit()
    page = opened(created)

    def add(n):
        for i in range(n):
            services.portal_reply(
                ticket=created.ticket,
                body=f"补充{i}",
                files=[upload(f"{i}.png", PNG)],
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        return len(queries)

    add(2)
    at_two = count()
    add(10)
    assert count() == at_two


def test_the_portal_account_cannot_sign_in_and_holds_no_role(client, submit):
    from accounts.models import User
    from accounts.permissions import user_capabilities

    submit()
    account = User.objects.get(username=services.PORTAL_USERNAME)
    assert not account.has_usable_password() and not account.groups.exists()
    assert user_capabilities(User.objects.get(pk=account.pk)) == frozenset()
    response = client.post(
        "/accounts/login/", {"username": account.username, "password": ""}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 422)


def test_staff_see_the_customer_message_on_the_timeline(client, users, submit):
    created = submit()
    services.portal_reply(ticket=created.ticket, body="补充：外箱有水渍。")
    client.force_login(users["supervisor"])
    body = client.get(f"/tickets/{created.ticket.number}/").content.decode()
    assert "补充：外箱有水渍。" in body and "客户留言" in body


def test_a_link_sent_in_a_message_opens_its_ticket_only(client, submit):
    """Mail and SMS carry links of their own; each opens only its ticket."""
    from channels.adapters import ticket_link_issue

    first, second = submit(), submit(subject="另一件事")
    link = ticket_link_issue(first.ticket)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    token = path.split("k=", 1)[1]
    other = client.get(f"/portal/t/{second.ticket.number}?k={token}")
    assert other.status_code == 404
