"""The security administrator's pages and API; the auditor reads the policy."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import LoginLockout, SecurityPolicy, UserSession
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import login_post
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

PAGES = [
    "/security/",
    "/security/lockouts/",
    "/security/sessions/",
    "/security/accounts/",
]


def _policy_post(client, **changes):
    policy = SecurityPolicy.objects.get(pk=1)
    data = {
        "password_profile": policy.password_profile,
        "password_min_length": policy.password_min_length,
        "password_expiry_days": policy.password_expiry_days,
        "password_history": policy.password_history,
        "lockout_threshold": policy.lockout_threshold,
        "lockout_minutes": policy.lockout_minutes,
        "session_idle_minutes": policy.session_idle_minutes,
        "session_absolute_hours": policy.session_absolute_hours,
        "token_days": policy.token_days,
        "audit_retention_days": policy.audit_retention_days,
        "totp_required_roles": policy.totp_required_roles,
        "version": policy.version,
        **changes,
    }
    return client.post("/security/", data)


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    "username,status",
    [
        ("secadmin", 200),
        ("admin", 403),
        ("gm", 403),
        ("manager", 403),
        ("agent", 403),
        ("transport", 403),
    ],
)
def test_only_the_security_admin_opens_the_security_pages(
    client, demo_accounts, url, username, status
):
    client.force_login(demo_accounts[username])
    assert client.get(url).status_code == status


def test_the_auditor_reads_the_policy_but_nothing_else(client, demo_accounts):
    client.force_login(demo_accounts["auditor"])
    page = client.get("/security/")
    assert page.status_code == 200 and "只有安全管理员可以修改" in page.content.decode()
    assert all(field.disabled for field in page.context["form"].fields.values())
    assert _policy_post(client, lockout_threshold=3).status_code == 403
    for url in PAGES[1:]:
        assert client.get(url).status_code == 403
    assert SecurityPolicy.objects.get(pk=1).lockout_threshold == 5


def test_the_superuser_flag_opens_nothing(client, demo_accounts):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    for url in [*PAGES, "/audit/", "/system/users/"]:
        assert client.get(url).status_code == 403


def test_a_policy_change_is_saved_and_audited_with_what_changed(client, demo_accounts):
    client.force_login(demo_accounts["secadmin"])
    response = _policy_post(
        client,
        password_profile="mlps",
        lockout_threshold=3,
        totp_required_roles=["system_admin", "security_admin"],
    )
    assert response.status_code == 302
    policy = SecurityPolicy.objects.get(pk=1)
    assert (policy.password_profile, policy.lockout_threshold, policy.version) == (
        "mlps",
        3,
        2,
    )
    event = AuditEvent.objects.get(event="security.policy_change")
    assert event.actor_username == "secadmin"
    assert event.data == {
        "password_profile": ["default", "mlps"],
        "lockout_threshold": [5, 3],
        "totp_required_roles": [[], ["security_admin", "system_admin"]],
    }


def test_a_stale_policy_form_is_refused_and_changes_nothing(client, demo_accounts):
    client.force_login(demo_accounts["secadmin"])
    assert _policy_post(client, lockout_threshold=4).status_code == 302
    response = _policy_post(client, lockout_threshold=6, version=1)
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    assert SecurityPolicy.objects.get(pk=1).lockout_threshold == 4


@pytest.mark.parametrize(
    "field,value",
    [
        ("audit_retention_days", 100),
        ("password_min_length", 4),
        ("lockout_threshold", "x"),
        ("session_absolute_hours", 48),
        ("totp_required_roles", ["pirate"]),
    ],
)
def test_bad_policy_input_names_the_field_and_changes_nothing(
    client, demo_accounts, field, value
):
    client.force_login(demo_accounts["secadmin"])
    response = _policy_post(client, **{field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert SecurityPolicy.objects.get(pk=1).version == 1


def test_the_lockout_list_shows_failures_and_locks(client, demo_accounts):
    for _ in range(5):
        login_post(client, "agent", "wrong")
    login_post(client, "ghost", "wrong")
    client.force_login(demo_accounts["secadmin"])
    page = client.get("/security/lockouts/?locked=1")
    assert [row.username for row in page.context["page"].items] == ["agent"]
    page = client.get("/security/lockouts/")
    assert {row.username for row in page.context["page"].items} == {"agent", "ghost"}


def test_the_security_admin_ends_someone_elses_sessions(client, demo_accounts):
    from django.test import Client

    agent_client = Client()
    login_post(agent_client, "agent")
    session = UserSession.objects.get(user=demo_accounts["agent"])
    client.force_login(demo_accounts["secadmin"])
    assert client.post(f"/security/sessions/{session.pk}/revoke/").status_code == 302
    assert agent_client.get("/").status_code == 302
    login_post(agent_client, "agent")
    agent = demo_accounts["agent"]
    assert (
        client.post(f"/security/accounts/{agent.pk}/end-sessions/").status_code == 302
    )
    assert agent_client.get("/").status_code == 302
    assert AuditEvent.objects.filter(event="session.revoke", actor_username="secadmin")


@pytest.mark.parametrize("username", ["admin", "auditor", "agent"])
def test_others_cannot_end_sessions(client, demo_accounts, username):
    from django.test import Client

    Client().force_login(demo_accounts["agent2"])
    session = UserSession.objects.get(user=demo_accounts["agent2"])
    client.force_login(demo_accounts[username])
    assert client.post(f"/security/sessions/{session.pk}/revoke/").status_code == 403
    target = demo_accounts["agent2"].pk
    assert client.post(f"/security/accounts/{target}/end-sessions/").status_code == 403
    assert UserSession.objects.get(pk=session.pk).ended_at is None


@pytest.mark.parametrize(
    "url,make",
    [
        ("/security/accounts/", lambda i: UserFactory(role="agent")),
        (
            "/security/lockouts/",
            lambda i: LoginLockout.objects.create(
                username=f"u{i}", failure_count=1, last_failure_at="2026-11-20T01:00Z"
            ),
        ),
        (
            "/security/sessions/",
            lambda i: UserSession.objects.create(
                user=UserFactory(),
                session_key=f"k{i}",
                created_at="2026-11-20T01:00Z",
                last_seen_at="2026-11-20T01:00Z",
            ),
        ),
    ],
)
def test_security_lists_do_not_grow_in_queries(client, demo_accounts, url, make):
    client.force_login(demo_accounts["secadmin"])
    for i in range(2):
        make(i)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(2, 12):
        make(i)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].items) >= 12
    assert len(few) == len(many)


# --- API -----------------------------------------------------------------------


def _token(client, username):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": "kefu-demo"},
        content_type="application/json",
    ).json()["token"]


def test_the_policy_api_reads_and_patches_with_a_version(client, demo_accounts):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(client, 'secadmin')}"}
    body = client.get("/api/v1/security/policy", **auth).json()
    assert body["lockout_threshold"] == 5 and body["version"] == 1
    assert body["updated_at"].endswith("+08:00")
    patched = client.patch(
        "/api/v1/security/policy",
        {"version": 1, "token_days": 7},
        content_type="application/json",
        **auth,
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = client.patch(
        "/api/v1/security/policy",
        {"version": 1, "token_days": 9},
        content_type="application/json",
        **auth,
    )
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    bad = client.patch(
        "/api/v1/security/policy",
        {"version": 2, "audit_retention_days": 30},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "audit_retention_days"
    missing = client.patch(
        "/api/v1/security/policy",
        {"token_days": 9},
        content_type="application/json",
        **auth,
    )
    assert missing.status_code == 422
    assert SecurityPolicy.objects.get(pk=1).token_days == 7


@pytest.mark.parametrize(
    "username,read", [("auditor", 200), ("admin", 403), ("agent", 403)]
)
def test_the_policy_api_refuses_others(client, demo_accounts, username, read):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(client, username)}"}
    assert client.get("/api/v1/security/policy", **auth).status_code == read
    response = client.patch(
        "/api/v1/security/policy",
        json.dumps({"version": 1, "token_days": 3}),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 403
    assert SecurityPolicy.objects.get(pk=1).token_days == 30
    assert AuditEvent.objects.filter(event="access.denied", actor_username=username)
