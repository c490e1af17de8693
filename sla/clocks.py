"""The three clocks of a ticket (DESIGN §3), kept in step with its timeline.

Every event a ticket service writes reaches ``clocks_follow`` (a hook of
``tickets.hooks``), which starts the clocks at registration from ``received_at``,
stops, pauses and resumes them, and keeps the ticket's due fields equal to the
clocks' due times. The history of each clock is kept in ``ClockEvent``; the
periodic sweep (``sla.sweep``) warns and escalates by ``next_check_at`` only."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from django.db.models import Q

from sla.business_time import BusinessCalendar
from sla.models import Clock, ClockEvent, ServiceLevel, TicketClock
from sla.selectors import business_calendar_get

State = TicketClock.State
EK = ClockEvent.Kind
CLOCKS = (Clock.ACKNOWLEDGE, Clock.FIRST_RESPONSE, Clock.RESOLUTION)
DUE_FIELD = {
    Clock.ACKNOWLEDGE: "acknowledge_due_at",
    Clock.FIRST_RESPONSE: "first_response_due_at",
    Clock.RESOLUTION: "resolution_due_at",
}
# Statuses (of the tickets app) the clocks react to.
NEW = "new"
WAITING = "waiting_customer"
DONE = ("resolved", "closed", "archived")
COMPLAINT = "complaint"
COMPLAINT_ANSWERED = ("replied", "follow_up")


def level_pick(
    levels: Iterable[ServiceLevel], *, tier: str, priority: str, ticket_type: str
) -> ServiceLevel | None:
    """Of active ``levels``, the one that matches with the most criteria (the
    ticket's type counts before the customer's tier, the tier before the
    priority)."""
    matching = [
        lv
        for lv in levels
        if lv.is_active
        and lv.tier in ("", tier)
        and lv.priority in ("", priority)
        and lv.ticket_type in ("", ticket_type)
    ]
    ranked = sorted(
        matching,
        key=lambda lv: (
            lv.specificity,
            bool(lv.ticket_type),
            bool(lv.tier),
            bool(lv.priority),
            -lv.pk,
        ),
    )
    return ranked[-1] if ranked else None


def service_level_for(
    *, tier: str, priority: str, ticket_type: str
) -> ServiceLevel | None:
    """The level that applies to a ticket (one query)."""
    matching = ServiceLevel.objects.filter(
        Q(tier="") | Q(tier=tier),
        Q(priority="") | Q(priority=priority),
        Q(ticket_type="") | Q(ticket_type=ticket_type),
        is_active=True,
    ).select_related("calendar")
    return level_pick(matching, tier=tier, priority=priority, ticket_type=ticket_type)


def warn_moment(
    calendar: BusinessCalendar, start: dt.datetime, target: int, percent: int
) -> dt.datetime:
    return calendar.add(start, math.ceil(target * percent / 100))


def next_check(clock: TicketClock) -> dt.datetime | None:
    """When the sweep has something to do with this clock next, if ever."""
    if clock.state != State.RUNNING or clock.breached_at is not None:
        return None
    if clock.warned_at is None and clock.warn_at < clock.due_at:
        return clock.warn_at
    return clock.due_at


# --- the steps of a clock --------------------------------------------------------


class ClockSteps:
    """The clock rows and history rows one event changes, written together."""

    def __init__(self, ticket_id: int) -> None:
        self.ticket_id = ticket_id
        self.history: list[ClockEvent] = []
        self.changed: dict[int, TicketClock] = {}

    def note(self, clock: TicketClock, kind: str, at: dt.datetime) -> None:
        self.history.append(
            ClockEvent(
                ticket_id=self.ticket_id,
                clock=clock.clock,
                kind=kind,
                at=at,
                due_at=clock.due_at,
            )
        )
        if clock.pk is not None:
            self.changed[clock.pk] = clock


def _pause(steps: ClockSteps, clock: TicketClock, at: dt.datetime) -> None:
    clock.state = State.PAUSED
    clock.paused_at = at
    steps.note(clock, EK.PAUSED, at)


def _resume(
    steps: ClockSteps, clock: TicketClock, at: dt.datetime, calendar: BusinessCalendar
) -> None:
    """Run again; the due time (and the warning) move by the business time the
    clock stood still."""
    since = clock.paused_at if clock.state == State.PAUSED else clock.stopped_at
    span = max(calendar.between(since, at), dt.timedelta(0)) if since else None
    if span:
        clock.due_at = calendar.add_duration(clock.due_at, span)
        clock.warn_at = calendar.add_duration(clock.warn_at, span)
        clock.paused_minutes += span / dt.timedelta(minutes=1)
    clock.state = State.RUNNING
    clock.paused_at = None
    clock.stopped_at = None
    clock.elapsed_minutes = None
    steps.note(clock, EK.RESUMED, at)


def _stop(
    steps: ClockSteps, clock: TicketClock, at: dt.datetime, calendar: BusinessCalendar
) -> None:
    if clock.state == State.PAUSED:
        _resume(steps, clock, at, calendar)
    met = at <= clock.due_at
    clock.state = State.MET if met else State.BREACHED
    clock.stopped_at = at
    clock.elapsed_minutes = max(
        calendar.between(clock.started_at, at) / dt.timedelta(minutes=1)
        - clock.paused_minutes,
        0.0,
    )
    steps.note(clock, EK.MET if met else EK.STOPPED_LATE, at)


def _stop_moment(ticket, clock: str, event, at: dt.datetime) -> dt.datetime | None:
    """When the ticket's facts say this clock stopped, or None if it runs."""
    if clock == Clock.ACKNOWLEDGE:
        if ticket.status != NEW:
            return ticket.accepted_at or at
        return None
    if clock == Clock.FIRST_RESPONSE:
        if ticket.first_response_at is not None:
            return ticket.first_response_at
        if event is not None and event.kind == "reply" and event.is_public:
            return event.created_at
        return None
    if ticket.status in DONE:
        return ticket.resolved_at or at
    if ticket.type == COMPLAINT and ticket.status in COMPLAINT_ANSWERED:
        return at
    return None


def clocks_new(ticket, level: ServiceLevel, calendar: BusinessCalendar):
    """The clocks a ticket gets at registration: due from ``received_at``."""
    start = ticket.received_at
    clocks = []
    for name in CLOCKS:
        target = level.minutes(name)
        if not target:
            continue
        clocks.append(
            TicketClock(
                ticket_id=ticket.pk,
                clock=name,
                level=level,
                calendar_code=level.calendar.code,
                target_minutes=target,
                warn_percent=level.warn_percent,
                started_at=start,
                due_at=calendar.add(start, target),
                warn_at=warn_moment(calendar, start, target, level.warn_percent),
            )
        )
    return clocks


def clocks_step(ticket, clocks, *, at, event, calendar, steps: ClockSteps) -> None:
    """Move ``clocks`` (in memory) to what the ticket's facts say at ``at``."""
    for clock in clocks:
        stop = _stop_moment(ticket, clock.clock, event, at)
        if stop is not None:
            if not clock.is_stopped:
                _stop(steps, clock, max(stop, clock.started_at), calendar)
            continue
        if clock.is_stopped:
            # Reopened: the clock runs again from where it stopped.
            _resume(steps, clock, at, calendar)
        if ticket.status == WAITING and clock.state == State.RUNNING:
            _pause(steps, clock, at)
        elif ticket.status != WAITING and clock.state == State.PAUSED:
            _resume(steps, clock, at, calendar)
    for clock in clocks:
        clock.next_check_at = next_check(clock)


def clocks_apply(ticket, *, at: dt.datetime, event=None) -> list[TicketClock]:
    """Bring the ticket's clocks in line with its facts at ``at`` (start them if
    it has none and ``event`` is its registration); returns the clocks."""
    clocks = list(TicketClock.objects.filter(ticket=ticket))
    steps = ClockSteps(ticket.pk)
    fresh = False
    if not clocks:
        if event is None or event.kind != "created":
            return []
        level = service_level_for(
            tier=getattr(ticket.customer, "tier", "") or "",
            priority=ticket.priority,
            ticket_type=ticket.type,
        )
        if level is None:
            return []
        calendar = business_calendar_get(level.calendar.code)
        clocks = clocks_new(ticket, level, calendar)
        if not clocks:
            return []
        fresh = True
        for clock in clocks:
            steps.note(clock, EK.STARTED, clock.started_at)
    else:
        calendar = business_calendar_get(clocks[0].calendar_code)
    clocks_step(ticket, clocks, at=at, event=event, calendar=calendar, steps=steps)
    if fresh:
        TicketClock.objects.bulk_create(clocks)
    else:
        for clock in steps.changed.values():
            clock.save(update_fields=CHANGING)
    if steps.history:
        ClockEvent.objects.bulk_create(steps.history)
    _due_fields_write(ticket, clocks)
    return clocks


CHANGING = [
    "state",
    "due_at",
    "warn_at",
    "paused_at",
    "paused_minutes",
    "stopped_at",
    "elapsed_minutes",
    "next_check_at",
]


def _due_fields_write(ticket, clocks: Iterable[TicketClock]) -> None:
    from tickets.models import Ticket

    changes = {}
    for clock in clocks:
        field = DUE_FIELD[clock.clock]
        if getattr(ticket, field) != clock.due_at:
            changes[field] = clock.due_at
            setattr(ticket, field, clock.due_at)
    if changes:
        Ticket.objects.filter(pk=ticket.pk).update(**changes)


def clocks_retarget(ticket, *, at: dt.datetime) -> list[TicketClock]:
    """After a change of type, priority or customer: the level that matches now
    sets the targets of the clocks still running or paused (from their start,
    plus the time they stood still); stopped clocks keep their result."""
    clocks = list(TicketClock.objects.filter(ticket=ticket))
    if not clocks:
        return []
    level = service_level_for(
        tier=getattr(ticket.customer, "tier", "") or "",
        priority=ticket.priority,
        ticket_type=ticket.type,
    )
    if level is None:
        return clocks
    calendar = business_calendar_get(clocks[0].calendar_code)
    steps = ClockSteps(ticket.pk)
    for clock in clocks:
        target = level.minutes(clock.clock)
        if clock.is_stopped or not target:
            continue
        if (clock.level_id, clock.target_minutes) == (level.pk, target):
            continue
        paused = dt.timedelta(minutes=clock.paused_minutes)
        clock.level = level
        clock.target_minutes = target
        clock.warn_percent = level.warn_percent
        clock.due_at = calendar.add_duration(
            calendar.add(clock.started_at, target), paused
        )
        clock.warn_at = calendar.add_duration(
            warn_moment(calendar, clock.started_at, target, level.warn_percent),
            paused,
        )
        if clock.breached_at is not None and clock.due_at > at:
            clock.breached_at = None
        if clock.warned_at is not None and clock.warn_at > at:
            clock.warned_at = None
        clock.next_check_at = next_check(clock)
        steps.note(clock, EK.RETARGETED, at)
    for clock in steps.changed.values():
        clock.save(
            update_fields=[
                *CHANGING,
                "level",
                "target_minutes",
                "warn_percent",
                "warned_at",
                "breached_at",
            ]
        )
    if steps.history:
        ClockEvent.objects.bulk_create(steps.history)
    _due_fields_write(ticket, clocks)
    return clocks


FOLLOWED = frozenset({"created", "status", "reply"})
RETARGETING = frozenset({"type", "priority", "customer"})


def clocks_follow(event) -> None:
    """The hook: every registration, change of status and reply to the customer,
    and edits of what chooses the level."""
    if event.kind in FOLLOWED:
        clocks_apply(event.ticket, at=event.created_at, event=event)
    elif event.kind == "update" and RETARGETING & set(event.data.get("changes", {})):
        clocks_retarget(event.ticket, at=event.created_at)
