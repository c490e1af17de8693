"""notify: every outbound message through the outbox, sent once, retried, logged —
against a real SMTP server on loopback."""

import datetime as dt
from email.header import decode_header, make_header

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notify.models import DeliveryAttempt, Message, Notification
from notify.selectors import notification_unread_count
from notify.services import (
    backoff_delay,
    message_deliver,
    notification_mark_read,
    notify_due_ids,
    notify_send,
    notify_user,
)
from notify.tests.smtp_server import free_port

pytestmark = pytest.mark.django_db


def _send(key="ticket:1:ack"):
    return notify_send(
        channel="email",
        recipient="kehu@example.invalid",
        subject="您的工单 KF20261123-00001 已受理",
        body="我们已收到您的来信。",
        key=key,
    )


def test_a_queued_message_is_delivered_after_commit(
    smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _send()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(smtp_server.received) == 1
    mail = smtp_server.received[0].message
    assert mail["To"] == "kehu@example.invalid"
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject == "您的工单 KF20261123-00001 已受理"
    assert mail["Message-ID"].startswith("<kefu.")
    assert DeliveryAttempt.objects.filter(message=message, ok=True).count() == 1


def test_the_same_key_twice_queues_and_sends_once(
    smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _send()
        second = _send()
    assert first.pk == second.pk
    assert Message.objects.count() == 1
    assert len(smtp_server.received) == 1


def test_a_retried_job_does_not_send_again(
    smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _send()
    assert message_deliver(message_id=message.pk) == Message.Status.SENT
    assert message_deliver(message_id=message.pk) == Message.Status.SENT
    assert len(smtp_server.received) == 1
    assert DeliveryAttempt.objects.filter(message=message).count() == 1


def test_a_lost_goodbye_after_the_server_accepted_means_one_copy(
    smtp_server, django_capture_on_commit_callbacks
):
    """The server accepted the message, then the connection died before QUIT's
    answer: the message is sent, and a retry of the job delivers nothing more."""
    smtp_server.handler.drop_after_data = True
    with django_capture_on_commit_callbacks(execute=True):
        message = _send()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    message_deliver(message_id=message.pk)
    assert len(smtp_server.received) == 1


def test_server_down_means_retry_with_backoff_then_delivery(settings, smtp_server):
    settings.EMAIL_PORT = free_port()  # nothing listens here
    message = _send()
    assert message_deliver(message_id=message.pk) == Message.Status.RETRY
    message.refresh_from_db()
    assert message.attempts == 1 and message.last_error
    assert message.next_attempt_at >= timezone.now() + dt.timedelta(seconds=50)
    # Not yet due: a sweep leaves it alone.
    assert message.pk not in notify_due_ids()
    assert message_deliver(message_id=message.pk) == Message.Status.RETRY
    assert message.attempt_log.count() == 1
    # Due, and the server is back.
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    settings.EMAIL_PORT = smtp_server.port
    assert message.pk in notify_due_ids()
    assert message_deliver(message_id=message.pk) == Message.Status.SENT
    assert [a.ok for a in message.attempt_log.all()] == [False, True]
    assert len(smtp_server.received) == 1


def test_backoff_doubles_and_is_capped():
    assert [backoff_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff_delay(30) == dt.timedelta(hours=6)


def test_after_the_last_attempt_the_message_is_failed(settings):
    settings.EMAIL_PORT = free_port()
    settings.KEFU_NOTIFY_MAX_ATTEMPTS = 2
    message = _send()
    message_deliver(message_id=message.pk)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert message_deliver(message_id=message.pk) == Message.Status.FAILED


def test_a_refused_recipient_fails_without_retry(smtp_server):
    smtp_server.handler.refuse_recipients = {"kehu@example.invalid"}
    message = _send()
    assert message_deliver(message_id=message.pk) == Message.Status.FAILED
    assert smtp_server.received == []


def test_a_claim_left_by_a_dead_worker_is_released(smtp_server):
    message = _send()
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENDING,
        claimed_at=timezone.now() - dt.timedelta(minutes=11),
    )
    assert message.pk in notify_due_ids()
    assert message_deliver(message_id=message.pk) == Message.Status.SENT


def test_in_app_notifications_are_idempotent_and_counted():
    user = UserFactory()
    notify_user(user=user, title="工单已转交给您", key="t:1:transfer:1")
    notify_user(user=user, title="工单已转交给您", key="t:1:transfer:1")
    notify_user(user=user, title="投诉已升级", key="t:2:escalate:1")
    assert Notification.objects.filter(user=user).count() == 2
    assert notification_unread_count(user=user) == 2
    notification_mark_read(user=user)
    assert notification_unread_count(user=user) == 0


def test_a_user_cannot_mark_someone_elses_notification_read():
    owner, other = UserFactory(), UserFactory()
    note = notify_user(user=owner, title="x", key="k")
    assert notification_mark_read(user=other, notification_id=note.pk) == 0
    note.refresh_from_db()
    assert note.read_at is None
