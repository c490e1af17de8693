"""The periodic sweep of the clocks: warn the owner when a share of the target is
used, escalate one step up the ladder at breach. It reads only the clocks whose
``next_check_at`` has come (one range of a partial index), works set-based in
batches, and marks each step on the clock, so a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from notify.models import Notification
from sla.models import ClockEvent, TicketClock
from tickets.models import TicketEvent

EK = ClockEvent.Kind

# The ladder of DESIGN §2 (supervisor → service manager → general manager).
LADDER = (Role.SUPERVISOR, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER)


@dataclass(frozen=True)
class Breach:
    """One breached clock handed to the escalation."""

    ticket_id: int
    number: str
    subject: str
    ticket_type: str
    clock: str
    owner_id: int
    department_id: int | None
    due_at: dt.datetime


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0


def _people_by_role() -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {role: [] for role in LADDER}
    rows = (
        User.objects.filter(is_active=True, groups__name__in=LADDER)
        .values("pk", "username", "display_name", "department_id", "groups__name")
        .order_by("pk")
    )
    for row in rows:
        found[row["groups__name"]].append(row)
    return found


def escalation_targets(owner_ids: set[int]) -> dict[int, dict | None]:
    """For each owner, the next person up: a supervisor (of the owner's
    department when there is one), above a supervisor the service manager, above
    the service manager the general manager. A few queries whatever the number."""
    ladder = _people_by_role()
    owners = User.objects.filter(pk__in=owner_ids).values("pk", "department_id")
    roles: dict[int, set[str]] = {}
    for pk, name in User.groups.through.objects.filter(
        user_id__in=owner_ids
    ).values_list("user_id", "group__name"):
        roles.setdefault(pk, set()).add(name)
    targets: dict[int, dict | None] = {}
    for owner in owners:
        held = roles.get(owner["pk"], set())
        step = 0
        for index, role in enumerate(LADDER):
            if role in held:
                step = index + 1
        target = None
        for role in LADDER[step:]:
            people = [p for p in ladder[role] if p["pk"] != owner["pk"]]
            same = [p for p in people if p["department_id"] == owner["department_id"]]
            if same or people:
                target = (same or people)[0]
                break
        targets[owner["pk"]] = target
    return targets


EscalateHook = Callable[[list[Breach], dt.datetime], None]
_escalate_hooks: list[EscalateHook] = []


def escalation_register(hook: EscalateHook) -> None:
    """Another app (the complaint workflow) takes part in escalating breaches:
    ``hook(breaches, now)`` runs in the sweep's transaction."""
    if hook not in _escalate_hooks:
        _escalate_hooks.append(hook)


def _name(person: dict) -> str:
    return person["display_name"] or person["username"]


def sla_sweep(*, now: dt.datetime | None = None, batch: int = 2000) -> SweepResult:
    """Warn and escalate every clock that is due by ``now``."""
    now = now or timezone.now()
    result = SweepResult()
    while True:
        done = _sweep_batch(now, batch, result)
        if done < batch:
            return result


@transaction.atomic
def _sweep_batch(now: dt.datetime, batch: int, result: SweepResult) -> int:
    due = list(
        TicketClock.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(next_check_at__lte=now)
        .select_related("ticket")
        .order_by("next_check_at", "pk")[:batch]
    )
    if not due:
        return 0
    warn = [c for c in due if c.due_at > now and c.warned_at is None]
    breach = [c for c in due if c.due_at <= now and c.breached_at is None]
    if warn:
        TicketClock.objects.filter(pk__in=[c.pk for c in warn]).update(
            warned_at=now, next_check_at=F("due_at")
        )
    if breach:
        TicketClock.objects.filter(pk__in=[c.pk for c in breach]).update(
            warned_at=Coalesce(F("warned_at"), now),
            breached_at=now,
            next_check_at=None,
        )
    # A row with nothing to do (already warned, not yet due): its next check is
    # its due time; already breached: none.
    acted = {c.pk for c in warn} | {c.pk for c in breach}
    for c in due:
        if c.pk not in acted:
            c.next_check_at = c.due_at if c.breached_at is None else None
            c.save(update_fields=["next_check_at"])

    history = [
        ClockEvent(
            ticket_id=c.ticket_id,
            clock=c.clock,
            kind=EK.WARNED,
            at=now,
            due_at=c.due_at,
        )
        for c in warn
    ] + [
        ClockEvent(
            ticket_id=c.ticket_id,
            clock=c.clock,
            kind=EK.BREACHED,
            at=now,
            due_at=c.due_at,
        )
        for c in breach
    ]
    ClockEvent.objects.bulk_create(history)

    targets = escalation_targets({c.ticket.owner_id for c in breach}) if breach else {}
    events: list[TicketEvent] = []
    notes: list[Notification] = []
    for c in warn:
        label = c.get_clock_display()
        text = _("%(clock)s时限将到：请在 %(due)s 前处理。") % {
            "clock": label,
            "due": timezone.localtime(c.due_at).strftime("%Y-%m-%d %H:%M"),
        }
        events.append(
            TicketEvent(
                ticket_id=c.ticket_id,
                kind=TicketEvent.Kind.NOTE,
                body=text,
                created_at=now,
                data={"sla": "warning", "clock": c.clock},
            )
        )
        notes.append(
            Notification(
                user_id=c.ticket.owner_id,
                title=(
                    _("%(number)s %(clock)s时限将到")
                    % {"number": c.ticket.number, "clock": label}
                )[:200],
                body=text,
                url=c.ticket.get_absolute_url(),
                idempotency_key=f"sla.warn.{c.pk}",
                created_at=now,
            )
        )
    breaches = []
    for c in breach:
        label = c.get_clock_display()
        target = targets.get(c.ticket.owner_id)
        text = _("%(clock)s已超时（时限 %(due)s）。") % {
            "clock": label,
            "due": timezone.localtime(c.due_at).strftime("%Y-%m-%d %H:%M"),
        }
        if target is not None:
            text += " " + _("已升级给%(name)s。") % {"name": _name(target)}
        events.append(
            TicketEvent(
                ticket_id=c.ticket_id,
                kind=TicketEvent.Kind.ESCALATION,
                body=text,
                created_at=now,
                data={
                    "sla": "breach",
                    "clock": c.clock,
                    "to": (
                        {"username": target["username"], "name": _name(target)}
                        if target
                        else None
                    ),
                },
            )
        )
        title = (
            _("%(number)s %(clock)s已超时：%(subject)s")
            % {"number": c.ticket.number, "clock": label, "subject": c.ticket.subject}
        )[:200]
        for user_id, key in (
            (c.ticket.owner_id, f"sla.breach.{c.pk}"),
            (target["pk"] if target else None, f"sla.escalate.{c.pk}"),
        ):
            if user_id is not None:
                notes.append(
                    Notification(
                        user_id=user_id,
                        title=title,
                        body=text,
                        url=c.ticket.get_absolute_url(),
                        idempotency_key=key,
                        created_at=now,
                    )
                )
        breaches.append(
            Breach(
                ticket_id=c.ticket_id,
                number=c.ticket.number,
                subject=c.ticket.subject,
                ticket_type=c.ticket.type,
                clock=c.clock,
                owner_id=c.ticket.owner_id,
                department_id=c.ticket.department_id,
                due_at=c.due_at,
            )
        )
    TicketEvent.objects.bulk_create(events)
    Notification.objects.bulk_create(notes, ignore_conflicts=True)
    for hook in _escalate_hooks:
        hook(breaches, now)
    result.warned += len(warn)
    result.breached += len(breach)
    return len(due)
