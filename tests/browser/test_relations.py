"""The relationship data journey in Chinese: the service manager imports a sheet of
transactions with two bad rows, reads the row-by-row report, imports the valid
rows, sees the tiers the rules propose and confirms one with a reason."""

import datetime as dt

import pytest
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from customers import services
from customers.models import Customer, TierChange, Transaction
from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customers(demo_accounts):
    agent = demo_accounts["agent"]
    return {
        "yuanhang": services.customer_create(
            actor=agent, name="杭州远航食品有限公司", owner=agent
        ),
        "hengtong": services.customer_create(
            actor=agent,
            name="上海恒通电子科技有限公司",
            credit_code="91350100M000100Y43",
            owner=agent,
        ),
    }


@pytest.fixture
def sheet(tmp_path, customers):
    day = timezone.localdate() - dt.timedelta(days=20)
    book = Workbook()
    rows = book.active
    rows.append(
        [
            "客户编号",
            "统一社会信用代码",
            "客户名称",
            "日期",
            "金额（元）",
            "合作内容",
            "外部单号",
        ]
    )
    rows.append(
        [customers["yuanhang"].pk, None, None, day, 200000, "年度仓储合同", "HT-001"]
    )
    rows.append([None, None, "杭州远航食品有限公司", day, 150000, "冷链运输", "HT-002"])
    rows.append([None, "91350100M000100Y43", None, day, 8000, "零担快运", None])
    rows.append([None, None, "不存在的物流客户", day, 5000, "城市配送", None])
    rows.append([customers["hengtong"].pk, None, None, day, -300, "退款冲销", None])
    rows.append([customers["hengtong"].pk, None, None, day, 6500, "城市配送", None])
    path = tmp_path / "合作记录.xlsx"
    book.save(path)
    return path


def test_import_a_sheet_then_confirm_a_proposed_tier(
    page: Page, live_server, demo_accounts, customers, sheet
):
    base = live_server.url
    login(page, base, "manager")
    page.goto(f"{base}/customers/")
    page.get_by_test_id("subnav-imports").click()
    expect(page.get_by_role("heading", name="从 Excel 导入")).to_be_visible()
    page.get_by_label("导入内容").select_option(label="合作记录")
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(str(sheet))
    page.get_by_test_id("import-submit").click()

    # The report: six rows, two with errors, each named by row, column, message.
    status = page.get_by_test_id("import-status")
    expect(status).to_have_attribute("data-status", "validated")
    expect(page.get_by_test_id("valid-rows")).to_have_text("4")
    expect(page.get_by_test_id("error-rows")).to_have_text("2")
    report = page.get_by_test_id("import-report")
    expect(report.locator("tr", has_text="第 5 行")).to_contain_text("客户名称")
    expect(report.locator("tr", has_text="第 5 行")).to_contain_text("找不到这个客户")
    expect(report.locator("tr", has_text="第 6 行")).to_contain_text("金额（元）")
    expect(report.locator("tr", has_text="第 6 行")).to_contain_text("必须大于 0")
    assert not Transaction.objects.exists()  # nothing changed yet

    # Import the valid rows only.
    page.get_by_test_id("import-valid-only").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("已导入 4 行")
    assert Transaction.objects.count() == 4

    # The rules proposed tiers: 杭州远航 bought 350,000 yuan — B, for review.
    page.get_by_test_id("to-tier-review").click()
    expect(page.get_by_role("heading", name="分级复核")).to_be_visible()
    row = page.locator("tr", has_text="杭州远航食品有限公司")
    expect(row.get_by_test_id("row-tier")).to_have_text("C")
    expect(row.get_by_test_id("row-proposed")).to_have_text("B")
    expect(row).to_contain_text("¥350,000.00，2 笔")
    expect(page.locator("tr", has_text="上海恒通电子科技有限公司")).to_have_count(0)

    # Confirming needs a reason; then it is kept with who and why.
    row.get_by_test_id("tier-row-submit").click()
    expect(row.locator('[data-field-error="reason"]')).to_be_visible()
    row.get_by_label("原因").fill(
        "近一年合作 35 万元，仓储和冷链都有需求，确认为潜力客户。"
    )
    row.get_by_test_id("tier-row-submit").click()
    expect(row.get_by_test_id("tier-saved")).to_contain_text("B 类（确认建议）")

    page.goto(f"{base}/customers/{customers['yuanhang'].pk}/")
    expect(page.get_by_test_id("tier-confirmed")).to_contain_text("B 类（潜力客户）")
    page.get_by_test_id("tab-tier").click()
    history = page.get_by_test_id("tier-history")
    expect(history).to_contain_text("确认建议")
    expect(history).to_contain_text("仓储和冷链都有需求")
    expect(history).to_contain_text("林晓雯")

    change = TierChange.objects.get(customer=customers["yuanhang"], kind="confirm")
    assert change.changed_by.username == "manager" and change.to_tier == "B"
    assert Customer.objects.get(pk=customers["yuanhang"].pk).tier == "B"
