"""Pages of the service levels: the levels and commitments (the service manager
maintains them), the overdue lists, and a commitment's compliance rates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Department, User
from core.errors import Conflict, DomainError
from core.pagination import keyset_paginate
from customers.models import Customer
from sla import reports
from sla.forms_levels import CommitmentForm, RateFilterForm, ServiceLevelForm
from sla.models import Commitment, ServiceLevel
from sla.permissions import can_manage_service_levels, can_view_service_levels
from sla.services import commitment_save, service_level_save


def _require_view(request: HttpRequest) -> None:
    if not can_view_service_levels(request.user):
        raise PermissionDenied


def _require_manage(request: HttpRequest) -> None:
    if not can_manage_service_levels(request.user):
        raise PermissionDenied


def _errors_to_form(form, exc: DomainError) -> None:
    for error in exc.errors:
        name = error.field if error.field in form.fields else None
        form.add_error(name, str(error.message))


@require_GET
def level_list_view(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    levels = ServiceLevel.objects.select_related("calendar").order_by("name", "id")
    return render(
        request,
        "sla/level_list.html",
        {
            "levels": levels,
            "commitments": Commitment.objects.order_by("sort_order", "id"),
            "can_manage": can_manage_service_levels(request.user),
        },
    )


def _edit(request, *, form_class, instance, save, template, kind_label, done):
    _require_manage(request)
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in form.Meta.fields}
        if "calendar" in values:
            values["calendar"] = form.cleaned_data["calendar"]
        try:
            save(
                actor=request.user,
                version=(
                    int(request.POST.get("version") or 0) or None if instance else None
                ),
                request=request,
                **values,
            )
        except Conflict:
            messages.error(request, _("内容已被其他人修改，请查看最新内容后重新提交。"))
            return redirect(request.path)
        except DomainError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, done)
            return redirect("sla:service_levels")
    return render(
        request,
        template,
        {"form": form, "object": instance, "kind_label": kind_label},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def level_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    level = get_object_or_404(ServiceLevel, pk=pk) if pk else None

    def save(**kwargs):
        return service_level_save(level=level, **kwargs)

    return _edit(
        request,
        form_class=ServiceLevelForm,
        instance=level,
        save=save,
        template="sla/level_form.html",
        kind_label=_("服务等级"),
        done=_("服务等级已保存，新登记的工单按它计算时限。"),
    )


@require_http_methods(["GET", "POST"])
def commitment_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    commitment = get_object_or_404(Commitment, pk=pk) if pk else None

    def save(**kwargs):
        return commitment_save(commitment=commitment, **kwargs)

    return _edit(
        request,
        form_class=CommitmentForm,
        instance=commitment,
        save=save,
        template="sla/level_form.html",
        kind_label=_("服务承诺"),
        done=_("服务承诺已保存。"),
    )


@require_GET
def overdue_view(request: HttpRequest) -> HttpResponse:
    """Overdue (or soon due) clocks of open tickets, per person, department, tier."""
    _require_view(request)
    now = timezone.now()
    soon = request.GET.get("show") == "soon"
    owner = department = None
    if request.GET.get("owner"):
        owner = User.objects.filter(username=request.GET["owner"]).first()
    if request.GET.get("department"):
        department = Department.objects.filter(code=request.GET["department"]).first()
    tier = request.GET.get("tier", "")
    tier = tier if tier in Customer.Tier.values else ""
    qs = reports.overdue_clocks(
        user=request.user,
        now=now,
        owner_id=owner.pk if owner else None,
        department_id=department.pk if department else None,
        tier=tier,
        soon=soon,
    )
    try:
        page = keyset_paginate(
            qs, ordering=["due_at", "id"], cursor=request.GET.get("cursor"), limit=50
        )
    except DomainError:
        page = keyset_paginate(qs, ordering=["due_at", "id"], cursor=None, limit=50)
    calendars = reports.calendars_for(page.items)
    rows = [reports.clock_view(c, now, calendars[c.calendar_code]) for c in page.items]
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "sla/overdue.html",
        {
            "rows": rows,
            "page": page,
            "soon": soon,
            "owner": owner,
            "department": department,
            "tier": tier,
            "tiers": Customer.Tier.choices,
            "counts": reports.overdue_counts(user=request.user, now=now),
            "query": query.urlencode(),
        },
    )


@require_GET
def commitment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A commitment's compliance: per month (the last twelve), per department and
    per person in the chosen month, and the month's breaches."""
    _require_view(request)
    commitment = get_object_or_404(Commitment, pk=pk)
    form = RateFilterForm(request.GET or None)
    month = form.cleaned_data.get("month") if form.is_valid() else None
    by = (form.cleaned_data.get("by") if form.is_valid() else "") or "department"
    start, end = reports.month_range(month)
    year_start = start.replace(year=start.year - 1)
    year_start = reports._next_month(year_start)
    monthly = reports.commitment_rates(
        commitment, start=year_start, end=end, by="month"
    )
    grouped = (
        reports.commitment_rates(commitment, start=start, end=end, by=by)
        if by != "month"
        else []
    )
    breaches = keyset_paginate(
        reports.commitment_breaches(commitment, start=start, end=end),
        ordering=["-stopped_at", "-id"],
        cursor=None,
        limit=50,
    )
    total = sum(r.total for r in grouped) or sum(
        r.total for r in monthly if r.label == f"{start:%Y-%m}"
    )
    return render(
        request,
        "sla/commitment_detail.html",
        {
            "commitment": commitment,
            "form": form,
            "month": f"{start:%Y-%m}",
            "by": by,
            "monthly": monthly,
            "grouped": grouped,
            "breaches": breaches.items,
            "total": total,
            "target_text": reports.minutes_text(commitment.target_minutes),
        },
    )
