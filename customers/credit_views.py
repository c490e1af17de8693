"""Pages of credit (信用管理): the assessment form, the check of an order amount
against the limit (htmx), and the list of customers whose rating worsened — all
behind the confidentiality rules."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import Conflict, DomainError
from core.pagination import keyset_paginate
from customers import selectors, services
from customers.credit import (
    credit_assess,
    credit_check,
    credit_history,
    credit_previous_ratings,
    credit_worsened_list,
)
from customers.exports import credit_export_xlsx, xlsx_response
from customers.forms import CreditAssessForm, CreditCheckForm
from customers.masking import Masked
from customers.permissions import (
    can_assess_credit,
    can_export_customers,
    can_view_all_credit,
)
from customers.subnav import subnav
from customers.views import (
    _customer,
    _form_error,
    _query_without_cursor,
    _readers_only,
    _require,
)

PAGE_SIZE = 25


def credit_context(request: HttpRequest, customer: Masked) -> dict:
    """What the customer page's credit tab shows: the history only to those who
    may read credit."""
    record = customer.record
    return {
        "credit_assessments": credit_history(customer=record)[:30]
        if customer.revealed
        else [],
        "credit_check_form": CreditCheckForm(),
        "can_assess": can_assess_credit(request.user, record),
    }


@require_http_methods(["GET", "POST"])
def credit_assess_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a credit investigation (owner or manager)."""
    record = _customer(request, pk)
    _require(can_assess_credit(request.user, record))
    initial = {
        "assessed_on": timezone.localdate().isoformat(),
        "rating": record.credit_rating,
        "score": record.credit_score if record.credit_score is not None else "",
        "limit": record.credit_limit if record.credit_limit is not None else "",
        "balance": record.credit_balance if record.credit_balance is not None else "",
        "version": record.version,
    }
    form = CreditAssessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            credit_assess(
                actor=request.user, customer=record, request=request, **values
            )
        except (DomainError, Conflict) as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已记录信用评估。"))
            return redirect(f"{reverse('customers:customer_detail', args=[pk])}#credit")
    return render(
        request,
        "customers/credit_form.html",
        {"form": form, "customer": record},
    )


@require_POST
def credit_check_view(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: would this amount take the customer over its limit? Everyone who
    reads the customer sees the flag; the figures only those who may read credit."""
    record = _customer(request, pk)
    form = CreditCheckForm(request.POST)
    result, error = None, ""
    if form.is_valid():
        try:
            result = credit_check(customer=record, amount=form.cleaned_data["amount"])
        except DomainError as exc:
            error = exc.message
    else:
        error = _("请填写金额（元）。")
    basis = selectors.customer_basis(user=request.user, customer=record)
    return render(
        request,
        "customers/partials/_credit_check.html",
        {
            "customer": record,
            "result": result,
            "error": error,
            "revealed": basis is not None,
            "credit_check_form": form,
        },
    )


def _worsened(request: HttpRequest):
    granted = (
        set()
        if can_view_all_credit(request.user)
        else selectors.granted_customer_ids(user=request.user)
    )
    return credit_worsened_list(user=request.user, granted_ids=granted)


@require_GET
def credit_worsened_view(request: HttpRequest) -> HttpResponse:
    """Customers whose latest assessment lowered the rating, most recent first;
    only those whose credit the viewer may read (the reveal is audited)."""
    _readers_only(request)
    queryset = _worsened(request)
    ordering = ["-credit_assessed_at", "-id"]
    try:
        page = keyset_paginate(
            queryset,
            ordering=ordering,
            cursor=request.GET.get("cursor"),
            limit=PAGE_SIZE,
        )
    except DomainError:
        page = keyset_paginate(
            queryset, ordering=ordering, cursor=None, limit=PAGE_SIZE
        )
    rows = selectors.customers_masked(user=request.user, customers=page.items)
    services.customers_reveal_record(
        viewer=request.user,
        revealed=[c for c in rows if c.revealed],
        channel="credit_list",
        request=request,
    )
    previous = credit_previous_ratings(customer_ids=[c.pk for c in page.items])
    return render(
        request,
        "customers/credit_worsened.html",
        {
            "rows": [(c, previous.get(c.pk, "")) for c in rows],
            "page": page,
            "query": _query_without_cursor(request),
            "can_export": can_export_customers(request.user),
            "sees_all": can_view_all_credit(request.user),
            "subnav": subnav(request.user, "credit"),
        },
    )


@require_GET
def credit_export_view(request: HttpRequest) -> HttpResponse:
    _readers_only(request)
    _require(can_export_customers(request.user))
    found = list(_worsened(request).order_by("-credit_assessed_at", "-id")[:10_000])
    rows = selectors.customers_masked(user=request.user, customers=found)
    content = credit_export_xlsx(
        actor=request.user,
        customers=rows,
        previous=credit_previous_ratings(customer_ids=[c.pk for c in found]),
        request=request,
    )
    return xlsx_response(content, "credit-worsened")
