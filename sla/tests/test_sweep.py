"""The sweep: a warning at the level's share of the target, escalation one step
up at breach, both on the timeline and through notify, on the clock as moved by
a pause; idempotent; once per tick; one indexed query to find due clocks."""

import pytest

from accounts.tests.helpers import clock_at
from notify.models import Notification
from sla.models import ClockEvent, TicketClock
from sla.sweep import sla_sweep
from sla.tasks import sla_sweep_tick
from sla.tests.clock_helpers import at, level_make
from tickets import services as ticket_services
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

MON_10 = at(2026, 11, 2, 10, 0)


def _sla_events(ticket):
    return list(
        TicketEvent.objects.filter(ticket=ticket, data__sla__isnull=False)
        .order_by("id")
        .values_list("kind", "data__sla", "data__clock")
    )


@pytest.fixture
def paused_ticket(users, make_ticket):
    """Resolution 960 minutes, warning at 75 % (720): due Wednesday 11:00 and
    warned Tuesday 16:00, both moved one working day by a pause."""
    level_make(users, name="默认")
    with clock_at(MON_10):
        ticket = make_ticket(received_at=MON_10)
    with clock_at(at(2026, 11, 2, 11, 0)):
        ticket = ticket_services.ticket_wait_customer(
            ticket=ticket, actor=users["agent"], reason="请提供签收单。"
        )
    with clock_at(at(2026, 11, 3, 11, 0)):
        ticket = ticket_services.ticket_resume(ticket=ticket, actor=users["agent"])
    return ticket


def test_warn_and_escalate_on_the_moved_clock(users, paused_ticket):
    ticket = paused_ticket
    clock = TicketClock.objects.get(ticket=ticket, clock="resolution")
    assert clock.warn_at == at(2026, 11, 4, 16, 0)
    assert clock.due_at == at(2026, 11, 5, 11, 0)

    # The times before the pause have no meaning any more.
    assert sla_sweep(now=at(2026, 11, 4, 12, 0)).warned == 0
    assert _sla_events(ticket) == []

    result = sla_sweep(now=at(2026, 11, 4, 16, 30))
    assert (result.warned, result.breached) == (1, 0)
    assert _sla_events(ticket) == [("note", "warning", "resolution")]
    warning = Notification.objects.get(user=users["agent"])
    assert "解决时限将到" in warning.title

    # Running it again changes nothing.
    again = sla_sweep(now=at(2026, 11, 4, 16, 31))
    assert (again.warned, again.breached) == (0, 0)
    assert Notification.objects.count() == 1

    result = sla_sweep(now=at(2026, 11, 5, 11, 30))
    assert (result.warned, result.breached) == (0, 1)
    events = _sla_events(ticket)
    assert events[-1] == ("escalation", "breach", "resolution")
    escalation = TicketEvent.objects.get(ticket=ticket, kind="escalation")
    assert escalation.data["to"]["username"] == "supervisor"
    assert "已升级给王建军" in escalation.body
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"agent", "supervisor"}
    assert list(
        ClockEvent.objects.filter(ticket=ticket, clock="resolution")
        .order_by("at", "id")
        .values_list("kind", flat=True)
    ) == ["started", "paused", "resumed", "warned", "breached"]

    assert sla_sweep(now=at(2026, 11, 6, 11, 30)).breached == 0
    assert TicketEvent.objects.filter(ticket=ticket, kind="escalation").count() == 1
    assert Notification.objects.count() == 3
    clock.refresh_from_db()
    assert clock.next_check_at is None


def test_a_paused_clock_is_not_swept(users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        ticket = make_ticket(received_at=MON_10)
    with clock_at(at(2026, 11, 2, 11, 0)):
        ticket_services.ticket_wait_customer(
            ticket=ticket, actor=users["agent"], reason="请提供签收单。"
        )
    result = sla_sweep(now=at(2026, 12, 1, 9, 0))
    assert (result.warned, result.breached) == (0, 0)


def test_breach_of_acknowledge_escalates_and_late_accept_records_it(users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        ticket = make_ticket(entry="api", received_at=MON_10)
    # Warned at 23 minutes (75 % of 30), breached at 30.
    assert sla_sweep(now=at(2026, 11, 2, 10, 25)).warned == 1
    assert sla_sweep(now=at(2026, 11, 2, 10, 40)).breached == 1
    with clock_at(at(2026, 11, 2, 10, 50)):
        ticket_services.ticket_accept(ticket=ticket, actor=users["agent"])
    clock = TicketClock.objects.get(ticket=ticket, clock="acknowledge")
    assert clock.state == "breached"
    assert clock.elapsed_minutes == pytest.approx(50)


def test_escalation_goes_up_the_ladder(users, make_ticket):
    """The supervisor's own breach goes to the service manager."""
    from tickets.models import Ticket

    level_make(users, name="默认")
    with clock_at(MON_10):
        ticket = make_ticket(actor="supervisor", received_at=MON_10)
    assert Ticket.objects.get(pk=ticket.pk).owner == users["supervisor"]
    sla_sweep(now=at(2026, 11, 2, 12, 30))
    escalation = TicketEvent.objects.get(ticket=ticket, kind="escalation")
    assert escalation.data["to"]["username"] == "manager"


def test_once_per_tick(users, paused_ticket):
    tick = at(2026, 11, 4, 16, 30)
    assert sla_sweep_tick(tick=tick) is True
    assert sla_sweep_tick(tick=tick) is False
    assert Notification.objects.count() == 1


def test_due_clocks_are_found_with_one_query(
    users, make_ticket, django_assert_max_num_queries
):
    level_make(users, name="默认")
    with clock_at(MON_10):
        for _ in range(2):
            make_ticket(received_at=MON_10)
    two = _sweep_queries(django_assert_max_num_queries, at(2026, 11, 2, 12, 30))
    tuesday = at(2026, 11, 3, 10, 0)
    with clock_at(tuesday):
        for _ in range(10):
            make_ticket(received_at=tuesday)
    twelve = _sweep_queries(django_assert_max_num_queries, at(2026, 11, 3, 12, 30))
    assert twelve == two
    assert TicketEvent.objects.filter(kind="escalation").count() == 12


def _sweep_queries(assert_max, now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        sla_sweep(now=now)
    finds = [
        q["sql"] for q in captured.captured_queries if 'next_check_at" <=' in q["sql"]
    ]
    assert len(finds) >= 1
    return len(captured.captured_queries)


def test_many_alerts_for_one_person_become_one_summary(users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        for _ in range(7):
            make_ticket(received_at=MON_10)
    assert sla_sweep(now=at(2026, 11, 2, 12, 30)).breached == 7
    # Seven escalations on seven timelines, but one summary each for the owner
    # and the supervisor.
    assert TicketEvent.objects.filter(kind="escalation").count() == 7
    summaries = Notification.objects.order_by("user__username")
    assert [n.user.username for n in summaries] == ["agent", "supervisor"]
    assert summaries[0].title == "7 张工单的时限将到或已超时"
    assert summaries[0].url == "/sla/overdue/"
    assert sla_sweep(now=at(2026, 11, 2, 12, 31)).breached == 0
    assert Notification.objects.count() == 2
