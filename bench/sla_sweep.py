"""Timing the sweep at volume: open tickets with their clocks loaded in bulk, a
share of them due, one sweep timed (DESIGN "Performance": ≤ 10 s per run at
100,000 open tickets). Everything is written in one transaction and rolled back
unless ``keep`` is set."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from customers.models import Customer
from sla.clocks import CLOCKS
from sla.models import Calendar, ServiceLevel, TicketClock
from sla.sweep import sla_sweep
from tickets.models import Ticket


@dataclass
class BenchResult:
    tickets: int
    clocks: int
    due: int
    load_seconds: float
    sweep_seconds: float
    second_sweep_seconds: float
    warned: int
    breached: int
    plan: str


class _Rollback(Exception):
    pass


def _plan(now: dt.datetime) -> str:
    qs = TicketClock.objects.filter(next_check_at__lte=now).order_by(
        "next_check_at", "pk"
    )[:2000]
    return qs.explain()


def sweep_bench(
    *, tickets: int = 100_000, due_share: float = 0.05, keep: bool = False
) -> BenchResult:
    result: BenchResult | None = None
    try:
        with transaction.atomic():
            result = _run(tickets, due_share)
            if not keep:
                raise _Rollback
    except _Rollback:
        pass
    return result


def _run(count: int, due_share: float) -> BenchResult:
    started = time.monotonic()
    now = timezone.now()
    owners = list(User.objects.filter(is_active=True, department__isnull=False)[:20])
    if not owners:
        raise RuntimeError("no active staff: load the demo accounts first")
    customer = Customer.objects.order_by("pk").first()
    if customer is None:
        customer = Customer.objects.create(
            kind=Customer.Kind.ORGANISATION, name="压测客户", owner=owners[0]
        )
    level = ServiceLevel.objects.filter(is_active=True).first()
    if level is None:
        level = ServiceLevel.objects.create(
            name="压测等级",
            calendar=Calendar.objects.get(code="standard"),
            acknowledge_minutes=30,
            first_response_minutes=120,
            resolution_minutes=960,
        )
    stamp = int(now.timestamp())
    batch = 5000
    due_every = max(int(1 / due_share), 1) if due_share else 0
    made = 0
    while made < count:
        size = min(batch, count - made)
        rows = []
        for i in range(made, made + size):
            owner = owners[i % len(owners)]
            rows.append(
                Ticket(
                    number=f"B{stamp}-{i:07d}",
                    type="inquiry",
                    channel="phone",
                    subject=f"压测工单 {i}",
                    customer=customer,
                    owner=owner,
                    department_id=owner.department_id,
                    status="accepted",
                    accepted_at=now,
                    received_at=now,
                    created_at=now,
                )
            )
        Ticket.objects.bulk_create(rows)
        ids = list(
            Ticket.objects.filter(number__startswith=f"B{stamp}-")
            .order_by("-pk")
            .values_list("pk", flat=True)[:size]
        )
        clocks = []
        for index, pk in enumerate(sorted(ids)):
            overall = made + index
            due = bool(due_every) and overall % due_every == 0
            for name in CLOCKS:
                later = now + dt.timedelta(days=1 + overall % 5)
                clocks.append(
                    TicketClock(
                        ticket_id=pk,
                        clock=name,
                        level=level,
                        calendar_code="standard",
                        target_minutes=120,
                        warn_percent=75,
                        started_at=now - dt.timedelta(hours=4),
                        due_at=now - dt.timedelta(minutes=5) if due else later,
                        warn_at=now - dt.timedelta(minutes=30)
                        if due
                        else later - dt.timedelta(hours=1),
                        next_check_at=now - dt.timedelta(minutes=30)
                        if due
                        else later - dt.timedelta(hours=1),
                    )
                )
        TicketClock.objects.bulk_create(clocks, batch_size=5000)
        made += size
    loaded = time.monotonic()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE sla_ticketclock")
    due_clocks = TicketClock.objects.filter(next_check_at__lte=now).count()
    plan = _plan(now)
    t0 = time.monotonic()
    swept = sla_sweep(now=now)
    sweep_seconds = time.monotonic() - t0
    t1 = time.monotonic()
    sla_sweep(now=now)
    second = time.monotonic() - t1
    return BenchResult(
        tickets=count,
        clocks=count * len(CLOCKS),
        due=due_clocks,
        load_seconds=loaded - started,
        sweep_seconds=sweep_seconds,
        second_sweep_seconds=second,
        warned=swept.warned,
        breached=swept.breached,
        plan=plan,
    )


def sweep_scenario() -> dict:
    """The benchmark's scenario: one sweep at 100,000 open tickets, 5 % due,
    rolled back; the figure is the sweep alone (not the loading)."""
    result = sweep_bench(tickets=100_000, due_share=0.05)
    return {
        "seconds": round(result.sweep_seconds, 3),
        "open_tickets": result.tickets,
        "due_clocks": result.due,
        "breached": result.breached,
        "second_run_seconds": round(result.second_sweep_seconds, 3),
    }
