"""Refusals are audited everywhere; headers on every kind of answer; the
production settings pass `check --deploy`; rate limits answer 429."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings

from accounts.models import ApiToken
from core.audit import get_visible_or_404
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_refused_page_is_audited_with_its_path_but_not_its_query(
    client, demo_accounts
):
    client.force_login(demo_accounts["agent"])
    response = client.get("/system/users/?k=secret-token")
    assert response.status_code == 403 and "没有权限" in response.content.decode()
    refusal = AuditEvent.objects.get(event="access.denied")
    assert refusal.actor_username == "agent" and refusal.result == "denied"
    assert refusal.data == {"status": 403, "method": "GET", "path": "/system/users/"}


def test_the_404_helper_audits_a_private_object_that_exists(rf, demo_accounts):
    token = ApiToken.objects.create(
        user=demo_accounts["agent"],
        key_hash="h" * 64,
        prefix="kf_x",
        expires_at="2030-01-01T00:00Z",
    )
    request = rf.get("/x/")
    request.user = demo_accounts["agent2"]
    visible = ApiToken.objects.filter(user=request.user)
    from django.http import Http404

    with pytest.raises(Http404):
        get_visible_or_404(request, visible, pk=token.pk)
    with pytest.raises(Http404):
        get_visible_or_404(request, visible, pk=999999)
    (refusal,) = AuditEvent.objects.filter(event="access.denied")
    assert refusal.object_id == str(token.pk) and refusal.data["status"] == 404
    request.user = demo_accounts["agent"]
    assert (
        get_visible_or_404(
            request, ApiToken.objects.filter(user=request.user), pk=token.pk
        )
        == token
    )


def test_a_form_without_its_csrf_token_is_refused_and_audited(demo_accounts):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "agent", "password": "x"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()
    assert AuditEvent.objects.filter(event="access.csrf", result="denied").exists()


CSP_PARTS = [
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
]


@pytest.mark.parametrize(
    "who,method,url,status",
    [
        (None, "get", "/accounts/login/", 200),
        (None, "get", "/", 302),
        (None, "get", "/api/v1/me", 401),
        (None, "get", "/static/kefu/kefu.css", 200),
        ("agent", "get", "/", 200),
        ("agent", "get", "/notifications/bell/", 200),
        ("agent", "get", "/system/users/", 403),
        ("agent", "get", "/no-such-page/", 404),
        ("agent", "get", "/api/v1/me", 200),
        ("agent", "get", "/api/v1/audit/events", 403),
        ("auditor", "get", "/audit/export.xlsx", 200),
        ("secadmin", "get", "/security/", 200),
    ],
)
def test_security_headers_on_every_kind_of_answer(
    client, demo_accounts, who, method, url, status
):
    if who:
        client.force_login(demo_accounts[who])
    response = getattr(client, method)(url)
    assert response.status_code == status
    for part in CSP_PARTS:
        assert part in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@override_settings(RATELIMIT_ENABLE=True, KEFU_LOGIN_RATE="3/m")
def test_the_login_page_answers_429_past_the_rate(client, demo_accounts):
    cache.clear()
    for _ in range(3):
        assert (
            client.post(
                "/accounts/login/", {"username": "x", "password": "y"}
            ).status_code
            == 200
        )
    response = client.post(
        "/accounts/login/", {"username": "agent", "password": "kefu-demo"}
    )
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "请求过于频繁" in response.content.decode()
    assert client.get("/accounts/login/").status_code == 200  # reading is not limited
    other = Client(REMOTE_ADDR="10.5.5.5")
    assert (
        other.post(
            "/accounts/login/", {"username": "agent", "password": "kefu-demo"}
        ).status_code
        == 302
    )
    cache.clear()


@override_settings(RATELIMIT_ENABLE=True, KEFU_LOGIN_RATE="2/m")
def test_the_token_endpoint_answers_429_in_the_contract_shape(client, demo_accounts):
    cache.clear()
    body = {"username": "agent", "password": "wrong"}
    for _ in range(2):
        client.post("/api/v1/auth/token", body, content_type="application/json")
    response = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 429 and response["Retry-After"]
    assert response.json() == {"detail": "请求过于频繁，请稍后再试。", "errors": []}
    cache.clear()


def test_the_rate_limit_helper_is_ready_for_other_views(rf):
    from core.ratelimit import rate_limit_hit, rate_limited

    @rate_limited(group="portal-test", rate="2/m")
    def view(request):
        from django.http import HttpResponse

        return HttpResponse("ok")

    with override_settings(RATELIMIT_ENABLE=True):
        cache.clear()
        request = rf.post("/portal/", REMOTE_ADDR="10.7.7.7")
        assert [view(request).status_code for _ in range(3)] == [200, 200, 429]
        other = rf.post("/portal/", REMOTE_ADDR="10.7.7.8")
        assert rate_limit_hit(other, group="portal-test", rate="2/m") is None
        cache.clear()


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    """The settings a deployment behind HTTPS uses, with nothing silenced."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
        "KEFU_DATA_DIR": str(tmp_path),
        "KEFU_HTTPS": "1",
        "DEBUG": "0",
        "SECRET_KEY": "x7#kP2-Lq9$wZr4!vT8^nB3&hJ6*mC1(dF5)gY0_sA+eU-oI" * 2,
        "ALLOWED_HOSTS": "kefu.example.com",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_cookies_are_secure_when_served_over_https(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
        "KEFU_DATA_DIR": str(tmp_path),
        "KEFU_HTTPS": "1",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["True"] * 5


def test_the_rate_limit_fails_open_when_the_cache_is_down(rf, caplog):
    from unittest import mock

    from core.ratelimit import rate_limit_hit

    with (
        override_settings(RATELIMIT_ENABLE=True),
        mock.patch("core.ratelimit.get_usage", side_effect=ConnectionError("down")),
    ):
        assert rate_limit_hit(rf.post("/"), group="login", rate="1/m") is None
    assert "cache is unavailable" in caplog.text
