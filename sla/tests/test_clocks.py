"""The three clocks: due times from ``received_at`` on the level's calendar, the
most specific level, stops, pause and resume, reopening, the 2027 fallback."""

import pytest

from accounts.tests.helpers import clock_at
from sla.clocks import service_level_for
from sla.models import ClockEvent, TicketClock
from sla.tests.clock_helpers import at, level_make
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db

MON_10 = at(2026, 11, 2, 10, 0)


def _clocks(ticket):
    return {c.clock: c for c in TicketClock.objects.filter(ticket=ticket)}


def _history(ticket, clock):
    return list(
        ClockEvent.objects.filter(ticket=ticket, clock=clock)
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )


def test_no_level_no_clocks(make_ticket):
    ticket = make_ticket()
    assert not TicketClock.objects.filter(ticket=ticket).exists()
    assert ticket.acknowledge_due_at is None


def test_due_times_from_received_at_on_the_standard_calendar(users, make_ticket):
    level_make(users, name="默认")
    with clock_at(at(2026, 11, 2, 11, 0)):
        ticket = make_ticket(received_at=MON_10)
    clocks = _clocks(ticket)
    # Registered by customer service: accepted at once (an hour after the call).
    assert clocks["acknowledge"].due_at == at(2026, 11, 2, 10, 30)
    assert clocks["acknowledge"].state == "breached"
    assert clocks["first_response"].due_at == at(2026, 11, 2, 12, 0)
    assert clocks["first_response"].state == "running"
    # 960 minutes: Monday 390, Tuesday 450, Wednesday 09:00 + 120.
    assert clocks["resolution"].due_at == at(2026, 11, 4, 11, 0)
    ticket.refresh_from_db()
    assert ticket.due == {
        "acknowledge": at(2026, 11, 2, 10, 30),
        "first_response": at(2026, 11, 2, 12, 0),
        "resolution": at(2026, 11, 4, 11, 0),
    }
    assert _history(ticket, "acknowledge") == ["started", "stopped_late"]
    assert clocks["resolution"].next_check_at == clocks["resolution"].warn_at


def test_staff_registration_in_time_meets_acknowledge(users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        ticket = make_ticket(received_at=MON_10)
    clock = _clocks(ticket)["acknowledge"]
    assert clock.state == "met"
    assert clock.elapsed_minutes == 0
    assert clock.next_check_at is None


def test_the_most_specific_level_applies(users, customer):
    level_make(users, name="默认")
    level_make(users, name="投诉", ticket_type="complaint", resolution_minutes=480)
    level_make(
        users,
        name="A 类投诉",
        ticket_type="complaint",
        tier="A",
        acknowledge_minutes=10,
    )
    level_make(users, name="紧急", priority="urgent", acknowledge_minutes=5)
    pick = service_level_for
    assert pick(tier="C", priority="normal", ticket_type="inquiry").name == "默认"
    assert pick(tier="C", priority="normal", ticket_type="complaint").name == "投诉"
    assert pick(tier="A", priority="urgent", ticket_type="complaint").name == "A 类投诉"
    assert pick(tier="C", priority="urgent", ticket_type="complaint").name == "投诉"
    assert pick(tier="C", priority="urgent", ticket_type="inquiry").name == "紧急"


def test_api_ticket_waits_and_acknowledge_stops_on_accept(users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        ticket = make_ticket(entry="api", received_at=MON_10)
    assert _clocks(ticket)["acknowledge"].state == "running"
    with clock_at(at(2026, 11, 2, 10, 20)):
        ticket_services.ticket_accept(ticket=ticket, actor=users["agent"])
    clock = _clocks(ticket)["acknowledge"]
    assert clock.state == "met"
    assert clock.elapsed_minutes == pytest.approx(20)


def test_first_reply_stops_first_response(users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        ticket = make_ticket(received_at=MON_10)
    with clock_at(at(2026, 11, 2, 13, 40)):  # 180 business minutes: late
        ticket_services.ticket_event_add(
            ticket=ticket, actor=users["agent"], kind="reply", body="已为您查询。"
        )
    clock = _clocks(ticket)["first_response"]
    assert clock.state == "breached"
    assert clock.elapsed_minutes == pytest.approx(130)
    # A note is not a response.
    assert _history(ticket, "first_response") == ["started", "stopped_late"]


def test_pause_and_resume_move_the_due_times(users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        ticket = make_ticket(received_at=MON_10)
    with clock_at(at(2026, 11, 2, 11, 0)):
        ticket = ticket_services.ticket_wait_customer(
            ticket=ticket, actor=users["agent"], reason="请提供运单照片。"
        )
    clocks = _clocks(ticket)
    assert clocks["resolution"].state == "paused"
    assert clocks["resolution"].next_check_at is None
    assert clocks["first_response"].state == "met"  # the request reached the customer
    with clock_at(at(2026, 11, 3, 11, 0)):  # one working day later
        ticket = ticket_services.ticket_resume(ticket=ticket, actor=users["agent"])
    clock = _clocks(ticket)["resolution"]
    assert clock.state == "running"
    assert clock.paused_minutes == pytest.approx(450)
    assert clock.due_at == at(2026, 11, 5, 11, 0)
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == at(2026, 11, 5, 11, 0)
    assert _history(ticket, "resolution") == ["started", "paused", "resumed"]
    with clock_at(at(2026, 11, 3, 14, 0)):
        ticket_services.ticket_resolve(
            ticket=ticket, actor=users["agent"], summary="已补发。"
        )
    clock = _clocks(ticket)["resolution"]
    assert clock.state == "met"
    # Monday 10:00 → Tuesday 14:00 is 390 + 180 + 30 business minutes, 450 paused.
    assert clock.elapsed_minutes == pytest.approx(150)


def test_resolving_while_waiting_stops_the_paused_clock(users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        ticket = make_ticket(received_at=MON_10)
    with clock_at(at(2026, 11, 2, 11, 0)):
        ticket = ticket_services.ticket_wait_customer(
            ticket=ticket, actor=users["agent"], reason="请提供运单照片。"
        )
    with clock_at(at(2026, 11, 9, 11, 0)):
        ticket_services.ticket_resolve(
            ticket=ticket, actor=users["agent"], summary="客户未回复，按现有信息处理。"
        )
    clock = _clocks(ticket)["resolution"]
    assert clock.state == "met"
    assert clock.elapsed_minutes == pytest.approx(60)
    assert _history(ticket, "resolution") == ["started", "paused", "resumed", "met"]


def test_reopen_runs_the_resolution_clock_again(users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        ticket = make_ticket(received_at=MON_10)
    with clock_at(at(2026, 11, 2, 11, 0)):
        ticket = ticket_services.ticket_resolve(
            ticket=ticket, actor=users["agent"], summary="已解答。"
        )
    with clock_at(at(2026, 11, 3, 11, 0)):
        ticket = ticket_services.ticket_reopen(
            ticket=ticket, actor=users["agent"], reason="客户来电仍有疑问。"
        )
    clock = _clocks(ticket)["resolution"]
    assert clock.state == "running"
    assert clock.due_at == at(2026, 11, 5, 11, 0)
    assert clock.next_check_at is not None


def test_on_the_spot_resolution_stops_every_clock(users, make_ticket):
    level_make(users, name="默认")
    with clock_at(MON_10):
        ticket = make_ticket(received_at=MON_10, resolution="当场解答了运费问题。")
    assert {c.state for c in _clocks(ticket).values()} == {"met"}


def test_2027_falls_back_to_weekdays_without_error(users, make_ticket):
    level_make(users, name="默认")
    received = at(2026, 12, 31, 17, 0)
    with clock_at(received):
        ticket = make_ticket(received_at=received)
    # Thursday 60 minutes, Friday 1 January 2027 counted as a working day (no
    # schedule for 2027 yet), Monday 4 January the rest.
    assert _clocks(ticket)["resolution"].due_at == at(2027, 1, 4, 18, 0)


def test_24x7_level(users, make_ticket):
    level_make(users, name="VIP", calendar="24x7", tier="C", resolution_minutes=240)
    with clock_at(at(2026, 11, 7, 23, 0)):  # a Saturday night
        ticket = make_ticket(received_at=at(2026, 11, 7, 23, 0))
    assert _clocks(ticket)["resolution"].due_at == at(2026, 11, 8, 3, 0)


def test_raising_the_priority_applies_the_stricter_level(users, make_ticket):
    level_make(users, name="默认")
    level_make(users, name="紧急", priority="urgent", resolution_minutes=240)
    with clock_at(MON_10):
        ticket = make_ticket(received_at=MON_10)
    with clock_at(at(2026, 11, 2, 10, 30)):
        ticket_services.ticket_event_add(
            ticket=ticket, actor=users["agent"], kind="reply", body="正在处理。"
        )
    with clock_at(at(2026, 11, 2, 11, 0)):
        ticket = ticket_services.ticket_update(
            ticket=ticket,
            actor=users["agent"],
            version=ticket.version,
            priority="urgent",
        )
    clocks = _clocks(ticket)
    # Resolution: 240 minutes from Monday 10:00 (120 before lunch, 120 after).
    assert clocks["resolution"].due_at == at(2026, 11, 2, 15, 30)
    assert clocks["resolution"].level.name == "紧急"
    # A stopped clock keeps its result.
    assert clocks["first_response"].level.name == "默认"
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == at(2026, 11, 2, 15, 30)
    assert _history(ticket, "resolution") == ["started", "retargeted"]
