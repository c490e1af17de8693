"""Demo step: the demo company's service levels and published commitments, the
clocks of every demo ticket replayed from its timeline in memory (met, breached,
paused, running) and written in bulk, then one sweep for the open ones."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

from django.db import transaction
from django.db.models import OuterRef, Subquery

from core.demo import DemoContext
from sla.clocks import ClockSteps, clocks_new, clocks_step, level_pick
from sla.models import Calendar, ClockEvent, Commitment, ServiceLevel, TicketClock
from sla.selectors import business_calendars_all
from sla.sweep import rows_insert, sla_sweep
from tickets.models import Ticket, TicketEvent

H = 60
# name, type, tier, priority, calendar, acknowledge, first response, resolution
LEVELS = [
    ("标准服务", "", "", "", "standard", 30, 2 * H, 3 * 450),
    ("紧急工单", "", "", "urgent", "standard", 10, 30, 8 * H),
    ("投诉处理", "complaint", "", "", "standard", 15, H, 24 * H),
    ("A 类客户（7×24）", "", "A", "", "24x7", 15, H, 24 * H),
    ("A 类客户投诉（7×24）", "complaint", "A", "", "24x7", 10, 30, 12 * H),
]
# title, description, type, clock, target minutes, published
COMMITMENTS = [
    (
        "投诉 24 个工作小时内答复",
        "收到投诉后，在 24 个工作小时内给出处理答复。",
        "complaint",
        "resolution",
        24 * H,
        True,
    ),
    (
        "咨询 2 个工作小时内首次回复",
        "电话、邮件和网上的咨询，在 2 个工作小时内首次回复。",
        "inquiry",
        "first_response",
        2 * H,
        True,
    ),
    (
        "所有工单 30 分钟内受理",
        "无论通过哪个渠道提交，30 分钟内有专人受理。",
        "",
        "acknowledge",
        30,
        True,
    ),
    (
        "服务请求 3 个工作日内办结",
        "内部目标：服务请求在 3 个工作日内解决。",
        "request",
        "resolution",
        3 * 450,
        False,
    ),
]


def _levels() -> list[ServiceLevel]:
    calendars = {c.code: c for c in Calendar.objects.all()}
    made = []
    for name, kind, tier, priority, code, ack, first, resolution in LEVELS:
        level, _ = ServiceLevel.objects.get_or_create(
            name=name,
            defaults={
                "ticket_type": kind,
                "tier": tier,
                "priority": priority,
                "calendar": calendars[code],
                "acknowledge_minutes": ack,
                "first_response_minutes": first,
                "resolution_minutes": resolution,
            },
        )
        made.append(level)
    for order, (title, text, kind, clock, target, published) in enumerate(
        COMMITMENTS, start=1
    ):
        Commitment.objects.get_or_create(
            title=title,
            defaults={
                "description": text,
                "ticket_type": kind,
                "clock": clock,
                "target_minutes": target,
                "is_published": published,
                "sort_order": order * 10,
            },
        )
    return made


def _replay(ticket: dict, events: list, level, calendar, steps: ClockSteps):
    """The ticket's clocks after its timeline, computed without the database."""
    snapshot = SimpleNamespace(
        pk=ticket["pk"],
        type=ticket["type"],
        received_at=ticket["received_at"],
        status="new",
        accepted_at=None,
        first_response_at=None,
        resolved_at=None,
    )
    clocks = clocks_new(snapshot, level, calendar)
    for clock in clocks:
        steps.note(clock, ClockEvent.Kind.STARTED, clock.started_at)
    for event in events:
        at = event["created_at"]
        data = event["data"] or {}
        if event["kind"] == "created":
            snapshot.status = data.get("status", "new")
        elif event["kind"] == "status":
            snapshot.status = data.get("to", snapshot.status)
            snapshot.resolved_at = at if snapshot.status == "resolved" else None
        elif event["kind"] != "reply":
            continue
        for name in ("accepted_at", "first_response_at"):
            final = ticket[name]
            setattr(snapshot, name, final if final and final <= at else None)
        clocks_step(
            snapshot,
            clocks,
            at=at,
            event=SimpleNamespace(
                kind=event["kind"], is_public=event["is_public"], created_at=at
            ),
            calendar=calendar,
            steps=steps,
        )
    return clocks


@transaction.atomic
def build(ctx: DemoContext) -> None:
    levels = _levels()
    if TicketClock.objects.exists():
        return
    calendars = business_calendars_all()
    tickets = list(
        Ticket.objects.order_by("pk").values(
            "pk",
            "type",
            "priority",
            "received_at",
            "accepted_at",
            "first_response_at",
            "customer__tier",
        )
    )
    timeline = defaultdict(list)
    for event in (
        TicketEvent.objects.filter(kind__in=("created", "status", "reply"))
        .order_by("created_at", "id")
        .values("ticket_id", "kind", "is_public", "data", "created_at")
    ):
        timeline[event["ticket_id"]].append(event)
    all_clocks: list[TicketClock] = []
    history: list[ClockEvent] = []
    for ticket in tickets:
        level = level_pick(
            levels,
            tier=ticket["customer__tier"] or "",
            priority=ticket["priority"],
            ticket_type=ticket["type"],
        )
        if level is None:
            continue
        steps = ClockSteps(ticket["pk"])
        clocks = _replay(
            ticket, timeline[ticket["pk"]], level, calendars[level.calendar.code], steps
        )
        all_clocks += clocks
        history += steps.history
    clock_fields = [
        "ticket",
        "clock",
        "level",
        "calendar_code",
        "target_minutes",
        "warn_percent",
        "state",
        "started_at",
        "due_at",
        "warn_at",
        "paused_at",
        "paused_minutes",
        "stopped_at",
        "elapsed_minutes",
        "next_check_at",
    ]
    rows_insert(
        TicketClock,
        clock_fields,
        [
            tuple(
                getattr(c, "ticket_id" if f == "ticket" else "level_id")
                if f in ("ticket", "level")
                else getattr(c, f)
                for f in clock_fields
            )
            for c in all_clocks
        ],
    )
    rows_insert(
        ClockEvent,
        ["ticket", "clock", "kind", "at", "due_at"],
        [(e.ticket_id, e.clock, e.kind, e.at, e.due_at) for e in history],
    )
    # The tickets' due fields from their clocks, in one statement.
    Ticket.objects.update(
        **{
            f"{name}_due_at": Subquery(
                TicketClock.objects.filter(ticket_id=OuterRef("pk"), clock=name).values(
                    "due_at"
                )[:1]
            )
            for name in ("acknowledge", "first_response", "resolution")
        }
    )
    # Warnings and escalations of the clocks still running, as the job would.
    sla_sweep(now=ctx.now)
    ctx.made["service_levels"] = levels
