import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notify.services import notify_user

pytestmark = pytest.mark.django_db

WORK = [
    "tickets",
    "complaints",
    "customers",
    "care",
    "sla",
    "quality",
    "staff",
    "policies",
    "knowledge",
    "reports",
]
SIDEBAR = {
    "admin": [
        "home",
        "users",
        "departments",
        "roles",
        "calendars",
        "channels",
        "outbox",
    ],
    "secadmin": ["home", "roles", "security"],
    "auditor": [
        "home",
        "tickets",
        "complaints",
        "customers",
        "care",
        "sla",
        "quality",
        "staff",
        "policies",
        "knowledge",
        "reports",
        "roles",
        "security",
        "audit",
    ],
    "gm": ["home", *WORK],
    "manager": ["home", *WORK, "mail_templates", "inbound", "outbox"],
    "supervisor": ["home", *WORK, "inbound"],
    "agent": [
        "home",
        "tickets",
        "complaints",
        "customers",
        "care",
        "sla",
        "policies",
        "knowledge",
    ],
    "agent2": [
        "home",
        "tickets",
        "complaints",
        "customers",
        "care",
        "sla",
        "policies",
        "knowledge",
    ],
    "transport": [
        "home",
        "tickets",
        "complaints",
        "customers",
        "sla",
        "policies",
        "knowledge",
    ],
    "deptmgr": [
        "home",
        "tickets",
        "complaints",
        "customers",
        "sla",
        "quality",
        "staff",
        "policies",
        "knowledge",
        "reports",
    ],
    "warehouse": [
        "home",
        "tickets",
        "complaints",
        "customers",
        "sla",
        "policies",
        "knowledge",
    ],
}
HOME = {
    "admin": "home-system_admin",
    "secadmin": "home-security_admin",
    "auditor": "home-auditor",
    "gm": "home-general_manager",
    "manager": "home-service_manager",
    "supervisor": "home-supervisor",
    "agent": "home-agent",
    "agent2": "home-agent",
    "transport": "home-department_staff",
    "deptmgr": "home-department_manager",
    "warehouse": "home-department_staff",
}


def _sidebar(html: str) -> list[str]:
    return re.findall(r'data-module="([\w-]+)"', html)


@pytest.mark.parametrize("username", sorted(SIDEBAR))
def test_each_role_sees_its_home_page_and_sidebar(client, demo_accounts, username):
    client.force_login(demo_accounts[username])
    html = client.get("/").content.decode()
    assert f'data-testid="{HOME[username]}"' in html
    assert _sidebar(html) == SIDEBAR[username]


def test_a_module_not_built_says_so_honestly(client, demo_accounts):
    client.force_login(demo_accounts["agent"])
    response = client.get("/m/policies/")
    assert response.status_code == 200
    assert "建设中" in response.content.decode()


@pytest.mark.parametrize(
    "username,key",
    [
        ("secadmin", "policies"),
        ("agent", "staff"),
        ("admin", "care"),
        ("agent", "reports"),
    ],
)
def test_a_module_page_is_refused_to_roles_that_do_not_see_it(
    client, demo_accounts, username, key
):
    client.force_login(demo_accounts[username])
    assert client.get(f"/m/{key}/").status_code == 403


def test_unknown_or_built_modules_are_404(client, demo_accounts):
    client.force_login(demo_accounts["admin"])
    assert client.get("/m/nothing/").status_code == 404
    assert client.get("/m/users/").status_code == 404
    assert client.get("/m/tickets/").status_code == 404
    assert client.get("/m/complaints/").status_code == 404


def test_the_bell_counts_unread_notifications(client, demo_accounts):
    agent = demo_accounts["agent"]
    for i in range(3):
        notify_user(user=agent, title=f"通知{i}", key=f"k{i}")
    client.force_login(agent)
    html = client.get("/").content.decode()
    assert re.search(r'data-testid="bell-count">3<', html)


def test_home_page_queries_do_not_grow_with_notifications(client, demo_accounts):
    agent = demo_accounts["agent"]
    client.force_login(agent)
    notify_user(user=agent, title="a", key="a")
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for i in range(12):
        notify_user(user=agent, title=f"n{i}", key=f"n{i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(few) == len(many)


def test_auditor_home_shows_real_audit_rows(client, demo_accounts):
    client.post("/accounts/login/", {"username": "agent", "password": "kefu-demo"})
    client.force_login(demo_accounts["auditor"])
    html = client.get("/").content.decode()
    assert "login.success" in html


def test_pages_are_in_chinese_even_when_the_browser_asks_for_english(
    client, demo_accounts
):
    client.force_login(demo_accounts["agent"])
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "我的工作台" in html and 'lang="zh-hans"' in html


def test_the_language_switch_turns_pages_english(client, demo_accounts):
    client.force_login(demo_accounts["agent"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert "My workspace" in html and 'lang="en"' in html


def test_the_login_page_can_switch_language_before_login(client):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}
    )
    assert response.status_code == 302
    assert "Sign in" in client.get("/accounts/login/").content.decode()


def test_the_security_admins_home_shows_locks_failures_and_sessions(
    client, demo_accounts
):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "agent", "password": "no"})
    client.post("/accounts/login/", {"username": "ghost", "password": "no"})
    client.force_login(demo_accounts["secadmin"])
    overview = client.get("/").context["security"]
    assert (overview["locked"], overview["failing"], overview["open_sessions"]) == (
        1,
        2,
        1,
    )
