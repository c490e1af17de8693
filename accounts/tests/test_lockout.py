"""Lockout after repeated failures: counted in the database, on the login page and
the token endpoint alike; unlocked by time or by the security administrator."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import LoginLockout, SecurityPolicy
from accounts.tests.helpers import clock_at, login_post
from core.models import AuditEvent
from core.tests.sqlite_file import run_on_a_sqlite_file

pytestmark = pytest.mark.django_db

LOCKED = "账户因连续多次登录失败已被锁定"


def _right_password_refused(client) -> bool:
    return LOCKED in login_post(client, "agent", "kefu-demo").content.decode()


def _token(client, username="agent", password="kefu-demo"):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )


def test_the_sixth_attempt_is_refused_even_with_the_right_password(
    client, demo_accounts
):
    """Five wrong passwords lock the account for ten minutes; the right password
    is refused while it is locked, and each step is audited."""
    for attempt in range(1, 6):
        response = login_post(client, "agent", "wrong-password")
        assert response.status_code == 200
        text = response.content.decode()
        assert (LOCKED in text) == (attempt == 5)
    response = login_post(client, "agent", "kefu-demo")
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    events = AuditEvent.objects.filter(actor_username="agent")
    assert events.filter(event="login.failure").count() == 5
    assert events.filter(event="login.lock").count() == 1
    refused = events.get(event="login.locked")
    assert refused.result == AuditEvent.Result.DENIED
    assert not events.filter(event="login.success").exists()


def test_the_token_endpoint_obeys_the_same_lock(client, demo_accounts):
    for _ in range(5):
        assert _token(client, password="wrong").status_code == 422
    response = _token(client)
    assert response.status_code == 422
    error = json.loads(response.content)["errors"][0]
    assert error["code"] == "account_locked" and LOCKED in error["message"]


def test_failures_on_the_page_and_the_api_count_together(client, demo_accounts):
    for _ in range(3):
        login_post(client, "agent", "wrong")
    for _ in range(2):
        _token(client, password="wrong")
    assert _right_password_refused(client)


def test_the_lock_ends_after_its_duration(client, demo_accounts):
    for _ in range(5):
        login_post(client, "agent", "wrong")
    with clock_at(timezone.now() + dt.timedelta(minutes=9)):
        assert _right_password_refused(client)
    with clock_at(timezone.now() + dt.timedelta(minutes=11)):
        response = login_post(client, "agent", "kefu-demo")
    assert response.status_code == 302
    assert LoginLockout.objects.get(username="agent").failure_count == 0


def test_threshold_and_duration_come_from_the_policy(client, demo_accounts):
    SecurityPolicy.objects.filter(pk=1).update(lockout_threshold=3, lockout_minutes=60)
    for _ in range(3):
        login_post(client, "agent", "wrong")
    with clock_at(timezone.now() + dt.timedelta(minutes=59)):
        assert _right_password_refused(client)


def test_old_failures_do_not_add_up(client, demo_accounts):
    """Failures further apart than the lock duration start the count again."""
    start = timezone.now()
    for i in range(8):
        with clock_at(start + dt.timedelta(minutes=11 * i)):
            login_post(client, "agent", "wrong")
    assert LoginLockout.objects.get(username="agent").failure_count == 1
    assert login_post(client, "agent", "kefu-demo").status_code == 302


def test_a_successful_login_starts_the_count_again(client, demo_accounts):
    for _ in range(4):
        login_post(client, "agent", "wrong")
    assert login_post(client, "agent", "kefu-demo").status_code == 302
    client.logout()
    for _ in range(4):
        login_post(client, "agent", "wrong")
    assert login_post(client, "agent", "kefu-demo").status_code == 302


def test_unknown_usernames_lock_the_same_way(client, demo_accounts):
    """The answers do not tell whether an account exists."""
    for _ in range(5):
        login_post(client, "nobody", "wrong")
    assert LOCKED in login_post(client, "nobody", "x").content.decode()
    assert AuditEvent.objects.filter(event="login.lock", actor_username="nobody")


def test_the_username_is_counted_whatever_its_case(client, demo_accounts):
    for name in ["Agent", "AGENT", "agent", "aGent", "agenT"]:
        login_post(client, name, "wrong")
    assert _right_password_refused(client)


def test_the_security_admin_unlocks_and_it_is_audited(client, demo_accounts):
    for _ in range(5):
        login_post(client, "agent", "wrong")
    lockout = LoginLockout.objects.get(username="agent")
    client.force_login(demo_accounts["secadmin"])
    response = client.post(f"/security/lockouts/{lockout.pk}/unlock/")
    assert response.status_code == 302
    unlock = AuditEvent.objects.get(event="login.unlock")
    assert unlock.actor_username == "secadmin" and unlock.data == {"username": "agent"}
    client.logout()
    assert login_post(client, "agent", "kefu-demo").status_code == 302


@pytest.mark.parametrize("username", ["admin", "auditor", "agent", "manager"])
def test_only_the_security_admin_unlocks(client, demo_accounts, username):
    for _ in range(5):
        login_post(client, "agent2", "wrong")
    lockout = LoginLockout.objects.get(username="agent2")
    client.force_login(demo_accounts[username])
    assert client.post(f"/security/lockouts/{lockout.pk}/unlock/").status_code == 403
    assert LoginLockout.objects.get(pk=lockout.pk).locked_until is not None


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_wrong_attempts_lock_the_account(demo_accounts, tmp_path):
    """Every parallel failure is counted; exactly one of them locks."""
    from accounts.tests.parallel_logins import attempt_in_parallel, lockout_summary

    if connection.vendor == "sqlite":
        result = run_on_a_sqlite_file(
            tmp_path, "accounts.tests.parallel_logins", "agent", "no", "50"
        )
    else:
        outcomes = attempt_in_parallel("agent", "no", 50)
        result = {"outcomes": outcomes, **lockout_summary("agent")}
    outcomes = result["outcomes"]
    assert len(outcomes) == 50 and "ok" not in outcomes
    assert set(outcomes) <= {"bad_credentials", "account_locked"}
    assert result["locked"] and result["lock_events"] == 1
    assert result["failures"] == result["failure_events"] >= 5
    assert result["failure_events"] + result["refused_events"] == 50
    assert outcomes.count("bad_credentials") == 4
