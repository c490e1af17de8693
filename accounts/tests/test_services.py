import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import ApiToken, Department, SecurityPolicy
from accounts.permissions import (
    can_manage_users,
    has_capability,
    primary_role,
    user_capabilities,
)
from accounts.roles import Role
from accounts.services import (
    api_token_authenticate,
    api_token_issue,
    department_create,
    department_update,
    role_grants_collect,
    user_create,
    user_set_password,
    user_update,
)
from accounts.tests.factories import DepartmentFactory, UserFactory
from core.errors import DomainError
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(
        role=Role.SYSTEM_ADMIN, department=DepartmentFactory(code="admin")
    )


def test_every_role_is_a_group_holding_exactly_its_granted_permissions():
    """Roles are groups; their permissions are what the code grants, no more."""
    grants = role_grants_collect()
    for role in Role:
        group = Group.objects.get(name=role.value)
        held = {
            f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()
        }
        assert held == grants[role.value]


def test_superuser_flag_grants_nothing():
    """can_* rules ignore is_superuser (三权分立)."""
    user = UserFactory(is_superuser=True, is_staff=True)
    assert not can_manage_users(user)
    assert user_capabilities(user) == frozenset()


def test_auditor_may_read_audit_log_but_not_manage_users():
    auditor = UserFactory(role=Role.AUDITOR)
    assert has_capability(auditor, "core.view_audit_log")
    assert not can_manage_users(auditor)


def test_inactive_user_has_no_capabilities(admin):
    admin.is_active = False
    admin.save()
    admin = type(admin).objects.get(pk=admin.pk)
    assert not can_manage_users(admin)


def test_primary_role_follows_precedence():
    user = UserFactory(role=[Role.AGENT, Role.SUPERVISOR])
    assert primary_role(user) == Role.SUPERVISOR


def test_admin_creates_user_with_roles_and_it_is_audited(admin):
    cs = DepartmentFactory(code="cs")
    user = user_create(
        actor=admin,
        username="newbie",
        display_name="新同事",
        department=cs,
        roles=[Role.AGENT],
        password="Ziyun-2026-x",
    )
    assert user.check_password("Ziyun-2026-x")
    assert list(user.groups.values_list("name", flat=True)) == ["agent"]
    event = AuditEvent.objects.get(event="user.create")
    assert event.actor == admin and event.object_id == str(user.pk)


def test_agent_cannot_create_users():
    agent = UserFactory(role=Role.AGENT)
    with pytest.raises(PermissionDenied):
        user_create(
            actor=agent,
            username="x",
            display_name="x",
            department=None,
            roles=[],
            password="Ziyun-2026-x",
        )


def test_duplicate_username_is_refused_naming_the_field(admin):
    UserFactory(username="taken")
    with pytest.raises(DomainError) as info:
        user_create(
            actor=admin,
            username="Taken",
            display_name="x",
            department=None,
            roles=[],
            password="Ziyun-2026-x",
        )
    assert info.value.field == "username"


@pytest.mark.parametrize("password", ["short", "password123", "newbie2026"])
def test_weak_password_is_refused_and_nothing_saved(admin, password):
    with pytest.raises(DomainError) as info:
        user_create(
            actor=admin,
            username="newbie2026",
            display_name="x",
            department=None,
            roles=[],
            password=password,
        )
    assert info.value.field == "password"
    assert not type(admin).objects.filter(username="newbie2026").exists()


def test_sixty_four_character_password_is_accepted(admin):
    user = user_create(
        actor=admin,
        username="long",
        display_name="x",
        department=None,
        roles=[],
        password="长" * 8 + "x" * 56,
    )
    assert user.check_password("长" * 8 + "x" * 56)


def test_deactivation_revokes_api_tokens_and_is_audited(admin):
    agent = UserFactory(role=Role.AGENT)
    key, _token = api_token_issue(user=agent)
    assert api_token_authenticate(key) is not None
    user_update(
        actor=admin,
        user=agent,
        display_name=agent.display_name,
        email="",
        phone="",
        department=agent.department,
        roles=[Role.AGENT],
        is_active=False,
    )
    assert api_token_authenticate(key) is None
    assert AuditEvent.objects.filter(
        event="user.deactivate", object_id=str(agent.pk)
    ).exists()


def test_role_change_is_audited_with_what_changed(admin):
    agent = UserFactory(role=Role.AGENT)
    user_update(
        actor=admin,
        user=agent,
        display_name="x",
        email="",
        phone="",
        department=agent.department,
        roles=[Role.SUPERVISOR],
        is_active=True,
    )
    event = AuditEvent.objects.get(event="user.roles_change")
    assert event.data == {"added": ["supervisor"], "removed": ["agent"]}


def test_deactivating_a_dispatcher_is_refused(admin):
    cs = DepartmentFactory(code="cs")
    dispatcher = UserFactory(role=Role.SUPERVISOR, department=cs)
    Department.objects.filter(pk=cs.pk).update(dispatcher=dispatcher)
    with pytest.raises(DomainError, match="调度员"):
        user_update(
            actor=admin,
            user=dispatcher,
            display_name="x",
            email="",
            phone="",
            department=cs,
            roles=[Role.SUPERVISOR],
            is_active=False,
        )
    dispatcher.refresh_from_db()
    assert dispatcher.is_active


def test_admin_cannot_deactivate_themselves(admin):
    with pytest.raises(DomainError):
        user_update(
            actor=admin,
            user=admin,
            display_name="x",
            email="",
            phone="",
            department=admin.department,
            roles=[Role.SYSTEM_ADMIN],
            is_active=False,
        )


def test_password_set_kills_tokens(admin):
    agent = UserFactory(role=Role.AGENT)
    key, _token = api_token_issue(user=agent)
    user_set_password(actor=admin, user=agent, password="Another-pass-2026")
    assert api_token_authenticate(key) is None
    assert AuditEvent.objects.filter(event="user.password_set").exists()


def test_expired_token_does_not_authenticate():
    agent = UserFactory(role=Role.AGENT)
    key, token = api_token_issue(user=agent)
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert api_token_authenticate(key) is None


def test_token_lifetime_follows_the_security_policy():
    """30 days by default; the security administrator's policy sets it."""
    _key, token = api_token_issue(user=UserFactory())
    assert token.expires_at - timezone.now() > dt.timedelta(days=29, hours=23)
    SecurityPolicy.objects.filter(pk=1).update(token_days=7)
    _key, token = api_token_issue(user=UserFactory())
    assert (
        dt.timedelta(days=6, hours=23)
        < token.expires_at - timezone.now()
        <= dt.timedelta(days=7)
    )


def test_only_a_hash_of_the_token_is_stored():
    key, token = api_token_issue(user=UserFactory())
    assert key not in token.key_hash and len(token.key_hash) == 64


def test_dispatcher_must_belong_to_the_department(admin):
    cs = DepartmentFactory(code="cs")
    other = DepartmentFactory(code="transport")
    outsider = UserFactory(department=other)
    with pytest.raises(DomainError) as info:
        department_update(
            actor=admin,
            department=cs,
            name=cs.name,
            dispatcher=outsider,
            is_active=True,
            sort_order=10,
        )
    assert info.value.field == "dispatcher"
    member = UserFactory(department=cs)
    department_update(
        actor=admin,
        department=cs,
        name=cs.name,
        dispatcher=member,
        is_active=True,
        sort_order=10,
    )
    cs.refresh_from_db()
    assert cs.dispatcher == member


def test_department_codes_are_unique(admin):
    department_create(actor=admin, code="qa", name="质量部")
    with pytest.raises(DomainError) as info:
        department_create(actor=admin, code="QA", name="另一个")
    assert info.value.field == "code"


def test_login_failure_is_audited_with_ip():
    from accounts.login import login_attempt

    UserFactory(username="agent9")
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.1.2.3")
    request.session = {}
    with pytest.raises(DomainError):
        login_attempt(request=request, username="agent9", password="wrong")
    event = AuditEvent.objects.get(event="login.failure")
    assert event.actor_username == "agent9" and event.ip == "10.1.2.3"
    assert event.result == AuditEvent.Result.FAILED
