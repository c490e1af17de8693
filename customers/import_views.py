"""Pages of xlsx imports: templates, upload, the job's progress (htmx polling)
and its row-by-row report, then importing all rows or only the valid ones."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.audit import audit_access_denied
from core.errors import DomainError
from core.pagination import keyset_paginate
from customers.exports import xlsx_response
from customers.forms import ImportForm
from customers.imports import (
    COLUMNS,
    import_cancel,
    import_confirm,
    import_issues,
    import_list_visible_to,
    import_start,
    import_template_xlsx,
)
from customers.models import ImportJob
from customers.permissions import can_import
from customers.subnav import subnav
from customers.views import _form_error, _query_without_cursor, _readers_only, _require

ISSUES_PAGE = 100


def _allowed(request: HttpRequest) -> None:
    _readers_only(request)
    _require(can_import(request.user))


def _job(request: HttpRequest, pk: int) -> ImportJob:
    """A job the user may see (theirs, or any for a service manager); 404 for
    the rest, the refusal audited."""
    try:
        return import_list_visible_to(user=request.user).get(pk=pk)
    except ImportJob.DoesNotExist:
        hidden = ImportJob.objects.filter(pk=pk).first()
        if hidden is not None:
            audit_access_denied(request, status=404, obj=hidden)
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def import_list_view(request: HttpRequest) -> HttpResponse:
    """Upload a sheet; the templates; the latest imports."""
    _allowed(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_start(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                request=request,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return redirect("customers:import_detail", pk=job.pk)
    queryset = import_list_visible_to(user=request.user)
    try:
        page = keyset_paginate(
            queryset,
            ordering=["-created_at", "-id"],
            cursor=request.GET.get("cursor"),
            limit=20,
        )
    except DomainError:
        page = keyset_paginate(
            queryset, ordering=["-created_at", "-id"], cursor=None, limit=20
        )
    return render(
        request,
        "customers/import_list.html",
        {
            "form": form,
            "page": page,
            "columns": {kind: COLUMNS[kind] for kind in ImportJob.Kind.values},
            "kinds": ImportJob.Kind.choices,
            "query": _query_without_cursor(request),
            "subnav": subnav(request.user, "imports"),
        },
    )


@require_GET
def import_template_view(request: HttpRequest, kind: str) -> HttpResponse:
    _allowed(request)
    if kind not in ImportJob.Kind.values:
        raise Http404
    return xlsx_response(import_template_xlsx(kind), f"template-{kind}")


def _report_context(request: HttpRequest, job: ImportJob) -> dict:
    issues = import_issues(job=job)
    try:
        page = keyset_paginate(
            issues,
            ordering=["row", "id"],
            cursor=request.GET.get("cursor"),
            limit=ISSUES_PAGE,
        )
    except DomainError:
        page = keyset_paginate(
            issues, ordering=["row", "id"], cursor=None, limit=ISSUES_PAGE
        )
    return {
        "job": job,
        "issues": page,
        "mine": job.created_by_id == request.user.pk,
        "query": _query_without_cursor(request),
    }


@require_GET
def import_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    _allowed(request)
    job = _job(request, pk)
    context = _report_context(request, job)
    context["subnav"] = subnav(request.user, "imports")
    return render(request, "customers/import_detail.html", context)


@require_GET
def import_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx polling: the progress while the job runs, the report once it is done."""
    _allowed(request)
    job = _job(request, pk)
    return render(
        request, "customers/partials/_import_status.html", _report_context(request, job)
    )


@require_POST
def import_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    _allowed(request)
    job = _job(request, pk)
    try:
        import_confirm(
            actor=request.user,
            job=job,
            valid_only=request.POST.get("valid_only") == "on",
            request=request,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("customers:import_detail", pk=pk)


@require_POST
def import_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    _allowed(request)
    job = _job(request, pk)
    try:
        import_cancel(actor=request.user, job=job, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已取消，什么都没有导入。"))
    return redirect("customers:import_list")
