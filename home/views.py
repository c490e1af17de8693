"""The home page of each role, and the page of a module not built yet."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import primary_role
from accounts.roles import BUSINESS_ROLES, ROLE_DESCRIPTIONS, Role
from core.errors import DomainError
from home import selectors
from home.navigation import MODULES_BY_KEY, WORK, modules_visible_to
from home.search import search_all, search_available
from sla.selectors import calendar_assumed_years
from tickets.permissions import can_view_tickets
from tickets.selectors import ticket_home_queues


@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    role = primary_role(user)
    context = {
        "role": role,
        "role_description": ROLE_DESCRIPTIONS.get(role, ""),
        "notifications": selectors.home_notifications(user=user),
        "work_modules": [
            m for m in modules_visible_to(user) if m.section == WORK and m.key != "home"
        ],
    }
    if role in BUSINESS_ROLES:
        template = "home/home_business.html"
        if can_view_tickets(user):
            context["ticket_queues"] = ticket_home_queues(user=user)
    elif role == Role.AUDITOR:
        template = "home/home_auditor.html"
        context["audit_events"] = selectors.home_recent_audit()
    elif role == Role.SECURITY_ADMIN:
        template = "home/home_security.html"
        context["role_counts"] = selectors.home_role_counts()
        context["inactive_users"] = selectors.home_inactive_users()
        context["security"] = selectors.home_security_overview()
    elif role == Role.SYSTEM_ADMIN:
        template = "home/home_system.html"
        context["departments"] = selectors.home_departments()
        context["assumed_years"] = calendar_assumed_years()
    else:
        template = "home/home_norole.html"
    return render(request, template, context)


@require_GET
def module_view(request: HttpRequest, key: str) -> HttpResponse:
    module = MODULES_BY_KEY.get(key)
    if module is None or module.built:
        raise Http404
    if not module.visible(request.user):
        raise PermissionDenied
    return render(request, "home/module_pending.html", {"module": module})


@require_GET
def search_view(request: HttpRequest) -> HttpResponse:
    """The header's search: a drop-down of hits (htmx) or a page of them."""
    if not search_available(request.user):
        raise PermissionDenied
    q = request.GET.get("q", "").strip()
    sections, error = [], ""
    if q:
        try:
            sections = search_all(
                user=request.user, q=q, limit=8 if request.htmx else 25
            )
        except DomainError as exc:
            error = exc.message
    context = {"q": q, "sections": sections, "error": error}
    if request.htmx:
        return render(request, "home/partials/_search_menu.html", context)
    return render(request, "home/search.html", context)
