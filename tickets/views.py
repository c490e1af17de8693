"""Pages and htmx partials of tickets. Each view fetches through the selectors,
calls one service (or the action registry) and renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.audit import get_visible_or_404
from core.errors import Conflict, DomainError
from customers.masking import masked
from customers.permissions import can_view_customers
from customers.selectors import contact_list_for, customer_search_quick
from tickets import selectors, services
from tickets.actions import action_get, action_run, actions_available
from tickets.extensions import reply_warnings, ticket_panels
from tickets.forms import (
    CategoryForm,
    TicketCreateForm,
    TicketEditForm,
    TicketEventForm,
    TicketFilterForm,
)
from tickets.models import Ticket, TicketCategory
from tickets.permissions import (
    can_add_note,
    can_dispatch_any,
    can_edit_ticket,
    can_manage_categories,
    can_register_tickets,
    can_reply,
    can_view_ticket_internals,
    can_view_tickets,
    can_work_tickets,
    serves_customers,
)

PAGE_SIZE = 25
NEW_LINK_KEY = "tickets.new_link"
CONFLICT_MESSAGE = gettext_lazy(
    "操作没有执行：工单已被他人修改（当前版本 %(version)s）。"
    "请查看下面的最新内容后再操作。"
)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _readers_only(request: HttpRequest) -> None:
    _require(can_view_tickets(request.user))


def _ticket(request: HttpRequest, number: str) -> Ticket:
    """A ticket the user may read: 404 for missing and not visible alike (the
    refusal of an existing one is audited)."""
    _readers_only(request)
    return get_visible_or_404(
        request,
        selectors.ticket_visible(user=request.user),
        number=selectors.number_clean(number),
    )


def _query_without_cursor(request: HttpRequest) -> str:
    query: QueryDict = request.GET.copy()
    query.pop("cursor", None)
    return query.urlencode()


def _conflict_message(exc: Conflict) -> str:
    return str(CONFLICT_MESSAGE) % {"version": exc.current_version}


# --- lists -------------------------------------------------------------------------


def _tabs(user: Any) -> list[tuple[str, str]]:
    """The lists this user has (the selectors decide what each shows)."""
    tabs = []
    if can_work_tickets(user):
        tabs.append("mine")
    if user.department_id and can_work_tickets(user):
        tabs.append("department")
    if selectors.dispatched_department_ids(user):
        tabs.append("unassigned")
    if can_register_tickets(user):
        tabs.append("registered")
    if can_dispatch_any(user) or selectors.default_view(user) == "all":
        tabs += ["watch_moved", "watch_unanswered"]
    tabs.append("all")
    return [(key, selectors.VIEWS[key]) for key in tabs]


@require_GET
def ticket_list_view(request: HttpRequest) -> HttpResponse:
    _readers_only(request)
    user = request.user
    form = TicketFilterForm(request.GET or None)
    values = form.filter_values()
    values.setdefault("view", selectors.default_view(user))
    q = form.cleaned_data.get("q", "").strip() if form.is_valid() else ""
    error, page, filters = "", None, None
    try:
        filters = selectors.ticket_filters_clean(user=user, **values)
        page = selectors.ticket_page(
            user=user,
            filters=filters,
            q=q,
            cursor=request.GET.get("cursor"),
            limit=PAGE_SIZE,
            rows_only=True,
        )
    except DomainError as exc:
        error = exc.message
    view = filters.view if filters else values["view"]
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("view", None)
    context = {
        "form": form,
        "page": page,
        "error": error,
        "searching": bool(q),
        "view": view,
        "tabs": _tabs(user),
        "tab_query": query.urlencode(),
        "query": _query_without_cursor(request),
        "customer_filter": filters.customer if filters else None,
        "can_create": can_register_tickets(user),
        "can_manage_categories": can_manage_categories(user),
    }
    if request.htmx and request.htmx.target == "ticket-results":
        return render(request, "tickets/partials/_ticket_results.html", context)
    return render(request, "tickets/ticket_list.html", context)


@require_GET
def customer_tickets_view(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the tickets of one customer, for the customer's page."""
    _readers_only(request)
    customer = selectors.customer_for_ticket(user=request.user, pk=pk)
    filters = selectors.TicketFilters(view="all", status="any", customer=customer)
    page = selectors.ticket_page(user=request.user, filters=filters, limit=10)
    return render(
        request,
        "tickets/partials/_customer_tickets.html",
        {
            "page": page,
            "customer": customer,
            "more_url": f"{reverse('tickets:ticket_list')}?"
            + urlencode({"view": "all", "customer": customer.pk}),
            "can_create": can_register_tickets(request.user),
        },
    )


# --- registration ------------------------------------------------------------------


def _form_errors(form, exc: DomainError) -> None:
    """A service's refusal on the form: on the field it names when the form has
    it (``new_customer.name`` → ``new_customer_name``), else above the form."""
    for error in exc.errors:
        field = (error.field or "").replace(".", "_")
        form.add_error(field if field in form.fields else None, str(error.message))


@require_GET
def customer_pick_view(request: HttpRequest) -> HttpResponse:
    """htmx: customers matching the search, to pick for a ticket."""
    _require(can_register_tickets(request.user) and can_view_customers(request.user))
    q = request.GET.get("customer_q", "").strip()
    found, error = [], ""
    if q:
        try:
            found = customer_search_quick(user=request.user, q=q, limit=8)
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "tickets/partials/_pick_results.html",
        {"found": [masked(c, basis=None) for c in found], "error": error},
    )


@require_GET
def contact_options_view(request: HttpRequest) -> HttpResponse:
    """htmx: the contact choices of the picked customer."""
    _require(can_register_tickets(request.user) and can_view_customers(request.user))
    contacts = []
    try:
        customer = selectors.customer_for_ticket(
            user=request.user, pk=request.GET.get("customer")
        )
        contacts = [masked(c, basis=None) for c in contact_list_for(customer=customer)]
    except DomainError:
        pass
    return render(
        request, "tickets/partials/_contact_options.html", {"contacts": contacts}
    )


def _picked_customer(request: HttpRequest, form: TicketCreateForm):
    pk = form.cleaned_data.get("customer")
    return selectors.customer_for_ticket(user=request.user, pk=pk) if pk else None


@require_http_methods(["GET", "POST"])
def ticket_create_view(request: HttpRequest) -> HttpResponse:
    _readers_only(request)
    _require(can_register_tickets(request.user))
    initial = {}
    if request.GET.get("customer"):
        initial["customer"] = request.GET["customer"]
    form = TicketCreateForm(request.POST or None, initial=initial)
    customer = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = _picked_customer(request, form)
            new_customer = form.new_customer()
            contact = (
                selectors.contact_for_ticket(customer=customer, pk=data["contact"])
                if data.get("contact") and customer is not None
                else None
            )
            resolution = data["resolution"] if data["resolved_on_contact"] else ""
            if data["resolved_on_contact"] and not resolution.strip():
                raise DomainError(
                    _("当场解决的工单请填写解决说明。"),
                    field="resolution",
                    code="required",
                )
            made = services.ticket_create(
                actor=request.user,
                request=request,
                customer=customer if not new_customer else None,
                new_customer=new_customer,
                contact=contact if not new_customer else None,
                category=data.get("category"),
                resolution=resolution,
                type=data["type"],
                channel=data["channel"],
                subject=data["subject"],
                description=data["description"],
                mood=data["mood"],
                priority=data["priority"],
                severity=data["severity"],
                source=data["source"],
                order_ref=data["order_ref"],
                product=data["product"],
                batch=data["batch"],
                received_at=data.get("received_at"),
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            # The customer's private link is shown once, on the next page (kept
            # server-side in the session until then, never in a cookie or URL).
            request.session[NEW_LINK_KEY] = {
                "number": made.ticket.number,
                "link": request.build_absolute_uri(made.customer_link),
            }
            messages.success(
                request,
                _("已登记工单 %(number)s。") % {"number": made.ticket.number},
            )
            return redirect(made.ticket)
    elif request.method == "GET" and initial.get("customer"):
        try:
            customer = selectors.customer_for_ticket(
                user=request.user, pk=initial["customer"]
            )
        except DomainError:
            form = TicketCreateForm()
    if customer is None and form.is_bound and form.data.get("customer"):
        try:
            customer = selectors.customer_for_ticket(
                user=request.user, pk=form.data.get("customer")
            )
        except DomainError:
            customer = None
    contacts = (
        [masked(c, basis=None) for c in contact_list_for(customer=customer)]
        if customer is not None
        else []
    )
    return render(
        request,
        "tickets/ticket_form.html",
        {
            "form": form,
            "picked": masked(customer, basis=None) if customer else None,
            "contacts": contacts,
            "serves": serves_customers(request.user),
        },
    )


# --- one ticket --------------------------------------------------------------------


def _detail_context(request: HttpRequest, ticket: Ticket, **extra: Any) -> dict:
    user = request.user
    actions = actions_available(user, ticket)
    names = {a.name for a in actions}
    link = request.session.get(NEW_LINK_KEY)
    if link and link.get("number") == ticket.number:
        request.session.pop(NEW_LINK_KEY)
    else:
        link = None
    context = {
        "ticket": ticket,
        "customer": masked(ticket.customer, basis=None),
        "contact": masked(ticket.contact, basis=None) if ticket.contact else None,
        "events": selectors.ticket_timeline(user=user, ticket=ticket),
        "internals": can_view_ticket_internals(user, ticket),
        "actions": actions,
        "can_edit": can_edit_ticket(user, ticket),
        "can_note": can_add_note(user, ticket),
        "can_reply": can_reply(user, ticket),
        "event_form": TicketEventForm(),
        "new_link": link,
        "action_open": "",
        "action_errors": {},
        "action_values": {},
    }
    if "transfer" in names:
        context["owner_choices"] = selectors.owner_choices()
        context["department_choices"] = selectors.department_choices()
    loaded = set()  # actions of one app share their forms' context: load it once
    for a in actions:
        if a.context is not None and a.context not in loaded:
            loaded.add(a.context)
            context.update(a.context(user, ticket))
    context["panels"] = ticket_panels(user, ticket)
    context.update(extra)
    return context


@require_GET
def ticket_detail_view(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    return render(
        request, "tickets/ticket_detail.html", _detail_context(request, ticket)
    )


@require_POST
def ticket_action_view(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Run one action of the registry from the detail page. A refusal shows the
    page again with the action's form open and the message under its field; a
    stale version says so and changes nothing."""
    ticket = _ticket(request, number)
    try:
        registered = action_get(action)
    except DomainError:
        raise Http404 from None
    data = {
        k: values if len(values) > 1 else values[0]
        for k, values in request.POST.lists()
        if k != "csrfmiddlewaretoken"
    }
    try:
        action_run(
            name=action, ticket=ticket, actor=request.user, data=data, request=request
        )
    except Conflict as exc:
        messages.error(request, _conflict_message(exc))
    except DomainError as exc:
        fresh = _ticket(request, number)
        errors = {(e.field or "action"): str(e.message) for e in exc.errors}
        if set(errors) <= {"action"}:
            messages.error(request, errors["action"])
            return redirect(fresh)
        return render(
            request,
            "tickets/ticket_detail.html",
            _detail_context(
                request,
                fresh,
                action_open=action,
                action_errors=errors,
                action_codes={(e.field or "action"): e.code for e in exc.errors},
                action_values=data,
            ),
            status=422,
        )
    else:
        if registered.done_message:
            messages.success(request, str(registered.done_message))
    if not selectors.ticket_visible(user=request.user).filter(pk=ticket.pk).exists():
        # Handed out of the user's sight (e.g. to another department).
        return redirect("tickets:ticket_list")
    return redirect(ticket)


@require_POST
def ticket_event_create_view(request: HttpRequest, number: str) -> HttpResponse:
    """Add an internal note or a reply; htmx swaps the timeline and composer."""
    ticket = _ticket(request, number)
    form = TicketEventForm(request.POST)
    warnings: list = []
    if form.is_valid():
        try:
            services.ticket_event_add(
                ticket=ticket,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                body=form.cleaned_data["body"],
                confirm={w.code for w in reply_warnings(form.cleaned_data["body"])}
                if form.cleaned_data["confirm_warnings"]
                else (),
                request=request,
            )
        except DomainError as exc:
            found = reply_warnings(form.cleaned_data["body"])
            _form_errors(form, exc)
            warnings = [w for w in found if w.code == exc.code]
        else:
            form = TicketEventForm(initial={"kind": form.cleaned_data["kind"]})
    if request.htmx:
        ticket = _ticket(request, number)
        return render(
            request,
            "tickets/partials/_timeline_and_composer.html",
            {
                **_detail_context(request, ticket),
                "event_form": form,
                "reply_warnings": warnings,
            },
        )
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(ticket)


@require_http_methods(["GET", "POST"])
def ticket_edit_view(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    _require(can_edit_ticket(request.user, ticket))
    contacts = list(contact_list_for(customer=ticket.customer))
    initial = {
        name: getattr(ticket, name)
        for name in (
            "type",
            "channel",
            "subject",
            "description",
            "priority",
            "severity",
            "mood",
            "source",
            "order_ref",
            "product",
            "batch",
            "received_at",
        )
    }
    initial.update(
        version=ticket.version, contact=ticket.contact_id, category=ticket.category
    )
    form = TicketEditForm(request.POST or None, initial=initial, contacts=contacts)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        version = values.pop("version")
        contact_pk = values.pop("contact")
        changes = {k: v for k, v in values.items() if initial.get(k) != v}
        shown = ticket.received_at.replace(second=0, microsecond=0)
        if changes.get("received_at") == shown:  # the form shows minutes only
            del changes["received_at"]
        try:
            if contact_pk != ticket.contact_id:
                changes["contact"] = (
                    selectors.contact_for_ticket(
                        customer=ticket.customer, pk=contact_pk
                    )
                    if contact_pk
                    else None
                )
            services.ticket_update(
                ticket=ticket,
                actor=request.user,
                version=version,
                request=request,
                **changes,
            )
        except Conflict as exc:
            form.add_error(None, _conflict_message(exc))
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(ticket)
    return render(request, "tickets/ticket_edit.html", {"form": form, "ticket": ticket})


# --- categories --------------------------------------------------------------------


@require_GET
def category_list_view(request: HttpRequest) -> HttpResponse:
    _require(can_manage_categories(request.user))
    return render(
        request,
        "tickets/category_list.html",
        {"categories": TicketCategory.objects.all()},
    )


@require_http_methods(["GET", "POST"])
def category_form_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(can_manage_categories(request.user))
    category = get_object_or_404(TicketCategory, pk=pk) if pk else None
    initial = (
        {
            "name": category.name,
            "code": category.code,
            "sort_order": category.sort_order,
            "is_active": category.is_active,
        }
        if category
        else {"sort_order": 100, "is_active": True}
    )
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.ticket_category_save(
                actor=request.user,
                category=category,
                request=request,
                **form.cleaned_data,
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("tickets:category_list")
    return render(
        request, "tickets/category_form.html", {"form": form, "category": category}
    )


@require_POST
def reply_check_view(request: HttpRequest, number: str) -> HttpResponse:
    """htmx: what a reply being written would be warned about (promise wording
    …), shown under the composer before it is sent."""
    ticket = _ticket(request, number)
    _require(can_reply(request.user, ticket))
    body = request.POST.get("body", "")[:10000]
    warnings = reply_warnings(body) if request.POST.get("kind") == "reply" else []
    return render(
        request,
        "tickets/partials/_reply_warnings.html",
        {"reply_warnings": warnings, "confirmable": False},
    )
