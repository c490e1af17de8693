"""Pages: the complaint card and action forms on the ticket page, the reply
warning (htmx), the list and its export, bulletins, the printed forms."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from core.models import AuditEvent
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def advanced(act, complaint, **values):
    ticket = complaint(**values)
    act(ticket, "assess", "agent", valid=True, reason="属实")
    act(ticket, "assign_department", "agent", department="transport", reason="运输")
    act(
        ticket,
        "record_findings",
        "transport",
        findings="未加固",
        root_cause="procedure",
        responsibility="ours",
    )
    act(
        ticket, "propose_remedy", "agent", asked="要求补偿", kind="refund", amount="800"
    )
    return ticket


def test_the_ticket_page_shows_the_complaint_and_its_step_forms(
    act, complaint, client, users
):
    ticket = advanced(act, complaint)
    client.force_login(users["manager"])
    page = client.get(f"/tickets/{ticket.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="complaint-panel"' in html
    assert "未加固" in html and "作业程序" in html
    assert 'data-testid="action-approve_remedy"' in html
    assert 'data-testid="pending-remedy"' in html
    client.force_login(users["supervisor"])
    r = client.post(
        f"/tickets/{ticket.number}/actions/approve_remedy/",
        {"approve": "true", "comment": "", "version": ticket.version + 0},
    )
    assert r.status_code in (302, 422)


def test_a_page_refusal_keeps_the_form_open_with_the_message(
    act, complaint, client, users
):
    ticket = complaint()
    client.force_login(users["agent"])
    r = client.post(
        f"/tickets/{ticket.number}/actions/assess/", {"valid": "true", "reason": ""}
    )
    assert r.status_code == 422
    assert 'data-field-error="reason"' in r.content.decode()


def test_the_reply_form_warns_of_promise_wording_then_sends_when_confirmed(
    act, complaint, client, users
):
    ticket = complaint()
    act(ticket, "assess", "agent", valid=False, reason="不属实")
    client.force_login(users["agent"])
    url = f"/tickets/{ticket.number}/reply-check/"
    r = client.post(
        url, {"kind": "reply", "body": "我们保证赔偿"}, HTTP_HX_REQUEST="true"
    )
    html = r.content.decode()
    assert 'data-testid="reply-warning"' in html and "保证" in html and "赔偿" in html
    r = client.post(
        url, {"kind": "reply", "body": "三个工作日内答复您"}, HTTP_HX_REQUEST="true"
    )
    assert 'data-testid="reply-warning"' not in r.content.decode()
    action = f"/tickets/{ticket.number}/actions/reply/"
    r = client.post(action, {"body": "我们保证赔偿"})
    assert r.status_code == 422
    html = r.content.decode()
    assert (
        'data-testid="reply-warning"' in html
        and 'data-testid="confirm-promise"' in html
    )
    r = client.post(action, {"body": "我们保证赔偿", "confirm_promise_wording": "true"})
    assert r.status_code == 302
    event = TicketEvent.objects.get(ticket=ticket, kind="reply")
    assert event.data["warnings"]
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'data-testid="event-warned"' in page
    client.force_login(users["warehouse"])
    assert client.post(url, {"kind": "reply", "body": "x"}).status_code == 404


def test_the_composer_refuses_an_unconfirmed_promise_and_shows_the_confirmation(
    complaint, client, users
):
    ticket = complaint()
    client.force_login(users["agent"])
    url = f"/tickets/{ticket.number}/events/"
    r = client.post(
        url, {"kind": "reply", "body": "一定给您补偿"}, HTTP_HX_REQUEST="true"
    )
    html = r.content.decode()
    assert 'data-testid="confirm-warnings"' in html
    assert not TicketEvent.objects.filter(ticket=ticket, kind="reply").exists()
    client.post(
        url,
        {"kind": "reply", "body": "一定给您补偿", "confirm_warnings": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert TicketEvent.objects.filter(ticket=ticket, kind="reply").exists()


def test_the_list_costs_the_same_at_2_and_12_rows(complaint, client, users):
    client.force_login(users["manager"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/complaints/?status=").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        complaint()
    client.get("/complaints/")
    small = count()
    for _ in range(10):
        complaint()
    assert count() == small


def test_the_list_is_for_ticket_readers(client, users):
    client.force_login(users["admin"])
    assert client.get("/complaints/").status_code == 403


def test_the_export_is_permitted_audited_and_safe(complaint, client, users):
    complaint(subject='=HYPERLINK("http://x")')
    client.force_login(users["agent"])
    assert client.get("/complaints/export/?status=").status_code == 403
    client.force_login(users["manager"])
    r = client.get("/complaints/export/?status=")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][6].startswith("=HYPERLINK")
    assert sheet.cell(row=2, column=7).data_type == "s"
    assert AuditEvent.objects.filter(event="complaint.export").exists()


def test_printed_forms(act, complaint, client, users):
    ticket = advanced(act, complaint)
    client.force_login(users["agent"])
    r = client.get(f"/complaints/{ticket.number}/print/form/")
    assert r.status_code == 200 and "顾客投诉登记表" in r.content.decode()
    r = client.get(f"/complaints/{ticket.number}/print/record/")
    assert r.status_code == 200 and "未加固" in r.content.decode()
    registrant = complaint(actor="warehouse")
    client.force_login(users["warehouse"])
    assert client.get(f"/complaints/{registrant.number}/print/form/").status_code == 200
    assert (
        client.get(f"/complaints/{registrant.number}/print/record/").status_code == 403
    )
    assert client.get(f"/complaints/{ticket.number}/print/form/").status_code == 404


def test_bulletin_pages(act, complaint, client, users):
    ticket = complaint()
    act(ticket, "bulletin", "agent", departments=["warehouse"], message="请排查库存")
    bulletin = (
        ticket.complaint.bulletins.get() if hasattr(ticket, "complaint") else None
    )
    from complaints.models import Bulletin

    bulletin = Bulletin.objects.get()
    client.force_login(users["warehouse"])
    page = client.get("/complaints/bulletins/").content.decode()
    assert 'data-testid="pending-acks"' in page
    page = client.get(f"/complaints/bulletins/{bulletin.pk}/").content.decode()
    assert 'data-testid="bulletin-ack"' in page
    r = client.post(f"/complaints/bulletins/{bulletin.pk}/ack/")
    assert r.status_code == 302
    page = client.get(f"/complaints/bulletins/{bulletin.pk}/").content.decode()
    assert 'data-testid="bulletin-ack"' not in page
    client.force_login(users["transport"])
    assert client.get(f"/complaints/bulletins/{bulletin.pk}/").status_code == 404


# The complaint's ticket page reads the complaint, its remedies, bulletins (with
# their acknowledgements), recurrences and similar complaints once each, whatever
# their number; pinned so that a second read of any of them shows here.
COMPLAINT_PAGE_QUERIES = 24


def test_the_complaint_page_costs_the_same_whatever_the_rows(
    act, complaint, client, users
):
    from accounts.models import Department
    from complaints.models import Bulletin, BulletinAck, Remedy

    def page_queries(ticket):
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(f"/tickets/{ticket.number}/")
        assert page.status_code == 200
        return len(ctx.captured_queries), page.content.decode()

    def bulletins(ticket, count, departments):
        for n in range(count):
            bulletin = Bulletin.objects.create(
                complaint_id=ticket.pk, message=f"第{n}次通报", sent_by=users["agent"]
            )
            for department in departments:
                BulletinAck.objects.create(bulletin=bulletin, department=department)

    complaint(product="冷链箱")
    few = advanced(act, complaint, product="冷链箱")
    bulletins(few, 1, Department.objects.filter(code="transport"))
    for _ in range(5):
        complaint(product="冷链箱")
    many = advanced(act, complaint, product="冷链箱")
    bulletins(many, 3, Department.objects.all()[:3])
    pending = Remedy.objects.get(complaint_id=many.pk)
    for n in range(3):
        Remedy.objects.create(
            complaint_id=many.pk,
            asked=f"第{n}次要求",
            kind="refund",
            amount=100 + n,
            policy_kind="apology",
            policy_amount=0,
            status=Remedy.Status.REJECTED,
            proposed_by=pending.proposed_by,
            decided_by=users["supervisor"],
        )
    client.force_login(users["manager"])
    client.get(f"/tickets/{few.number}/")
    small, html = page_queries(few)
    assert html.count('data-testid="ack-') == 1
    shown = html.count('<li><a href="/tickets/')
    large, html = page_queries(many)
    assert html.count('data-testid="ack-') == 9
    assert html.count("第2次要求") == 1 and 'data-testid="pending-remedy"' in html
    assert 'data-testid="complaint-recurrences"' in html
    assert 'data-testid="complaint-similar"' in html
    assert html.count('<li><a href="/tickets/') > shown
    assert large == small == COMPLAINT_PAGE_QUERIES
