"""Email in: a real dovecot serves the mailbox, filled with real .eml files;
each mail becomes one ticket (or joins one), once per Message-ID."""

import imaplib

import pytest

from attachments.models import Attachment
from channels.mail import html_to_text, parse_mail
from channels.models import InboundMail
from channels.services import inbound_mail_receive, mailbox_poll, ticket_number_in
from channels.tests.servers import MAIL_DIR, eml
from customers.models import Customer
from notify.models import Message
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

NEW_MAIL = ["plain.eml", "html_only.eml", "gbk.eml", "attachment.eml", "broken.eml"]


def unseen(dovecot) -> int:
    imap = imaplib.IMAP4("127.0.0.1", dovecot.port)
    imap.login(dovecot.username, dovecot.password)
    imap.select("INBOX")
    _status, data = imap.uid("SEARCH", None, "UNSEEN")
    imap.logout()
    return len((data[0] or b"").split())


def mark_all_unseen(dovecot) -> None:
    """As if the poll had crashed after registering the mail, before marking it."""
    imap = imaplib.IMAP4("127.0.0.1", dovecot.port)
    imap.login(dovecot.username, dovecot.password)
    imap.select("INBOX")
    imap.store("1:*", "-FLAGS", "(\\Seen)")
    imap.logout()


def test_new_mail_becomes_tickets_and_broken_mail_is_kept(
    dovecot, mailbox, users, smtp, django_capture_on_commit_callbacks
):
    for name in NEW_MAIL:
        dovecot.deliver(eml(name))
    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll()
    assert result.error == ""
    assert (result.read, result.created, result.failed) == (5, 4, 1)
    assert unseen(dovecot) == 0

    tickets = {t.subject: t for t in Ticket.objects.select_related("customer", "owner")}
    plain = tickets["包裹三天没有更新物流信息"]
    assert (
        plain.channel == "email" and plain.status == "new" and plain.type == "inquiry"
    )
    assert "运单号 SF1234567890" in plain.description
    assert plain.customer.kind == Customer.Kind.PERSON
    assert plain.customer.name == "王芳"
    assert plain.customer.email == "wang.fang@example.invalid"
    assert plain.owner == users["supervisor"]  # the dispatcher's queue
    assert plain.unassigned
    assert plain.received_at.isoformat() == "2026-11-23T01:15:00+00:00"

    html = tickets["货物破损"]
    assert "外箱破损" in html.description and "DD20261101" in html.description
    assert "安排换货" in html.description and "&nbsp;" not in html.description
    assert "alert" not in html.description and "color" not in html.description

    gbk = tickets["发票还没有收到"]
    assert gbk.customer.name == "赵强"
    assert "请财务部门核实后寄出" in gbk.description

    attached = tickets["破损照片"]
    stored = Attachment.objects.get(ticket=attached)
    assert stored.original_name == "破损照片.png" and stored.content_type == "image/png"
    assert len(stored.sha256) == 64 and stored.storage_name != stored.original_name
    assert stored.by_customer and stored.is_public and stored.event is not None
    refused = TicketEvent.objects.get(ticket=attached, data__attachments_refused=1)
    assert "photo2.png" in refused.body and not refused.is_public

    broken = InboundMail.objects.get(status=InboundMail.Status.FAILED)
    assert bytes(broken.raw) == (MAIL_DIR / "broken.eml").read_bytes()
    assert broken.error
    # The dispatcher of customer service is told to look at it.
    note = users["supervisor"].notifications.get(title__contains="无法登记")
    assert note.url == f"/channels/inbound/{broken.pk}/"

    # Every new customer got the acknowledgement with the number in the subject.
    acks = {m.recipient: m.subject for m in Message.objects.filter(channel="email")}
    assert acks["wang.fang@example.invalid"] == f"【{plain.number}】您反映的问题已受理"
    assert len(smtp.received) == 4


def test_the_same_mail_read_again_makes_no_second_ticket(dovecot, mailbox, users):
    for name in NEW_MAIL:
        dovecot.deliver(eml(name))
    mailbox_poll()
    assert mailbox_poll().read == 0  # nothing unread is left
    mark_all_unseen(dovecot)
    again = mailbox_poll()
    assert (again.read, again.duplicates, again.created) == (5, 5, 0)
    assert Ticket.objects.count() == 4
    assert InboundMail.objects.count() == 5
    # The same bytes delivered twice (a copy in the mailbox) too.
    dovecot.deliver(eml("plain.eml"))
    assert mailbox_poll().duplicates == 1
    assert Ticket.objects.count() == 4


def test_a_reply_from_the_customer_joins_the_ticket_and_a_strangers_opens_a_linked_one(
    dovecot, mailbox, users, django_capture_on_commit_callbacks
):
    dovecot.deliver(eml("plain.eml"))
    mailbox_poll()
    ticket = Ticket.objects.get()
    dovecot.deliver(eml("reply_customer.eml", number=f"【{ticket.number}】"))
    dovecot.deliver(eml("reply_stranger.eml", number=f"【{ticket.number}】"))
    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll()
    assert (result.threaded, result.created) == (1, 1)
    message = TicketEvent.objects.get(ticket=ticket, data__customer_message=True)
    assert message.is_public and message.actor is None
    assert message.body == "包裹今天还是没到，请再催一下。"
    assert message.data["from"] == "wang.fang@example.invalid"
    other = Ticket.objects.exclude(pk=ticket.pk).get()
    assert other.customer != ticket.customer
    assert other.subject == f"【{ticket.number}】"
    record = InboundMail.objects.get(ticket=other)
    assert record.related_ticket == ticket
    assert TicketEvent.objects.filter(
        ticket=ticket, data__related_ticket=other.number
    ).exists()
    assert TicketEvent.objects.filter(
        ticket=other, data__related_ticket=ticket.number
    ).exists()
    # The owner hears of the customer's mail in the app.
    assert ticket.owner.notifications.filter(title__contains="客户来信").exists()


def test_a_mail_that_breaks_registration_is_kept_not_lost(users, monkeypatch):
    from channels import services

    def explode(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "ticket_create", explode)
    received = inbound_mail_receive(raw=eml("plain.eml"))
    assert received.record.status == InboundMail.Status.FAILED
    assert "disk full" in received.record.error
    assert bytes(received.record.raw) == eml("plain.eml")
    assert Ticket.objects.count() == 0


def test_our_own_notices_coming_back_make_no_ticket(users, settings):
    settings.DEFAULT_FROM_EMAIL = "wang.fang@example.invalid"
    received = inbound_mail_receive(raw=eml("plain.eml"))
    assert received.record.status == InboundMail.Status.IGNORED
    assert Ticket.objects.count() == 0


def test_without_anyone_to_register_mail_it_is_kept(users):
    from accounts.models import Department

    Department.objects.filter(code="cs").update(dispatcher=None)
    received = inbound_mail_receive(raw=eml("plain.eml"))
    assert received.record.status == InboundMail.Status.FAILED
    assert "登记人" in received.record.error


def test_a_closed_mailbox_server_is_reported_not_raised(mailbox, dovecot):
    dovecot.stop()
    result = mailbox_poll()
    assert result.error
    mailbox.refresh_from_db()
    assert mailbox.last_error and mailbox.last_polled_at


def test_decoding_gbk_quoted_printable_and_html():
    gbk = parse_mail(eml("gbk.eml"))
    assert gbk.from_name == "赵强" and gbk.subject == "发票还没有收到"
    html = parse_mail(eml("html_only.eml"))
    assert html.subject == "货物破损"
    assert html_to_text("<p>甲</p><p>乙&amp;丙</p><style>x{}</style>") == "甲\n\n乙&丙"


def test_ticket_numbers_are_found_in_subjects(settings):
    assert ticket_number_in("Re: 【KF20261123-00042】答复") == "KF20261123-00042"
    assert ticket_number_in("回复：kf20261123-00042") == "KF20261123-00042"
    assert ticket_number_in("XKF20261123-00042") is None
    assert ticket_number_in("订单 20261123-00042") is None


def test_an_automatic_reply_opens_no_ticket_and_is_kept(users):
    raw = eml("plain.eml").replace(
        b"MIME-Version: 1.0", b"Auto-Submitted: auto-replied\r\nMIME-Version: 1.0"
    )
    received = inbound_mail_receive(raw=raw)
    assert received.record.status == InboundMail.Status.IGNORED
    assert bytes(received.record.raw) == raw
    assert Ticket.objects.count() == 0 and Message.objects.count() == 0


def test_a_strangers_mail_reusing_a_message_id_does_not_suppress_the_real_one(users):
    fake = eml("plain.eml").replace(
        b"wang.fang@example.invalid", b"someone@example.invalid"
    )
    first = inbound_mail_receive(raw=fake)
    second = inbound_mail_receive(raw=eml("plain.eml"))
    assert not first.duplicate and not second.duplicate
    assert Ticket.objects.count() == 2
    assert inbound_mail_receive(raw=eml("plain.eml")).duplicate
