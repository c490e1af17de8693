import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Department, User
from accounts.tests.factories import UserFactory
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "/system/users/",
    "/system/users/new/",
    "/system/departments/",
    "/system/departments/new/",
    "/system/departments/cs/",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
@pytest.mark.parametrize(
    "username,status",
    [
        ("admin", 200),
        ("secadmin", 403),
        ("auditor", 403),
        ("gm", 403),
        ("manager", 403),
        ("supervisor", 403),
        ("agent", 403),
        ("transport", 403),
        ("deptmgr", 403),
        ("warehouse", 403),
    ],
)
def test_only_the_system_admin_manages_users_and_departments(
    client, demo_accounts, url, username, status
):
    client.force_login(demo_accounts[username])
    assert client.get(url).status_code == status


@pytest.mark.parametrize(
    "username,status",
    [
        ("admin", 200),
        ("secadmin", 200),
        ("auditor", 200),
        ("manager", 403),
        ("agent", 403),
    ],
)
def test_roles_page_is_for_the_three_administrators(
    client, demo_accounts, username, status
):
    client.force_login(demo_accounts[username])
    assert client.get("/system/roles/").status_code == status


def test_user_edit_and_password_pages_refuse_non_admins(client, demo_accounts):
    target = demo_accounts["agent"]
    client.force_login(demo_accounts["manager"])
    assert client.get(f"/system/users/{target.pk}/").status_code == 403
    assert (
        client.post(
            f"/system/users/{target.pk}/password/",
            {"password": "x", "password_again": "x"},
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/system/users/{target.pk}/",
            {
                "display_name": "x",
                "department": target.department_id,
                "roles": ["system_admin"],
                "is_active": "on",
            },
        ).status_code
        == 403
    )
    assert (
        not User.objects.get(pk=target.pk).groups.filter(name="system_admin").exists()
    )


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/system/users/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/accounts/login/"
    )


def test_admin_creates_a_user_through_the_page(client, demo_accounts):
    client.force_login(demo_accounts["admin"])
    cs = Department.objects.get(code="cs")
    response = client.post(
        "/system/users/new/",
        {
            "username": "agent3",
            "display_name": "何小琳",
            "password": "Zhuce-2026-ok",
            "department": cs.pk,
            "roles": ["agent"],
            "email": "",
            "phone": "",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="agent3")
    assert user.department == cs and user.groups.get().name == "agent"


def test_bad_input_on_the_user_form_names_the_field_and_saves_nothing(
    client, demo_accounts
):
    client.force_login(demo_accounts["admin"])
    response = client.post(
        "/system/users/new/",
        {
            "username": "agent",
            "display_name": "",
            "password": "123",
            "department": "",
            "roles": [],
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert {"display_name", "department", "roles"} <= set(form.errors)
    assert User.objects.filter(username="agent").count() == 1


def test_weak_password_is_reported_on_the_password_field(client, demo_accounts):
    client.force_login(demo_accounts["admin"])
    cs = Department.objects.get(code="cs")
    response = client.post(
        "/system/users/new/",
        {
            "username": "agent3",
            "display_name": "何小琳",
            "password": "12345678",
            "department": cs.pk,
            "roles": ["agent"],
        },
    )
    assert "password" in response.context["form"].errors
    assert not User.objects.filter(username="agent3").exists()


def test_department_dispatcher_choice_is_limited_to_members(client, demo_accounts):
    client.force_login(demo_accounts["admin"])
    response = client.post(
        "/system/departments/cs/",
        {
            "name": "客户服务部",
            "dispatcher": demo_accounts["transport"].pk,
            "sort_order": 10,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "dispatcher" in response.context["form"].errors
    assert Department.objects.get(code="cs").dispatcher == demo_accounts["supervisor"]


def test_user_list_query_count_does_not_grow_with_rows(client, demo_accounts):
    client.force_login(demo_accounts["admin"])
    client.get("/system/users/")
    with CaptureQueriesContext(connection) as few:
        client.get("/system/users/")
    UserFactory.create_batch(10, role="agent")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/system/users/")
    assert len(response.context["page"].items) == 21
    assert len(few) == len(many)


def test_user_list_filters_by_role_and_department(client, demo_accounts):
    client.force_login(demo_accounts["admin"])
    response = client.get("/system/users/?role=agent&department=cs")
    names = [u.username for u in response.context["page"].items]
    assert names == ["agent", "agent2"]


def test_login_page_logs_in_and_audits(client, demo_accounts):
    response = client.post(
        "/accounts/login/", {"username": "agent", "password": "kefu-demo"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEvent.objects.filter(
        event="login.success", actor_username="agent"
    ).exists()


def test_login_with_a_wrong_password_says_so_in_chinese(client, demo_accounts):
    response = client.post(
        "/accounts/login/", {"username": "agent", "password": "nope"}
    )
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_login_does_not_redirect_off_site(client, demo_accounts):
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "agent", "password": "kefu-demo", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_logout_is_post_only_and_audited(client, demo_accounts):
    client.force_login(demo_accounts["agent"])
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert AuditEvent.objects.filter(event="logout").exists()
    assert client.get("/").status_code == 302


def test_a_user_issues_and_revokes_their_own_token_but_not_others(
    client, demo_accounts
):
    client.force_login(demo_accounts["agent"])
    response = client.post("/accounts/profile/", {"name": "呼叫中心"})
    key = response.context["new_token"]
    token = demo_accounts["agent"].api_tokens.get()
    assert key.startswith("kf_")
    client.force_login(demo_accounts["agent2"])
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    client.force_login(demo_accounts["agent"])
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
