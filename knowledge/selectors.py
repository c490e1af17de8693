"""Reads of knowledge."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from core.pagination import Page, keyset_paginate
from knowledge.models import Case, CaseReading, FaqArticle, FaqCategory, ReplyTemplate
from knowledge.search import faq_index
from tickets.models import Ticket

PANEL_MAX = 5


def faq_categories() -> list[FaqCategory]:
    return list(FaqCategory.objects.all())


def faq_public() -> QuerySet[FaqArticle]:
    return FaqArticle.objects.filter(is_published=True).select_related("category")


def faq_page(
    *, q: str = "", category: int | None = None, public: bool, cursor=None, limit=20
) -> Page:
    """Articles, newest first; ``q`` searches question and answer (bigrams)."""
    qs = faq_public() if public else FaqArticle.objects.select_related("category")
    if category:
        qs = qs.filter(category_id=category)
    if q.strip():
        return faq_index.page(qs, q, cursor=cursor, limit=limit)
    return keyset_paginate(qs, ordering=["-id"], cursor=cursor, limit=limit)


def reply_templates_for(ticket: Ticket) -> list[ReplyTemplate]:
    """Templates of the ticket's category and those for every category."""
    return list(
        ReplyTemplate.objects.filter(
            Q(category__isnull=True) | Q(category_id=ticket.category_id)
        ).order_by("name", "id")[:50]
    )


def reply_templates_all() -> list[ReplyTemplate]:
    return list(ReplyTemplate.objects.select_related("category").order_by("name", "id"))


def case_page(*, cursor=None, limit=25) -> Page:
    return keyset_paginate(
        Case.objects.select_related("written_by"),
        ordering=["-created_at", "-id"],
        cursor=cursor,
        limit=limit,
    )


def unread_required(*, user: Any, limit: int | None = PANEL_MAX) -> list[CaseReading]:
    """The cases ``user`` must still read, oldest assignment first."""
    qs = (
        CaseReading.objects.filter(user=user, required=True, read_at__isnull=True)
        .filter(case__deleted_at__isnull=True)
        .select_related("case")
        .order_by("assigned_at", "id")
    )
    return list(qs[:limit] if limit else qs)


def reading_of(*, user: Any, case: Case) -> CaseReading | None:
    return CaseReading.objects.filter(user=user, case=case).first()


def case_readers(*, case: Case, limit: int = 200) -> list[CaseReading]:
    return list(
        CaseReading.objects.filter(case=case, required=True)
        .select_related("user")
        .order_by("read_at", "user__username")[:limit]
    )
