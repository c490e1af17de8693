"""The second factor: enrolment with a QR code drawn here, a second login step,
required per role by the policy, not skipped by a password reset."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from accounts.models import SecurityPolicy, TotpDevice, UserSession
from accounts.services import user_set_password
from accounts.tests.helpers import (
    clock_at,
    login_post,
    secret_code,
    totp_code,
    totp_enrol,
)
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _verify(client, code, **extra):
    return client.post("/accounts/login/verify/", {"code": code}, **extra)


def test_enrolment_on_the_profile_shows_the_secret_and_a_local_qr_code(
    client, demo_accounts
):
    agent = demo_accounts["agent"]
    client.force_login(agent)
    page = client.get("/accounts/2fa/")
    html = page.content.decode()
    secret = page.context["totp_secret"]
    assert len(secret.replace(" ", "")) == 32
    assert "otpauth://totp/Kefu:agent?secret=" in page.context["totp_uri"]
    assert 'src="data:image/svg+xml' in html  # drawn on the server, no outside service
    assert not TotpDevice.objects.filter(user=agent).exists()  # nothing saved on GET
    assert client.get("/accounts/2fa/").context["totp_secret"] == secret
    assert client.post("/accounts/2fa/", {"code": "000000"}).status_code == 200
    response = client.post("/accounts/2fa/", {"code": secret_code(secret)})
    assert response.status_code == 302
    device = TotpDevice.objects.get(user=agent)
    assert device.confirmed_at and device.secret == secret.replace(" ", "")
    assert AuditEvent.objects.filter(event="totp.enable", actor_username="agent")


def test_a_wrong_code_at_enrolment_names_the_field_and_enables_nothing(
    client, demo_accounts
):
    client.force_login(demo_accounts["agent"])
    client.get("/accounts/2fa/")
    response = client.post("/accounts/2fa/", {"code": "12ab"})
    assert "code" in response.context["form"].errors
    assert not TotpDevice.objects.filter(user=demo_accounts["agent"]).exists()


def test_login_with_a_second_factor_asks_for_the_code(client, demo_accounts):
    agent = demo_accounts["agent"]
    totp_enrol(agent)
    response = login_post(client, "agent")
    assert response["Location"].startswith("/accounts/login/verify/")
    assert "_auth_user_id" not in client.session
    assert client.get("/accounts/profile/").status_code == 302  # not logged in yet
    assert _verify(client, "123456").status_code == 200
    response = _verify(client, totp_code(agent), HTTP_USER_AGENT="Firefox")
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    success = AuditEvent.objects.get(event="login.success", actor_username="agent")
    assert success.data["second_factor"] is True
    assert UserSession.objects.filter(user=agent, ended_at__isnull=True).count() == 1


def test_a_code_is_accepted_only_once(client, demo_accounts):
    agent = demo_accounts["agent"]
    totp_enrol(agent)
    code = totp_code(agent)
    login_post(client, "agent")
    assert _verify(client, code).status_code == 302
    client.logout()
    login_post(client, "agent")
    response = _verify(client, code)
    assert response.status_code == 200
    assert "已使用过" in response.content.decode()


def test_wrong_codes_count_towards_the_lockout(client, demo_accounts):
    totp_enrol(demo_accounts["agent"])
    login_post(client, "agent")
    for _ in range(4):
        assert _verify(client, "000000").status_code == 200
    response = _verify(client, "000000")
    assert response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert "账户因连续多次登录失败已被锁定" in page
    assert AuditEvent.objects.filter(event="login.lock", actor_username="agent")
    # the right code no longer helps: the password step must be passed again
    assert client.get("/accounts/login/verify/")["Location"] == "/accounts/login/"


def test_the_password_step_expires_after_five_minutes(client, demo_accounts):
    agent = demo_accounts["agent"]
    totp_enrol(agent)
    login_post(client, "agent")
    with clock_at(timezone.now() + dt.timedelta(minutes=6)):
        response = _verify(client, totp_code(agent))
    assert response["Location"] == "/accounts/login/"


def test_a_role_that_requires_it_must_enrol_at_login(client, demo_accounts):
    SecurityPolicy.objects.filter(pk=1).update(totp_required_roles=["security_admin"])
    secadmin = demo_accounts["secadmin"]
    login_post(client, "secadmin")
    page = client.get("/accounts/login/verify/")
    assert page.context["enrolment"] and "设置双因素认证" in page.content.decode()
    assert client.get("/security/").status_code == 302
    assert _verify(client, "000000").status_code == 200
    assert not TotpDevice.objects.filter(user=secadmin).exists()
    response = _verify(client, secret_code(page.context["totp_secret"]))
    assert response.status_code == 302
    assert TotpDevice.objects.get(user=secadmin).confirmed_at is not None
    assert client.get("/security/").status_code == 200
    # a required second factor cannot be turned off by its owner
    response = client.post("/accounts/2fa/", {"code": totp_code(secadmin, step=1)})
    assert "不能停用" in response.content.decode()
    assert TotpDevice.objects.filter(user=secadmin).exists()


def test_other_roles_are_not_asked(client, demo_accounts):
    SecurityPolicy.objects.filter(pk=1).update(totp_required_roles=["security_admin"])
    assert login_post(client, "agent")["Location"] == "/"


def test_a_password_reset_by_the_admin_does_not_skip_the_second_factor(
    client, demo_accounts
):
    agent = demo_accounts["agent"]
    totp_enrol(agent)
    user_set_password(
        actor=demo_accounts["admin"], user=agent, password="Chongzhi-2026"
    )
    response = login_post(client, "agent", "Chongzhi-2026")
    assert response["Location"].startswith("/accounts/login/verify/")
    assert TotpDevice.objects.get(user=agent).confirmed_at is not None


def test_the_owner_turns_it_off_with_a_current_code(client, demo_accounts):
    agent = demo_accounts["agent"]
    totp_enrol(agent)
    client.force_login(agent)
    assert client.post("/accounts/2fa/", {"code": "000000"}).status_code == 200
    assert client.post("/accounts/2fa/", {"code": totp_code(agent)}).status_code == 302
    assert not TotpDevice.objects.filter(user=agent).exists()
    assert login_post(client, "agent")["Location"] == "/"


def test_the_security_admin_resets_a_lost_authenticator(client, demo_accounts):
    from django.test import Client

    agent = demo_accounts["agent"]
    totp_enrol(agent)
    device_owner = Client()
    device_owner.force_login(agent)
    client.force_login(demo_accounts["secadmin"])
    response = client.post(f"/security/accounts/{agent.pk}/totp-reset/")
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=agent).exists()
    assert device_owner.get("/accounts/profile/").status_code == 302
    reset = AuditEvent.objects.get(event="totp.reset")
    assert reset.actor_username == "secadmin" and reset.object_id == str(agent.pk)


@pytest.mark.parametrize("username", ["admin", "auditor", "manager", "agent2"])
def test_only_the_security_admin_resets_second_factors(client, demo_accounts, username):
    agent = demo_accounts["agent"]
    totp_enrol(agent)
    client.force_login(demo_accounts[username])
    assert client.post(f"/security/accounts/{agent.pk}/totp-reset/").status_code == 403
    assert TotpDevice.objects.filter(user=agent).exists()


def _token(client, **body):
    return client.post(
        "/api/v1/auth/token",
        {"username": "agent", "password": "kefu-demo", **body},
        content_type="application/json",
    )


def test_the_token_endpoint_asks_for_the_code_too(client, demo_accounts):
    agent = demo_accounts["agent"]
    totp_enrol(agent)
    missing = _token(client)
    assert missing.status_code == 422
    assert json.loads(missing.content)["errors"][0] == {
        "field": "otp",
        "message": "请填写双因素认证动态码。",
        "code": "otp_required",
    }
    assert _token(client, otp="000000").json()["errors"][0]["code"] == "bad_otp"
    assert _token(client, otp=totp_code(agent)).status_code == 201


def test_the_token_endpoint_refuses_a_required_but_missing_second_factor(
    client, demo_accounts
):
    SecurityPolicy.objects.filter(pk=1).update(totp_required_roles=["agent"])
    response = _token(client)
    assert response.json()["errors"][0]["code"] == "otp_enrolment_required"
