"""Reads of the complaint workflow: what the ticket page shows of a complaint,
similar earlier complaints, lists, bulletins pending acknowledgement."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Department
from complaints.models import (
    Bulletin,
    BulletinAck,
    Complaint,
    ComplaintLink,
    Remedy,
    RemedyKind,
    RootCause,
)
from complaints.permissions import LADDER
from core.pagination import cursor_encode
from core.search import normalize
from tickets.models import Ticket
from tickets.permissions import ticket_visibility_q
from tickets.search import ticket_index
from tickets.selectors import department_choices
from tickets.workflow import transition_allowed

SIMILAR_MAX = 5
# What each shared trait adds to an earlier complaint's likeness.
SIMILAR_POINTS = {
    "customer": 3,
    "product": 2,
    "order_ref": 2,
    "batch": 2,
    "words": 1,
    "category": 1,
}


def complaint_of(ticket: Ticket) -> Complaint | None:
    """The complaint record of a ticket (cached on it), None for other types."""
    if ticket.type != Ticket.Type.COMPLAINT:
        return None
    try:
        return ticket.complaint
    except Complaint.DoesNotExist:
        return None


# The columns the ticket page, the printed record and the API show of the people
# and departments a complaint names (not whole user rows).
_USER = ("username", "display_name")


def _fields(model: Any, *related: str) -> list[str]:
    """``only()`` arguments: every column of ``model`` and the named related ones."""
    return [f.attname for f in model._meta.concrete_fields] + list(related)


def _users(*paths: str) -> list[str]:
    return [f"{path}__{column}" for path in paths for column in _USER]


class Recurrence(NamedTuple):
    """An earlier complaint this one recurs (what the page and the API show)."""

    number: str
    subject: str
    registered_at: datetime


def action_form_context(*, user: Any, ticket: Ticket) -> dict:
    """What the complaint actions' forms need. Only what the forms of the ticket's
    status can show is read (the lists lazily, when a form renders them); the
    complaint and its remedies come from the page's single read."""
    from complaints.services import remedy_policy_for

    context: dict[str, Any] = {
        "complaint_departments": department_choices(),
        "root_causes": RootCause.objects.filter(is_active=True).only("code", "name"),
        "remedy_kinds": RemedyKind.choices,
        "responsibilities": Complaint.Responsibility.choices,
        "bulletin_departments": Department.objects.filter(is_active=True).only(
            "code", "name"
        ),
    }
    if ticket.type != Ticket.Type.COMPLAINT:
        return context
    if transition_allowed(ticket, "propose_remedy"):
        context["remedy_policy"] = remedy_policy_for(ticket)
    if transition_allowed(ticket, "approve_remedy"):
        detail = complaint_page(ticket)
        pending = [
            r
            for r in (detail["remedies"] if detail else [])
            if r.status == Remedy.Status.PENDING
        ]
        context["pending_remedy"] = pending[-1] if pending else None
    return context


def complaint_page(ticket: Ticket) -> dict | None:
    """``complaint_detail`` read once for a ticket page: the complaint panel and
    the actions' forms share it (kept on this ticket instance, which lives for
    one request)."""
    try:
        return ticket._complaint_page
    except AttributeError:
        ticket._complaint_page = complaint_detail(ticket=ticket)
        return ticket._complaint_page


def complaint_detail(*, ticket: Ticket) -> dict | None:
    """The complaint's workflow record with its remedies, bulletins (and their
    acknowledgements) and the earlier complaints it recurs — a fixed number of
    queries whatever their count, reading only the columns shown."""
    complaint = (
        Complaint.objects.filter(ticket_id=ticket.pk)
        .select_related(
            "root_cause",
            "investigating_department",
            "handler",
            "assessed_by",
            "findings_by",
        )
        .only(
            *_fields(Complaint),
            "root_cause__code",
            "root_cause__name",
            "investigating_department__code",
            "investigating_department__name",
            *_users("handler", "assessed_by", "findings_by"),
        )
        .first()
    )
    if complaint is None:
        return None
    Ticket.complaint.related.set_cached_value(ticket, complaint)
    remedies = list(
        Remedy.objects.filter(complaint_id=complaint.pk)
        .select_related("proposed_by", "decided_by")
        .only(*_fields(Remedy), *_users("proposed_by", "decided_by"))
        .order_by("created_at", "pk")
    )
    bulletins = list(
        Bulletin.objects.filter(complaint_id=complaint.pk)
        .select_related("sent_by")
        .only(*_fields(Bulletin), *_users("sent_by"))
        .prefetch_related(
            Prefetch(
                "acks",
                queryset=BulletinAck.objects.select_related(
                    "department", "acknowledged_by"
                )
                .only(
                    *_fields(BulletinAck),
                    "department__code",
                    "department__name",
                    *_users("acknowledged_by"),
                )
                .order_by("department__sort_order", "department_id"),
            )
        )
        .order_by("created_at", "pk")
    )
    links = [
        Recurrence(*row)
        for row in ComplaintLink.objects.filter(complaint_id=complaint.pk)
        .order_by("-earlier__registered_at")
        .values_list(
            "earlier__ticket__number",
            "earlier__ticket__subject",
            "earlier__registered_at",
        )[:20]
    ]
    return {
        "complaint": complaint,
        "remedies": remedies,
        "bulletins": bulletins,
        "recurrences": links,
        "ladder": [(rank, role) for rank, role in LADDER.items()],
    }


_SPLIT = re.compile(r"[\W_]+")


def subject_words(subject: str) -> list[str]:
    """A few short phrases of a subject (up to four characters each) to look up."""
    parts = [p[:4] for p in _SPLIT.split(normalize(subject or "")) if len(p) >= 2]
    return list(dict.fromkeys(parts))[:3]


def complaints_similar(*, user: Any, ticket: Ticket) -> list[dict]:
    """The earlier complaints most like this one: same customer, same product,
    order or batch (in the same category), and shared words of the subject (found through the search
    index). Each source is one indexed query of a few ids; the candidates are
    checked against what the user may read and their number and subject read
    in one more query, then scored here."""
    visible = Ticket.objects.filter(ticket_visibility_q(user)).filter(
        type=Ticket.Type.COMPLAINT, pk__lt=ticket.pk
    )
    why: dict[int, list[str]] = {}

    def add(ids, reason: str) -> None:
        for pk in ids:
            why.setdefault(pk, []).append(reason)

    add(
        visible.filter(customer_id=ticket.customer_id)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:SIMILAR_MAX],
        "customer",
    )
    # Same product, order or batch in the same category, as recurrences are found:
    # each through its partial index (whose condition is repeated here, so that
    # SQLite sees it holds), newest first.
    same_category = (
        Q(category_id=ticket.category_id)
        if ticket.category_id
        else Q(category__isnull=True)
    )
    for field in ("product", "order_ref", "batch"):
        value = getattr(ticket, field)
        if value:
            add(
                Complaint.objects.filter(
                    ~Q(**{field: ""}),
                    same_category,
                    **{field: value},
                    ticket_id__lt=ticket.pk,
                )
                .order_by("-registered_at")
                .values_list("pk", flat=True)[:SIMILAR_MAX],
                field,
            )
    # Only tickets older than this one can match: the search starts below it
    # (its newest window is the one before this ticket) instead of at the top
    # of the whole index.
    below = cursor_encode([ticket.pk])
    for word in subject_words(ticket.subject):
        page = ticket_index.page(
            visible.only("pk"), word, cursor=below, limit=SIMILAR_MAX, narrow=0
        )
        add([t.pk for t in page.items], "words")
    if ticket.category_id:
        add(
            visible.filter(category_id=ticket.category_id)
            .order_by("-created_at", "-id")
            .values_list("pk", flat=True)[:SIMILAR_MAX],
            "category",
        )
    if not why:
        return []
    found = {
        t.pk: t
        for t in visible.filter(pk__in=list(why)).only("pk", "number", "subject")
    }
    scores = {
        pk: sum(SIMILAR_POINTS[reason] for reason in reasons)
        for pk, reasons in why.items()
        if pk in found
    }
    best = sorted(scores, key=lambda pk: (-scores[pk], -pk))[:SIMILAR_MAX]
    return [
        {"ticket": found[pk], "score": scores[pk], "why": sorted(set(why[pk]))}
        for pk in best
    ]


def complaint_list_visible(*, user: Any, status: str = "") -> QuerySet[Ticket]:
    """Complaint tickets the user may read, with what the list shows."""
    qs = (
        Ticket.objects.filter(ticket_visibility_q(user))
        .filter(type=Ticket.Type.COMPLAINT)
        .select_related(
            "customer",
            "owner",
            "department",
            "category",
            "complaint",
            "complaint__root_cause",
            "complaint__investigating_department",
        )
    )
    if status == "open":
        qs = qs.filter(is_open=True)
    elif status:
        qs = qs.filter(status=status)
    return qs


def bulletin_acks_pending_for(*, user: Any) -> QuerySet[BulletinAck]:
    """Bulletins the user's department has not yet acknowledged."""
    if not getattr(user, "department_id", None):
        return BulletinAck.objects.none()
    return (
        BulletinAck.objects.filter(
            department_id=user.department_id, acknowledged_at__isnull=True
        )
        .select_related("bulletin__complaint__ticket", "bulletin__sent_by")
        .order_by("-bulletin_id")
    )


def bulletins_visible(*, user: Any) -> QuerySet[Bulletin]:
    """Bulletins of complaints the user may read, or addressed to their department."""
    visible_tickets = Ticket.objects.filter(ticket_visibility_q(user)).values("pk")
    qs = Bulletin.objects.filter(complaint_id__in=visible_tickets)
    if getattr(user, "department_id", None):
        qs = qs | Bulletin.objects.filter(acks__department_id=user.department_id)
    return qs.distinct()


def bulletin_get_visible(*, user: Any, pk: int) -> Bulletin:
    return get_object_or_404(
        bulletins_visible(user=user).select_related("complaint__ticket", "sent_by"),
        pk=pk,
    )


def bulletin_acks(bulletin: Bulletin) -> list[BulletinAck]:
    return list(
        bulletin.acks.select_related("department", "acknowledged_by").order_by(
            "department__sort_order", "department_id"
        )
    )


def complaints_archived(*, since=None) -> QuerySet[Complaint]:
    """Archived complaints, newest first (the case library writes cases from them)."""
    qs = Complaint.objects.filter(archived_at__isnull=False).select_related(
        "ticket", "root_cause"
    )
    if since is not None:
        qs = qs.filter(archived_at__gte=since)
    return qs.order_by("-archived_at")


def bulletin_acks_for(bulletin_ids: list[int]) -> dict[int, list[BulletinAck]]:
    """The acknowledgements of several bulletins in one query."""
    found: dict[int, list[BulletinAck]] = {}
    for ack in (
        BulletinAck.objects.filter(bulletin_id__in=bulletin_ids)
        .select_related("department")
        .order_by("department__sort_order", "department_id")
    ):
        found.setdefault(ack.bulletin_id, []).append(ack)
    return found
