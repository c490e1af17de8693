"""The demo step: levels and commitments of the demo company, every demo ticket's
clocks replayed from its timeline (met, breached, paused, running), quickly."""

from collections import Counter

import pytest

from accounts import demo as accounts_demo
from core.demo import DemoContext
from customers import demo as customers_demo
from sla import demo
from sla.models import Commitment, ServiceLevel, TicketClock
from sla.reports import commitment_rates, month_range, ticket_clocks
from tickets import demo as tickets_demo
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_the_demo_clocks(db):
    ctx = DemoContext.create()
    accounts_demo.build(ctx)
    customers_demo.build(ctx)
    tickets_demo.build(ctx)
    demo.build(ctx)
    assert ServiceLevel.objects.count() == len(demo.LEVELS)
    assert Commitment.objects.filter(is_published=True).count() == 3
    tickets = Ticket.objects.count()
    assert TicketClock.objects.values("ticket").distinct().count() == tickets
    states = Counter(TicketClock.objects.values_list("state", flat=True))
    assert {"met", "breached", "paused", "running"} <= set(states), states
    assert states["met"] > states["breached"] > 0
    # Waiting tickets have paused clocks; closed ones none that run.
    waiting = Ticket.objects.filter(status="waiting_customer").first()
    assert TicketClock.objects.filter(ticket=waiting, state="paused").exists()
    assert not TicketClock.objects.filter(
        ticket__status="closed", state__in=["running", "paused"]
    ).exists()
    # Due fields match the clocks.
    clock = TicketClock.objects.filter(clock="resolution").select_related("ticket")[0]
    assert clock.ticket.resolution_due_at == clock.due_at
    # The sweep ran once for the open tickets: nothing left due, escalations made.
    assert not TicketClock.objects.filter(next_check_at__lte=ctx.now).exists()
    assert TicketEvent.objects.filter(kind="escalation").exists()
    assert ticket_clocks(waiting)
    # Rates of the published promise over the demo's months.
    promise = Commitment.objects.get(clock="acknowledge")
    start, end = month_range(None)
    rows = commitment_rates(
        promise, start=start.replace(year=start.year - 1), end=end, by="month"
    )
    assert sum(r.total for r in rows) > 1000
    assert all(0 <= r.rate <= 1 for r in rows)
    # Running the step again changes nothing.
    count = TicketClock.objects.count()
    demo.build(ctx)
    assert TicketClock.objects.count() == count
