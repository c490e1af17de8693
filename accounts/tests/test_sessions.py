"""Sessions: a new id at login, idle and absolute limits (with a moved clock),
revocation on logout, deactivation and password change; one's own sessions."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import UserSession
from accounts.services import user_set_password, user_update
from accounts.tests.helpers import clock_at, login_post
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _logged_in(client) -> bool:
    return client.get("/accounts/profile/").status_code == 200


def test_login_starts_a_new_session_id_and_records_it(client, demo_accounts):
    client.get("/accounts/login/")
    client.session["probe"] = 1
    before = client.session.session_key
    response = login_post(
        client, "agent", HTTP_USER_AGENT="Mozilla/5.0 测试", REMOTE_ADDR="10.1.1.1"
    )
    assert response.status_code == 302
    after = client.session.session_key
    assert after and after != before
    record = UserSession.objects.get(session_key=after)
    assert record.user == demo_accounts["agent"]
    assert (record.ip, record.user_agent) == ("10.1.1.1", "Mozilla/5.0 测试")


def test_idle_for_31_minutes_logs_out_but_29_does_not(client, demo_accounts):
    login_post(client, "agent")
    start = timezone.now()
    with clock_at(start + dt.timedelta(minutes=29)):
        assert _logged_in(client)
    with clock_at(start + dt.timedelta(minutes=29 + 31)):
        response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?reason=idle")
    assert not _logged_in(client)
    record = UserSession.objects.get(user=demo_accounts["agent"])
    assert record.end_reason == UserSession.EndReason.IDLE
    assert AuditEvent.objects.filter(event="session.expire", actor_username="agent")
    page = client.get(response["Location"]).content.decode()
    assert "由于长时间未操作，您已自动退出" in page


def test_the_idle_limit_comes_from_the_policy(client, demo_accounts, policy):
    type(policy).objects.filter(pk=1).update(session_idle_minutes=10)
    login_post(client, "agent")
    with clock_at(timezone.now() + dt.timedelta(minutes=12)):
        assert client.get("/").status_code == 302


def test_an_active_session_still_ends_after_twelve_hours(client, demo_accounts):
    login_post(client, "agent")
    start = timezone.now()
    minute = 25
    while minute < 12 * 60:
        with clock_at(start + dt.timedelta(minutes=minute)):
            assert _logged_in(client), minute
        minute += 25
    with clock_at(start + dt.timedelta(hours=12, minutes=1)):
        response = client.get("/")
    assert response["Location"].startswith("/accounts/login/?reason=absolute")
    record = UserSession.objects.get(user=demo_accounts["agent"])
    assert record.end_reason == UserSession.EndReason.ABSOLUTE


def test_htmx_requests_of_an_ended_session_are_sent_to_the_login_page(
    client, demo_accounts
):
    login_post(client, "agent")
    with clock_at(timezone.now() + dt.timedelta(minutes=45)):
        response = client.get("/notifications/bell/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/login/?reason=idle")


def test_an_api_call_with_an_ended_session_is_401(client, demo_accounts):
    login_post(client, "agent")
    with clock_at(timezone.now() + dt.timedelta(minutes=45)):
        assert client.get("/api/v1/me").status_code == 401


def test_logout_ends_the_session_record_and_the_django_session(client, demo_accounts):
    login_post(client, "agent")
    key = client.session.session_key
    client.post("/accounts/logout/")
    assert UserSession.objects.get(session_key=key).end_reason == "logout"
    assert not Session.objects.filter(session_key=key).exists()


def test_deactivation_ends_every_session(client, demo_accounts):
    agent = demo_accounts["agent"]
    login_post(client, "agent")
    user_update(
        actor=demo_accounts["admin"],
        user=agent,
        display_name=agent.display_name,
        email="",
        phone="",
        department=agent.department,
        roles=["agent"],
        is_active=False,
    )
    assert not _logged_in(client)
    assert UserSession.objects.get(user=agent).end_reason == "deactivated"


def test_a_password_set_by_the_admin_ends_every_session(
    client, demo_accounts, django_user_model
):
    login_post(client, "agent")
    user_set_password(
        actor=demo_accounts["admin"],
        user=demo_accounts["agent"],
        password="Qingtian-88",
    )
    assert not _logged_in(client)
    assert UserSession.objects.get(user=demo_accounts["agent"]).end_reason == "password"


def test_changing_ones_password_ends_the_other_sessions_and_tokens_not_this_one(
    client, demo_accounts, django_user_model
):
    from django.test import Client

    laptop, phone = client, Client()
    login_post(laptop, "agent")
    login_post(phone, "agent")
    token = laptop.post(
        "/api/v1/auth/token",
        {"username": "agent", "password": "kefu-demo"},
        content_type="application/json",
    ).json()["token"]
    response = laptop.post(
        "/accounts/password/",
        {
            "old_password": "kefu-demo",
            "new_password": "Xinmima-2026",
            "new_password_again": "Xinmima-2026",
        },
    )
    assert response.status_code == 302
    assert _logged_in(laptop) and not _logged_in(phone)
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 401
    assert AuditEvent.objects.filter(event="password.change", actor_username="agent")
    user = django_user_model.objects.get(username="agent")
    assert user.check_password("Xinmima-2026") and user.password_changed_at


def test_a_wrong_current_password_changes_nothing(client, demo_accounts):
    login_post(client, "agent")
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "nope",
            "new_password": "Xinmima-2026",
            "new_password_again": "Xinmima-2026",
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    demo_accounts["agent"].refresh_from_db()
    assert demo_accounts["agent"].check_password("kefu-demo")


def test_my_sessions_lists_and_revokes_my_other_sessions(client, demo_accounts):
    from django.test import Client

    other = Client()
    login_post(other, "agent", REMOTE_ADDR="10.2.2.2")
    login_post(client, "agent")
    page = client.get("/accounts/profile/")
    sessions = list(page.context["sessions"])
    assert len(sessions) == 2 and "当前会话" in page.content.decode()
    remote = next(s for s in sessions if s.ip == "10.2.2.2")
    assert client.post(f"/accounts/sessions/{remote.pk}/revoke/").status_code == 302
    assert not _logged_in(other) and _logged_in(client)
    assert AuditEvent.objects.filter(event="session.revoke", actor_username="agent")


def test_nobody_revokes_someone_elses_session_and_the_attempt_is_audited(
    client, demo_accounts
):
    from django.test import Client

    victim = Client()
    login_post(victim, "agent")
    session = UserSession.objects.get(user=demo_accounts["agent"])
    login_post(client, "agent2")
    assert client.post(f"/accounts/sessions/{session.pk}/revoke/").status_code == 404
    assert _logged_in(victim)
    refusal = AuditEvent.objects.get(event="access.denied", actor_username="agent2")
    assert refusal.data["status"] == 404
    assert refusal.object_type == "accounts.usersession"


def test_revoke_others_keeps_this_session(client, demo_accounts):
    from django.test import Client

    others = [Client(), Client()]
    for other in others:
        login_post(other, "agent")
    login_post(client, "agent")
    client.post("/accounts/sessions/revoke-others/")
    assert _logged_in(client)
    assert not any(_logged_in(other) for other in others)


def test_the_sweep_closes_abandoned_sessions(client, demo_accounts, policy):
    from accounts.sessions import user_sessions_sweep

    login_post(client, "agent")
    assert user_sessions_sweep(policy=policy, now=timezone.now()) == 0
    later = timezone.now() + dt.timedelta(hours=1)
    assert user_sessions_sweep(policy=policy, now=later) == 1
    assert UserSession.objects.get().end_reason == "idle"


def test_the_hourly_job_tidies_sessions_and_old_failure_counts(client, demo_accounts):
    from accounts.models import LoginLockout
    from accounts.sessions import login_sessions_housekeep

    login_post(client, "agent")
    login_post(client, "ghost", "wrong")
    later = timezone.now() + dt.timedelta(days=2)
    assert login_sessions_housekeep(now=later) == {
        "sessions_ended": 1,
        "lockouts_pruned": 1,
    }
    assert not LoginLockout.objects.filter(username="ghost").exists()
    assert not Session.objects.filter(session_key=client.session.session_key).exists()
