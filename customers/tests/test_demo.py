"""The demo step: about 300 fictitious customers, owned as DESIGN §9 says."""

from collections import Counter

import pytest

from core.demo import DemoContext
from customers import demo
from customers.credit_code import credit_code_clean
from customers.models import AccessGrant, Contact, Customer, CustomerEvent
from customers.selectors import customer_page

pytestmark = pytest.mark.django_db


def test_the_demo_archive(users):
    ctx = DemoContext.create()
    ctx.made["users"] = users
    demo.build(ctx)
    customers = Customer.objects.all()
    assert customers.count() == 302  # 300, and two registered twice by mistake
    owners = Counter(customers.values_list("owner__username", flat=True))
    assert owners["agent"] == 40 and owners["agent2"] == 40
    kinds = Counter(customers.values_list("kind", flat=True))
    assert kinds["person"] == 30 and kinds["organisation"] == 272
    assert set(customers.values_list("tier", flat=True)) == {"A", "B", "C"}
    assert {"foreign", "private", "state_owned"} <= set(
        customers.values_list("ownership", flat=True)
    )
    assert len(set(customers.values_list("province", flat=True))) >= 5
    for code in customers.exclude(credit_code="").values_list("credit_code", flat=True):
        assert credit_code_clean(code) == code
    assert customers.filter(is_problem=True).count() == 3
    assert Contact.objects.count() > 300 and CustomerEvent.objects.count() > 300
    assert AccessGrant.objects.filter(status="pending").count() == 1
    # Every phone is outside the ranges real numbers use.
    for phone in Contact.objects.values_list("mobile", flat=True):
        assert phone.startswith("100")
    # The search index is built: any customer is found by part of its name.
    sample = customers.filter(kind="organisation").first()
    found = customer_page(user=users["agent"], q=sample.name[2:6], limit=100).items
    assert sample in found


def test_the_demo_relationship_data(users):
    """Transactions, credit with its history, tiers proposed and confirmed (a few
    left to review), and two duplicates to merge."""
    from customers.models import (
        CreditAssessment,
        DuplicateCandidate,
        TierChange,
        Transaction,
    )
    from customers.transactions import revenue_summary

    ctx = DemoContext.create()
    ctx.made["users"] = users
    demo.build(ctx)
    customers = Customer.objects.all()
    assert Transaction.objects.count() > 1000
    assert Transaction.objects.exclude(external_ref="").exists()
    assert TierChange.objects.filter(kind="initial").count() == customers.count()
    assert TierChange.objects.filter(
        kind="confirm", changed_by=users["manager"]
    ).exists()
    waiting = customers.filter(tier_review=True)
    assert 1 <= waiting.count() <= 12
    assert set(customers.values_list("tier", flat=True)) == {"A", "B", "C"}
    agreed = customers.filter(tier_review=False).exclude(tier_proposed="")
    assert all(c.tier == c.tier_proposed for c in agreed)
    assert CreditAssessment.objects.count() > 200
    assert customers.filter(credit_trend="down").count() >= 5
    assert DuplicateCandidate.objects.filter(status="open").count() >= 2
    today = ctx.now.date()
    summary = revenue_summary(start=today.replace(year=today.year - 1), end=today)
    assert summary.customers > 100 and 40 < summary.top_share < 95
