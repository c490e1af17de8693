"""三权分立: system, security and audit administration are separate roles; none
of them can do the others' work, and the superuser flag grants nothing."""

import pytest
from django.conf import settings

from accounts.models import Department, User
from accounts.services import user_create, user_update
from core.audit import audit_record
from core.errors import DomainError
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_one_person_holds_at_most_one_of_the_three_administrations(demo_accounts):
    admin = demo_accounts["admin"]
    with pytest.raises(DomainError) as info:
        user_create(
            actor=admin,
            username="both",
            display_name="兼任",
            department=None,
            roles=["system_admin", "auditor"],
            password="Jianren-2026",
        )
    assert info.value.field == "roles" and "不能由同一人兼任" in info.value.message
    secadmin = demo_accounts["secadmin"]
    with pytest.raises(DomainError):
        user_update(
            actor=admin,
            user=secadmin,
            display_name=secadmin.display_name,
            email="",
            phone="",
            department=secadmin.department,
            roles=["security_admin", "auditor"],
            is_active=True,
        )
    assert list(secadmin.groups.values_list("name", flat=True)) == ["security_admin"]


def test_the_admin_cannot_change_their_own_roles(demo_accounts):
    admin = demo_accounts["admin"]
    with pytest.raises(DomainError, match="不能修改自己的角色"):
        user_update(
            actor=admin,
            user=admin,
            display_name=admin.display_name,
            email="",
            phone="",
            department=admin.department,
            roles=["system_admin", "agent"],
            is_active=True,
        )


def _write_requests(demo_accounts):
    agent = demo_accounts["agent"]
    return [
        ("/system/users/new/", {"username": "x1", "display_name": "x"}),
        (f"/system/users/{agent.pk}/", {"display_name": "x", "roles": ["auditor"]}),
        (
            f"/system/users/{agent.pk}/password/",
            {"password": "Xx-12345678", "password_again": "Xx-12345678"},
        ),
        ("/system/departments/new/", {"code": "qa", "name": "质量部"}),
        ("/system/departments/cs/", {"name": "改名"}),
        ("/security/", {"lockout_threshold": 3, "version": 1}),
        (f"/security/accounts/{agent.pk}/end-sessions/", {}),
        (f"/security/accounts/{agent.pk}/totp-reset/", {}),
        ("/notifications/outbox/1/retry/", {}),
    ]


def test_the_auditor_cannot_write_anything(client, demo_accounts):
    client.force_login(demo_accounts["auditor"])
    before = AuditEvent.objects.exclude(event="access.denied").count()
    for url, data in _write_requests(demo_accounts):
        assert client.post(url, data).status_code == 403, url
    assert not User.objects.filter(username="x1").exists()
    assert not Department.objects.filter(code="qa").exists()
    assert AuditEvent.objects.exclude(event="access.denied").count() == before
    assert AuditEvent.objects.filter(
        event="access.denied", actor_username="auditor"
    ).count() == len(_write_requests(demo_accounts))


def test_the_security_admin_cannot_manage_users_or_read_the_audit_log(
    client, demo_accounts
):
    client.force_login(demo_accounts["secadmin"])
    for url, data in _write_requests(demo_accounts)[:5]:
        assert client.post(url, data).status_code == 403, url
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.xlsx").status_code == 403


def test_the_system_admin_cannot_read_change_or_delete_audit_rows(
    client, demo_accounts
):
    row = audit_record(event="login.success", actor=demo_accounts["agent"])
    client.force_login(demo_accounts["admin"])
    assert client.get("/audit/").status_code == 403
    assert client.get(f"/audit/{row.pk}/").status_code == 403
    assert client.post(f"/audit/{row.pk}/", {"event": "x"}).status_code == 405
    assert client.post("/audit/verify/").status_code == 403
    assert client.get("/security/").status_code == 403
    client.force_login(demo_accounts["auditor"])
    assert client.post(f"/audit/{row.pk}/", {"event": "x"}).status_code == 405
    assert AuditEvent.objects.get(pk=row.pk).event == "login.success"


def test_there_is_no_django_admin_site(client, demo_accounts):
    assert "django.contrib.admin" not in settings.INSTALLED_APPS
    client.force_login(demo_accounts["admin"])
    assert client.get("/admin/").status_code == 404


def test_a_change_of_a_roles_permissions_is_audited(demo_accounts):
    from django.contrib.auth.models import Group, Permission

    from accounts.services import roles_sync

    auditor = Group.objects.get(name="auditor")
    auditor.permissions.add(Permission.objects.get(codename="manage_users"))
    roles_sync()
    event = AuditEvent.objects.get(event="role.permissions_change")
    assert event.data == {
        "role": "auditor",
        "added": [],
        "removed": ["accounts.manage_users"],
    }
    assert not auditor.permissions.filter(codename="manage_users").exists()
