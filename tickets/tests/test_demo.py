"""The demo step: about 3,000 tickets over six months, of every type and state,
owned and transferred as the company works, with their timelines — quickly."""

from collections import Counter

import pytest
from django.utils import timezone

from accounts import demo as accounts_demo
from core.demo import DemoContext
from customers import demo as customers_demo
from tickets import demo, services
from tickets.models import Ticket, TicketEvent, TicketNumberCounter
from tickets.selectors import TicketFilters, ticket_page

pytestmark = pytest.mark.django_db


def test_the_demo_tickets(db):
    ctx = DemoContext.create()
    accounts_demo.build(ctx)
    customers_demo.build(ctx)
    demo.build(ctx)
    tickets = Ticket.objects.all()
    assert 2800 <= tickets.count() <= 3000
    assert set(tickets.values_list("type", flat=True)) == set(Ticket.Type.values)
    statuses = Counter(tickets.values_list("status", flat=True))
    assert {"new", "accepted", "waiting_customer", "resolved", "closed"} <= set(
        statuses
    )
    assert statuses["closed"] > tickets.count() // 2
    oldest = tickets.order_by("created_at").first().created_at
    assert (timezone.now() - oldest).days >= 150
    numbers = list(tickets.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    # Every ticket has its registration on the timeline; transfers have reasons.
    assert TicketEvent.objects.filter(kind="created").count() == tickets.count()
    transfers = TicketEvent.objects.filter(kind="transfer")
    assert transfers.count() > 300
    assert all(reason for reason in transfers.values_list("data__reason", flat=True))
    assert tickets.filter(first_contact_resolution=True).count() > 100
    assert tickets.filter(is_open=True, department_transfer_count__gt=2).exists()
    assert tickets.filter(unassigned=True).exists()
    assert tickets.filter(type="complaint", source__in=["12315", "media"]).exists()
    # Registration continues today's numbering after the demo's own tickets.
    today = timezone.localdate()
    made_today = tickets.filter(number__contains=f"{today:%Y%m%d}").count()
    counter = TicketNumberCounter.objects.filter(day=today).first()
    assert (counter.last if counter else 0) == made_today
    users = ctx.made["users"]
    made = services.ticket_create(
        actor=users["agent"],
        type="inquiry",
        channel="phone",
        subject="演示之后登记",
        customer=tickets.first().customer,
    )
    assert made.ticket.number.endswith(f"-{made_today + 1:05d}")
    # The search index holds every demo ticket.
    found = ticket_page(
        user=users["agent"], filters=TicketFilters(view="all", status="any"), q="运单"
    )
    assert len(found.items) == 25
