"""The system administrator keeps the business calendars, in Chinese, in Debian's
Chromium: the 2027 warning, entering the year, a day's setting from the year view,
and a due-time trial."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Pin "today" to 23 November 2026, when 2027's schedule is missing."""
    monkeypatch.setattr(
        "django.utils.timezone.localdate", lambda *a, **k: dt.date(2026, 11, 23)
    )


def test_admin_enters_2027_and_the_warning_goes(
    page: Page, live_server, demo_accounts, tmp_path
):
    login(page, live_server.url, "admin")
    warning = page.get_by_test_id("calendar-assumed-warning")
    expect(warning).to_contain_text("2027 年还没有法定节假日和调休数据")

    page.get_by_test_id("sidebar").get_by_text("工作日历", exact=True).click()
    expect(page.get_by_role("heading", name="工作日历")).to_be_visible()
    expect(page.get_by_test_id("calendar-table")).to_contain_text("标准工作日历")
    page.get_by_role("link", name="录入 2027 年安排").click()

    expect(page.get_by_test_id("holiday-year-title")).to_have_text(
        "2027 年法定节假日安排"
    )
    page.get_by_label("放假安排").fill("元旦 2027-01-01 至 2027-01-03\n春节 2月30日")
    page.get_by_test_id("holiday-year-submit").click()
    expect(page.locator('[data-field-error="holidays"]')).to_contain_text(
        "第 2 行：日期不存在。"
    )
    page.get_by_label("放假安排").fill(
        "元旦 2027-01-01 至 2027-01-03\n春节 2月6日 至 2月12日"
    )
    page.get_by_label("调休上班日").fill("春节 2027-02-20")
    page.get_by_test_id("holiday-year-submit").click()

    expect(page.get_by_text("已保存 2027 年的节假日安排。")).to_be_visible()
    expect(page.get_by_test_id("calendar-assumed-warning")).to_have_count(0)
    expect(page.locator('tr[data-year="2027"]')).to_contain_text("管理员录入")
    page.screenshot(path=str(tmp_path / "calendars.png"), full_page=True)


def test_admin_sets_a_day_from_the_year_view_and_tries_a_due_time(
    page: Page, live_server, demo_accounts, tmp_path
):
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/system/calendars/standard/2026/")
    expect(page.get_by_test_id("calendar-title")).to_have_text("标准工作日历")
    expect(page.get_by_test_id("year-source")).to_have_text("法定节假日数据包")

    page.locator('a[data-date="2026-10-10"]').click()
    panel = page.get_by_test_id("day-detail")
    expect(panel.get_by_test_id("day-kind")).to_have_text("调休上班 · 国庆节")
    expect(panel.get_by_test_id("day-source")).to_have_text("法定节假日数据包")

    page.locator('a[data-date="2026-12-24"]').click()
    expect(panel).to_have_attribute("data-date", "2026-12-24")
    panel.get_by_label("适用范围").select_option("calendar")
    panel.get_by_label("这一天").select_option("holiday")
    panel.get_by_label("说明").fill("公司年会放假")
    panel.get_by_test_id("day-submit").click()

    expect(page.get_by_text("已调整 2026年12月24日。")).to_be_visible()
    expect(page.locator('a[data-date="2026-12-24"]')).to_have_attribute(
        "data-kind", "holiday"
    )
    expect(page.get_by_test_id("override-list")).to_contain_text("公司年会放假")

    page.get_by_label("开始时间").fill("2026-09-30T17:00")
    page.get_by_label("工作分钟数").fill("480")
    page.get_by_test_id("trial-submit").click()
    expect(page.get_by_test_id("trial-due")).to_have_text("2026年10月8日 星期四 17:30")
    page.screenshot(path=str(tmp_path / "year.png"), full_page=True)
