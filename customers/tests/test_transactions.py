"""Transactions (合作记录): entering, idempotent pushing, voiding, and the figures
of a period (80/20 share, repeat purchases, the curve) computed in SQL."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEvent
from customers.models import Customer, Transaction
from customers.tests.factories import CustomerFactory
from customers.transactions import (
    months_before,
    repeat_customer_count,
    revenue_summary,
    transaction_create,
    transaction_void,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _deal(user, customer, amount="1000", days_ago=1, **extra):
    record, _created = transaction_create(
        actor=user,
        customer=customer,
        occurred_on=TODAY() - dt.timedelta(days=days_ago),
        amount=amount,
        description=extra.pop("description", "干线运输"),
        **extra,
    )
    return record


def test_a_transaction_is_recorded_audited_and_proposes_the_tier(users):
    customer = CustomerFactory(tier="C")
    record = _deal(users["agent"], customer, amount="12,800.50")
    assert record.amount == Decimal("12800.50") and record.source == "entered"
    assert AuditEvent.objects.filter(
        event="transaction.create", object_id=str(customer.pk)
    ).exists()
    customer.refresh_from_db()
    assert customer.tier_proposed == "C" and customer.tier_proposed_at is not None


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "一千"}, "amount"),
        ({"amount": ""}, "amount"),
        ({"amount": "1e20"}, "amount"),
        ({"amount": "1E+1000"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "12.3400"}, None),
        ({"occurred_on": "2026-13-01"}, "occurred_on"),
        ({"occurred_on": None}, "occurred_on"),
        ({"occurred_on": "1989-12-31"}, "occurred_on"),
        ({"description": "  "}, "description"),
        ({"description": "x" * 201}, "description"),
        ({"external_ref": "x" * 65}, "external_ref"),
        ({"description": "a\x00b"}, "description"),
    ],
)
def test_bad_input_names_the_field_and_records_nothing(users, changes, field):
    customer = CustomerFactory()
    values = {
        "occurred_on": TODAY(),
        "amount": "100",
        "description": "仓储",
        **changes,
    }
    if field is None:  # trailing zeros are not decimals
        record, _ = transaction_create(
            actor=users["agent"], customer=customer, **values
        )
        assert record.amount == Decimal("12.34")
        return
    with pytest.raises(DomainError) as info:
        transaction_create(actor=users["agent"], customer=customer, **values)
    assert info.value.field == field
    assert not Transaction.all_objects.exists()


def test_a_date_in_the_future_is_refused(users):
    with pytest.raises(DomainError) as info:
        _deal(users["agent"], CustomerFactory(), days_ago=-1)
    assert info.value.field == "occurred_on" and "今天" in info.value.message


def test_chinese_and_slashed_dates_are_understood(users):
    customer = CustomerFactory()
    for text in ("2025年3月8日", "2025/3/8", "2025-03-08"):
        record, _ = transaction_create(
            actor=users["agent"],
            customer=customer,
            occurred_on=text,
            amount="1",
            description="x",
        )
        assert record.occurred_on == dt.date(2025, 3, 8)


def test_the_same_external_reference_is_one_deal(users):
    customer = CustomerFactory()
    first = _deal(users["agent"], customer, external_ref="PO-2026-001")
    again, created = transaction_create(
        actor=users["agent2"],
        customer=customer,
        occurred_on=first.occurred_on,
        amount=first.amount,
        description=first.description,
        external_ref="PO-2026-001",
    )
    assert again.pk == first.pk and created is False
    assert Transaction.objects.count() == 1
    with pytest.raises(DomainError) as info:
        _deal(users["agent"], customer, amount="999", external_ref="PO-2026-001")
    assert info.value.field == "external_ref"
    with pytest.raises(DomainError):
        _deal(users["agent"], CustomerFactory(), external_ref="PO-2026-001")
    assert Transaction.objects.count() == 1


def test_the_reference_is_looked_up_by_its_partial_unique_index(users):
    """The index leaves out the empty reference; the lookup names that, or SQLite
    reads every deal for each one pushed with a reference."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from core.tests.plans import query_plan

    customer = CustomerFactory()
    with CaptureQueriesContext(connection) as queries:
        _deal(users["agent"], customer, external_ref="PO-2026-002")
    lookups = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and '"external_ref" =' in q["sql"]
    ]
    assert lookups
    for sql in lookups:
        with transaction.atomic():
            plan = query_plan(sql)
        assert "transaction_external_ref_unique" in plan, plan


@pytest.mark.parametrize(
    "username", ["auditor", "transport", "deptmgr", "gm", "admin", "secadmin"]
)
def test_only_customer_service_enters_transactions(users, username):
    with pytest.raises(PermissionDenied):
        _deal(users[username], CustomerFactory())
    assert not Transaction.objects.exists()


def test_voiding_needs_the_right_and_a_reason_and_leaves_the_sums(users):
    customer = CustomerFactory()
    record = _deal(users["agent"], customer, amount="600000")
    with pytest.raises(PermissionDenied):
        transaction_void(actor=users["agent"], record=record, reason="录错了")
    with pytest.raises(DomainError) as info:
        transaction_void(actor=users["supervisor"], record=record, reason=" ")
    assert info.value.field == "reason"
    transaction_void(actor=users["supervisor"], record=record, reason="金额录错")
    record.refresh_from_db()
    assert record.is_deleted and record.delete_reason == "金额录错"
    assert not Transaction.objects.filter(pk=record.pk).exists()
    with pytest.raises(DomainError) as info:
        transaction_void(actor=users["supervisor"], record=record, reason="再来")
    assert info.value.field == "action"
    summary = revenue_summary(start=TODAY() - dt.timedelta(days=30), end=TODAY())
    assert summary.revenue == 0 and summary.customers == 0


def test_the_80_20_share_is_the_revenue_of_the_top_fifth(users):
    """Ten customers with 1..10 × 10,000 yuan: the top 20 % (two customers) bring
    19 of 55 parts; voided deals, deals outside the period and retired customers
    do not count."""
    customers = [CustomerFactory() for _ in range(10)]
    for n, customer in enumerate(customers, start=1):
        _deal(users["agent"], customer, amount=str(n * 10000))
    _deal(users["agent"], customers[0], amount="5000")  # a second deal: repeat
    _deal(users["agent"], customers[1], amount="9999", days_ago=400)  # outside
    voided = _deal(users["agent"], customers[2], amount="77777")
    transaction_void(actor=users["manager"], record=voided, reason="重复录入")
    gone = CustomerFactory()
    _deal(users["agent"], gone, amount="900000")
    Customer.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())

    summary = revenue_summary(start=TODAY() - dt.timedelta(days=365), end=TODAY())
    assert summary.revenue == Decimal("555000.00")
    assert summary.customers == 10 and summary.deals == 11
    assert summary.top_customers == 2
    assert summary.top_revenue == Decimal("190000.00")
    assert round(summary.top_share, 2) == round(190000 * 100 / 555000, 2)
    assert summary.repeat_customers == 1
    assert (
        repeat_customer_count(start=TODAY() - dt.timedelta(days=365), end=TODAY()) == 1
    )
    # The curve climbs from 0 to 100 in 5 % steps of customers.
    assert summary.curve[0] == (0, 0.0) and summary.curve[-1] == (100, 100.0)
    assert len(summary.curve) == 21
    shares = [share for _p, share in summary.curve]
    assert shares == sorted(shares)
    assert dict(summary.curve)[20] == round(190000 * 100 / 555000, 1)


def test_an_empty_period_has_no_share(users):
    summary = revenue_summary(start=TODAY() - dt.timedelta(days=30), end=TODAY())
    assert summary.revenue == 0 and summary.top_share is None and summary.curve == []


@pytest.mark.parametrize("count,top", [(1, 1), (5, 1), (6, 2), (11, 3)])
def test_the_top_fifth_of_customers_rounds_up(users, count, top):
    for n in range(count):
        _deal(users["agent"], CustomerFactory(), amount=str(1000 + n))
    summary = revenue_summary(start=TODAY() - dt.timedelta(days=30), end=TODAY())
    assert summary.customers == count and summary.top_customers == top


def test_months_before_keeps_the_day_or_takes_the_month_end():
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2024, 3, 31), 1) == dt.date(2024, 2, 29)
    assert months_before(dt.date(2026, 11, 23), 12) == dt.date(2025, 11, 23)
    assert months_before(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)
