"""The periodic sweep of the clocks: warn the owner when a share of the target is
used, escalate one step up the ladder at breach. It reads only the clocks whose
``next_check_at`` has come (one range of a partial index), works set-based in
batches, and marks each step on the clock, so a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from notify.models import Notification
from sla.business_time import TZ
from sla.models import Clock, ClockEvent, TicketClock
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
# Ticket type → the workflow that escalates its breaches along its own ladder.
_escalate_hooks: dict[str, EscalateHook] = {}


def escalation_register(ticket_type: str, hook: EscalateHook) -> None:
    """Another app (the complaint workflow) escalates the breaches of its type of
    ticket itself: ``hook(breaches, now)`` runs in the sweep's transaction, and
    the sweep then only records the breach and tells the owner."""
    _escalate_hooks[ticket_type] = hook


def _robots_tell(breaches: list[Breach]) -> None:
    """Breaches go to the group robots of departments that have one (one query
    to find those departments, whatever the number of breaches)."""
    if not breaches:
        return
    from channels.models import Robot
    from channels.services import robots_broadcast

    with_robots = set(
        Robot.objects.filter(
            is_active=True,
            department_id__in={b.department_id for b in breaches},
        ).values_list("department_id", flat=True)
    )
    labels = dict(Clock.choices)
    for b in breaches:
        if b.department_id in with_robots:
            robots_broadcast(
                b.department_id,
                _("服务等级超时：%(number)s %(subject)s")
                % {"number": b.number, "subject": b.subject},
                _("%(clock)s时限已过（应于%(due)s前）。")
                % {"clock": labels[b.clock], "due": _local(b.due_at)},
                key=f"sla.breach.{b.ticket_id}.{b.clock}",
            )


def _name(person: dict) -> str:
    return person["display_name"] or person["username"]


# Rows per INSERT statement (well below SQLite's limit of bound parameters).
INSERT_CHUNK = 500


def rows_insert(
    model, fields: list[str], rows: list[tuple], *, skip_taken=False
) -> None:
    """Many rows in a few multi-row INSERTs (the sweep writes thousands at a
    time; model instances, or a statement per row, would cost more than the
    database does)."""
    if not rows:
        return
    ops = connection.ops
    quote = ops.quote_name
    columns = [model._meta.get_field(f).column for f in fields]
    kinds = [model._meta.get_field(f).get_internal_type() for f in fields]
    adapted = [
        tuple(
            ops.adapt_datetimefield_value(v)
            if kind == "DateTimeField" and v is not None
            else (json.dumps(v, ensure_ascii=False) if kind == "JSONField" else v)
            for v, kind in zip(row, kinds, strict=True)
        )
        for row in rows
    ]
    row_sql = "({})".format(
        ", ".join(
            "%s::jsonb"
            if kind == "JSONField" and connection.vendor == "postgresql"
            else "%s"
            for kind in kinds
        )
    )
    head = "INSERT INTO {} ({}) VALUES ".format(
        quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
    )
    tail = " ON CONFLICT DO NOTHING" if skip_taken else ""
    with connection.cursor() as cursor:
        for first in range(0, len(adapted), INSERT_CHUNK):
            chunk = adapted[first : first + INSERT_CHUNK]
            cursor.execute(
                head + ", ".join([row_sql] * len(chunk)) + tail,
                [value for row in chunk for value in row],
            )


def sla_sweep(*, now: dt.datetime | None = None, batch: int = 5000) -> SweepResult:
    """Warn and escalate every clock that is due by ``now``."""
    now = now or timezone.now()
    result = SweepResult()
    texts = _Texts()
    while True:
        done = _sweep_batch(now, batch, result, texts)
        if done < batch:
            return result


FIELDS = (
    "pk",
    "ticket_id",
    "clock",
    "due_at",
    "warned_at",
    "breached_at",
    "ticket__number",
    "ticket__subject",
    "ticket__type",
    "ticket__owner_id",
    "ticket__department_id",
)


class _Texts:
    """The sweep's wording, translated once per batch (not once per row)."""

    def __init__(self) -> None:
        self.labels = {value: str(label) for value, label in Clock.choices}
        self.warn_body = _("%(clock)s时限将到：请在 %(due)s 前处理。")
        self.warn_title = _("%(number)s %(clock)s时限将到")
        self.breach_body = _("%(clock)s已超时（时限 %(due)s）。")
        self.escalated = _("已升级给%(name)s。")
        self.breach_title = _("%(number)s %(clock)s已超时：%(subject)s")
        marker = "0NUMBER0"
        url = reverse("tickets:ticket_detail", args=[marker])
        self.url = lambda number: url.replace(marker, number)
        self.overdue_url = reverse("sla:service_overdue")
        self.digest_title = _("%(count)s 张工单的时限将到或已超时")


# More notifications than this for one person in one batch become one summary
# that links to the overdue list (nobody reads a thousand alerts).
DIGEST_AFTER = 5


def _digested(notes: list[tuple], texts: _Texts, now: dt.datetime) -> list[tuple]:
    by_user: dict[int, list[tuple]] = {}
    for note in notes:
        by_user.setdefault(note[0], []).append(note)
    kept = []
    for user_id, own in by_user.items():
        if len(own) <= DIGEST_AFTER:
            kept += own
            continue
        kept.append(
            (
                user_id,
                texts.digest_title % {"count": len(own)},
                "\n".join(note[1] for note in own[:20]),
                texts.overdue_url,
                f"sla.digest.{user_id}.{own[0][4]}",
                now,
            )
        )
    return kept


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def _sweep_batch(
    now: dt.datetime, batch: int, result: SweepResult, texts: _Texts
) -> int:
    due = list(
        TicketClock.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(next_check_at__lte=now)
        .order_by("next_check_at", "pk")
        .values(*FIELDS)[:batch]
    )
    if not due:
        return 0
    warn = [c for c in due if c["due_at"] > now and c["warned_at"] is None]
    breach = [c for c in due if c["due_at"] <= now and c["breached_at"] is None]
    if warn:
        TicketClock.objects.filter(pk__in=[c["pk"] for c in warn]).update(
            warned_at=now, next_check_at=F("due_at")
        )
    if breach:
        TicketClock.objects.filter(pk__in=[c["pk"] for c in breach]).update(
            warned_at=Coalesce(F("warned_at"), now),
            breached_at=now,
            next_check_at=None,
        )
    # A row with nothing to do (already warned, not yet due): its next check is
    # its due time; already breached: none.
    acted = {c["pk"] for c in warn} | {c["pk"] for c in breach}
    for c in due:
        if c["pk"] not in acted:
            TicketClock.objects.filter(pk=c["pk"]).update(
                next_check_at=c["due_at"] if c["breached_at"] is None else None
            )

    rows_insert(
        ClockEvent,
        ["ticket", "clock", "kind", "at", "due_at"],
        [
            (c["ticket_id"], c["clock"], kind, now, c["due_at"])
            for rows, kind in ((warn, EK.WARNED), (breach, EK.BREACHED))
            for c in rows
        ],
    )
    owners = {c["ticket__owner_id"] for c in breach}
    targets = escalation_targets(owners) if breach else {}
    events: list[tuple] = []
    notes: list[tuple] = []
    for c in warn:
        label = texts.labels[c["clock"]]
        text = texts.warn_body % {"clock": label, "due": _local(c["due_at"])}
        number = c["ticket__number"]
        events.append(
            (
                c["ticket_id"],
                TicketEvent.Kind.NOTE,
                False,
                text,
                {"sla": "warning", "clock": c["clock"]},
                now,
            )
        )
        notes.append(
            (
                c["ticket__owner_id"],
                (texts.warn_title % {"number": number, "clock": label})[:200],
                text,
                texts.url(number),
                f"sla.warn.{c['pk']}",
                now,
            )
        )
    breaches = []
    for c in breach:
        label = texts.labels[c["clock"]]
        number = c["ticket__number"]
        handed_over = c["ticket__type"] in _escalate_hooks
        target = None if handed_over else targets.get(c["ticket__owner_id"])
        text = texts.breach_body % {"clock": label, "due": _local(c["due_at"])}
        if target is not None:
            text += " " + texts.escalated % {"name": _name(target)}
        events.append(
            (
                c["ticket_id"],
                TicketEvent.Kind.ESCALATION,
                False,
                text,
                {
                    "sla": "breach",
                    "clock": c["clock"],
                    "to": (
                        {"username": target["username"], "name": _name(target)}
                        if target
                        else None
                    ),
                },
                now,
            )
        )
        title = (
            texts.breach_title
            % {"number": number, "clock": label, "subject": c["ticket__subject"]}
        )[:200]
        url = texts.url(number)
        for user_id, key in (
            (c["ticket__owner_id"], f"sla.breach.{c['pk']}"),
            (target["pk"] if target else None, f"sla.escalate.{c['pk']}"),
        ):
            if user_id is not None:
                notes.append((user_id, title, text, url, key, now))
        breaches.append(
            Breach(
                ticket_id=c["ticket_id"],
                number=number,
                subject=c["ticket__subject"],
                ticket_type=c["ticket__type"],
                clock=c["clock"],
                owner_id=c["ticket__owner_id"],
                department_id=c["ticket__department_id"],
                due_at=c["due_at"],
            )
        )
    rows_insert(
        TicketEvent,
        ["ticket", "kind", "is_public", "body", "data", "created_at"],
        events,
    )
    rows_insert(
        Notification,
        ["user", "title", "body", "url", "idempotency_key", "created_at"],
        _digested(notes, texts, now),
        skip_taken=True,
    )
    _robots_tell(breaches)
    for ticket_type, hook in _escalate_hooks.items():
        theirs = [b for b in breaches if b.ticket_type == ticket_type]
        if theirs:
            hook(theirs, now)
    result.warned += len(warn)
    result.breached += len(breach)
    return len(due)
