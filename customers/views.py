"""Pages and htmx partials of the customer archive. Each view fetches through the
selectors, calls one service and renders; masking comes from customers.masking."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import can_view_audit_log
from core.errors import Conflict, DomainError
from core.pagination import keyset_paginate
from customers import selectors, services
from customers.exports import customers_export_xlsx
from customers.forms import (
    ContactForm,
    CustomerEventForm,
    CustomerFilterForm,
    CustomerForm,
    GrantDecisionForm,
    GrantFilterForm,
    GrantRequestForm,
    ReasonForm,
)
from customers.masking import Masked, masked
from customers.models import Customer
from customers.panels import customer_panels_for
from customers.permissions import (
    can_add_contact,
    can_add_customer_event,
    can_ask_for_grants,
    can_assign_owner,
    can_change_customer,
    can_create_customer,
    can_decide_grants,
    can_delete_customer,
    can_export_customers,
    can_flag_problem,
    can_own_customers,
    can_request_grant,
    can_write_credit,
    customer_visibility_q,
)
from customers.subnav import subnav
from customers.transactions import transaction_list_for
from customers.validation import CUSTOMER_FIELDS

PAGE_SIZE = 25


def _form_error(form, exc: DomainError | Conflict) -> None:
    """A service's refusal as form errors: on the field it names when the form
    has it (``birthday.month`` → ``birthday_month``), else above the form."""
    if isinstance(exc, Conflict):
        form.add_error(
            None,
            _(
                "保存失败：该记录已被他人修改（当前版本 %(version)s）。您的修改没有保存，请刷新页面查看最新内容后再修改。"
            )
            % {"version": exc.current_version},
        )
        return
    for error in exc.errors:
        field = (error.field or "").replace(".", "_")
        form.add_error(field if field in form.fields else None, str(error.message))


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _readers_only(request: HttpRequest) -> None:
    services.customer_readers_only(viewer=request.user, request=request)


def _customer(request: HttpRequest, pk: int) -> Customer:
    """The live customer, for pages that change it (no view is logged)."""
    _readers_only(request)
    return selectors.customer_get_visible(user=request.user, pk=pk)


def _filters(request: HttpRequest, form: CustomerFilterForm) -> tuple[dict, str]:
    """(filters, q) of the list form."""
    if not form.is_valid():
        return {}, ""
    data = form.cleaned_data
    filters = selectors.customer_filters_clean(
        user=request.user, tier=data["tier"], kind=data["kind"], owner=data["owner"]
    )
    for name in ("ownership", "province", "problem"):
        if data.get(name):
            filters[name] = data[name]
    return filters, data["q"].strip()


def _query_without_cursor(request: HttpRequest) -> str:
    query: QueryDict = request.GET.copy()
    query.pop("cursor", None)
    return query.urlencode()


# --- the list and search -----------------------------------------------------------


@require_GET
def customer_list_view(request: HttpRequest) -> HttpResponse:
    _readers_only(request)
    form = CustomerFilterForm(request.GET or None)
    error = ""
    q = ""
    try:
        filters, q = _filters(request, form)
        page = selectors.customer_page(
            user=request.user,
            q=q,
            ordering=form.sort_key(),
            cursor=request.GET.get("cursor"),
            limit=PAGE_SIZE,
            **filters,
        )
    except DomainError as exc:
        error = exc.message
        page = None
    context = {
        "form": form,
        "page": page,
        "error": error,
        "searching": bool(q),
        "query": _query_without_cursor(request),
        "can_create": can_create_customer(request.user),
        "can_export": can_export_customers(request.user),
        "subnav": subnav(request.user, "list"),
    }
    if request.htmx and request.htmx.target == "customer-results":
        return render(request, "customers/partials/_customer_results.html", context)
    return render(request, "customers/customer_list.html", context)


@require_GET
def customer_export_view(request: HttpRequest) -> HttpResponse:
    """The filtered list as xlsx (its own permission; masked; audited)."""
    _readers_only(request)
    _require(can_export_customers(request.user))
    form = CustomerFilterForm(request.GET or None)
    try:
        filters, q = _filters(request, form)
        queryset = selectors.customer_list_visible_to(user=request.user, **filters)
        if q:
            queryset = selectors.customer_search_matches(queryset=queryset, q=q)
        content = customers_export_xlsx(
            actor=request.user,
            queryset=queryset.order_by(*selectors.ORDERINGS[form.sort_key()]),
            filters={"q": q, **{k: str(v) for k, v in filters.items()}},
            request=request,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(
            f"{reverse('customers:customer_list')}?{request.GET.urlencode()}"
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.xlsx"'
    return response


@require_GET
def customer_pick_view(request: HttpRequest) -> HttpResponse:
    """htmx: customers matching ``q`` to pick as a referrer."""
    _readers_only(request)
    q = request.GET.get("referred_by_q", "").strip()
    found, error = [], ""
    if q:
        try:
            found = selectors.customer_search_quick(user=request.user, q=q, limit=8)
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "customers/partials/_pick_results.html",
        {"found": found, "error": error},
    )


# --- one customer ------------------------------------------------------------------


def _detail_context(request: HttpRequest, customer: Masked) -> dict:
    from customers.credit_views import credit_context
    from customers.freshness import duplicates_of
    from customers.merge import merge_kind_labels, merge_list_for
    from customers.permissions import can_merge_customers
    from customers.tier_views import tier_context
    from customers.transaction_views import transactions_context

    user = request.user
    record = customer.record
    contacts = selectors.contacts_masked(
        contacts=selectors.contact_list_for(customer=record), basis=customer.basis
    )
    relations = {
        **transactions_context(request, record),
        **tier_context(request, record),
        **credit_context(request, customer),
        "merges": merge_list_for(customer=record)[:20],
        "merge_kinds": merge_kind_labels(),
        "duplicates": duplicates_of(customer=record)
        if can_merge_customers(user)
        else [],
    }
    return {
        **relations,
        "customer": customer,
        "contacts": contacts,
        "events": selectors.customer_event_list(customer=record)[:200],
        "event_form": CustomerEventForm(
            initial={"occurred_on": timezone.localdate().isoformat()}
        ),
        "grants": selectors.grant_list_for_customer(user=user, customer=record)[:50],
        "pending_grant": selectors.grant_pending_for(user=user, customer=record),
        "live_grant": selectors.grant_live_for(user=user, customer=record)
        if customer.basis == "grant"
        else None,
        "grant_form": GrantRequestForm(),
        "reason_form": ReasonForm(initial={"version": record.version}),
        "can_change": can_change_customer(user, record),
        "can_add_contact": can_add_contact(user, record),
        "can_add_event": can_add_customer_event(user, record),
        "can_flag": can_flag_problem(user),
        "can_delete": can_delete_customer(user),
        "can_request": can_request_grant(user, record),
        "can_decide": can_decide_grants(user),
        "trail": selectors.customer_access_trail(customer=record)
        if can_view_audit_log(user)
        else None,
        "panels": customer_panels_for(user=user, customer_pk=record.pk),
    }


@require_GET
def customer_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The info card (pages one and two), contacts, grants; the view is logged."""
    customer = services.customer_open(
        viewer=request.user, pk=pk, channel="page", request=request
    )
    context = _detail_context(request, customer)
    context["customer"] = customer
    return render(request, "customers/customer_detail.html", context)


@require_GET
def customer_print_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The 资料卡 on A4: page one (basics, credit, contacts, latest transactions),
    page two (events)."""

    customer = services.customer_open(
        viewer=request.user, pk=pk, channel="print", request=request
    )
    record = customer.record
    return render(
        request,
        "customers/customer_print.html",
        {
            "customer": customer,
            "contacts": selectors.contacts_masked(
                contacts=selectors.contact_list_for(customer=record),
                basis=customer.basis,
            ),
            "events": selectors.customer_event_list(customer=record),
            "transactions": transaction_list_for(customer=record)[:10],
            "printed_at": timezone.now(),
        },
    )


def _customer_form(request: HttpRequest, record: Customer | None, data=None, **kw):
    user = request.user
    may_write_credit = record is None or can_write_credit(user, record)
    return CustomerForm(
        data,
        may_assign_owner=can_assign_owner(user),
        may_write_credit=may_write_credit,
        **kw,
    )


def _referrer(request: HttpRequest, form) -> Customer | None:
    pk = form.cleaned_data.get("referred_by")
    if not pk:
        return None
    found = (
        Customer.objects.filter(pk=pk)
        .filter(customer_visibility_q(request.user))
        .first()
    )
    if found is None:
        raise DomainError(_("推荐客户不存在。"), field="referred_by")
    return found


def _referrer_shown(request: HttpRequest, form) -> Customer | None:
    """The referrer the form currently holds (posted or initial), for its label."""
    value = form["referred_by"].value()
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return Customer.objects.filter(customer_visibility_q(request.user), pk=pk).first()


@require_http_methods(["GET", "POST"])
def customer_create_view(request: HttpRequest) -> HttpResponse:
    _readers_only(request)
    _require(can_create_customer(request.user))
    # Customer service staff own what they register unless they pick someone;
    # a customer registered by another department waits for an owner.
    default_owner = request.user if can_own_customers(request.user) else None
    initial = {
        "kind": Customer.Kind.ORGANISATION,
        "tier": Customer.Tier.C,
        "owner": default_owner.pk if default_owner else None,
    }
    form = _customer_form(request, None, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values.pop("version", None)
        if "owner" not in form.fields:
            values["owner"] = default_owner
        try:
            values["referred_by"] = _referrer(request, form)
            customer = services.customer_create(
                actor=request.user, request=request, **values
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("已登记客户“%(name)s”。") % {"name": customer.name}
            )
            return redirect(customer)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "creating": True, "referrer": _referrer_shown(request, form)},
    )


@require_http_methods(["GET", "POST"])
def customer_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    record = _customer(request, pk)
    _require(can_change_customer(request.user, record))
    if request.method == "GET":  # the form shows the archive: a view
        services.customer_view_record(
            viewer=request.user,
            customer=record,
            basis=selectors.customer_basis(user=request.user, customer=record),
            channel="edit",
            request=request,
        )
    initial = {
        name: getattr(record, name)
        for name in CUSTOMER_FIELDS - {"owner", "referred_by"}
    }
    initial.update(
        owner=record.owner_id, referred_by=record.referred_by_id, version=record.version
    )
    form = _customer_form(request, record, request.POST or None, initial=initial)
    del form.fields["tier"]  # confirmed or changed with a reason, on the tier tab
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        version = values.pop("version", None)
        try:
            values["referred_by"] = _referrer(request, form)
            services.customer_update(
                actor=request.user,
                customer=record,
                version=version,
                request=request,
                **values,
            )
        except (DomainError, Conflict) as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(record)
    return render(
        request,
        "customers/customer_form.html",
        {
            "form": form,
            "customer": record,
            "referrer": _referrer_shown(request, form),
        },
    )


def _action(request: HttpRequest, pk: int, run) -> HttpResponse:
    """POST of a one-step action on a customer: on a refusal, say why and go back."""
    record = _customer(request, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        run(record, form.cleaned_data)
    except (DomainError, Conflict) as exc:
        messages.error(request, exc.message)
    return redirect(record)


def _version(data: dict) -> int | None:
    return data.get("version")


def _posted_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@require_POST
def customer_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    def run(record, data):
        services.customer_verify(
            actor=request.user, customer=record, version=_version(data), request=request
        )
        messages.success(request, _("已记录核实。"))

    return _action(request, pk, run)


@require_POST
def customer_flag_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Flag as a problem customer, or lift the flag (both need a reason)."""

    def run(record, data):
        service = (
            services.customer_unflag_problem
            if record.is_problem
            else services.customer_flag_problem
        )
        service(
            actor=request.user,
            customer=record,
            reason=data.get("reason", ""),
            version=_version(data),
            request=request,
        )
        messages.success(request, _("已保存。"))

    return _action(request, pk, run)


@require_POST
def customer_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    record = _customer(request, pk)
    _require(can_delete_customer(request.user))
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services.customer_delete(
            actor=request.user,
            customer=record,
            reason=form.cleaned_data.get("reason", ""),
            version=form.cleaned_data.get("version"),
            request=request,
        )
    except (DomainError, Conflict) as exc:
        messages.error(request, exc.message)
        return redirect(record)
    messages.success(
        request,
        _("已删除客户“%(name)s”（记录保留，可在审计日志中追溯）。")
        % {"name": record.name},
    )
    return redirect("customers:customer_list")


# --- contacts ----------------------------------------------------------------------


@require_GET
def contact_card_view(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """htmx: one contact's card, private layer masked unless the viewer may read
    it; logged as a view of the archive."""
    customer = services.customer_open(
        viewer=request.user, pk=pk, channel="partial", request=request
    )
    contact = selectors.contact_get_visible(
        user=request.user, customer=customer.record, pk=contact_pk
    )
    return render(
        request,
        "customers/partials/_contact_card.html",
        {"customer": customer, "contact": masked(contact, basis=customer.basis)},
    )


@require_http_methods(["GET", "POST"])
def contact_form_view(
    request: HttpRequest, pk: int, contact_pk: int | None = None
) -> HttpResponse:
    record = _customer(request, pk)
    _require(
        can_change_customer(request.user, record)
        if contact_pk
        else can_add_contact(request.user, record)
    )
    basis = selectors.customer_basis(user=request.user, customer=record)
    contact = (
        selectors.contact_get_visible(user=request.user, customer=record, pk=contact_pk)
        if contact_pk
        else None
    )
    initial = {}
    if contact is not None and request.method == "GET":
        services.customer_view_record(
            viewer=request.user,
            customer=record,
            basis=basis,
            channel="contact_edit",
            request=request,
        )
    if contact is not None:
        initial = {
            name: getattr(contact, name)
            for name in ContactForm.base_fields
            if name != "version"
        }
        initial["version"] = contact.version
    form = ContactForm(request.POST or None, initial=initial, private=basis is not None)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        try:
            if contact is None:
                services.contact_create(
                    actor=request.user, customer=record, request=request, **values
                )
            else:
                services.contact_update(
                    actor=request.user,
                    contact=contact,
                    version=form.cleaned_data.get("version"),
                    request=request,
                    **values,
                )
        except (DomainError, Conflict) as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("联系人已保存。"))
            return redirect(record)
    return render(
        request,
        "customers/contact_form.html",
        {
            "form": form,
            "customer": record,
            "contact": contact,
            "private": basis is not None,
        },
    )


@require_POST
def contact_delete_view(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    record = _customer(request, pk)
    _require(can_change_customer(request.user, record))
    contact = selectors.contact_get_visible(
        user=request.user, customer=record, pk=contact_pk
    )
    try:
        services.contact_delete(
            actor=request.user,
            contact=contact,
            version=_posted_version(request),
            request=request,
        )
    except (DomainError, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除联系人 %(name)s。") % {"name": contact.name})
    return redirect(record)


# --- relationship events -----------------------------------------------------------


@require_POST
def customer_event_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an event to page two; htmx swaps the timeline in place."""
    record = _customer(request, pk)
    _require(can_add_customer_event(request.user, record))
    form = CustomerEventForm(request.POST)
    if form.is_valid():
        try:
            services.customer_event_create(
                actor=request.user, customer=record, **form.cleaned_data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            form = CustomerEventForm(
                initial={"occurred_on": timezone.localdate().isoformat()}
            )
    context = {
        "customer": record,
        "events": selectors.customer_event_list(customer=record)[:200],
        "event_form": form,
        "can_add_event": can_add_customer_event(request.user, record),
    }
    if request.htmx:
        return render(request, "customers/partials/_timeline.html", context)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(record)


# --- access grants -----------------------------------------------------------------


@require_POST
def grant_request_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a grant; htmx swaps the request box in place."""
    record = _customer(request, pk)
    _require(can_ask_for_grants(request.user))
    form = GrantRequestForm(request.POST)
    if form.is_valid():
        try:
            services.grant_request(
                actor=request.user,
                customer=record,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except DomainError as exc:
            _form_error(form, exc)
    context = {
        "customer": masked(record, basis=None),
        "grant_form": form,
        "pending_grant": selectors.grant_pending_for(
            user=request.user, customer=record
        ),
        "can_request": can_request_grant(request.user, record),
    }
    if request.htmx:
        return render(request, "customers/partials/_grant_request.html", context)
    if not form.errors:
        messages.success(request, _("申请已提交，等待客服部经理审批。"))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(record)


@require_GET
def grant_queue_view(request: HttpRequest) -> HttpResponse:
    """The service manager's queue of requests (others see their own)."""
    _readers_only(request)
    deciding = can_decide_grants(request.user)
    filters = GrantFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    status = status or ("pending" if deciding else "")
    ordering = (
        ["requested_at", "id"] if status == "pending" else ["-requested_at", "-id"]
    )
    queryset = selectors.grant_list_visible_to(user=request.user, status=status)
    try:
        page = keyset_paginate(
            queryset, ordering=ordering, cursor=request.GET.get("cursor"), limit=50
        )
    except DomainError:
        page = keyset_paginate(queryset, ordering=ordering, cursor=None, limit=50)
    return render(
        request,
        "customers/grant_queue.html",
        {
            "page": page,
            "status": status,
            "deciding": deciding,
            "decision_form": GrantDecisionForm(),
            "query": _query_without_cursor(request),
            "statuses": filters.fields["status"].choices,
        },
    )


@require_POST
def grant_decide_view(request: HttpRequest, grant_pk: int) -> HttpResponse:
    _readers_only(request)
    grant = selectors.grant_get_visible(user=request.user, pk=grant_pk)
    form = GrantDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择操作和授权时长。"))
        return redirect("customers:grant_queue")
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    try:
        if action == "approve":
            services.grant_approve(
                actor=request.user,
                grant=grant,
                hours=form.cleaned_data["hours"],
                note=note,
                request=request,
            )
            messages.success(request, _("已批准。"))
        elif action == "refuse":
            services.grant_refuse(
                actor=request.user, grant=grant, note=note, request=request
            )
            messages.success(request, _("已拒绝。"))
        else:
            services.grant_revoke(
                actor=request.user, grant=grant, note=note, request=request
            )
            messages.success(request, _("已收回授权。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("customers:grant_queue")
