"""Reads: who sees the confidential layer, the one masking function, lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from customers import services
from customers.masking import masked
from customers.models import Customer
from customers.selectors import (
    customer_basis,
    customer_filters_clean,
    customer_list_visible_to,
    customer_search_quick,
    customers_masked,
)
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

BASIS = {
    "agent": "owner",
    "manager": "manager",
    "agent2": None,
    "supervisor": None,
    "gm": None,
    "transport": None,
    "deptmgr": None,
    "auditor": None,
    "secadmin": None,
    "admin": None,
}


@pytest.mark.parametrize("username", sorted(BASIS))
def test_who_reads_the_confidential_layer(users, archive, username):
    assert (
        customer_basis(user=users[username], customer=archive["customer"])
        == BASIS[username]
    )


def test_a_masked_customer_hides_credit_and_names_it(archive):
    view = masked(archive["customer"], basis=None)
    assert view.credit_rating is None and view.credit_limit is None
    assert view.get_credit_rating_display is None
    assert view.masked_fields == [
        "credit_rating",
        "credit_limit",
        "credit_score",
        "credit_balance",
        "credit_trend",
        "credit_assessed_at",
    ]
    assert view.credit_score is None and view.credit_balance is None
    assert view.name == "华为技术有限公司" and view.tier == "A"
    with pytest.raises(AttributeError):
        view.name = "x"


def test_a_masked_contact_hides_the_private_layer(archive):
    view = masked(archive["contact"], basis=None)
    assert view.masked_fields == [
        "birthday",
        "family",
        "interests",
        "personality",
        "relationships",
    ]
    assert (view.family, view.interests, view.birthday_display) == (None, None, None)
    assert view.name == "李明" and view.mobile == "100-1234-5678"
    shown = masked(archive["contact"], basis="owner")
    assert shown.masked_fields == [] and shown.interests == "高尔夫"


def test_masking_a_list_takes_one_query_for_grants_whatever_its_length(users):
    customers = [CustomerFactory(owner=users["agent"]) for _ in range(3)] + [
        CustomerFactory() for _ in range(5)
    ]
    grant = services.grant_request(
        actor=users["agent2"], customer=customers[-1], reason="回访"
    )
    services.grant_approve(actor=users["manager"], grant=grant, hours=2)
    with CaptureQueriesContext(connection) as queries:
        views = customers_masked(user=users["agent2"], customers=customers)
    assert len(queries) <= 3  # the user's roles and capabilities, the grants
    assert [v.basis for v in views] == [None] * 7 + ["grant"]


def test_lists_filter_and_hide_deleted_customers(users):
    a = CustomerFactory(tier="A", kind="organisation", owner=users["agent"])
    CustomerFactory(tier="B", kind="person")
    gone = CustomerFactory(tier="A")
    services.customer_delete(actor=users["manager"], customer=gone, reason="重复")
    agent = users["agent"]
    assert list(customer_list_visible_to(user=agent, tier="A")) == [a]
    assert list(customer_list_visible_to(user=agent, owner=agent)) == [a]
    assert customer_list_visible_to(user=agent, kind="person").count() == 1
    assert customer_list_visible_to(user=users["secadmin"]).count() == 0


@pytest.mark.parametrize(
    "filters,field",
    [({"tier": "D"}, "tier"), ({"kind": "x"}, "kind"), ({"owner": "nobody"}, "owner")],
)
def test_wrong_filters_are_refused_naming_them(users, filters, field):
    with pytest.raises(DomainError) as info:
        customer_filters_clean(user=users["agent"], **filters)
    assert info.value.field == field


def test_the_quick_search_puts_names_that_start_with_the_query_first(users):
    CustomerFactory(name="上海恒通物流有限公司")
    CustomerFactory(name="恒通电子有限公司")
    CustomerFactory(name="通恒贸易", phone="10012345678")
    names = [c.name for c in customer_search_quick(user=users["agent"], q="恒通")]
    assert names == ["恒通电子有限公司", "上海恒通物流有限公司"]
    assert Customer.objects.count() == 3
