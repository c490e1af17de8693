"""Pages of transactions (合作记录): entering and voiding them on the customer
page (htmx), the list of a period with its 80/20 figures, and its export."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.pagination import keyset_paginate
from customers.exports import transactions_export_xlsx, xlsx_response
from customers.forms import PeriodForm, TransactionForm, VoidForm
from customers.permissions import (
    can_add_transaction,
    can_export_customers,
    can_void_transaction,
)
from customers.rules import customer_policy_get
from customers.subnav import subnav
from customers.tiers import figures_text, tier_figures
from customers.transactions import (
    months_before,
    revenue_summary,
    transaction_create,
    transaction_get_for,
    transaction_list,
    transaction_list_for,
    transaction_void,
)
from customers.views import (
    _customer,
    _form_error,
    _query_without_cursor,
    _readers_only,
    _require,
)

TAB_ROWS = 50


def transactions_context(request: HttpRequest, customer, form=None) -> dict:
    """What the customer page's transactions tab shows."""
    policy = customer_policy_get()
    today = timezone.localdate()
    figures = tier_figures(customer_ids=[customer.pk], policy=policy, today=today)
    return {
        "customer": customer,
        "transactions": transaction_list_for(customer=customer)[:TAB_ROWS],
        "transaction_figures": figures[customer.pk],
        "transaction_summary": figures_text(figures[customer.pk], policy, today),
        "transaction_form": form
        or TransactionForm(initial={"occurred_on": today.isoformat()}),
        "void_form": VoidForm(),
        "can_add_transaction": can_add_transaction(request.user, customer),
        "can_void_transaction": can_void_transaction(request.user),
    }


@require_POST
def transaction_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a transaction; htmx swaps the tab in place."""
    record = _customer(request, pk)
    _require(can_add_transaction(request.user, record))
    form = TransactionForm(request.POST)
    if form.is_valid():
        try:
            _created, new = transaction_create(
                actor=request.user,
                customer=record,
                request=request,
                **form.cleaned_data,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            if not new:
                form.add_error(
                    "external_ref", _("这个外部单号已经记录过，没有重复记录。")
                )
            else:
                form = None
    context = transactions_context(request, record, form)
    if request.htmx:
        return render(request, "customers/partials/_transactions.html", context)
    if form is not None and form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("已记录合作。"))
    return redirect(f"{reverse('customers:customer_detail', args=[pk])}#transactions")


@require_POST
def transaction_void_view(request: HttpRequest, pk: int, tx_pk: int) -> HttpResponse:
    record = _customer(request, pk)
    _require(can_void_transaction(request.user))
    deal = transaction_get_for(customer=record, pk=tx_pk)
    form = VoidForm(request.POST)
    form.is_valid()
    try:
        transaction_void(
            actor=request.user,
            record=deal,
            reason=form.cleaned_data.get("reason", ""),
            request=request,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已作废这笔合作记录。"))
    return redirect(f"{reverse('customers:customer_detail', args=[pk])}#transactions")


def _period(request: HttpRequest) -> tuple[PeriodForm, dt.date, dt.date]:
    """The period asked for; by default the last twelve months."""
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    start = months_before(today, 12) + dt.timedelta(days=1)
    end = today
    if form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
    if start > end:
        form.add_error("end", _("结束日期不能早于开始日期。"))
        start, end = end, start
    return form, start, end


@require_GET
def transaction_list_view(request: HttpRequest) -> HttpResponse:
    """Transactions of a period, newest first, with the period's 80/20 share,
    repeat purchases and the cumulative curve."""
    _readers_only(request)
    form, start, end = _period(request)
    try:
        page = keyset_paginate(
            transaction_list(start=start, end=end),
            ordering=["-occurred_on", "-id"],
            cursor=request.GET.get("cursor"),
            limit=25,
        )
    except DomainError:
        page = keyset_paginate(
            transaction_list(start=start, end=end),
            ordering=["-occurred_on", "-id"],
            cursor=None,
            limit=25,
        )
    summary = revenue_summary(start=start, end=end)
    return render(
        request,
        "customers/transaction_list.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "page": page,
            "summary": summary,
            "curve": {
                "x": [point[0] for point in summary.curve],
                "y": [point[1] for point in summary.curve],
            },
            "query": _query_without_cursor(request),
            "can_export": can_export_customers(request.user),
            "subnav": subnav(request.user, "transactions"),
        },
    )


@require_GET
def transaction_export_view(request: HttpRequest) -> HttpResponse:
    """The transactions of the period as xlsx (export permission; audited)."""
    _readers_only(request)
    _require(can_export_customers(request.user))
    _form, start, end = _period(request)
    content = transactions_export_xlsx(
        actor=request.user,
        queryset=transaction_list(start=start, end=end).order_by("-occurred_on", "-id"),
        filters={"start": start.isoformat(), "end": end.isoformat()},
        request=request,
    )
    return xlsx_response(content, f"transactions-{start:%Y%m%d}-{end:%Y%m%d}")
