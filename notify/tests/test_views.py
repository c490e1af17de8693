import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notify.models import Message
from notify.services import notify_send, notify_user

pytestmark = pytest.mark.django_db


def test_opening_a_notification_marks_it_read_and_follows_its_link(
    client, demo_accounts
):
    agent = demo_accounts["agent"]
    note = notify_user(user=agent, title="x", key="k", url="/m/tickets/")
    client.force_login(agent)
    response = client.post(f"/notifications/{note.pk}/open/")
    assert response["Location"] == "/m/tickets/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_someone_elses_notification_is_404(client, demo_accounts):
    note = notify_user(user=demo_accounts["agent"], title="x", key="k")
    client.force_login(demo_accounts["agent2"])
    assert client.post(f"/notifications/{note.pk}/open/").status_code == 404


def test_an_off_site_link_is_not_followed(client, demo_accounts):
    agent = demo_accounts["agent"]
    note = notify_user(user=agent, title="x", key="k", url="https://evil.example/")
    client.force_login(agent)
    assert (
        client.post(f"/notifications/{note.pk}/open/")["Location"] == "/notifications/"
    )


def test_bell_partial_lists_the_latest(client, demo_accounts):
    agent = demo_accounts["agent"]
    notify_user(user=agent, title="投诉已升级给您", key="k")
    client.force_login(agent)
    assert "投诉已升级给您" in client.get("/notifications/bell/").content.decode()


@pytest.mark.parametrize(
    "username,status",
    [
        ("admin", 200),
        ("manager", 200),
        ("agent", 403),
        ("auditor", 403),
        ("secadmin", 403),
    ],
)
def test_outbox_is_for_admin_and_service_manager(
    client, demo_accounts, username, status
):
    message = notify_send(
        channel="email", recipient="a@example.invalid", subject="s", body="b", key="k"
    )
    client.force_login(demo_accounts[username])
    assert client.get("/notifications/outbox/").status_code == status
    assert client.get(f"/notifications/outbox/{message.pk}/").status_code == status
    assert client.post(f"/notifications/outbox/{message.pk}/retry/").status_code in (
        {302} if status == 200 else {403}
    )


def test_outbox_list_query_count_is_flat(client, demo_accounts):
    client.force_login(demo_accounts["admin"])
    notify_send(
        channel="email", recipient="a@example.invalid", subject="s", body="b", key="0"
    )
    client.get("/notifications/outbox/")
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/outbox/")
    for i in range(1, 13):
        notify_send(
            channel="email",
            recipient="a@example.invalid",
            subject="s",
            body="b",
            key=str(i),
        )
    with CaptureQueriesContext(connection) as many:
        client.get("/notifications/outbox/")
    assert len(few) == len(many)
    assert Message.objects.count() == 13


def test_notifications_api_lists_only_mine_with_cursor(client, demo_accounts):
    agent = demo_accounts["agent"]
    for i in range(5):
        notify_user(user=agent, title=f"n{i}", key=f"a{i}")
    notify_user(user=demo_accounts["agent2"], title="not mine", key="b")
    client.force_login(agent)
    first = json.loads(client.get("/api/v1/notifications?limit=3").content)
    second = json.loads(
        client.get(
            f"/api/v1/notifications?limit=3&cursor={first['next_cursor']}"
        ).content
    )
    titles = [n["title"] for n in first["items"] + second["items"]]
    assert titles == ["n4", "n3", "n2", "n1", "n0"] and second["next_cursor"] is None


def test_notifications_api_query_count_is_flat(client, demo_accounts):
    agent = demo_accounts["agent"]
    client.force_login(agent)
    notify_user(user=agent, title="x", key="x")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/notifications")
    for i in range(12):
        notify_user(user=agent, title=f"n{i}", key=f"n{i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/notifications")
    assert len(few) == len(many)


def test_marking_someone_elses_notification_read_through_the_api_is_404(
    client, demo_accounts
):
    note = notify_user(user=demo_accounts["agent"], title="x", key="k")
    client.force_login(demo_accounts["agent2"])
    response = client.post(
        f"/api/v1/notifications/{note.pk}/read", HTTP_X_CSRFTOKEN="x"
    )
    assert response.status_code in {403, 404}
    note.refresh_from_db()
    assert note.read_at is None
