"""Pages of freshness (动态管理): the review list of archives not verified in time
(verify in place with htmx), duplicate candidates, and merging or dismissing them."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import Conflict, DomainError
from core.pagination import keyset_paginate
from customers import services
from customers.forms import DismissForm, MergeForm
from customers.freshness import (
    duplicate_dismiss,
    duplicate_get_visible,
    duplicate_list,
    review_list,
)
from customers.merge import customer_merge, merge_kind_labels
from customers.models import Contact, Transaction
from customers.permissions import can_change_customer, can_merge_customers
from customers.rules import customer_policy_get
from customers.subnav import subnav
from customers.views import (
    _customer,
    _form_error,
    _query_without_cursor,
    _readers_only,
    _require,
)

PAGE_SIZE = 25


@require_GET
def review_list_view(request: HttpRequest) -> HttpResponse:
    """Archives not verified within the review period, longest unchecked first;
    ``mine`` narrows to the viewer's own customers."""
    _readers_only(request)
    mine = bool(request.GET.get("mine"))
    queryset = review_list(user=request.user, owner=request.user if mine else None)
    ordering = ["checked_at", "id"]
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
    return render(
        request,
        "customers/review_list.html",
        {
            "page": page,
            "mine": mine,
            "policy": customer_policy_get(),
            "query": _query_without_cursor(request),
            "editable": {
                c.pk for c in page.items if can_change_customer(request.user, c)
            },
            "subnav": subnav(request.user, "review"),
        },
    )


@require_POST
def review_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark an archive verified from the review list; htmx replaces the row."""
    record = _customer(request, pk)
    _require(can_change_customer(request.user, record))
    error = ""
    try:
        services.customer_verify(actor=request.user, customer=record, request=request)
    except (DomainError, Conflict) as exc:
        error = exc.message
    if request.htmx:
        record.refresh_from_db()
        return render(
            request,
            "customers/partials/_review_row.html",
            {"c": record, "verified": not error, "error": error, "editable": set()},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("已记录核实。"))
    return redirect("customers:review_list")


@require_GET
def duplicate_list_view(request: HttpRequest) -> HttpResponse:
    _readers_only(request)
    _require(can_merge_customers(request.user))
    queryset = duplicate_list(user=request.user)
    ordering = ["-found_at", "-id"]
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
    return render(
        request,
        "customers/duplicate_list.html",
        {
            "page": page,
            "query": _query_without_cursor(request),
            "subnav": subnav(request.user, "duplicates"),
        },
    )


@require_POST
def duplicates_find_view(request: HttpRequest) -> HttpResponse:
    """Look for duplicates now (a job; it also runs every night)."""
    _readers_only(request)
    _require(can_merge_customers(request.user))
    from customers.tasks import duplicates_find_task

    transaction.on_commit(lambda: duplicates_find_task())
    messages.success(request, _("已开始查找疑似重复的客户，稍后刷新即可看到结果。"))
    return redirect("customers:duplicate_list")


def _side(customer) -> dict:
    """One side of the comparison: the archive's basics and what would move."""
    return {
        "customer": customer,
        "contacts": Contact.objects.filter(customer=customer).count(),
        "transactions": Transaction.objects.filter(customer=customer).count(),
    }


@require_http_methods(["GET", "POST"])
def duplicate_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The two records side by side; merge one into the other, or dismiss."""
    _readers_only(request)
    _require(can_merge_customers(request.user))
    candidate = duplicate_get_visible(user=request.user, pk=pk)
    form = MergeForm(request.POST or None, candidate=candidate)
    dismiss_form = DismissForm()
    if request.method == "POST" and form.is_valid():
        keep = int(form.cleaned_data["survivor"])
        survivor, merged = (
            (candidate.first, candidate.second)
            if keep == candidate.first_id
            else (candidate.second, candidate.first)
        )
        try:
            record = customer_merge(
                actor=request.user,
                survivor=survivor,
                merged=merged,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _("已把“%(merged)s”合并到“%(survivor)s”，原记录保留可追溯。")
                % {"merged": record.merged_name, "survivor": survivor.name},
            )
            return redirect(survivor)
    return render(
        request,
        "customers/duplicate_detail.html",
        {
            "candidate": candidate,
            "sides": [_side(candidate.first), _side(candidate.second)],
            "form": form,
            "dismiss_form": dismiss_form,
            "kinds": merge_kind_labels(),
            "subnav": subnav(request.user, "duplicates"),
        },
    )


@require_POST
def duplicate_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    _readers_only(request)
    _require(can_merge_customers(request.user))
    candidate = duplicate_get_visible(user=request.user, pk=pk)
    form = DismissForm(request.POST)
    form.is_valid()
    try:
        duplicate_dismiss(
            actor=request.user,
            candidate=candidate,
            note=form.cleaned_data.get("note", ""),
            request=request,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("customers:duplicate_detail", pk=pk)
    messages.success(request, _("已记录：这两条不是重复的客户。"))
    return redirect("customers:duplicate_list")
