"""Pages of tiers (客户分级): the review list of proposals that differ from the
confirmed tier, confirming or overriding one (htmx, from the list or the customer
page), the rules, and running the rules now."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import Conflict, DomainError
from core.pagination import keyset_paginate
from customers.forms import RulesForm, TierSetForm
from customers.models import Customer
from customers.permissions import can_confirm_tier, can_manage_rules
from customers.rules import RULE_FIELDS, customer_policy_get, customer_policy_update
from customers.subnav import subnav
from customers.tiers import (
    figures_text,
    tier_figures,
    tier_history,
    tier_review_list,
    tier_run_latest,
    tier_set,
)
from customers.views import (
    _customer,
    _form_error,
    _query_without_cursor,
    _readers_only,
    _require,
)

PAGE_SIZE = 25


def tier_context(request: HttpRequest, customer: Customer, form=None) -> dict:
    """What the customer page's tier tab shows."""
    policy = customer_policy_get()
    today = timezone.localdate()
    figures = tier_figures(customer_ids=[customer.pk], policy=policy, today=today)
    return {
        "customer": customer,
        "tier_changes": tier_history(customer=customer)[:30],
        "tier_reason": figures_text(figures[customer.pk], policy, today),
        "tier_form": form
        or TierSetForm(
            initial={
                "tier": customer.tier_proposed or customer.tier,
                "version": customer.version,
            }
        ),
        "can_confirm_tier": can_confirm_tier(request.user),
    }


def _review_filters(request: HttpRequest) -> tuple[str, object, bool]:
    proposed = request.GET.get("proposed", "")
    if proposed not in Customer.Tier.values:
        proposed = ""
    owner = request.user if request.GET.get("mine") else None
    return proposed, owner, bool(request.GET.get("every"))


@require_GET
def tier_review_view(request: HttpRequest) -> HttpResponse:
    """Customers whose proposed tier differs from the confirmed one, A first."""
    _readers_only(request)
    proposed, owner, every = _review_filters(request)
    queryset = tier_review_list(
        user=request.user, proposed=proposed, owner=owner, every=every
    )
    try:
        page = keyset_paginate(
            queryset,
            ordering=["tier_proposed", "id"],
            cursor=request.GET.get("cursor"),
            limit=PAGE_SIZE,
        )
    except DomainError:
        page = keyset_paginate(
            queryset, ordering=["tier_proposed", "id"], cursor=None, limit=PAGE_SIZE
        )
    policy = customer_policy_get()
    today = timezone.localdate()
    figures = tier_figures(
        customer_ids=[c.pk for c in page.items], policy=policy, today=today
    )
    rows = [
        {
            "customer": c,
            "reason": figures_text(figures[c.pk], policy, today),
            "form": TierSetForm(
                initial={"tier": c.tier_proposed, "version": c.version},
                prefix=f"c{c.pk}",
            ),
        }
        for c in page.items
    ]
    return render(
        request,
        "customers/tier_review.html",
        {
            "rows": rows,
            "page": page,
            "proposed": proposed,
            "mine": owner is not None,
            "every": every,
            "policy": policy,
            "latest_run": tier_run_latest(),
            "can_confirm": can_confirm_tier(request.user),
            "can_manage": can_manage_rules(request.user),
            "query": _query_without_cursor(request),
            "tiers": Customer.Tier.choices,
            "subnav": subnav(request.user, "tiers"),
        },
    )


@require_POST
def tier_set_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm or override a customer's tier with a reason. From the review list
    (htmx) the row is replaced by the outcome; from the customer page, the tab."""
    record = _customer(request, pk)
    _require(can_confirm_tier(request.user))
    prefix = request.POST.get("prefix") or None
    form = TierSetForm(request.POST, prefix=prefix)
    done = None
    if form.is_valid():
        try:
            done = tier_set(
                actor=request.user,
                customer=record,
                tier=form.cleaned_data["tier"],
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data.get("version"),
                request=request,
            )
        except (DomainError, Conflict) as exc:
            _form_error(form, exc)
    if request.htmx and prefix:
        record.refresh_from_db()
        policy, today = customer_policy_get(), timezone.localdate()
        figures = tier_figures(customer_ids=[record.pk], policy=policy, today=today)
        row = {
            "customer": record,
            "form": form,
            "done": done,
            "reason": figures_text(figures[record.pk], policy, today),
        }
        return render(
            request,
            "customers/partials/_tier_row.html",
            {"row": row, "can_confirm": True},
        )
    if request.htmx:
        record.refresh_from_db()
        return render(
            request,
            "customers/partials/_tier_tab.html",
            tier_context(request, record, None if done else form),
        )
    if done:
        messages.success(request, _("已保存客户分级。"))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(f"{reverse('customers:customer_detail', args=[pk])}#tier")


@require_http_methods(["GET", "POST"])
def rules_view(request: HttpRequest) -> HttpResponse:
    """The tier thresholds and the review period: everyone reads them, the
    service manager changes them."""
    _readers_only(request)
    policy = customer_policy_get()
    may_change = can_manage_rules(request.user)
    initial = {name: getattr(policy, name) for name in RULE_FIELDS}
    initial["version"] = policy.version
    form = RulesForm(request.POST or None, initial=initial)
    if request.method == "POST":
        _require(may_change)
        if form.is_valid():
            values = dict(form.cleaned_data)
            version = values.pop("version", None)
            try:
                customer_policy_update(
                    actor=request.user, version=version, request=request, **values
                )
            except (DomainError, Conflict) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("已保存规则；下一次计算分级时生效。"))
                return redirect("customers:rules")
    return render(
        request,
        "customers/rules.html",
        {
            "form": form,
            "policy": policy,
            "may_change": may_change,
            "subnav": subnav(request.user, "tiers"),
        },
    )


@require_POST
def tiers_run_view(request: HttpRequest) -> HttpResponse:
    """Run the tier rules over every customer now (a job), e.g. after changing
    the thresholds."""
    _readers_only(request)
    _require(can_manage_rules(request.user))
    from customers.tasks import tiers_propose_task

    user_id = request.user.pk
    transaction.on_commit(lambda: tiers_propose_task(user_id))
    messages.success(
        request, _("已开始重新计算全部客户的建议分级，稍后刷新即可看到结果。")
    )
    return redirect("customers:tier_review")
