"""Credit (信用管理): assessments and their history, the change of rating, the list
of worsened credit behind the confidentiality rules, and the check that flags an
order or request over the limit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from customers import services
from customers.credit import (
    credit_assess,
    credit_check,
    credit_history,
    credit_worsened_list,
    rating_trend,
)
from customers.models import CreditAssessment, Customer
from customers.selectors import granted_customer_ids

pytestmark = pytest.mark.django_db


def _assess(user, customer, rating="A", **extra):
    values = {
        "assessed_on": timezone.localdate(),
        "notes": "查阅工商登记，经营正常。",
        "sources": ["registry", "bank"],
        **extra,
    }
    return credit_assess(actor=user, customer=customer, rating=rating, **values)


def test_an_assessment_becomes_the_archive_s_credit_and_keeps_its_history(
    users, archive
):
    customer = archive["customer"]  # AA, 500,000, created by agent (owner)
    first = _assess(
        users["agent"], customer, rating="BBB", score="62", limit="300000", balance="0"
    )
    customer.refresh_from_db()
    assert first.previous_rating == "AA" and first.trend == "down"
    assert customer.credit_rating == "BBB" and customer.credit_score == 62
    assert customer.credit_limit == Decimal("300000.00")
    assert customer.credit_trend == "down" and customer.credit_assessed_at
    second = _assess(users["manager"], customer, rating="A", balance="120000.50")
    customer.refresh_from_db()
    assert second.trend == "up" and customer.credit_trend == "up"
    assert customer.credit_balance == Decimal("120000.50")
    history = list(credit_history(customer=customer))
    # The rating written on registration is the first entry of the history.
    assert [a.rating for a in history] == ["A", "BBB", "AA"]
    assert history[-1].sources == ["archive"]
    assert AuditEvent.objects.filter(event="customer.credit_assess").count() == 2
    with pytest.raises(PermissionError):
        history[0].delete()


@pytest.mark.parametrize(
    "previous,new,trend",
    [("", "A", "first"), ("AA", "A", "down"), ("B", "BB", "up"), ("A", "A", "same")],
)
def test_the_trend_compares_ratings(previous, new, trend):
    assert rating_trend(previous, new) == trend


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"rating": "Z"}, "rating"),
        ({"rating": ""}, "rating"),
        ({"notes": " "}, "notes"),
        ({"score": "101"}, "score"),
        ({"score": "高"}, "score"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "1.005"}, "limit"),
        ({"balance": "很多"}, "balance"),
        ({"sources": ["archive"]}, "sources"),
        ({"sources": ["rumour"]}, "sources"),
        ({"assessed_on": "2099-01-01"}, "assessed_on"),
        ({"assessed_on": "昨天"}, "assessed_on"),
    ],
)
def test_bad_assessments_are_refused_naming_the_field(users, archive, changes, field):
    customer = archive["customer"]
    values = {"rating": "A", **changes}
    with pytest.raises(DomainError) as info:
        _assess(users["agent"], customer, **values)
    assert info.value.field == field
    assert CreditAssessment.objects.filter(customer=customer).count() == 1
    customer.refresh_from_db()
    assert customer.credit_rating == "AA"


@pytest.mark.parametrize("username", ["agent2", "supervisor", "transport", "auditor"])
def test_only_the_owner_or_a_manager_assesses(users, archive, username):
    with pytest.raises(PermissionDenied):
        _assess(users[username], archive["customer"])


def test_a_grant_reads_credit_but_does_not_assess(users, archive):
    customer = archive["customer"]
    grant = services.grant_request(
        actor=users["agent2"], customer=customer, reason="回访前核对信用"
    )
    services.grant_approve(actor=users["manager"], grant=grant, hours=8)
    with pytest.raises(PermissionDenied):
        _assess(users["agent2"], customer)


def test_a_stale_assessment_is_a_conflict(users, archive):
    customer = archive["customer"]
    stale = customer.version
    _assess(users["agent"], customer, rating="A")
    with pytest.raises(Conflict):
        _assess(users["manager"], customer, rating="C", version=stale)
    customer.refresh_from_db()
    assert customer.credit_rating == "A"


def test_the_check_flags_an_order_over_the_limit(users, archive):
    customer = archive["customer"]
    _assess(users["agent"], customer, limit="200000", balance="150000")
    within = credit_check(customer=customer, amount="50000")
    assert not within.exceeds and within.available == Decimal("50000.00")
    assert "未超出" in within.message
    over = credit_check(customer=customer, amount="50000.01")
    assert over.exceeds and over.limit == Decimal("200000.00")
    assert "超出 ¥0.01" in over.message
    with pytest.raises(DomainError) as info:
        credit_check(customer=customer, amount="-3")
    assert info.value.field == "amount"


def test_without_a_limit_nothing_is_flagged(users):
    customer = services.customer_create(actor=users["agent"], name="无额度公司")
    result = credit_check(customer=customer, amount="99999999")
    assert not result.exceeds and not result.has_limit and result.available is None


def test_without_a_balance_the_whole_limit_is_available(users, archive):
    result = credit_check(customer=archive["customer"], amount="500000")
    assert not result.exceeds and result.balance == 0


def test_the_worsened_list_shows_only_credit_the_viewer_may_read(users):
    mine = services.customer_create(
        actor=users["agent"], name="甲", owner=users["agent"], credit_rating="AA"
    )
    theirs = services.customer_create(
        actor=users["agent2"], name="乙", owner=users["agent2"], credit_rating="A"
    )
    better = services.customer_create(
        actor=users["agent"], name="丙", owner=users["agent"], credit_rating="B"
    )
    _assess(users["agent"], mine, rating="BB")
    _assess(users["agent2"], theirs, rating="CCC")
    _assess(users["agent"], better, rating="A")

    def names(user, granted=()):
        return sorted(
            c.name for c in credit_worsened_list(user=user, granted_ids=granted)
        )

    assert names(users["manager"]) == sorted(["甲", "乙"])
    assert names(users["agent"]) == ["甲"]
    assert names(users["supervisor"]) == []
    assert names(users["admin"]) == []
    grant = services.grant_request(
        actor=users["supervisor"], customer=theirs, reason="季度回访前核对"
    )
    services.grant_approve(actor=users["manager"], grant=grant, hours=8)
    granted = granted_customer_ids(user=users["supervisor"])
    assert names(users["supervisor"], granted) == ["乙"]
    # A later improvement takes the customer off the list.
    _assess(users["agent"], mine, rating="A")
    assert names(users["manager"]) == ["乙"]


def test_editing_credit_in_the_archive_form_enters_the_history(users, archive):
    customer = archive["customer"]
    services.customer_update(
        actor=users["manager"],
        customer=customer,
        version=customer.version,
        credit_rating="B",
    )
    customer.refresh_from_db()
    latest = credit_history(customer=customer).first()
    assert latest.sources == ["archive"] and latest.previous_rating == "AA"
    assert latest.trend == "down" and customer.credit_trend == "down"
    assert Customer.objects.get(pk=customer.pk).credit_assessed_at is not None


def test_the_history_follows_the_date_of_the_investigation(users, archive):
    assessment = _assess(
        users["agent"],
        archive["customer"],
        assessed_on=timezone.localdate() - dt.timedelta(days=10),
    )
    assert assessment.assessed_on == timezone.localdate() - dt.timedelta(days=10)
