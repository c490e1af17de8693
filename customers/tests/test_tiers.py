"""Tiers A/B/C: the rules over amount, frequency and tenure (thresholds the
service manager sets), the set-based proposal, the review list, confirming or
overriding with a reason, and the history."""

import datetime as dt
import random
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.models import AuditEvent, PeriodicTick
from customers import services
from customers.models import Customer, TierChange, Transaction
from customers.rules import customer_policy_get, customer_policy_update
from customers.tests.factories import CustomerFactory
from customers.tiers import (
    tier_figures,
    tier_for,
    tier_review_list,
    tier_set,
    tiers_propose,
)
from customers.transactions import transaction_create

pytestmark = pytest.mark.django_db


def _deals(user, customer, amounts_and_days):
    for amount, days in amounts_and_days:
        Transaction.objects.create(
            customer=customer,
            occurred_on=timezone.localdate() - dt.timedelta(days=days),
            amount=Decimal(amount),
            description="运输",
            created_by=user,
        )


def _proposed(customer) -> str:
    customer.refresh_from_db()
    return customer.tier_proposed


@pytest.fixture
def rules(users):
    """Small thresholds: A ≥ 1,000 yuan in ≥ 3 deals within 12 months and a first
    deal ≥ 24 months ago; B ≥ 500 yuan or ≥ 2 deals."""
    policy = customer_policy_get()
    return customer_policy_update(
        actor=users["manager"],
        version=policy.version,
        window_months=12,
        a_amount=1000,
        a_count=3,
        a_tenure_months=24,
        b_amount=500,
        b_count=2,
    )


@pytest.mark.parametrize(
    "deals,expected",
    [
        ([("400", 10), ("400", 20), ("200", 30), ("10", 800)], "A"),  # all three
        ([("400", 10), ("400", 20), ("199.99", 30), ("10", 800)], "B"),  # amount
        ([("600", 10), ("600", 20), ("10", 800)], "B"),  # two deals in window
        ([("400", 10), ("400", 20), ("200", 30)], "B"),  # too new for A
        ([("1000", 10), ("10", 400), ("10", 500), ("10", 800)], "B"),  # old deals
        ([("499.99", 10)], "C"),
        ([("300", 10), ("5000", 400)], "C"),  # the big deal is out of the window
        ([], "C"),
    ],
)
def test_each_rule_proposes_its_tier(users, rules, deals, expected):
    customer = CustomerFactory(tier="C")
    _deals(users["agent"], customer, deals)
    tiers_propose()
    assert _proposed(customer) == expected


def test_exactly_at_a_threshold_is_enough(users, rules):
    a = CustomerFactory()
    _deals(users["agent"], a, [("333.33", 1), ("333.33", 2), ("333.34", 3)])
    Transaction.objects.create(
        customer=a,
        occurred_on=timezone.localdate().replace(year=timezone.localdate().year - 2),
        amount=Decimal("1"),
        description="首单",
        created_by=users["agent"],
    )
    b = CustomerFactory()
    _deals(users["agent"], b, [("500.00", 1)])
    tiers_propose()
    assert _proposed(a) == "A" and _proposed(b) == "B"


def test_the_sql_proposal_agrees_with_the_rule_for_many_customers(users, rules):
    """The set-based UPDATE and the Python statement of the rule give the same
    tier for 60 customers with random deals."""
    rng = random.Random(7)
    customers = [CustomerFactory() for _ in range(60)]
    for customer in customers:
        _deals(
            users["agent"],
            customer,
            [
                (f"{rng.randint(1, 60000) / 100:.2f}", rng.randint(0, 1200))
                for _ in range(rng.randint(0, 6))
            ],
        )
    run = tiers_propose()
    assert run.customers == 60 and run.whole and run.finished_at
    policy = customer_policy_get()
    today = timezone.localdate()
    figures = tier_figures(
        customer_ids=[c.pk for c in customers], policy=policy, today=today
    )
    for customer in customers:
        assert _proposed(customer) == tier_for(figures[customer.pk], policy, today)
    assert {c.tier_proposed for c in customers} == {"A", "B", "C"}


def test_the_proposal_is_one_statement_whatever_the_number_of_customers(users):
    for _ in range(3):
        CustomerFactory()
    with CaptureQueriesContext(connection) as few:
        tiers_propose()
    for _ in range(12):
        _deals(users["agent"], CustomerFactory(), [("100", 3)])
    with CaptureQueriesContext(connection) as many:
        tiers_propose()
    assert len(few) == len(many)
    updates = [q for q in many.captured_queries if q["sql"].startswith("UPDATE")]
    assert any("customers_customer" in q["sql"] for q in updates)


def test_a_proposal_is_not_an_edit(users):
    customer = CustomerFactory(tier="C")
    _deals(users["agent"], customer, [("900000", 3)] * 3)
    before = Customer.objects.get(pk=customer.pk)
    tiers_propose()
    after = Customer.objects.get(pk=customer.pk)
    assert after.tier_proposed == "B" and after.tier == "C"
    assert after.version == before.version and after.updated_at == before.updated_at


def test_the_review_list_holds_differences_until_someone_decides(users):
    same = CustomerFactory(tier="C")
    differs = CustomerFactory(tier="C")
    _deals(users["agent"], differs, [("200000", 3)])
    tiers_propose()
    assert list(tier_review_list(user=users["agent"])) == [differs]
    assert not Customer.objects.get(pk=same.pk).tier_review

    # Overridden with a reason: off the list, and it stays off on the next run.
    tier_set(
        actor=users["supervisor"],
        customer=differs,
        tier="C",
        reason="合同已于上月终止，保持 C 类。",
    )
    tiers_propose()
    assert list(tier_review_list(user=users["agent"])) == []
    assert list(tier_review_list(user=users["agent"], every=True)) == [differs]
    # Until the figures say something new.
    _deals(
        users["agent"],
        differs,
        [("100000", days) for days in range(4, 9)] + [("1", 900)],
    )
    tiers_propose()
    differs.refresh_from_db()
    assert differs.tier_proposed == "A" and differs.tier_review
    assert list(tier_review_list(user=users["agent"], proposed="A")) == [differs]
    assert list(tier_review_list(user=users["agent"], proposed="B")) == []


def test_confirming_keeps_who_when_why_and_the_figures(users):
    customer = CustomerFactory(tier="C")
    _deals(users["agent"], customer, [("150000", 3)])
    tiers_propose()
    customer.refresh_from_db()
    change = tier_set(
        actor=users["manager"],
        customer=customer,
        tier="B",
        reason="近一年合作 15 万，潜力大。",
        version=customer.version,
    )
    customer.refresh_from_db()
    assert customer.tier == "B" and not customer.tier_review
    assert change.kind == "confirm" and change.from_tier == "C"
    assert change.to_tier == "B" and change.proposed_tier == "B"
    assert change.changed_by == users["manager"]
    assert change.figures["amount"] == "150000.00" and change.figures["deals"] == 1
    override = tier_set(
        actor=users["manager"], customer=customer, tier="A", reason="集团战略客户。"
    )
    assert override.kind == "override"
    audit = AuditEvent.objects.filter(
        event="customer.tier_set", object_id=str(customer.pk)
    )
    assert audit.count() == 2 and audit.last().data["reason"] == "集团战略客户。"
    with pytest.raises(PermissionError):
        override.delete()


@pytest.mark.parametrize(
    "tier,reason,field",
    [("D", "原因", "tier"), ("A", "  ", "reason"), ("", "x", "tier")],
)
def test_a_tier_needs_a_valid_value_and_a_reason(users, tier, reason, field):
    customer = CustomerFactory(tier="C")
    with pytest.raises(DomainError) as info:
        tier_set(actor=users["manager"], customer=customer, tier=tier, reason=reason)
    assert info.value.field == field
    customer.refresh_from_db()
    assert customer.tier == "C" and not TierChange.objects.exists()


@pytest.mark.parametrize("username", ["agent", "transport", "auditor", "gm"])
def test_only_supervisors_and_the_manager_set_tiers(users, username):
    customer = CustomerFactory(tier="C")
    with pytest.raises(PermissionDenied):
        tier_set(actor=users[username], customer=customer, tier="A", reason="理由")


def test_a_stale_tier_change_is_a_conflict(users):
    customer = CustomerFactory(tier="C")
    stale = customer.version
    tier_set(actor=users["manager"], customer=customer, tier="B", reason="一")
    with pytest.raises(Conflict):
        tier_set(
            actor=users["supervisor"],
            customer=customer,
            tier="A",
            reason="二",
            version=stale,
        )
    customer.refresh_from_db()
    assert customer.tier == "B"


def test_the_archive_form_no_longer_changes_a_tier_silently(users, archive):
    customer = archive["customer"]
    with pytest.raises(DomainError) as info:
        services.customer_update(
            actor=users["manager"],
            customer=customer,
            version=customer.version,
            tier="C",
        )
    assert info.value.field == "tier"
    initial = TierChange.objects.get(customer=customer)
    assert initial.kind == "initial" and initial.to_tier == "A"


def test_a_new_transaction_reproposes_at_once(users):
    customer = CustomerFactory(tier="C")
    transaction_create(
        actor=users["agent"],
        customer=customer,
        occurred_on=timezone.localdate(),
        amount="300000",
        description="年度仓储合同",
    )
    customer.refresh_from_db()
    assert customer.tier_proposed == "B" and customer.tier_review


def test_the_nightly_job_runs_once_per_tick(users):
    from customers.tasks import customers_nightly_task

    customer = CustomerFactory(tier="C")
    _deals(users["agent"], customer, [("200000", 1)])
    tick = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=tick):
        customers_nightly_task.call_local()
        customers_nightly_task.call_local()
    assert PeriodicTick.objects.filter(task="customers_nightly").count() == 1
    customer.refresh_from_db()
    assert customer.tier_proposed == "B"


# --- the rules ---------------------------------------------------------------------


def test_only_the_service_manager_changes_the_rules(users):
    policy = customer_policy_get()
    for username in ("supervisor", "agent", "auditor", "admin"):
        with pytest.raises(PermissionDenied):
            customer_policy_update(
                actor=users[username], version=policy.version, a_amount=1
            )
    updated = customer_policy_update(
        actor=users["manager"], version=policy.version, review_days=90
    )
    assert updated.review_days == 90 and updated.version == policy.version + 1
    event = AuditEvent.objects.get(event="customer.rules_change")
    assert event.data["changes"] == {"review_days": [180, 90]}


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"window_months": 0}, "window_months"),
        ({"review_days": 3}, "review_days"),
        ({"a_amount": "多"}, "a_amount"),
        ({"a_amount": 1000, "b_amount": 2000}, "a_amount"),
        ({"a_count": 1, "b_count": 5}, "a_count"),
        ({"b_count": True}, "b_count"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(users, changes, field):
    policy = customer_policy_get()
    with pytest.raises(DomainError) as info:
        customer_policy_update(
            actor=users["manager"], version=policy.version, **changes
        )
    assert info.value.field == field
    assert customer_policy_get().version == policy.version


def test_a_stale_rules_edit_is_a_conflict(users):
    policy = customer_policy_get()
    customer_policy_update(actor=users["manager"], version=policy.version, a_count=8)
    with pytest.raises(Conflict):
        customer_policy_update(
            actor=users["manager"], version=policy.version, a_count=9
        )
    with pytest.raises(DomainError):
        customer_policy_update(actor=users["manager"], version=None, a_count=9)
    assert customer_policy_get().a_count == 8


def test_a_long_list_of_customers_is_proposed_in_chunks(users, monkeypatch):
    from customers import tiers

    monkeypatch.setattr(tiers, "CHUNK", 2)
    customers = [CustomerFactory(tier="C") for _ in range(5)]
    for customer in customers:
        _deals(users["agent"], customer, [("200000", 2)])
    run = tiers_propose(customer_ids=[c.pk for c in customers])
    assert run.customers == 5 and not run.whole
    assert {_proposed(c) for c in customers} == {"B"}
