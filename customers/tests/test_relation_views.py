"""The pages of the relationship data: who may open and use them, bad input,
masking, exports, htmx partials, and query counts that do not grow with rows."""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from core.models import AuditEvent
from customers import services
from customers.credit import credit_assess
from customers.freshness import duplicates_find
from customers.handover import ANY_KIND, handover_perform
from customers.models import (
    Customer,
    DuplicateCandidate,
    Handover,
    ImportJob,
    TierChange,
    Transaction,
)
from customers.tests.factories import CustomerFactory
from customers.tiers import tier_set, tiers_propose
from customers.transactions import transaction_create

pytestmark = pytest.mark.django_db

LISTS = [
    "/customers/transactions/",
    "/customers/tiers/",
    "/customers/credit/",
    "/customers/review/",
    "/customers/rules/",
]
MANAGER_ONLY = ["/customers/duplicates/", "/customers/handover/"]


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _deal(user, customer, amount="1000", days_ago=1, **extra):
    record, _ = transaction_create(
        actor=user,
        customer=customer,
        occurred_on=timezone.localdate() - dt.timedelta(days=days_ago),
        amount=amount,
        description=extra.pop("description", "城市配送"),
        **extra,
    )
    return record


@pytest.mark.parametrize("username", ["admin", "secadmin"])
def test_the_administrators_see_none_of_it(client, users, archive, username):
    client.force_login(users[username])
    pk = archive["customer"].pk
    for url in [
        *LISTS,
        *MANAGER_ONLY,
        "/customers/imports/",
        "/customers/transactions/export.xlsx",
        "/customers/credit/export.xlsx",
        f"/customers/{pk}/credit/new/",
    ]:
        assert client.get(url).status_code == 403, url
    for url in [
        f"/customers/{pk}/transactions/",
        f"/customers/{pk}/tier/",
        f"/customers/{pk}/credit/check/",
        f"/customers/{pk}/review/verify/",
    ]:
        assert client.post(url, {"amount": "1"}).status_code == 403, url
    assert AuditEvent.objects.filter(event="access.denied").count() >= 10


@pytest.mark.parametrize(
    "username", ["agent", "supervisor", "manager", "gm", "transport", "auditor"]
)
def test_business_roles_and_the_auditor_read_the_lists(
    client, users, archive, username
):
    client.force_login(users[username])
    for url in LISTS:
        assert "customers-subnav" in _html(client.get(url)), url


@pytest.mark.parametrize("username", ["agent", "supervisor", "transport", "auditor"])
def test_merging_and_handover_pages_are_for_managers(client, users, username):
    client.force_login(users[username])
    for url in MANAGER_ONLY:
        assert client.get(url).status_code == 403, url


def test_the_customer_page_shows_transactions_tier_and_credit(client, users, archive):
    customer = archive["customer"]
    _deal(users["agent"], customer, amount="260000")
    client.force_login(users["agent"])
    html = _html(client.get(f"/customers/{customer.pk}/"))
    assert "¥260,000.00" in html and 'data-testid="transaction-form"' in html
    assert 'data-testid="tier-proposed"' in html and "B 类（潜力客户）" in html
    assert 'data-testid="credit-history"' in html
    assert 'data-testid="tier-form"' not in html  # agents do not set tiers
    client.force_login(users["agent2"])
    html = _html(client.get(f"/customers/{customer.pk}/"))
    assert 'data-testid="credit-history-masked"' in html
    assert 'data-masked="credit_score"' in html and "¥260,000.00" in html


def test_entering_a_transaction_on_the_page_with_htmx(client, users, archive):
    customer = archive["customer"]
    client.force_login(users["agent"])
    url = f"/customers/{customer.pk}/transactions/"
    for data, field in [
        (
            {"occurred_on": "2026-02-30", "amount": "1", "description": "x"},
            "occurred_on",
        ),
        ({"occurred_on": "2026-02-03", "amount": "-1", "description": "x"}, "amount"),
        (
            {"occurred_on": "2026-02-03", "amount": "1", "description": ""},
            "description",
        ),
    ]:
        bad = _html(client.post(url, data, HTTP_HX_REQUEST="true"))
        assert f'data-field-error="{field}"' in bad, field
    assert not Transaction.objects.exists()
    good = _html(
        client.post(
            url,
            {
                "occurred_on": timezone.localdate().isoformat(),
                "amount": "3,200",
                "description": "冷链运输",
                "external_ref": "=HYPERLINK(1)",
            },
            HTTP_HX_REQUEST="true",
        )
    )
    assert "¥3,200.00" in good and 'id="transactions-tab"' in good
    assert "<html" not in good
    again = _html(
        client.post(
            url,
            {
                "occurred_on": timezone.localdate().isoformat(),
                "amount": "3200",
                "description": "冷链运输",
                "external_ref": "=HYPERLINK(1)",
            },
            HTTP_HX_REQUEST="true",
        )
    )
    assert "已经记录过" in again and Transaction.objects.count() == 1
    client.force_login(users["transport"])
    assert client.post(url, {"amount": "1"}).status_code == 403


def test_voiding_on_the_page(client, users, archive):
    deal = _deal(users["agent"], archive["customer"])
    url = f"/customers/{archive['customer'].pk}/transactions/{deal.pk}/void/"
    client.force_login(users["agent"])
    assert client.post(url, {"reason": "错"}).status_code == 403
    client.force_login(users["supervisor"])
    client.post(url, {"reason": ""})
    assert not Transaction.all_objects.get(pk=deal.pk).is_deleted
    response = client.post(url, {"reason": "金额录错"})
    assert response.status_code == 302 and response["Location"].endswith(
        "#transactions"
    )
    assert Transaction.all_objects.get(pk=deal.pk).is_deleted


def test_confirming_a_tier_from_the_review_list(client, users):
    customer = CustomerFactory(tier="C")
    _deal(users["agent"], customer, amount="200000")
    client.force_login(users["supervisor"])
    html = _html(client.get("/customers/tiers/"))
    assert customer.name in html and 'data-testid="tier-row-form"' in html
    customer.refresh_from_db()
    url = f"/customers/{customer.pk}/tier/"
    prefix = f"c{customer.pk}"
    data = {
        "prefix": prefix,
        f"{prefix}-tier": "B",
        f"{prefix}-version": customer.version,
    }
    bad = _html(
        client.post(url, {**data, f"{prefix}-reason": ""}, HTTP_HX_REQUEST="true")
    )
    assert 'data-field-error="reason"' in bad and f'id="tier-row-{customer.pk}"' in bad
    assert not TierChange.objects.filter(customer=customer, kind="confirm").exists()
    done = _html(
        client.post(
            url,
            {**data, f"{prefix}-reason": "近一年合作 20 万"},
            HTTP_HX_REQUEST="true",
        )
    )
    assert 'data-testid="tier-saved"' in done
    customer.refresh_from_db()
    assert customer.tier == "B" and not customer.tier_review
    assert "没有需要复核的分级" in _html(client.get("/customers/tiers/"))
    # A stale form says so and changes nothing.
    stale = _html(
        client.post(
            url,
            {**data, f"{prefix}-tier": "A", f"{prefix}-reason": "再改"},
            HTTP_HX_REQUEST="true",
        )
    )
    assert "已被他人修改" in stale
    customer.refresh_from_db()
    assert customer.tier == "B"
    client.force_login(users["agent"])
    assert client.post(url, {"tier": "A", "reason": "x"}).status_code == 403


def test_the_tier_tab_form_on_the_customer_page(client, users, archive):
    customer = archive["customer"]
    client.force_login(users["manager"])
    response = client.post(
        f"/customers/{customer.pk}/tier/",
        {"tier": "B", "reason": "降为 B 类：合作减少", "version": customer.version},
    )
    assert response.status_code == 302 and response["Location"].endswith("#tier")
    html = _html(client.get(f"/customers/{customer.pk}/"))
    assert "降为 B 类：合作减少" in html


def test_the_rules_page(client, users):
    client.force_login(users["supervisor"])
    html = _html(client.get("/customers/rules/"))
    assert 'data-testid="rules-read"' in html and "500000" in html
    assert client.post("/customers/rules/", {"a_amount": 1}).status_code == 403
    client.force_login(users["manager"])
    html = _html(client.get("/customers/rules/"))
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    form = {
        "window_months": 12,
        "a_amount": 100,
        "a_count": 6,
        "a_tenure_months": 24,
        "b_amount": 1000,
        "b_count": 3,
        "review_days": 180,
        "version": version,
    }
    bad = _html(client.post("/customers/rules/", form))
    assert 'data-field-error="a_amount"' in bad
    form["a_amount"] = 800000
    assert client.post("/customers/rules/", form).status_code == 302
    stale = _html(client.post("/customers/rules/", {**form, "a_amount": 900000}))
    assert "已被他人修改" in stale


def test_the_credit_assessment_page(client, users, archive):
    customer = archive["customer"]
    url = f"/customers/{customer.pk}/credit/new/"
    client.force_login(users["agent2"])
    assert client.get(url).status_code == 403
    client.force_login(users["agent"])
    html = _html(client.get(url))
    assert 'value="AA"' in html or "AA" in html
    bad = _html(
        client.post(
            url,
            {"assessed_on": "2026-01-01", "rating": "", "notes": "", "score": "999"},
        )
    )
    assert 'data-field-error="rating"' in bad
    response = client.post(
        url,
        {
            "assessed_on": timezone.localdate().isoformat(),
            "rating": "BB",
            "notes": "走访客户财务，回款变慢。",
            "sources": ["visit", "finance"],
            "score": "55",
            "limit": "300000",
            "balance": "310000",
            "version": customer.version,
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.credit_rating == "BB" and customer.credit_trend == "down"


def test_the_credit_check_partial_flags_and_masks(client, users, archive):
    customer = archive["customer"]
    credit_assess(
        actor=users["agent"],
        customer=customer,
        assessed_on=timezone.localdate(),
        rating="A",
        notes="正常",
        limit="100000",
        balance="90000",
    )
    url = f"/customers/{customer.pk}/credit/check/"
    client.force_login(users["agent"])
    html = _html(client.post(url, {"amount": "20000"}, HTTP_HX_REQUEST="true"))
    assert "超出信用额度" in html and "¥100,000.00" in html
    client.force_login(users["agent2"])
    html = _html(client.post(url, {"amount": "20000"}, HTTP_HX_REQUEST="true"))
    assert "超出信用额度" in html and "¥100,000.00" not in html and "保密" in html
    html = _html(client.post(url, {"amount": "5000"}, HTTP_HX_REQUEST="true"))
    assert "未超出信用额度" in html
    html = _html(client.post(url, {"amount": "abc"}, HTTP_HX_REQUEST="true"))
    assert 'data-field-error="amount"' in html


def test_the_worsened_list_reveals_only_what_the_viewer_may_read(client, users):
    mine = services.customer_create(
        actor=users["agent"], name="我的客户", owner=users["agent"], credit_rating="AA"
    )
    other = services.customer_create(
        actor=users["agent2"],
        name="别人的客户",
        owner=users["agent2"],
        credit_rating="A",
    )
    for customer, owner in ((mine, "agent"), (other, "agent2")):
        credit_assess(
            actor=users[owner],
            customer=customer,
            assessed_on=timezone.localdate(),
            rating="CCC",
            notes="拖欠运费",
            limit="1000",
        )
    client.force_login(users["agent"])
    html = _html(client.get("/customers/credit/"))
    assert "我的客户" in html and "别人的客户" not in html
    client.force_login(users["manager"])
    html = _html(client.get("/customers/credit/"))
    assert "我的客户" in html and "别人的客户" in html and "AA → " in html
    assert (
        AuditEvent.objects.filter(
            event="customer.reveal", actor=users["manager"], data__channel="credit_list"
        ).count()
        == 2
    )


def test_the_credit_export_needs_its_permission_and_is_audited(client, users):
    customer = services.customer_create(
        actor=users["manager"], name="=cmd|' /C calc'!A0", credit_rating="AA"
    )
    credit_assess(
        actor=users["manager"],
        customer=customer,
        assessed_on=timezone.localdate(),
        rating="B",
        notes="x",
    )
    client.force_login(users["agent"])
    assert client.get("/customers/credit/export.xlsx").status_code == 403
    client.force_login(users["manager"])
    response = client.get("/customers/credit/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    name = sheet.cell(row=2, column=2)
    assert name.data_type == "s" and name.value.startswith("=")
    assert sheet.cell(row=2, column=4).value == "AA"
    assert sheet.cell(row=2, column=5).value == "B"
    assert AuditEvent.objects.get(event="credit.export").data["customers"] == 1


def test_the_transactions_export(client, users, archive):
    _deal(users["agent"], archive["customer"], description="@SUM(1+1)")
    client.force_login(users["agent"])
    assert client.get("/customers/transactions/export.xlsx").status_code == 403
    client.force_login(users["supervisor"])
    response = client.get("/customers/transactions/export.xlsx")
    assert response["Content-Disposition"].startswith(
        'attachment; filename="transactions-'
    )
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    what = sheet.cell(row=2, column=5)
    assert what.value == "@SUM(1+1)" and what.data_type == "s"
    assert sheet.cell(row=2, column=4).value == 1000
    export = AuditEvent.objects.get(event="transaction.export")
    assert export.data["transactions"] == 1 and export.actor == users["supervisor"]


def test_the_transactions_page_shows_the_80_20_view(client, users):
    for n in range(1, 6):
        _deal(users["agent"], CustomerFactory(), amount=str(n * 1000))
    client.force_login(users["agent"])
    html = _html(client.get("/customers/transactions/"))
    assert 'data-testid="top-share"' in html and "33.3%" in html
    assert 'id="pareto-data"' in html
    bad = _html(client.get("/customers/transactions/?start=2026-05-01&end=2026-01-01"))
    assert 'data-field-error="end"' in bad


def test_verifying_from_the_review_list(client, users):
    customer = CustomerFactory(owner=users["agent"])
    Customer.objects.filter(pk=customer.pk).update(
        created_at=timezone.now() - dt.timedelta(days=400)
    )
    client.force_login(users["agent"])
    html = _html(client.get("/customers/review/?mine=1"))
    assert customer.name in html and 'data-testid="review-verify"' in html
    row = _html(
        client.post(f"/customers/{customer.pk}/review/verify/", HTTP_HX_REQUEST="true")
    )
    assert 'data-testid="review-verified"' in row
    assert customer.name not in _html(client.get("/customers/review/"))
    client.force_login(users["auditor"])
    assert client.post(f"/customers/{customer.pk}/review/verify/").status_code == 403


def test_merging_from_the_duplicate_pages(client, users):
    a = services.customer_create(
        actor=users["agent"], name="恒通电子", phone="0571-0123456"
    )
    b = services.customer_create(
        actor=users["agent"], name="恒通电子有限公司", phone="0571-0123456"
    )
    duplicates_find()
    candidate = DuplicateCandidate.objects.get()
    client.force_login(users["manager"])
    assert "恒通电子有限公司" in _html(client.get("/customers/duplicates/"))
    html = _html(client.get(f"/customers/duplicates/{candidate.pk}/"))
    assert 'data-testid="merge-form"' in html
    bad = _html(
        client.post(
            f"/customers/duplicates/{candidate.pk}/", {"survivor": b.pk, "reason": ""}
        )
    )
    assert 'data-field-error="reason"' in bad
    response = client.post(
        f"/customers/duplicates/{candidate.pk}/",
        {"survivor": b.pk, "reason": "重复登记"},
    )
    assert response.status_code == 302 and response["Location"] == f"/customers/{b.pk}/"
    assert Customer.all_objects.get(pk=a.pk).merged_into_id == b.pk
    html = _html(client.get(f"/customers/{b.pk}/"))
    assert 'data-testid="merge-table"' in html and "恒通电子" in html
    assert client.get(f"/customers/{a.pk}/").status_code == 404


def test_dismissing_from_the_duplicate_page(client, users):
    services.customer_create(
        actor=users["agent"], name="远航食品", phone="0571-0123456"
    )
    services.customer_create(
        actor=users["agent"], name="远航食品厂", phone="0571-0123456"
    )
    duplicates_find()
    candidate = DuplicateCandidate.objects.get()
    client.force_login(users["manager"])
    client.post(f"/customers/duplicates/{candidate.pk}/dismiss/", {"note": ""})
    candidate.refresh_from_db()
    assert candidate.status == "open"
    client.post(f"/customers/duplicates/{candidate.pk}/dismiss/", {"note": "两家不同"})
    candidate.refresh_from_db()
    assert candidate.status == "dismissed"


def test_the_handover_pages(client, users):
    mine = [CustomerFactory(owner=users["agent"]) for _ in range(2)]
    client.force_login(users["manager"])
    holdings = _html(
        client.get(f"/customers/handover/holdings/?from_user={users['agent'].pk}")
    )
    assert 'data-holding="customers"' in holdings and mine[0].name in holdings
    bad = _html(
        client.post(
            "/customers/handover/",
            {"from_user": users["agent"].pk, "to_user": "", "reason": "离职"},
        )
    )
    assert "请为“负责的客户”指定接收人" in bad
    response = client.post(
        "/customers/handover/",
        {
            "from_user": users["agent"].pk,
            "to_user": users["agent2"].pk,
            "reason": "离职",
        },
    )
    record = Handover.objects.get()
    assert response["Location"] == f"/customers/handover/{record.pk}/"
    assert _html(client.get(f"/customers/handover/{record.pk}/"))
    client.force_login(users["agent2"])  # the receiver may read it
    assert "张浩然" in _html(client.get(f"/customers/handover/{record.pk}/"))
    client.force_login(users["transport"])
    assert client.get(f"/customers/handover/{record.pk}/").status_code == 404


def _sheet(rows) -> SimpleUploadedFile:
    book = Workbook()
    book.active.append(["客户编号", "日期", "金额（元）", "合作内容"])
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("合作记录.xlsx", out.getvalue())


def test_the_import_pages(client, users, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    today = timezone.localdate()
    client.force_login(users["agent"])
    assert client.get("/customers/imports/").status_code == 403
    client.force_login(users["supervisor"])
    assert 'data-testid="template-transactions"' in _html(
        client.get("/customers/imports/")
    )
    template = client.get("/customers/imports/template/transactions.xlsx")
    assert template.status_code == 200
    assert client.get("/customers/imports/template/tickets.xlsx").status_code == 404
    bad = _html(client.post("/customers/imports/", {"kind": "transactions"}))
    assert 'data-field-error="file"' in bad
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/customers/imports/",
            {
                "kind": "transactions",
                "file": _sheet(
                    [[customer.pk, today, 100, "运输"], [999999, today, 5, "x"]]
                ),
            },
        )
    job = ImportJob.objects.get()
    assert response["Location"] == f"/customers/imports/{job.pk}/"
    html = _html(client.get(response["Location"]))
    assert 'data-testid="import-report"' in html and "第 3 行" in html
    assert 'data-testid="import-valid-only"' in html
    partial = _html(client.get(f"/customers/imports/{job.pk}/progress/"))
    assert 'id="import-status"' in partial and "hx-trigger" not in partial
    # Another supervisor-level person may not see it; the manager may, read only.
    client.force_login(users["gm"])
    assert client.get(f"/customers/imports/{job.pk}/").status_code == 403
    client.force_login(users["manager"])
    html = _html(client.get(f"/customers/imports/{job.pk}/"))
    assert 'data-testid="import-valid-only"' not in html
    assert client.post(f"/customers/imports/{job.pk}/confirm/").status_code == 403
    client.force_login(users["supervisor"])
    client.post(f"/customers/imports/{job.pk}/confirm/")  # all rows: refused
    assert not Transaction.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/customers/imports/{job.pk}/confirm/", {"valid_only": "on"})
    assert Transaction.objects.count() == 1
    assert 'data-testid="import-done"' in _html(
        client.get(f"/customers/imports/{job.pk}/")
    )


def test_a_running_import_is_polled(client, users):
    job = ImportJob.objects.create(
        kind="transactions",
        file_name="x.xlsx",
        created_by=users["supervisor"],
        total_rows=1000,
        processed_rows=500,
    )
    client.force_login(users["supervisor"])
    partial = _html(client.get(f"/customers/imports/{job.pk}/progress/"))
    assert 'hx-trigger="every 1s"' in partial and "500 / 1000" in partial


# --- query counts ----------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def _rows(users, n):
    """n customers, each with a deal, a proposal to review, worsened credit, an
    old archive, a duplicate pair and an import and a handover."""
    made = []
    for _ in range(n):
        customer = CustomerFactory(owner=users["agent"], tier="C")
        _deal(users["agent"], customer, amount="200000")
        credit_assess(
            actor=users["manager"],
            customer=customer,
            assessed_on=timezone.localdate(),
            rating="A",
            notes="首评",
        )
        credit_assess(
            actor=users["manager"],
            customer=customer,
            assessed_on=timezone.localdate(),
            rating="B",
            notes="下降",
        )
        Customer.objects.filter(pk=customer.pk).update(
            created_at=timezone.now() - dt.timedelta(days=500)
        )
        twin = CustomerFactory(
            name=customer.name + "分", phone=f"0571-{customer.pk:07d}"
        )
        Customer.objects.filter(pk=customer.pk).update(phone=twin.phone)
        ImportJob.objects.create(
            kind="transactions",
            file_name="a.xlsx",
            created_by=users["manager"],
            status="done",
        )
        made.append(customer)
    duplicates_find()
    return made


@pytest.mark.parametrize(
    "url",
    [
        "/customers/transactions/",
        "/customers/tiers/",
        "/customers/tiers/?every=1",
        "/customers/credit/",
        "/customers/review/",
        "/customers/duplicates/",
        "/customers/imports/",
        "/customers/handover/",
    ],
)
def test_list_pages_do_not_grow_with_rows(client, users, url):
    _rows(users, 2)
    holder = users["agent"]
    handover_perform(
        actor=users["manager"],
        from_user=holder,
        receivers={ANY_KIND: users["agent2"]},
        reason="调岗",
    )
    client.force_login(users["manager"])
    few = _count(client, url)
    _rows(users, 10)
    for _ in range(10):
        CustomerFactory(owner=users["supervisor"])
        handover_perform(
            actor=users["manager"],
            from_user=users["supervisor"],
            receivers={ANY_KIND: users["agent"]},
            reason="调岗",
        )
        handover_perform(
            actor=users["manager"],
            from_user=users["agent"],
            receivers={ANY_KIND: users["supervisor"]},
            reason="调回",
        )
    assert _count(client, url) == few


def test_the_customer_page_does_not_grow_with_its_relationship_data(
    client, users, archive
):
    customer = archive["customer"]

    def add(n):
        for _ in range(n):
            _deal(users["agent"], customer)
            credit_assess(
                actor=users["agent"],
                customer=customer,
                assessed_on=timezone.localdate(),
                rating="A",
                notes="复评",
            )
            customer.refresh_from_db()
            tier_set(actor=users["manager"], customer=customer, tier="B", reason="复核")

    add(2)
    client.force_login(users["agent"])
    few = _count(client, f"/customers/{customer.pk}/")
    add(10)
    tiers_propose()
    assert _count(client, f"/customers/{customer.pk}/") == few
