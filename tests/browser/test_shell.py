"""Each demo role logs in in Chinese, sees its home page and sidebar, switches to
English and logs out — in Debian's Chromium."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = {
    "admin": ("系统管理工作台", "System administration workspace", "用户", "Users"),
    "secadmin": ("安全管理工作台", "Security workspace", "安全策略", "Security policy"),
    "auditor": ("审计工作台", "Audit workspace", "审计日志", "Audit log"),
    "gm": ("总经理工作台", "General manager workspace", "指标看板", "Dashboard"),
    "manager": (
        "客服部工作台",
        "Customer service workspace",
        "服务质量",
        "Service quality",
    ),
    "supervisor": ("团队工作台", "Team workspace", "员工绩效", "Staff performance"),
    "agent": ("我的工作台", "My workspace", "客户档案", "Customer archive"),
    "agent2": ("我的工作台", "My workspace", "工单", "Tickets"),
    "transport": ("部门工作台", "Department workspace", "投诉处理", "Complaints"),
    "deptmgr": (
        "部门经理工作台",
        "Department manager workspace",
        "员工绩效",
        "Staff performance",
    ),
    "warehouse": ("部门工作台", "Department workspace", "知识库", "Knowledge"),
}


def login(page: Page, base: str, username: str, password: str = "kefu-demo") -> None:
    page.goto(f"{base}/accounts/login/")
    expect(page.get_by_role("heading", name="登录您的账户")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_test_id("login-submit").click()


@pytest.mark.parametrize("username", sorted(ROLES))
def test_role_logs_in_in_chinese_switches_to_english_and_logs_out(
    page: Page, live_server, demo_accounts, username
):
    title_zh, title_en, module_zh, module_en = ROLES[username]
    login(page, live_server.url, username)
    expect(page.get_by_test_id("home-title")).to_have_text(title_zh)
    sidebar = page.get_by_test_id("sidebar")
    expect(sidebar.get_by_text(module_zh, exact=True)).to_be_visible()

    page.locator("#language-select").select_option("en")
    expect(page.get_by_test_id("home-title")).to_have_text(title_en)
    expect(sidebar.get_by_text(module_en, exact=True)).to_be_visible()

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page.get_by_role("heading", name="Sign in to your account")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")


def test_wrong_password_shows_a_chinese_message(page: Page, live_server, demo_accounts):
    login(page, live_server.url, "agent", "wrong-password")
    expect(page.get_by_text("用户名或密码不正确。")).to_be_visible()


def test_chinese_renders_and_print_styles_hide_the_shell(
    page: Page, live_server, demo_accounts, tmp_path
):
    login(page, live_server.url, "agent")
    expect(page.get_by_test_id("home-title")).to_have_text("我的工作台")
    page.screenshot(path=str(tmp_path / "home.png"))
    page.emulate_media(media="print")
    expect(page.get_by_test_id("sidebar")).to_be_hidden()
