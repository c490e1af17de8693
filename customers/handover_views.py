"""Pages of the handover (交接): choose whose work, see what they hold (htmx),
name the receivers, record it; and the history of handovers."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.handover import handover_holdings
from accounts.models import User
from core.audit import audit_access_denied
from core.errors import DomainError
from core.pagination import keyset_paginate
from customers.forms import HandoverForm
from customers.handover import (
    ANY_KIND,
    handover_get,
    handover_list,
    handover_perform,
    handover_staff,
)
from customers.permissions import can_perform_handover, can_view_handover
from customers.selectors import owner_choices
from customers.subnav import subnav
from customers.views import _form_error, _readers_only, _require

EXAMPLES = 8


def _from_user(request: HttpRequest) -> User | None:
    raw = request.POST.get("from_user") or request.GET.get("from_user") or ""
    try:
        return handover_staff().filter(pk=int(raw)).first()
    except ValueError:
        return None


def _form(request: HttpRequest, holder: User | None, data=None) -> HandoverForm:
    held = handover_holdings(holder, examples=EXAMPLES) if holder else []
    kinds = [(h.kind, h.label) for h in held if h.needs_receiver]
    return HandoverForm(
        data,
        staff=handover_staff(),
        receivers=owner_choices(),
        kinds=kinds if len(kinds) > 1 else (),
        initial={"from_user": holder.pk if holder else None},
    )


def _allowed(request: HttpRequest) -> None:
    _readers_only(request)
    _require(can_perform_handover(request.user))


@require_http_methods(["GET", "POST"])
def handover_view(request: HttpRequest) -> HttpResponse:
    """The handover form and the latest handovers."""
    _allowed(request)
    holder = _from_user(request)
    form = _form(request, holder, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        receivers = {ANY_KIND: data.get("to_user")}
        for name, value in data.items():
            if name.startswith("receivers_") and value is not None:
                receivers[name.removeprefix("receivers_")] = value
        try:
            record = handover_perform(
                actor=request.user,
                from_user=data["from_user"],
                receivers=receivers,
                reason=data["reason"],
                request=request,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _("已完成 %(name)s 的交接。") % {"name": data["from_user"].name},
            )
            return redirect("customers:handover_detail", pk=record.pk)
    try:
        page = keyset_paginate(
            handover_list(),
            ordering=["-performed_at", "-id"],
            cursor=request.GET.get("cursor"),
            limit=20,
        )
    except DomainError:
        page = keyset_paginate(
            handover_list(), ordering=["-performed_at", "-id"], cursor=None, limit=20
        )
    return render(
        request,
        "customers/handover.html",
        {
            "form": form,
            "holder": holder,
            "holdings": handover_holdings(holder, examples=EXAMPLES)
            if holder
            else None,
            "page": page,
            "subnav": subnav(request.user, "handover"),
        },
    )


@require_GET
def handover_holdings_view(request: HttpRequest) -> HttpResponse:
    """htmx: what the chosen person holds, and the receiver fields it needs."""
    _allowed(request)
    holder = _from_user(request)
    return render(
        request,
        "customers/partials/_handover_holdings.html",
        {
            "form": _form(request, holder),
            "holder": holder,
            "holdings": handover_holdings(holder, examples=EXAMPLES)
            if holder
            else None,
        },
    )


@require_GET
def handover_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One handover: for those who hand over work, the person who left and the
    receivers."""
    handover = handover_get(pk=pk)
    if not can_view_handover(request.user, handover):
        audit_access_denied(request, status=404, obj=handover)
        raise Http404

    return render(
        request,
        "customers/handover_detail.html",
        {"handover": handover, "subnav": subnav(request.user, "handover")},
    )
