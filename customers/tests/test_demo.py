"""The demo step: about 300 fictitious customers, owned as DESIGN §9 says."""

import time
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
    started = time.monotonic()
    demo.build(ctx)
    assert time.monotonic() - started < 20
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
