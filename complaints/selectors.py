"""Reads of the complaint workflow: what the ticket page shows of a complaint,
similar earlier complaints, lists, bulletins pending acknowledgement."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Prefetch, QuerySet
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
from core.search import normalize
from tickets.models import Ticket
from tickets.permissions import ticket_visibility_q
from tickets.search import ticket_index
from tickets.selectors import department_choices

SIMILAR_MAX = 5


def complaint_of(ticket: Ticket) -> Complaint | None:
    """The complaint record of a ticket (cached on it), None for other types."""
    if ticket.type != Ticket.Type.COMPLAINT:
        return None
    try:
        return ticket.complaint
    except Complaint.DoesNotExist:
        return None


def action_form_context(*, user: Any, ticket: Ticket) -> dict:
    """What the complaint actions' forms need (loaded once per page)."""
    from complaints.services import remedy_policy_for

    context: dict[str, Any] = {
        "complaint_departments": department_choices(),
        "root_causes": RootCause.objects.filter(is_active=True),
        "remedy_kinds": RemedyKind.choices,
        "responsibilities": Complaint.Responsibility.choices,
        "bulletin_departments": Department.objects.filter(is_active=True),
    }
    if ticket.type == Ticket.Type.COMPLAINT:
        context["remedy_policy"] = remedy_policy_for(ticket)
        complaint = complaint_of(ticket)
        if complaint is not None:
            context["pending_remedy"] = (
                complaint.remedies.filter(status=Remedy.Status.PENDING)
                .select_related("proposed_by")
                .order_by("-created_at")
                .first()
            )
    return context


def complaint_detail(*, ticket: Ticket) -> dict | None:
    """The complaint's workflow record with its remedies, bulletins (and their
    acknowledgements) and the earlier complaints it recurs — a fixed number of
    queries whatever their count."""
    complaint = (
        Complaint.objects.filter(ticket_id=ticket.pk)
        .select_related(
            "root_cause",
            "investigating_department",
            "handler",
            "assessed_by",
            "findings_by",
        )
        .first()
    )
    if complaint is None:
        return None
    remedies = list(
        complaint.remedies.select_related("proposed_by", "decided_by").order_by(
            "created_at", "pk"
        )
    )
    bulletins = list(
        complaint.bulletins.select_related("sent_by")
        .prefetch_related(
            Prefetch(
                "acks",
                queryset=BulletinAck.objects.select_related(
                    "department", "acknowledged_by"
                ).order_by("department__sort_order", "department_id"),
            )
        )
        .order_by("created_at", "pk")
    )
    links = list(
        ComplaintLink.objects.filter(complaint=complaint)
        .select_related("earlier__ticket")
        .order_by("-earlier__registered_at")[:20]
    )
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
    order or batch, and shared words of the subject (found through the search
    index). Each source is one indexed query of a few rows; scored here."""
    visible = Ticket.objects.filter(ticket_visibility_q(user)).filter(
        type=Ticket.Type.COMPLAINT, pk__lt=ticket.pk
    )
    scores: dict[int, int] = {}
    why: dict[int, list[str]] = {}

    def add(ids, points: int, reason: str) -> None:
        for pk in ids:
            scores[pk] = scores.get(pk, 0) + points
            why.setdefault(pk, []).append(reason)

    add(
        visible.filter(customer_id=ticket.customer_id)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:SIMILAR_MAX],
        3,
        "customer",
    )
    for field in ("product", "order_ref", "batch"):
        value = getattr(ticket, field)
        if value:
            ids = (
                Complaint.objects.filter(**{field: value}, ticket_id__lt=ticket.pk)
                .order_by("-registered_at")
                .values_list("pk", flat=True)[:SIMILAR_MAX]
            )
            add(visible.filter(pk__in=list(ids)).values_list("pk", flat=True), 2, field)
    words = subject_words(ticket.subject)
    for word in words:
        page = ticket_index.page(visible, word, cursor=None, limit=SIMILAR_MAX)
        add([t.pk for t in page.items], 1, "words")
    if ticket.category_id:
        add(
            visible.filter(category_id=ticket.category_id)
            .order_by("-created_at", "-id")
            .values_list("pk", flat=True)[:SIMILAR_MAX],
            1,
            "category",
        )
    best = sorted(scores, key=lambda pk: (-scores[pk], -pk))[:SIMILAR_MAX]
    found = Ticket.objects.in_bulk(best)
    return [
        {"ticket": found[pk], "score": scores[pk], "why": sorted(set(why[pk]))}
        for pk in best
        if pk in found
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
