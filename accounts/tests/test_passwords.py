"""The password policy: the default rules, the MLPS profile (three character
classes, periodic change, no reuse), long passphrases, Django's hashers."""

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import PasswordHistory, User
from accounts.passwords import character_classes
from accounts.services import user_create, user_set_password
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import clock_at, login_post
from core.errors import DomainError

pytestmark = pytest.mark.django_db


def _messages(password, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


def _change(client, old, new):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password": new, "new_password_again": new},
    )


def test_the_default_policy_accepts_the_demo_password_and_refuses_weak_ones(policy):
    user = User(username="zhangwei")
    assert _messages("kefu-demo", user) == []
    assert "密码至少需要 8 个字符。" in _messages("abc123", user)
    assert _messages("password123", user)  # a common password
    assert "密码不能包含用户名。" in _messages("zhangwei@2026", user)


def test_a_longer_minimum_from_the_policy(policy):
    type(policy).objects.filter(pk=1).update(password_min_length=12)
    assert "密码至少需要 12 个字符。" in _messages("kefu-demo-1")


@pytest.mark.parametrize(
    "password,classes",
    [("abcdefgh", 1), ("abcd1234", 2), ("Abcd1234", 3), ("Ab1!", 4), ("密码ab12", 3)],
)
def test_character_classes(password, classes):
    assert character_classes(password) == classes


def test_mlps_requires_three_character_classes(mlps):
    assert "至少三类" in " ".join(_messages("kefu-demo-pass"))
    assert _messages("Kefu-demo-pass") == []


@pytest.mark.parametrize("length", [64, 100])
def test_long_passphrases_are_accepted_and_hashed(client, demo_accounts, length):
    passphrase = ("客服中心Kefu-1" * 20)[:length]
    client.force_login(demo_accounts["agent"])
    assert _change(client, "kefu-demo", passphrase).status_code == 302
    user = User.objects.get(username="agent")
    assert user.password.startswith(("md5$", "pbkdf2_sha256$"))  # a Django hasher
    assert passphrase not in user.password and user.check_password(passphrase)
    client.logout()
    assert login_post(client, "agent", passphrase).status_code == 302


def test_mlps_refuses_the_last_passwords(client, demo_accounts, mlps):
    agent = demo_accounts["agent"]
    admin = demo_accounts["admin"]
    user_set_password(actor=admin, user=agent, password="Chuqi-2026a")
    client.force_login(agent)
    passwords = ["Diyi-2026a", "Dier-2026a", "Disan-2026a"]
    current = "Chuqi-2026a"
    for new in passwords:
        assert _change(client, current, new).status_code == 302
        current = new
    response = _change(client, current, "Dier-2026a")
    assert "不能使用最近 5 次用过的密码" in response.content.decode()
    assert User.objects.get(pk=agent.pk).check_password("Disan-2026a")
    with pytest.raises(DomainError, match="最近 5 次"):
        user_set_password(actor=admin, user=agent, password="Chuqi-2026a")


def test_without_mlps_an_old_password_may_come_back(client, demo_accounts, policy):
    client.force_login(demo_accounts["agent"])
    assert _change(client, "kefu-demo", "Diyi-2026a").status_code == 302
    assert _change(client, "Diyi-2026a", "kefu-demo").status_code == 302


def test_history_keeps_only_the_newest_passwords(demo_accounts):
    agent, admin = demo_accounts["agent"], demo_accounts["admin"]
    for i in range(30):
        user_set_password(actor=admin, user=agent, password=f"Mima-{i:02d}-kefu")
    assert PasswordHistory.objects.filter(user=agent).count() == 24


def test_under_mlps_an_expired_password_must_be_changed_first(
    client, demo_accounts, mlps
):
    """A password the administrator set, or one older than the period, is changed
    before anything else; the API refuses tokens meanwhile."""
    assert login_post(client, "agent").status_code == 302
    response = client.get("/")
    assert response["Location"] == "/accounts/password/"
    assert client.get("/api/v1/me").status_code == 403
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and page.context["expired"]
    token = client.post(
        "/api/v1/auth/token",
        {"username": "agent", "password": "kefu-demo"},
        content_type="application/json",
    )
    assert token.json()["errors"][0]["code"] == "password_expired"
    assert _change(client, "kefu-demo", "Kefu-Demo-2027").status_code == 302
    assert client.get("/").status_code == 200
    expiry = timezone.now() + dt.timedelta(days=mlps.password_expiry_days, minutes=1)
    with clock_at(expiry):
        login_post(client, "agent", "Kefu-Demo-2027")
        assert client.get("/")["Location"] == "/accounts/password/"


def test_the_admin_creates_users_under_the_policy(demo_accounts, mlps):
    with pytest.raises(DomainError) as info:
        user_create(
            actor=demo_accounts["admin"],
            username="newbie",
            display_name="新同事",
            department=None,
            roles=["agent"],
            password="lowercase-only",
        )
    assert info.value.field == "password"
    user = user_create(
        actor=demo_accounts["admin"],
        username="newbie",
        display_name="新同事",
        department=None,
        roles=["agent"],
        password="Mixed-Case-9",
    )
    assert user.password_changed_at is None  # to be changed at first login


def test_the_password_change_page_names_the_fields(client, demo_accounts):
    client.force_login(UserFactory())
    response = client.post(
        "/accounts/password/",
        {"old_password": "", "new_password": "short", "new_password_again": "x"},
    )
    assert {"old_password", "new_password_again"} <= set(
        response.context["form"].errors
    )
