"""Email out: acknowledgement, replies and the closing notice reach the
customer's mailbox once, with the number in the subject and a private link."""

import re
from email.header import decode_header, make_header

import pytest

from channels.models import MessageTemplate, TicketLink
from channels.services import customer_message_queue
from notify.models import Message
from notify.services import message_deliver, notify_due_ids
from tickets import services as ticket_services
from tickets.models import TicketEvent
from tickets.services import token_hash

pytestmark = pytest.mark.django_db


def subject_of(received) -> str:
    return str(make_header(decode_header(received.message["Subject"])))


def body_of(received) -> str:
    return received.message.get_payload(decode=True).decode("utf-8")


def link_token(body: str, number: str) -> str:
    found = re.search(rf"http://127\.0\.0\.1:8000/portal/t/{number}\?k=([\w-]+)", body)
    assert found, body
    return found.group(1)


def test_a_registered_ticket_sends_the_acknowledgement_with_number_and_link(
    smtp, make_ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = make_ticket()
    ticket = created.ticket
    assert len(smtp.received) == 1
    mail = smtp.received[0]
    assert mail.recipients == ["wang.fang@example.invalid"]
    assert subject_of(mail) == f"【{ticket.number}】您反映的问题已受理"
    body = body_of(mail)
    assert "恒通电子科技有限公司，您好！" in body
    assert "查询运单的物流进度" in body
    token = link_token(body, ticket.number)
    # Only the hash of the link's token is kept, bound to this ticket.
    link = TicketLink.objects.get()
    assert link.ticket_id == ticket.pk and link.token_hash == token_hash(token)
    assert Message.objects.get().status == Message.Status.SENT


def test_a_reply_and_the_close_reach_the_customer(
    smtp, make_ticket, users, django_capture_on_commit_callbacks
):
    agent = users["agent"]
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket().ticket
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_event_add(
            ticket=ticket, actor=agent, kind="reply", body="运单已在途，预计明天送达。"
        )
        ticket_services.ticket_event_add(
            ticket=ticket, actor=agent, kind="note", body="内部：已催促承运商。"
        )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_services.ticket_resolve(
            ticket=ticket, actor=agent, summary="已送达。"
        )
        ticket_services.ticket_close(ticket=ticket, actor=agent)
    subjects = [subject_of(m) for m in smtp.received]
    assert subjects == [
        f"【{ticket.number}】您反映的问题已受理",
        f"【{ticket.number}】关于“查询运单的物流进度”的答复",
        f"【{ticket.number}】工单已结案",
    ]
    reply = body_of(smtp.received[1])
    assert "运单已在途，预计明天送达。" in reply
    assert "已催促承运商" not in "".join(body_of(m) for m in smtp.received)
    link_token(reply, ticket.number)
    assert TicketLink.objects.filter(ticket=ticket).count() == 3


def test_a_repeated_job_queues_and_sends_the_message_once(
    smtp, make_ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket().ticket
    event = TicketEvent.objects.get(ticket=ticket, kind="created")
    again = customer_message_queue(event=event)
    assert again.pk == Message.objects.get().pk
    assert message_deliver(message_id=again.pk) == Message.Status.SENT
    assert len(smtp.received) == 1
    assert TicketLink.objects.count() == 1


def test_a_lost_answer_after_the_server_took_the_message_then_a_retry_is_one_mail(
    smtp, make_ticket, django_capture_on_commit_callbacks
):
    """The server stores the message but the connection dies before its 250
    reaches us: the attempt counts as failed and is retried with the same
    Message-ID, which the mail store files once."""
    smtp.handler.lose_reply_once = True
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket()
    message = Message.objects.get()
    assert message.status == Message.Status.RETRY
    Message.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
    assert message.pk in notify_due_ids()
    assert message_deliver(message_id=message.pk) == Message.Status.SENT
    assert len(smtp.received) == 2
    ids = {m.message["Message-ID"] for m in smtp.received}
    assert len(ids) == 1
    assert len(smtp.handler.store) == 1
    assert [a.ok for a in message.attempt_log.all()] == [False, True]


def test_a_switched_off_template_sends_nothing(
    smtp, make_ticket, django_capture_on_commit_callbacks
):
    MessageTemplate.objects.filter(code="ack").update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket()
    assert Message.objects.count() == 0
    assert smtp.received == []


def test_without_email_or_sms_the_customer_is_not_sent_anything(
    smtp, make_ticket, contact, customer, django_capture_on_commit_callbacks
):
    type(contact).objects.filter(pk=contact.pk).update(email="", mobile="")
    contact.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket()
    assert Message.objects.count() == 0


def test_missing_templates_start_from_the_default_text(
    smtp, make_ticket, django_capture_on_commit_callbacks
):
    MessageTemplate.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket().ticket
    assert subject_of(smtp.received[0]) == f"【{ticket.number}】您反映的问题已受理"
    assert MessageTemplate.objects.filter(code="ack").exists()


def test_the_mailbox_is_read_once_per_tick(users, monkeypatch):
    from channels import tasks

    calls = []
    monkeypatch.setattr(tasks, "mailbox_poll", lambda: calls.append(1))
    tasks.mailbox_poll_task.call_local()
    tasks.mailbox_poll_task.call_local()
    assert calls == [1]
