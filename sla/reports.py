"""Reads of the clocks and commitments: a ticket's clocks with remaining business
time, the overdue lists (per person, department and tier), the commitments'
compliance rates computed in SQL and their breaches, the published promises."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from sla.business_time import TZ
from sla.models import Calendar, ClockEvent, Commitment, TicketClock
from sla.selectors import business_calendar_for, business_calendar_get
from tickets.models import Ticket
from tickets.permissions import ticket_visibility_q

State = TicketClock.State


def minutes_text(minutes: float) -> str:
    """Business minutes as 小时/分钟 (days are not shown: their length depends on
    the calendar)."""
    whole = int(round(abs(minutes)))
    hours, rest = divmod(whole, 60)
    if hours and rest:
        return _("%(h)s 小时 %(m)s 分钟") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)s 小时") % {"h": hours}
    return _("%(m)s 分钟") % {"m": rest}


@dataclass
class ClockView:
    clock: TicketClock
    remaining: float | None  # business minutes; negative when overdue
    tone: str  # Tabler colour
    status: str
    history: list[ClockEvent] = field(default_factory=list)

    @property
    def remaining_text(self) -> str:
        return "" if self.remaining is None else minutes_text(self.remaining)


def clock_view(clock: TicketClock, now: dt.datetime, calendar=None) -> ClockView:
    if clock.state == State.MET:
        return ClockView(clock, None, "green", _("按时完成"))
    if clock.state == State.BREACHED:
        return ClockView(clock, None, "red", _("超时完成"))
    calendar = calendar or business_calendar_get(clock.calendar_code)
    since = clock.paused_at if clock.state == State.PAUSED else now
    remaining = calendar.between(since, clock.due_at) / dt.timedelta(minutes=1)
    if clock.state == State.PAUSED:
        return ClockView(clock, remaining, "azure", _("已暂停"))
    if remaining < 0:
        return ClockView(clock, remaining, "red", _("已超时"))
    if now >= clock.warn_at:
        return ClockView(clock, remaining, "orange", _("即将到期"))
    return ClockView(clock, remaining, "green", _("计时中"))


def calendars_for(clocks) -> dict:
    """The rules of the calendars of ``clocks`` (one query)."""
    codes = {c.calendar_code for c in clocks}
    if not codes:
        return {}
    return {
        c.code: business_calendar_for(c)
        for c in Calendar.objects.filter(code__in=codes)
    }


def ticket_clocks(ticket: Ticket, *, now: dt.datetime | None = None) -> list[ClockView]:
    """The ticket's clocks in their order with their history (two queries)."""
    now = now or timezone.now()
    order = {"acknowledge": 0, "first_response": 1, "resolution": 2}
    clocks = sorted(
        TicketClock.objects.filter(ticket=ticket).select_related("level"),
        key=lambda c: order[c.clock],
    )
    if not clocks:
        return []
    history: dict[str, list[ClockEvent]] = {}
    for event in ClockEvent.objects.filter(ticket=ticket).order_by("at", "id"):
        history.setdefault(event.clock, []).append(event)
    calendar = business_calendar_get(clocks[0].calendar_code)
    views = []
    for clock in clocks:
        view = clock_view(clock, now, calendar)
        view.history = history.get(clock.clock, [])
        views.append(view)
    return views


# --- overdue lists ------------------------------------------------------------------


def _visible_tickets(user: Any) -> QuerySet[Ticket]:
    return Ticket.objects.filter(ticket_visibility_q(user), is_open=True)


def overdue_clocks(
    *,
    user: Any,
    now: dt.datetime,
    owner_id: int | None = None,
    department_id: int | None = None,
    tier: str = "",
    soon: bool = False,
) -> QuerySet[TicketClock]:
    """Running clocks past their due time (or, with ``soon``, past the warning)
    of open tickets the user may read, ordered by due time."""
    qs = TicketClock.objects.filter(
        state=State.RUNNING, ticket__in=_visible_tickets(user).values("pk")
    )
    qs = (
        qs.filter(warn_at__lte=now, due_at__gt=now)
        if soon
        else qs.filter(due_at__lte=now)
    )
    if owner_id:
        qs = qs.filter(ticket__owner_id=owner_id)
    if department_id:
        qs = qs.filter(ticket__department_id=department_id)
    if tier:
        qs = qs.filter(ticket__customer__tier=tier)
    return qs.select_related(
        "ticket", "ticket__owner", "ticket__department", "ticket__customer"
    )


def overdue_counts(*, user: Any, now: dt.datetime) -> dict[str, list[dict]]:
    """How many clocks are overdue per person, department and tier (SQL groups)."""
    base = overdue_clocks(user=user, now=now).order_by()
    return {
        "owner": list(
            base.values(
                "ticket__owner_id",
                "ticket__owner__display_name",
                "ticket__owner__username",
            )
            .annotate(n=Count("id"))
            .order_by("-n", "ticket__owner_id")[:20]
        ),
        "department": list(
            base.values(
                "ticket__department_id",
                "ticket__department__name",
                "ticket__department__code",
            )
            .annotate(n=Count("id"))
            .order_by("-n", "ticket__department_id")[:20]
        ),
        "tier": list(
            base.values("ticket__customer__tier")
            .annotate(n=Count("id"))
            .order_by("ticket__customer__tier")
        ),
    }


# --- commitments -----------------------------------------------------------------------


def commitments_published() -> QuerySet[Commitment]:
    """The promises shown to customers (the portal's home page)."""
    return Commitment.objects.filter(is_published=True).order_by("sort_order", "id")


def _month_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, 1, tzinfo=TZ)


def _next_month(moment: dt.datetime) -> dt.datetime:
    year, month = (
        (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    )
    return moment.replace(year=year, month=month)


def commitment_clocks(
    commitment: Commitment, *, start: dt.datetime, end: dt.datetime
) -> QuerySet[TicketClock]:
    """The clocks a commitment counts: its clock, stopped in [start, end)."""
    qs = TicketClock.objects.filter(
        clock=commitment.clock, stopped_at__gte=start, stopped_at__lt=end
    )
    if commitment.ticket_type:
        qs = qs.filter(ticket__type=commitment.ticket_type)
    return qs


@dataclass
class RateRow:
    key: Any
    label: str
    total: int
    kept: int

    @property
    def breached(self) -> int:
        return self.total - self.kept

    @property
    def rate(self) -> float | None:
        return None if not self.total else self.kept / self.total

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


GROUPS = {
    "month": ("month", None),
    "department": ("ticket__department_id", "ticket__department__name"),
    "owner": ("ticket__owner_id", "ticket__owner__display_name"),
}


def commitment_rates(
    commitment: Commitment, *, start: dt.datetime, end: dt.datetime, by: str
) -> list[RateRow]:
    """Kept and counted clocks per month, department or person, in one grouped
    query: kept means stopped within the commitment's business minutes."""
    key, label = GROUPS[by]
    qs = commitment_clocks(commitment, start=start, end=end).order_by()
    kept = Count("id", filter=Q(elapsed_minutes__lte=commitment.target_minutes))
    if by == "month":
        qs = qs.annotate(month=TruncMonth("stopped_at", tzinfo=TZ))
        rows = qs.values("month").annotate(total=Count("id"), kept=kept)
        return [
            RateRow(
                r["month"].date()
                if isinstance(r["month"], dt.datetime)
                else r["month"],
                f"{r['month']:%Y-%m}",
                r["total"],
                r["kept"],
            )
            for r in rows.order_by("month")
        ]
    rows = qs.values(key, label).annotate(total=Count("id"), kept=kept)
    return [
        RateRow(r[key], r[label] or _("（无）"), r["total"], r["kept"])
        for r in rows.order_by("-total", key)
    ]


def commitment_breaches(
    commitment: Commitment, *, start: dt.datetime, end: dt.datetime
) -> QuerySet[TicketClock]:
    """The clocks that broke the promise, newest first (for keyset pages)."""
    return (
        commitment_clocks(commitment, start=start, end=end)
        .filter(elapsed_minutes__gt=commitment.target_minutes)
        .select_related("ticket", "ticket__owner", "ticket__department")
    )


def month_range(month: str | None, *, today: dt.date | None = None):
    """``YYYY-MM`` (default: this month) as [start, end) in Shanghai time, or a
    ValueError."""
    today = today or timezone.localdate()
    if month:
        year, number = (int(part) for part in month.split("-"))
        start = _month_start(dt.date(year, number, 1))
    else:
        start = _month_start(today)
    return start, _next_month(start)
