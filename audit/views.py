"""The auditor's pages: search the log, read one row, export, check the chain.
Read only: there is no page, form or endpoint that changes an audit row."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit import selectors
from audit.forms import AuditFilterForm
from audit.permissions import (
    can_export_audit_log,
    can_verify_audit_log,
    can_view_audit_log,
)
from audit.services import audit_export, audit_verify_request
from core.audit import audit_event_label
from core.errors import DomainError
from core.pagination import keyset_paginate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@require_GET
def audit_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_view_audit_log(request.user))
    form = AuditFilterForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else selectors.AuditFilters()
        queryset = selectors.audit_event_search(filters)
        try:
            page = keyset_paginate(
                queryset,
                ordering=selectors.AUDIT_ORDERING,
                cursor=request.GET.get("cursor"),
                limit=50,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "audit/audit_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(e, audit_event_label(e.event)) for e in page.items]
            if page
            else [],
            "query": query.urlencode(),
            "head": selectors.audit_chain_head(),
            "latest_check": selectors.audit_verify_latest(),
        },
    )


@require_GET
def audit_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_view_audit_log(request.user))
    event = selectors.audit_event_get(pk)
    if event is None:
        raise Http404
    return render(
        request,
        "audit/audit_detail.html",
        {
            "event": event,
            "label": audit_event_label(event.event),
            "data_json": json.dumps(event.data, ensure_ascii=False, indent=2),
            "seal": selectors.audit_seal_for(event),
        },
    )


@require_GET
def audit_export_view(request: HttpRequest) -> HttpResponse:
    _require(can_export_audit_log(request.user))
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("导出条件有误，请检查后重试。"))
        return redirect(f"{reverse('audit:list')}?{request.GET.urlencode()}")
    content = audit_export(actor=request.user, filters=form.filters(), request=request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    return response


@require_POST
def audit_verify_view(request: HttpRequest) -> HttpResponse:
    _require(can_verify_audit_log(request.user))
    audit_verify_request(actor=request.user, request=request)
    messages.success(request, _("已开始校验审计链，结果见本页“链条校验”。"))
    return redirect("audit:list")
