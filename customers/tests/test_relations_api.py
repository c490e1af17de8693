"""The API of the relationship data, in the contract's style: idempotent
transactions, tiers, rules, credit masked per role, the over-limit flag,
duplicates and merges, handovers and imports."""

import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from accounts.services import api_token_issue
from core.models import AuditEvent
from customers import services
from customers.credit import credit_assess
from customers.freshness import duplicates_find
from customers.models import Customer, DuplicateCandidate, Transaction
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, users):
    def call(method, path, username="agent", body=None, **extra):
        key, _token = api_token_issue(user=users[username])
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}", **extra}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = getattr(client, method)(f"/api/v1{path}", **kwargs)
        response.json_body = json.loads(response.content) if response.content else None
        return response

    return call


def _fields(response) -> set:
    return {e["field"] for e in response.json_body["errors"]}


def _today() -> str:
    return timezone.localdate().isoformat()


def test_pushing_a_transaction_is_idempotent_with_its_reference(api, archive):
    pk = archive["customer"].pk
    body = {
        "occurred_on": _today(),
        "amount": "12800.50",
        "description": "整车运输",
        "external_ref": "SO-20261123-7",
    }
    first = api("post", f"/customers/{pk}/transactions", body=body)
    assert first.status_code == 201, first.json_body
    assert (
        first.json_body["source"] == "api" and first.json_body["amount"] == "12800.50"
    )
    again = api("post", f"/customers/{pk}/transactions", username="agent2", body=body)
    assert again.status_code == 200 and again.json_body["id"] == first.json_body["id"]
    clash = api(
        "post", f"/customers/{pk}/transactions", body={**body, "amount": "1.00"}
    )
    assert clash.status_code == 422 and _fields(clash) == {"external_ref"}
    assert Transaction.objects.count() == 1
    listed = api("get", f"/customers/{pk}/transactions?limit=1")
    assert listed.json_body["items"][0]["external_ref"] == "SO-20261123-7"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"occurred_on": "2026-02-30"}, "occurred_on"),
        ({"occurred_on": "2999-01-01"}, "occurred_on"),
        ({"description": ""}, "description"),
        ({"description": "x" * 201}, "description"),
    ],
)
def test_bad_transactions_are_422_naming_the_field(api, archive, body, field):
    values = {"occurred_on": _today(), "amount": "10", "description": "运输", **body}
    response = api(
        "post", f"/customers/{archive['customer'].pk}/transactions", body=values
    )
    assert response.status_code == 422 and field in _fields(response)
    assert not Transaction.objects.exists()


def test_forbidden_and_missing_for_transactions(api, archive):
    pk = archive["customer"].pk
    body = {"occurred_on": _today(), "amount": "10", "description": "运输"}
    assert (
        api("post", f"/customers/{pk}/transactions", "auditor", body).status_code == 403
    )
    assert (
        api("post", f"/customers/{pk}/transactions", "admin", body).status_code == 403
    )
    assert api("get", f"/customers/{pk}/transactions", "secadmin").status_code == 403
    assert api("post", "/customers/999999/transactions", body=body).status_code == 404
    deal = api("post", f"/customers/{pk}/transactions", body=body).json_body
    path = f"/customers/{pk}/transactions/{deal['id']}/actions/void"
    assert api("post", path, "agent", {"reason": "错"}).status_code == 403
    assert api("post", path, "supervisor", {"reason": ""}).status_code == 422
    voided = api("post", path, "supervisor", {"reason": "重复"})
    assert voided.status_code == 200 and voided.json_body["voided"] is True
    # A voided transaction is gone from the customer's transactions.
    assert api("post", path, "supervisor", {"reason": "再"}).status_code == 404


def test_the_summary_gives_the_80_20_figure(api, users):
    for n in range(1, 6):
        services_deal = CustomerFactory()
        Transaction.objects.create(
            customer=services_deal,
            occurred_on=timezone.localdate(),
            amount=n * 1000,
            description="x",
            created_by=users["agent"],
        )
    response = api("get", "/transactions/summary")
    body = response.json_body
    assert response.status_code == 200
    assert body["revenue"] == "15000.00" and body["top_customers"] == 1
    assert round(body["top_share"], 2) == 33.33 and body["curve"][-1] == [100, 100.0]
    bad = api("get", "/transactions/summary?start=2026-05-01&end=2026-01-01")
    assert bad.status_code == 422 and _fields(bad) == {"end"}
    assert api("get", "/transactions/summary?start=nope").status_code == 422
    assert api("get", "/transactions/summary", "admin").status_code == 403


def test_reading_and_setting_a_tier(api, users):
    customer = CustomerFactory(tier="C")
    Transaction.objects.create(
        customer=customer,
        occurred_on=timezone.localdate(),
        amount=300000,
        description="年度合同",
        created_by=users["agent"],
    )
    from customers.tiers import tiers_propose

    tiers_propose()
    got = api("get", f"/customers/{customer.pk}/tier")
    assert got.json_body["proposed"] == "B" and got.json_body["review"] is True
    assert got.json_body["figures"]["amount"] == "300000.00"
    review = api("get", "/tiers/review?proposed=B")
    assert [r["id"] for r in review.json_body["items"]] == [customer.pk]
    assert api("get", "/tiers/review?proposed=Z").status_code == 422
    body = {"tier": "B", "reason": "确认建议", "version": got.json_body["version"]}
    assert (
        api("post", f"/customers/{customer.pk}/tier", "agent", body).status_code == 403
    )
    missing = api("post", f"/customers/{customer.pk}/tier", "manager", {"tier": "B"})
    assert missing.status_code == 422 and _fields(missing) == {"reason"}
    done = api("post", f"/customers/{customer.pk}/tier", "manager", body)
    assert done.status_code == 200, done.json_body
    assert done.json_body["tier"] == "B" and done.json_body["review"] is False
    assert done.json_body["history"][0]["kind"] == "confirm"
    assert done.json_body["history"][0]["changed_by"] == "manager"
    stale = api("post", f"/customers/{customer.pk}/tier", "manager", body)
    assert stale.status_code == 409 and stale.json_body["current_version"]
    assert api("get", "/tiers/review").json_body["items"] == []


def test_the_rules(api):
    got = api("get", "/customer-rules")
    assert got.status_code == 200 and got.json_body["a_amount"] == 500000
    version = got.json_body["version"]
    body = {"version": version, "review_days": 90}
    assert api("patch", "/customer-rules", "supervisor", body).status_code == 403
    assert (
        api("patch", "/customer-rules", "manager", {"review_days": 90}).status_code
        == 422
    )
    bad = api(
        "patch", "/customer-rules", "manager", {"version": version, "review_days": 1}
    )
    assert bad.status_code == 422 and _fields(bad) == {"review_days"}
    ok = api("patch", "/customer-rules", "manager", body)
    assert ok.status_code == 200 and ok.json_body["review_days"] == 90
    assert api("patch", "/customer-rules", "manager", body).status_code == 409


def test_credit_is_masked_for_those_who_may_not_read_it(api, users, archive):
    pk = archive["customer"].pk
    owner = api("get", f"/customers/{pk}/credit", "agent")
    assert owner.json_body["rating"] == "AA" and owner.json_body["masked_fields"] == []
    assert owner.json_body["assessments"][0]["sources"] == ["archive"]
    other = api("get", f"/customers/{pk}/credit", "agent2")
    assert other.status_code == 200
    assert other.json_body["rating"] is None and other.json_body["limit"] is None
    assert other.json_body["assessments"] is None
    assert set(other.json_body["masked_fields"]) >= {"rating", "limit", "assessments"}
    views = AuditEvent.objects.filter(
        event="customer.view", object_id=str(pk), data__channel="api_credit"
    )
    assert views.count() == 2
    assert api("get", f"/customers/{pk}/credit", "admin").status_code == 403


def test_assessing_credit_through_the_api(api, archive):
    pk = archive["customer"].pk
    body = {
        "assessed_on": _today(),
        "rating": "BB",
        "notes": "付款拖延",
        "sources": ["trade"],
        "score": 48,
        "limit": "100000",
        "balance": "80000",
    }
    assert (
        api("post", f"/customers/{pk}/credit/assessments", "agent2", body).status_code
        == 403
    )
    bad = api(
        "post", f"/customers/{pk}/credit/assessments", "agent", {**body, "score": 120}
    )
    assert bad.status_code == 422 and _fields(bad) == {"score"}
    done = api("post", f"/customers/{pk}/credit/assessments", "agent", body)
    assert done.status_code == 201 and done.json_body["trend"] == "down"
    worsened = api("get", "/credit/worsened", "manager")
    assert [r["id"] for r in worsened.json_body["items"]] == [pk]
    assert worsened.json_body["items"][0]["previous_rating"] == "AA"
    assert api("get", "/credit/worsened", "agent2").json_body["items"] == []


def test_the_credit_check_flags_and_masks_the_figures(api, users, archive):
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
    path = f"/customers/{customer.pk}/credit/check"
    owner = api("post", path, "agent", {"amount": "10000.01"})
    assert owner.json_body["exceeds"] is True
    assert owner.json_body["available"] == "10000.00"
    other = api("post", path, "transport", {"amount": "10000.01"})
    assert other.json_body["exceeds"] is True and other.json_body["limit"] is None
    assert other.json_body["masked_fields"] == ["limit", "balance", "available"]
    assert api("post", path, "agent", {"amount": "10000"}).json_body["exceeds"] is False
    bad = api("post", path, "agent", {"amount": "-5"})
    assert bad.status_code == 422 and _fields(bad) == {"amount"}


def test_the_review_list(api, users):
    old = CustomerFactory(owner=users["agent"])
    Customer.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=400)
    )
    CustomerFactory(owner=users["agent"])
    listed = api("get", "/freshness/review?owner=me")
    assert [r["id"] for r in listed.json_body["items"]] == [old.pk]
    assert api("get", "/freshness/review?owner=nobody").status_code == 422
    assert api("get", "/freshness/review?limit=500").status_code == 422


def test_duplicates_and_merges(api, users):
    a = services.customer_create(
        actor=users["agent"], name="恒通电子", phone="0571-0123456"
    )
    b = services.customer_create(
        actor=users["agent"], name="恒通电子有限公司", phone="0571-0123456"
    )
    duplicates_find()
    candidate = DuplicateCandidate.objects.get()
    assert api("get", "/duplicates", "supervisor").status_code == 403
    listed = api("get", "/duplicates", "manager")
    assert listed.json_body["items"][0]["id"] == candidate.pk
    path = f"/duplicates/{candidate.pk}/actions/merge"
    bad = api("post", path, "manager", {"survivor": 999, "reason": "x"})
    assert bad.status_code == 422 and _fields(bad) == {"survivor"}
    assert (
        api(
            "post", f"/duplicates/{candidate.pk}/actions/fly", "manager", {}
        ).status_code
        == 422
    )
    merged = api("post", path, "manager", {"survivor": a.pk, "reason": "重复登记"})
    assert merged.status_code == 201, merged.json_body
    assert (
        merged.json_body["merged_id"] == b.pk
        and "tier_changes" in merged.json_body["moved"]
    )
    assert Customer.all_objects.get(pk=b.pk).merged_into_id == a.pk
    assert (
        api("post", path, "manager", {"survivor": a.pk, "reason": "x"}).status_code
        == 404
    )


def test_merging_any_two_customers(api, users):
    a = CustomerFactory()
    b = CustomerFactory()
    body = {"duplicate": b.pk, "reason": "同一家公司"}
    assert api("post", f"/customers/{a.pk}/merge", "agent", body).status_code == 403
    same = api(
        "post", f"/customers/{a.pk}/merge", "manager", {**body, "duplicate": a.pk}
    )
    assert same.status_code == 422
    assert api("post", f"/customers/{a.pk}/merge", "manager", body).status_code == 201
    assert api("post", f"/customers/{a.pk}/merge", "manager", body).status_code == 404


def test_handover_through_the_api(api, users):
    for _ in range(2):
        CustomerFactory(owner=users["agent"])
    assert api("get", "/users/agent/holdings", "agent2").status_code == 403
    assert api("get", "/users/nobody/holdings", "manager").status_code == 404
    held = api("get", "/users/agent/holdings", "manager").json_body
    assert held[0]["kind"] == "customers" and held[0]["count"] == 2
    bad = api("post", "/handovers", "manager", {"from_user": "agent", "reason": "离职"})
    assert bad.status_code == 422 and _fields(bad) == {"receivers.customers"}
    unknown = api(
        "post",
        "/handovers",
        "manager",
        {"from_user": "agent", "to_user": "ghost", "reason": "离职"},
    )
    assert unknown.status_code == 422 and _fields(unknown) == {"to_user"}
    done = api(
        "post",
        "/handovers",
        "manager",
        {"from_user": "agent", "receivers": {"customers": "agent2"}, "reason": "离职"},
    )
    assert done.status_code == 201, done.json_body
    assert done.json_body["moved"][0] == {
        "kind": "customers",
        "label": "负责的客户",
        "count": 2,
        "receiver": "agent2",
    }
    pk = done.json_body["id"]
    assert api("get", f"/handovers/{pk}", "agent2").status_code == 200
    assert api("get", f"/handovers/{pk}", "transport").status_code == 404
    assert api("get", "/handovers", "manager").json_body["items"][0]["id"] == pk


def _xlsx(rows) -> bytes:
    book = Workbook()
    book.active.append(["客户编号", "日期", "金额（元）", "合作内容"])
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_imports_through_the_api(api, users, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    customer = CustomerFactory()
    today = timezone.localdate()
    upload = SimpleUploadedFile(
        "deals.xlsx",
        _xlsx([[customer.pk, today, 10, "x"], [customer.pk, today, -1, "y"]]),
    )
    assert (
        api(
            "post", "/imports", "agent", data={"kind": "transactions", "file": upload}
        ).status_code
        == 403
    )
    upload.seek(0)
    with django_capture_on_commit_callbacks(execute=True):
        created = api(
            "post",
            "/imports",
            "supervisor",
            data={"kind": "transactions", "file": upload},
        )
    assert created.status_code == 201, created.json_body
    pk = created.json_body["id"]
    got = api("get", f"/imports/{pk}", "supervisor").json_body
    assert got["status"] == "validated" and got["error_rows"] == 1
    issues = api("get", f"/imports/{pk}/issues", "supervisor").json_body["items"]
    assert issues == [
        {"row": 3, "field": "金额（元）", "message": issues[0]["message"]}
    ]
    assert api("get", f"/imports/{pk}", "gm").status_code == 403
    refused = api("post", f"/imports/{pk}/actions/confirm", "supervisor", {})
    assert refused.status_code == 422 and _fields(refused) == {"valid_only"}
    with django_capture_on_commit_callbacks(execute=True):
        done = api(
            "post", f"/imports/{pk}/actions/confirm", "supervisor", {"valid_only": True}
        )
    assert done.status_code == 200
    assert api("get", f"/imports/{pk}", "supervisor").json_body["imported_rows"] == 1
    assert (
        api("post", f"/imports/{pk}/actions/cancel", "supervisor", {}).status_code
        == 422
    )
    bad = SimpleUploadedFile("x.xlsx", b"nope")
    wrong = api(
        "post", "/imports", "supervisor", data={"kind": "transactions", "file": bad}
    )
    assert wrong.status_code == 422 and _fields(wrong) == {"file"}


def test_list_endpoints_do_not_grow_with_rows(api, users):
    def add(n):
        for _ in range(n):
            customer = CustomerFactory(owner=users["agent"])
            Transaction.objects.create(
                customer=customer,
                occurred_on=timezone.localdate(),
                amount=200000,
                description="x",
                created_by=users["agent"],
            )
            credit_assess(
                actor=users["manager"],
                customer=customer,
                assessed_on=timezone.localdate(),
                rating="B",
                notes="x",
            )
            Customer.objects.filter(pk=customer.pk).update(
                created_at=timezone.now() - dt.timedelta(days=400), credit_trend="down"
            )
        from customers.tiers import tiers_propose

        tiers_propose()

    paths = ["/tiers/review", "/credit/worsened", "/freshness/review"]
    add(2)
    key, _token = api_token_issue(user=users["manager"])
    from django.test import Client

    client = Client()

    def count(path):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {key}")
            assert response.status_code == 200
        return len(queries)

    count("/me")  # the token's first use is recorded once
    few = {p: count(p) for p in paths}
    add(10)
    assert {p: count(p) for p in paths} == few


def test_the_openapi_document_names_the_new_operations(api):
    schema = api("get", "/openapi.json").json_body
    operations = {
        op["operationId"] for path in schema["paths"].values() for op in path.values()
    }
    assert {
        "create_transaction",
        "set_tier",
        "check_credit",
        "create_handover",
        "create_import",
        "merge_customer",
    } <= operations
