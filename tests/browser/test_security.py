"""In Chinese, in Debian's Chromium: the lockout message after five wrong
passwords, and setting up the second factor from the profile and using it."""

import datetime as dt

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_five_wrong_passwords_lock_the_account_with_a_chinese_message(
    page: Page, live_server, demo_accounts
):
    for _ in range(4):
        login(page, live_server.url, "agent", "wrong-password")
        expect(page.get_by_text("用户名或密码不正确。")).to_be_visible()
    login(page, live_server.url, "agent", "wrong-password")
    expect(page.get_by_text("账户因连续多次登录失败已被锁定")).to_be_visible()
    login(page, live_server.url, "agent", "kefu-demo")  # the right password
    expect(page.get_by_text("请 10 分钟后再试，或联系安全管理员解锁")).to_be_visible()
    expect(page.get_by_role("heading", name="登录您的账户")).to_be_visible()


def test_setting_up_the_second_factor_and_logging_in_with_it(
    page: Page, live_server, demo_accounts
):
    login(page, live_server.url, "secadmin")
    expect(page.get_by_test_id("home-title")).to_have_text("安全管理工作台")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="个人设置与令牌").click()
    page.get_by_test_id("totp-manage").click()
    expect(page.get_by_role("heading", name="双因素认证")).to_be_visible()
    expect(page.get_by_role("img", name="双因素认证二维码")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("动态码").fill("000000")
    page.get_by_test_id("totp-submit").click()
    expect(page.get_by_text("动态码不正确")).to_be_visible()
    page.get_by_label("动态码").fill(totp.now())
    page.get_by_test_id("totp-submit").click()
    expect(
        page.get_by_text("双因素认证已启用，以后登录时需要输入动态码。")
    ).to_be_visible()

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    login(page, live_server.url, "secadmin")
    expect(page.get_by_role("heading", name="输入动态码")).to_be_visible()
    step = totp.timecode(dt.datetime.now()) + 1  # the code just used is refused
    page.get_by_label("动态码").fill(totp.generate_otp(step))
    page.get_by_test_id("verify-submit").click()
    expect(page.get_by_test_id("home-title")).to_have_text("安全管理工作台")
