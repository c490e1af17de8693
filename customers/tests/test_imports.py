"""xlsx imports: templates, the row-by-row report, nothing changing with errors
unless the valid rows alone are chosen, the job's states, and a large sheet."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from core.errors import DomainError
from core.models import AuditEvent
from customers.imports import (
    CUSTOMER_COLUMNS,
    TRANSACTION_COLUMNS,
    import_cancel,
    import_confirm,
    import_start,
    import_template_xlsx,
)
from customers.models import Customer, ImportJob, TierChange, Transaction
from customers.selectors import customer_page
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TX_HEADER = [
    "客户编号",
    "统一社会信用代码",
    "客户名称",
    "日期",
    "金额（元）",
    "合作内容",
    "外部单号",
]
CUSTOMER_HEADER = [str(c.label) for c in CUSTOMER_COLUMNS]


def sheet(header, rows, name="import.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    ws = book.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def start(user, kind, upload, capture):
    with capture(execute=True):
        job = import_start(actor=user, kind=kind, upload=upload)
    job.refresh_from_db()
    return job


def confirm(user, job, capture, valid_only=False):
    with capture(execute=True):
        import_confirm(actor=user, job=job, valid_only=valid_only)
    job.refresh_from_db()
    return job


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_templates_carry_the_columns_and_how_to_fill_them():
    book = load_workbook(io.BytesIO(import_template_xlsx("transactions")))
    header = [c.value for c in book.worksheets[0][1]]
    assert header == [str(c.label) for c in TRANSACTION_COLUMNS]
    notes = [row[0] for row in book.worksheets[1].iter_rows(values_only=True)]
    assert "金额（元）" in notes
    book = load_workbook(io.BytesIO(import_template_xlsx("customers")))
    assert [c.value for c in book.worksheets[0][1]] == CUSTOMER_HEADER


def test_a_sheet_with_errors_changes_nothing_and_reports_each_row(users, capture):
    known = CustomerFactory(name="杭州远航食品有限公司")
    today = timezone.localdate()
    upload = sheet(
        TX_HEADER,
        [
            [known.pk, None, None, today, 12000, "城市配送", "PO-1"],
            [
                None,
                None,
                "杭州远航食品有限公司",
                today.isoformat(),
                "8,000.5",
                "仓储",
                None,
            ],
            [None, None, "不存在的公司", today, 100, "运输", None],
            [known.pk, None, None, "明天", -5, "", None],
            [None, None, None, None, None, None, None],  # blank: skipped
            [known.pk, None, None, today, 300, "冷链", "PO-1"],
        ],
    )
    job = start(users["manager"], "transactions", upload, capture)
    assert job.status == "validated" and job.total_rows == 5
    assert job.error_rows == 3 and job.valid_rows == 2
    report = list(
        job.issues.order_by("row", "id").values_list("row", "field", "message")
    )
    assert report[0][0] == 4 and report[0][1] == "客户名称"
    assert {(row, field) for row, field, _m in report} == {
        (4, "客户名称"),
        (5, "日期"),
        (5, "金额（元）"),
        (5, "合作内容"),
        (7, "外部单号"),
    }
    assert any("第 2 行" in m for _r, _f, m in report)
    assert not Transaction.objects.exists()
    # Importing every row is refused while there are errors.
    with pytest.raises(DomainError) as info:
        import_confirm(actor=users["manager"], job=job, valid_only=False)
    assert info.value.field == "valid_only"
    assert not Transaction.objects.exists()
    # The valid rows alone, when chosen.
    job = confirm(users["manager"], job, capture, valid_only=True)
    assert job.status == "done" and job.imported_rows == 2
    deals = Transaction.objects.order_by("amount")
    assert [str(d.amount) for d in deals] == ["8000.50", "12000.00"]
    assert {d.source for d in deals} == {"imported"} and deals[0].import_job == job
    known.refresh_from_db()
    assert known.tier_proposed == "C"
    assert not job.file  # the uploaded sheet is not kept once done
    assert AuditEvent.objects.filter(event="import.run", object_id=str(job.pk)).exists()
    with pytest.raises(DomainError):
        import_confirm(actor=users["manager"], job=job, valid_only=True)


def test_a_clean_sheet_imports_every_row(users, capture):
    known = CustomerFactory(credit_code="91350100M000100Y43")
    day = timezone.localdate() - dt.timedelta(days=30)
    chinese = f"{day.year}年{day.month}月{day.day}日"
    upload = sheet(
        TX_HEADER,
        [[None, "91350100m000100y43", None, chinese, 600000, "年度合同", "C-9"]],
    )
    job = start(users["supervisor"], "transactions", upload, capture)
    assert job.error_rows == 0
    job = confirm(users["supervisor"], job, capture)
    assert job.imported_rows == 1
    known.refresh_from_db()
    assert known.tier_proposed == "B" and known.tier_review


def test_rows_are_checked_again_when_importing(users, capture):
    """A customer retired between the check and the import: with all rows asked
    for, nothing is written; the report says why."""
    doomed = CustomerFactory()
    kept = CustomerFactory()
    today = timezone.localdate()
    upload = sheet(
        TX_HEADER,
        [
            [doomed.pk, None, None, today, 10, "x", None],
            [kept.pk, None, None, today, 20, "y", None],
        ],
    )
    job = start(users["manager"], "transactions", upload, capture)
    assert job.error_rows == 0
    Customer.objects.filter(pk=doomed.pk).update(deleted_at=timezone.now())
    job = confirm(users["manager"], job, capture)
    assert job.status == "failed" and job.error_rows == 1 and job.message
    assert not Transaction.objects.exists()
    assert job.issues.get().row == 2


def test_an_ambiguous_name_or_conflicting_identifiers_are_refused(users, capture):
    CustomerFactory(name="重名公司")
    CustomerFactory(name="重名公司")
    a, b = CustomerFactory(), CustomerFactory()
    today = timezone.localdate()
    upload = sheet(
        TX_HEADER,
        [
            [None, None, "重名公司", today, 1, "x", None],
            [a.pk, b.credit_code, None, today, 1, "x", None],
            ["abc", None, None, today, 1, "x", None],
        ],
    )
    job = start(users["manager"], "transactions", upload, capture)
    messages = dict(job.issues.values_list("row", "message"))
    assert "多个客户" in messages[2]
    assert "不同的客户" in messages[3]
    assert "找不到" in messages[4]


def test_customers_are_imported_indexed_audited_with_their_history(users, capture):
    CustomerFactory(name="已有公司", credit_code="91350100M000100Y43")
    rows = [
        [
            "杭州远航食品有限公司",
            "单位",
            "",
            "民营",
            "食品",
            "浙江省",
            "杭州市",
            "中型",
            "企业网站",
            "0571-0123456",
            "a@example.invalid",
            "",
            "agent2",
            "",
        ],
        ["王先生", "个人", "", "", "", "", "", "", "", "10012345678", "", "", "", ""],
        [
            "重复代码",
            "单位",
            "91350100M000100Y43",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "坏代码",
            "单位",
            "91350100M000100Y44",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "个人带代码",
            "个人",
            "91310000M000200Y11",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "",
            "单位",
            "",
            "外星",
            "",
            "",
            "",
            "",
            "",
            "打电话",
            "nope",
            "",
            "nobody",
            "",
        ],
    ]
    job = start(users["manager"], "customers", sheet(CUSTOMER_HEADER, rows), capture)
    assert job.total_rows == 6 and job.error_rows == 4
    fields = set(job.issues.values_list("row", "field"))
    assert {
        (4, "统一社会信用代码"),
        (5, "统一社会信用代码"),
        (6, "统一社会信用代码"),
    } <= fields
    assert {(7, "名称"), (7, "所有制"), (7, "电话"), (7, "邮箱")} <= fields
    assert Customer.objects.count() == 1
    job = confirm(users["manager"], job, capture, valid_only=True)
    assert job.imported_rows == 2
    food = Customer.objects.get(name="杭州远航食品有限公司")
    assert food.owner == users["agent2"] and food.ownership == "private"
    assert food.size == "medium" and food.source == "website"
    person = Customer.objects.get(name="王先生")
    assert person.kind == "person" and person.owner == users["manager"]
    assert customer_page(user=users["agent"], q="hzyhsp").items == [food]
    assert customer_page(user=users["agent"], q="5678").items == [person]
    assert TierChange.objects.filter(customer=food, kind="initial").exists()
    assert AuditEvent.objects.filter(
        event="customer.create", object_id=str(food.pk), data__import=job.pk
    ).exists()


def test_an_owner_needs_the_right_to_assign(users, capture):
    rows = [["甲公司", "单位", "", "", "", "", "", "", "", "", "", "", "agent", ""]]
    job = start(users["supervisor"], "customers", sheet(CUSTOMER_HEADER, rows), capture)
    assert job.error_rows == 0  # a supervisor may assign owners
    rows = [["乙公司", "单位", "", "", "", "", "", "", "", "", "", "", "admin", ""]]
    job = start(users["supervisor"], "customers", sheet(CUSTOMER_HEADER, rows), capture)
    assert "在职的业务人员" in job.issues.get().message


def test_duplicate_codes_within_the_sheet_are_caught(users, capture):
    code = "91350100M000100Y43"
    rows = [
        ["甲", "单位", code, *[""] * 11],
        ["乙", "单位", code.lower(), *[""] * 11],
    ]
    job = start(users["manager"], "customers", sheet(CUSTOMER_HEADER, rows), capture)
    issue = job.issues.get()
    assert issue.row == 3 and "第 2 行" in issue.message


@pytest.mark.parametrize(
    "upload,field",
    [
        (SimpleUploadedFile("a.xlsx", b"not a workbook"), "file"),
        (SimpleUploadedFile("a.csv", "名称\n甲".encode()), "file"),
        (None, "file"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(users, upload, field):
    with pytest.raises(DomainError) as info:
        import_start(actor=users["manager"], kind="customers", upload=upload)
    assert info.value.field == field
    assert not ImportJob.objects.exists()


def test_a_sheet_without_the_required_columns_fails_with_a_report(users, capture):
    job = start(
        users["manager"], "transactions", sheet(["日期", "备注"], [[1, 2]]), capture
    )
    assert job.status == "failed" and "金额（元）" in job.message
    assert job.issues.get().row == 1


def test_an_unknown_kind_is_refused(users):
    with pytest.raises(DomainError) as info:
        import_start(
            actor=users["manager"], kind="tickets", upload=sheet(TX_HEADER, [])
        )
    assert info.value.field == "kind"


@pytest.mark.parametrize("username", ["agent", "transport", "auditor", "admin"])
def test_importing_needs_its_permission(users, username):
    with pytest.raises(PermissionDenied):
        import_start(
            actor=users[username], kind="transactions", upload=sheet(TX_HEADER, [])
        )


def test_only_the_uploader_imports_or_cancels(users, capture):
    customer = CustomerFactory()
    upload = sheet(
        TX_HEADER, [[customer.pk, None, None, timezone.localdate(), 5, "x", None]]
    )
    job = start(users["supervisor"], "transactions", upload, capture)
    with pytest.raises(PermissionDenied):
        import_confirm(actor=users["manager"], job=job, valid_only=False)
    with pytest.raises(PermissionDenied):
        import_cancel(actor=users["manager"], job=job)
    import_cancel(actor=users["supervisor"], job=job)
    job.refresh_from_db()
    assert job.status == "cancelled" and not job.file
    with pytest.raises(DomainError):
        import_confirm(actor=users["supervisor"], job=job, valid_only=True)
    assert not Transaction.objects.exists()


def test_ten_thousand_customers_import_in_bulk(users, capture):
    rows = [
        [
            f"测试导入{n:05d}物流有限公司",
            "单位",
            "",
            "民营",
            "物流",
            "上海市",
            "上海市",
            "",
            "",
            f"021-0{n:07d}",
            "",
            "",
            "",
            "",
        ]
        for n in range(10_000)
    ]
    rows[17][9] = "坏号码!"
    rows[4242][0] = ""
    upload = sheet(CUSTOMER_HEADER, rows)
    with CaptureQueriesContext(connection) as queries:
        job = start(users["manager"], "customers", upload, capture)
        assert job.total_rows == 10_000 and job.error_rows == 2
        assert set(job.issues.values_list("row", flat=True)) == {19, 4244}
        job = confirm(users["manager"], job, capture, valid_only=True)
    # Set-based: a few queries per chunk of rows, never a few per row.
    assert len(queries) < 1_000, len(queries)
    assert job.status == "done" and job.imported_rows == 9_998
    assert Customer.objects.count() == 9_998
    found = customer_page(user=users["agent"], q="导入09999").items
    assert [c.name for c in found] == ["测试导入09999物流有限公司"]


def test_ten_thousand_transactions_import_in_bulk(users, capture):
    customers = [CustomerFactory() for _ in range(50)]
    day = timezone.localdate() - dt.timedelta(days=3)
    rows = [
        [customers[n % 50].pk, None, None, day, 100 + n, "零担快运", f"W{n:06d}"]
        for n in range(10_000)
    ]
    with CaptureQueriesContext(connection) as queries:
        job = start(users["manager"], "transactions", sheet(TX_HEADER, rows), capture)
        job = confirm(users["manager"], job, capture)
    assert job.imported_rows == 10_000
    assert len(queries) < 400, len(queries)
    assert Transaction.objects.count() == 10_000
    customers[0].refresh_from_db()
    # 200 deals, over a million yuan, but all new: potential (B), not yet A.
    assert customers[0].tier_proposed == "B"


def test_a_job_whose_worker_died_is_picked_up_again(users, capture):
    """A job silent for long (its worker was killed) is queued again by the
    sweep; a second run of a finished job writes nothing twice."""
    import datetime as dt

    from customers.imports import import_run, imports_resume

    customer = CustomerFactory()
    upload = sheet(
        TX_HEADER, [[customer.pk, None, None, timezone.localdate(), 5, "x", None]]
    )
    job = start(users["supervisor"], "transactions", upload, capture)
    # Confirmed, but the worker died before writing anything.
    ImportJob.objects.filter(pk=job.pk).update(
        status="importing", touched_at=timezone.now() - dt.timedelta(minutes=10)
    )
    assert imports_resume() == []  # still within the time a worker may take
    ImportJob.objects.filter(pk=job.pk).update(
        touched_at=timezone.now() - dt.timedelta(hours=1)
    )
    with capture(execute=True):
        assert imports_resume() == [job.pk]
    job.refresh_from_db()
    assert job.status == "done" and Transaction.objects.count() == 1
    assert imports_resume() == []
    import_run(job_id=job.pk)  # a late second worker
    assert Transaction.objects.count() == 1


def test_the_stated_size_of_a_sheet_is_not_trusted(users, capture, monkeypatch):
    from customers import imports

    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = [[CustomerFactory().pk, None, None, timezone.localdate(), 1, "x", None]] * 2
    assert (
        start(users["manager"], "transactions", sheet(TX_HEADER, rows), capture).status
        == "validated"
    )
    job = start(users["manager"], "transactions", sheet(TX_HEADER, rows * 3), capture)
    assert job.status == "failed" and "最多" in job.message
