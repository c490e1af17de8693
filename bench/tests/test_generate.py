"""The generator: a small volume satisfies the invariants of the big one."""

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Count, Max, Min

from bench.generate import BENCH_USER, Volumes, generate
from customers.models import Contact, Customer, CustomerSearchDocument
from customers.search import customer_index
from tickets.models import (
    Ticket,
    TicketEvent,
    TicketNumberCounter,
    TicketSearchDocument,
)
from tickets.search import ticket_index
from tickets.services import ticket_number_next

NOW = dt.datetime(2026, 11, 20, 4, 0)


@pytest.fixture
def generated(db):
    return generate(Volumes(tickets=300), seed=7, now=NOW, log=lambda message: None)


def _documents(model):
    return {d.object_id: (d.text, sorted(d.tokens)) for d in model.objects.all()}


def _volumes_and_shares(generated):
    assert generated.counts["tickets"] == Ticket.objects.count() == 300
    assert Customer.objects.count() == 30
    assert Contact.objects.count() == 75
    assert generated.counts["staff"] == 200
    assert Ticket.objects.filter(is_open=True).count() < 300 * 0.1
    assert Ticket.objects.filter(is_open=False).count() > 300 * 0.85
    assert 20 <= Ticket.objects.filter(type="complaint").count() <= 100
    span = Ticket.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert (span["last"] - span["first"]).days > 300


def _numbers_are_unique_and_the_counter_continues():
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    latest = Ticket.objects.order_by("-created_at").first()
    day = dt.date(
        *map(int, (latest.number[2:6], latest.number[6:8], latest.number[8:10]))
    )
    counter = TicketNumberCounter.objects.get(day=day)
    assert counter.last == Counter(n[:10] for n in numbers)[latest.number[:10]]
    assert ticket_number_next(day=day) not in numbers


def _every_ticket_has_its_timeline():
    per_ticket = Counter(
        dict(TicketEvent.objects.values_list("ticket").annotate(n=Count("id")))
    )
    assert len(per_ticket) == 300
    assert 4 <= sum(per_ticket.values()) / 300 <= 6
    firsts = {}
    for event in TicketEvent.objects.order_by("created_at", "id"):
        firsts.setdefault(event.ticket_id, event)
    assert {e.kind for e in firsts.values()} == {"created"}
    assert all(e.created_at == e.ticket.created_at for e in firsts.values())


def test_the_bulk_search_documents_are_the_products(generated):
    bulk_tickets = _documents(TicketSearchDocument)
    bulk_customers = _documents(CustomerSearchDocument)
    assert len(bulk_tickets) == 300 and len(bulk_customers) == 30
    ticket_index.refresh(Ticket.objects.select_related("customer", "contact"))
    customer_index.refresh(Customer.objects.prefetch_related("contacts"))
    assert _documents(TicketSearchDocument) == bulk_tickets
    assert _documents(CustomerSearchDocument) == bulk_customers
    ticket = Ticket.objects.get(pk=17)
    found = ticket_index.filter(Ticket.objects.all(), ticket.subject[:2])
    assert ticket in found


def _the_benchmark_user_is_an_agent_of_a_department():
    from accounts.models import User
    from accounts.permissions import has_role
    from accounts.roles import Role

    user = User.objects.get(username=BENCH_USER)
    assert has_role(user, Role.AGENT)
    assert user.department.code == "cs"
    assert not user.is_superuser


def test_the_data_keeps_the_products_invariants(generated):
    """One generation (200 staff take a while), four sets of checks."""
    _volumes_and_shares(generated)
    _numbers_are_unique_and_the_counter_continues()
    _every_ticket_has_its_timeline()
    _the_benchmark_user_is_an_agent_of_a_department()
