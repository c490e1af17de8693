"""Pages of the complaint workflow: the panel on the ticket page, the complaint
list (and its xlsx export), bulletins and their acknowledgements, the printed
registration form and full record. Each parses, fetches through a selector,
calls one service and renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from complaints import config, selectors, services
from complaints.exports import complaints_export_xlsx
from complaints.models import (
    ApprovalLimit,
    Complaint,
    PromiseWord,
    RemedyKind,
    RemedyPolicy,
    RootCause,
)
from complaints.permissions import (
    can_acknowledge_bulletin,
    can_configure_complaints,
    can_export_complaints,
    can_remind_bulletin,
    can_view_complaints,
)
from core.errors import DomainError
from core.pagination import keyset_paginate
from customers.exports import xlsx_response
from customers.masking import masked
from tickets.models import Ticket, TicketCategory
from tickets.permissions import can_view_ticket_internals
from tickets.selectors import number_clean, ticket_timeline, ticket_visible

PAGE_SIZE = 25
STATUSES = [
    ("open", _("处理中")),
    *[
        (s, label)
        for s, label in Ticket.Status.choices
        if s not in ("new", "resolved", "waiting_customer")
    ],
]


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def panel_context(user: Any, ticket: Ticket) -> dict | None:
    """The complaint card on the ticket page (those who see the internals)."""
    if ticket.type != Ticket.Type.COMPLAINT or not can_view_ticket_internals(
        user, ticket
    ):
        return None
    detail = selectors.complaint_page(ticket)
    if detail is None:
        return None
    return {**detail, "similar": selectors.complaints_similar(user=user, ticket=ticket)}


def _complaint_ticket(request: HttpRequest, number: str) -> Ticket:
    from core.audit import get_visible_or_404

    _require(can_view_complaints(request.user))
    return get_visible_or_404(
        request,
        ticket_visible(user=request.user).filter(type=Ticket.Type.COMPLAINT),
        number=number_clean(number),
    )


@require_GET
def complaint_list_view(request: HttpRequest) -> HttpResponse:
    """Complaints the user may read, newest first, by status; keyset pages."""
    user = request.user
    _require(can_view_complaints(user))
    status = request.GET.get("status", "open")
    if status not in dict(STATUSES) and status != "":
        status = "open"
    error, page = "", None
    try:
        page = keyset_paginate(
            selectors.complaint_list_visible(user=user, status=status),
            ordering=["-created_at", "-id"],
            cursor=request.GET.get("cursor"),
            limit=PAGE_SIZE,
        )
    except DomainError as exc:
        error = exc.message
    rows = []
    if page is not None:
        for ticket in page.items:
            rows.append(
                {"ticket": ticket, "customer": masked(ticket.customer, basis=None)}
            )
    context = {
        "rows": rows,
        "page": page,
        "error": error,
        "status": status,
        "statuses": STATUSES,
        "can_export": can_export_complaints(user),
        "can_configure": can_configure_complaints(user),
        "pending_acks": selectors.bulletin_acks_pending_for(user=user)[:10],
    }
    return render(request, "complaints/complaint_list.html", context)


@require_GET
def complaint_export_view(request: HttpRequest) -> HttpResponse:
    """The complaint list as xlsx (own permission, masked, audited)."""
    user = request.user
    _require(can_view_complaints(user) and can_export_complaints(user))
    status = request.GET.get("status", "open")
    if status not in dict(STATUSES) and status != "":
        status = "open"
    content = complaints_export_xlsx(
        actor=user,
        queryset=selectors.complaint_list_visible(user=user, status=status),
        filters={"status": status},
        request=request,
    )
    return xlsx_response(content, "complaints")


def _print_context(request: HttpRequest, ticket: Ticket) -> dict:
    internals = can_view_ticket_internals(request.user, ticket)
    return {
        "ticket": ticket,
        "customer": masked(ticket.customer, basis=None),
        "contact": masked(ticket.contact, basis=None) if ticket.contact else None,
        "internals": internals,
        "detail": selectors.complaint_detail(ticket=ticket) if internals else None,
    }


@require_GET
def complaint_form_print_view(request: HttpRequest, number: str) -> HttpResponse:
    """顾客投诉登记表, on one A4 page."""
    ticket = _complaint_ticket(request, number)
    return render(
        request, "complaints/print_form.html", _print_context(request, ticket)
    )


@require_GET
def complaint_record_print_view(request: HttpRequest, number: str) -> HttpResponse:
    """The complaint's full record (workflow, remedies, bulletins, timeline), A4."""
    ticket = _complaint_ticket(request, number)
    _require(can_view_ticket_internals(request.user, ticket))
    context = _print_context(request, ticket)
    context["events"] = ticket_timeline(user=request.user, ticket=ticket)
    return render(request, "complaints/print_record.html", context)


@require_GET
def bulletin_list_view(request: HttpRequest) -> HttpResponse:
    """Bulletins waiting for the user's department, and the latest ones the
    user may read, with their pending departments."""
    user = request.user
    _require(can_view_complaints(user))
    page = keyset_paginate(
        selectors.bulletins_visible(user=user).select_related(
            "complaint__ticket", "sent_by"
        ),
        ordering=["-created_at", "-id"],
        cursor=request.GET.get("cursor"),
        limit=PAGE_SIZE,
    )
    acks = selectors.bulletin_acks_for([b.pk for b in page.items])
    rows = [{"bulletin": b, "acks": acks.get(b.pk, [])} for b in page.items]
    return render(
        request,
        "complaints/bulletin_list.html",
        {
            "rows": rows,
            "page": page,
            "pending": list(selectors.bulletin_acks_pending_for(user=user)[:50]),
        },
    )


@require_GET
def bulletin_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require(can_view_complaints(user))
    bulletin = selectors.bulletin_get_visible(user=user, pk=pk)
    acks = selectors.bulletin_acks(bulletin)
    mine = next((a for a in acks if a.department_id == user.department_id), None)
    return render(
        request,
        "complaints/bulletin_detail.html",
        {
            "bulletin": bulletin,
            "acks": acks,
            "mine": mine,
            "can_ack": mine is not None
            and mine.acknowledged_at is None
            and can_acknowledge_bulletin(user, mine.department_id),
            "can_remind": can_remind_bulletin(user, bulletin)
            and any(a.acknowledged_at is None for a in acks),
        },
    )


@require_POST
def bulletin_ack_view(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.bulletin_get_visible(user=request.user, pk=pk)
    try:
        services.bulletin_acknowledge(
            bulletin=bulletin, actor=request.user, request=request
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已确认内部通报。"))
    return redirect("complaints:bulletin_detail", pk=bulletin.pk)


@require_POST
def bulletin_remind_view(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.bulletin_get_visible(user=request.user, pk=pk)
    try:
        count = services.bulletin_remind(
            bulletin=bulletin, actor=request.user, request=request
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("已提醒 %(count)s 个尚未确认的部门。") % {"count": count}
        )
    return redirect("complaints:bulletin_detail", pk=bulletin.pk)


def level_label(level: int) -> str:
    return Complaint.Level(level).label


# --- settings: promise wording, root causes, approval limits, remedy policy ----------


def _configurer(request: HttpRequest) -> None:
    _require(can_configure_complaints(request.user))


@require_GET
def settings_view(request: HttpRequest) -> HttpResponse:
    _configurer(request)
    return render(
        request,
        "complaints/settings.html",
        {
            "words": PromiseWord.objects.order_by("word"),
            "causes": RootCause.objects.order_by("sort_order", "id"),
            "limits": ApprovalLimit.objects.order_by("rank"),
            "policies": RemedyPolicy.objects.select_related("category").order_by(
                "category__sort_order", "category_id", "severity", "id"
            ),
            "categories": TicketCategory.objects.filter(is_active=True),
            "severities": Ticket.Severity.choices,
            "remedy_kinds": RemedyKind.choices,
        },
    )


def _settings_saved(request: HttpRequest, call) -> HttpResponse:
    try:
        call()
    except DomainError as exc:
        for error in exc.errors:
            messages.error(request, str(error.message))
    else:
        messages.success(request, _("已保存。"))
    return redirect("complaints:settings")


@require_POST
def promise_word_save_view(request: HttpRequest) -> HttpResponse:
    _configurer(request)
    post = request.POST
    return _settings_saved(
        request,
        lambda: config.promise_word_save(
            actor=request.user,
            word=post.get("word", ""),
            explanation=post.get("explanation", ""),
            is_active=post.get("is_active") == "on",
            request=request,
        ),
    )


@require_POST
def root_cause_save_view(request: HttpRequest) -> HttpResponse:
    _configurer(request)
    post = request.POST
    return _settings_saved(
        request,
        lambda: config.root_cause_save(
            actor=request.user,
            code=post.get("code", ""),
            name=post.get("name", ""),
            is_active=post.get("is_active") == "on",
            request=request,
        ),
    )


@require_POST
def approval_limit_save_view(request: HttpRequest, pk: int) -> HttpResponse:
    _configurer(request)
    limit = get_object_or_404(ApprovalLimit, pk=pk)
    return _settings_saved(
        request,
        lambda: config.approval_limit_set(
            actor=request.user,
            limit=limit,
            amount=request.POST.get("amount", ""),
            request=request,
        ),
    )


@require_POST
def remedy_policy_save_view(request: HttpRequest) -> HttpResponse:
    _configurer(request)
    post = request.POST
    code = post.get("category", "")
    category = TicketCategory.objects.filter(code=code).first() if code else None

    def save():
        if code and category is None:
            raise DomainError(
                _("没有这个类别。"), field="category", code="invalid_choice"
            )
        config.remedy_policy_save(
            actor=request.user,
            category=category,
            severity=post.get("severity", ""),
            kind=post.get("kind", ""),
            amount=post.get("amount", ""),
            note=post.get("note", ""),
            request=request,
        )

    return _settings_saved(request, save)
