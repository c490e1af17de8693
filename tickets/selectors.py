"""Reads of tickets: the lists (each default list served by one index range,
keyset pages, no totals), search, one ticket and its timeline, the home page's
queues (counts capped, so that none of them walks a big table)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.directory import directory_lists
from accounts.models import Department, User
from accounts.permissions import has_capability
from core.errors import DomainError
from core.pagination import Page, keyset_paginate
from customers.models import Contact, Customer
from customers.permissions import customer_visibility_q
from tickets.models import DONE_STATUSES, Ticket, TicketCategory, TicketEvent
from tickets.permissions import (
    VIEW_ALL,
    WORK,
    can_dispatch_any,
    can_view_ticket_internals,
    serves_customers,
    ticket_visibility_q,
)
from tickets.search import ticket_index

HOME_CAP = 99  # the home page counts up to this and then shows "99+"
TIMELINE_MAX = 500

VIEWS: dict[str, Any] = {
    "mine": gettext_lazy("我的工单"),
    "department": gettext_lazy("本部门"),
    "unassigned": gettext_lazy("待分派"),
    "registered": gettext_lazy("我登记的"),
    "watch_moved": gettext_lazy("多次转交"),
    "watch_unanswered": gettext_lazy("无人答复"),
    "all": gettext_lazy("全部工单"),
}
# Status filters beyond the single statuses: open (default), done, any.
STATUS_GROUPS = {
    "open": gettext_lazy("处理中"),
    "done": gettext_lazy("已完成"),
    "any": gettext_lazy("全部状态"),
}
SORTS = {"newest": ["-created_at", "-id"], "oldest": ["created_at", "id"]}
# What a row of the ticket list page shows (tickets/templatetags: ticket_rows):
# the page reads only these columns of the ticket and of its three relations.
ROW_RELATIONS = ("customer", "owner", "department")
ROW_FIELDS = (
    "number",
    "subject",
    "type",
    "status",
    "priority",
    "unassigned",
    "department_transfer_count",
    "created_at",
    "customer__name",
    "customer__kind",
    "customer__is_problem",
    "customer__problem_reason",
    "owner__username",
    "owner__display_name",
    "department__name",
)


def service_dispatcher() -> User | None:
    """The customer service department's dispatcher, if one is named and active."""
    department = (
        Department.objects.select_related("dispatcher__department")
        .filter(code=settings.KEFU_SERVICE_DEPARTMENT, is_active=True)
        .first()
    )
    dispatcher = department.dispatcher if department is not None else None
    return dispatcher if dispatcher is not None and dispatcher.is_active else None


def dispatched_department_ids(user: Any) -> list[int]:
    """The departments whose queue ``user`` dispatches: those naming them as
    dispatcher, and their own for supervisors and the service manager."""
    ids = list(
        Department.objects.filter(dispatcher_id=user.pk).values_list("pk", flat=True)
    )
    if can_dispatch_any(user) and user.department_id and user.department_id not in ids:
        ids.append(user.department_id)
    return ids


def default_view(user: Any) -> str:
    """Agents start on their own tickets, department staff on their department's
    queue, managers and readers on every open ticket."""
    if serves_customers(user) and not can_dispatch_any(user):
        return "mine"
    if has_capability(user, VIEW_ALL):
        return "all"
    return "department"


def watch_thresholds() -> tuple[int, dt.timedelta]:
    """(department moves above which a ticket is watched, time without answer)."""
    return (
        settings.KEFU_TICKET_WATCH_TRANSFERS,
        dt.timedelta(hours=settings.KEFU_TICKET_UNANSWERED_HOURS),
    )


@dataclass
class TicketFilters:
    view: str = "all"
    status: str = "any"
    type: str = ""
    customer: Customer | None = None
    owner: User | None = None
    department: Department | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    overdue: bool = False
    sort: str = "newest"


def _choice(value: str, allowed, *, field: str, label: str) -> str:
    if value and value not in allowed:
        raise DomainError(
            _("%(label)s的取值无效，可选值：%(values)s。")
            % {"label": label, "values": "、".join(allowed)},
            field=field,
            code="invalid_choice",
        )
    return value


def _user_named(username: str, *, me: Any, field: str) -> User:
    found = me if username == "me" else None
    if found is None and "\x00" not in username:
        found = User.objects.filter(username=username).first()
    if found is None:
        raise DomainError(
            _("没有用户名为“%(name)s”的用户。") % {"name": username},
            field=field,
            code="unknown_user",
        )
    return found


def department_named(code: str, *, field: str = "department") -> Department:
    found = (
        Department.objects.select_related("dispatcher").filter(code=code).first()
        if "\x00" not in code
        else None
    )
    if found is None:
        raise DomainError(
            _("没有代码为“%(code)s”的部门。") % {"code": code},
            field=field,
            code="unknown_department",
        )
    return found


def user_named(username: str, *, field: str) -> User:
    """A user by username (``to_user``, ``owner`` of the API)."""
    return _user_named(username, me=None, field=field)


def customer_for_ticket(*, user: Any, pk: Any, field: str = "customer") -> Customer:
    """A live customer the user may read, by id; a DomainError otherwise."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    found = (
        Customer.objects.filter(customer_visibility_q(user), pk=pk).first()
        if pk is not None and 0 < pk < 2**63
        else None
    )
    if found is None:
        raise DomainError(_("客户不存在。"), field=field, code="unknown_customer")
    return found


def contact_for_ticket(*, customer: Customer | None, pk: Any) -> Contact:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    found = (
        Contact.objects.filter(pk=pk).first()
        if pk is not None and 0 < pk < 2**63
        else None
    )
    if found is None or (customer is not None and found.customer_id != customer.pk):
        raise DomainError(_("联系人不存在。"), field="contact", code="unknown_contact")
    return found


def category_named(code: str) -> TicketCategory:
    found = (
        TicketCategory.objects.filter(code=code).first() if "\x00" not in code else None
    )
    if found is None:
        raise DomainError(
            _("没有代码为“%(code)s”的工单类别。") % {"code": code},
            field="category",
            code="unknown_category",
        )
    return found


def category_choices() -> QuerySet[TicketCategory]:
    return TicketCategory.objects.filter(is_active=True)


def ticket_filters_clean(
    *,
    user: Any,
    view: str = "",
    status: str = "",
    type: str = "",
    customer: Any = None,
    owner: str = "",
    department: str = "",
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    overdue: bool = False,
    sort: str = "",
    default_status: str = "open",
) -> TicketFilters:
    """The list filters of the API and the pages, checked: a wrong one is a
    DomainError naming it. ``owner`` is a username or ``me``; ``department`` a
    code; ``customer`` an id."""
    view = _choice(view, VIEWS, field="view", label=_("视图")) or "all"
    status = _choice(
        status,
        [*STATUS_GROUPS, *Ticket.Status.values],
        field="status",
        label=_("状态"),
    )
    if not status:
        status = "any" if view == "registered" or customer else default_status
    filters = TicketFilters(
        view=view,
        status=status,
        type=_choice(type, Ticket.Type.values, field="type", label=_("类型")),
        overdue=bool(overdue),
        sort=_choice(sort, SORTS, field="sort", label=_("排序")) or "newest",
        created_from=created_from,
        created_to=created_to,
    )
    if customer not in (None, ""):
        filters.customer = customer_for_ticket(user=user, pk=customer)
    if owner:
        filters.owner = _user_named(owner, me=user, field="owner")
    if department:
        filters.department = department_named(department)
    if created_from and created_to and created_from > created_to:
        raise DomainError(
            _("开始日期不能晚于结束日期。"), field="created_from", code="invalid"
        )
    return filters


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# A complaint's resolution clock stops once it is answered (DESIGN §3).
COMPLAINT_ANSWERED = ("replied", "follow_up")


def overdue_q(now: dt.datetime) -> Q:
    """A clock whose due time has passed and that has not stopped; clocks pause
    while the ticket waits on the customer."""
    return (
        Q(is_open=True)
        & ~Q(status=Ticket.Status.WAITING_CUSTOMER)
        & (
            Q(acknowledge_due_at__lt=now, accepted_at__isnull=True)
            | Q(first_response_due_at__lt=now, first_response_at__isnull=True)
            | (
                Q(resolution_due_at__lt=now)
                & ~Q(type=Ticket.Type.COMPLAINT, status__in=COMPLAINT_ANSWERED)
            )
        )
    )


def ticket_list_visible_to(*, user: Any, filters: TicketFilters) -> QuerySet[Ticket]:
    """The tickets of one list that ``user`` may read, with what a row shows."""
    qs = Ticket.objects.filter(ticket_visibility_q(user)).select_related(
        "customer", "contact", "owner", "department", "category", "registered_by"
    )
    view = filters.view
    if view == "mine":
        qs = qs.filter(owner_id=user.pk)
    elif view == "department":
        qs = (
            qs.filter(department_id=user.department_id)
            if user.department_id
            else qs.none()
        )
    elif view == "unassigned":
        ids = dispatched_department_ids(user)
        qs = qs.filter(unassigned=True, department_id__in=ids) if ids else qs.none()
    elif view == "registered":
        qs = qs.filter(registered_by_id=user.pk)
    elif view == "watch_moved":
        moves, _ago = watch_thresholds()
        qs = qs.filter(is_open=True, department_transfer_count__gt=max(moves, 0))
    elif view == "watch_unanswered":
        _moves, ago = watch_thresholds()
        qs = qs.filter(
            is_open=True,
            first_response_at__isnull=True,
            created_at__lt=timezone.now() - ago,
        )
    status = filters.status
    if status == "open":
        qs = qs.filter(is_open=True)
    elif status == "done":
        qs = qs.filter(status__in=DONE_STATUSES)
    elif status != "any":
        qs = qs.filter(status=status)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.customer is not None:
        qs = qs.filter(customer=filters.customer)
    if filters.owner is not None:
        qs = qs.filter(owner=filters.owner)
    if filters.department is not None:
        qs = qs.filter(department=filters.department)
    if filters.created_from:
        qs = qs.filter(created_at__gte=_local_midnight(filters.created_from))
    if filters.created_to:
        end = _local_midnight(filters.created_to + dt.timedelta(days=1))
        qs = qs.filter(created_at__lt=end)
    if filters.overdue:
        qs = qs.filter(overdue_q(timezone.now()))
    return qs


# What the API's ticket shows of its six relations (tickets.schemas.TicketOut): read
# instead of every column of six tables, whose building was a fifth of the call.
API_RELATED_FIELDS = (
    "customer__name",
    "customer__is_problem",
    "contact__name",
    "owner__username",
    "department__code",
    "category__code",
    "registered_by__username",
)


# What a timeline shows of an entry's author: User.name, and the API's username.
EVENT_ACTOR_FIELDS = ("actor__username", "actor__display_name")


def _columns(model: type[Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields]


def ticket_page(
    *,
    user: Any,
    filters: TicketFilters,
    q: str = "",
    cursor: str | None = None,
    limit: int | None = None,
    rows_only: bool = False,
    api_fields: bool = False,
) -> Page:
    """One page of a list. With ``q`` the search index finds the tickets (newest
    first; a DomainError on field ``q`` when it is too short); without, keyset
    pages in the chosen order. ``rows_only`` reads just what the list page's rows
    show (ROW_FIELDS) instead of whole tickets and six relations; ``api_fields``
    reads whole tickets and of the relations what the API shows of them."""
    qs = ticket_list_visible_to(user=user, filters=filters)
    if rows_only:
        qs = qs.select_related(None).select_related(*ROW_RELATIONS).only(*ROW_FIELDS)
    elif api_fields:
        qs = qs.only(*_columns(Ticket), *API_RELATED_FIELDS)
    if q:
        return ticket_index.page(qs, q, cursor=cursor, limit=limit)
    return keyset_paginate(qs, ordering=SORTS[filters.sort], cursor=cursor, limit=limit)


def number_clean(number: str) -> str:
    """A ticket number from a URL, as looked up: upper case, at most 32
    characters, and never a NUL (PostgreSQL text cannot hold one: no such
    ticket)."""
    return number[:32].upper().replace("\x00", "?")


def ticket_visible(*, user: Any) -> QuerySet[Ticket]:
    """Every ticket the user may read, with what the detail page shows (one query)."""
    return Ticket.objects.filter(ticket_visibility_q(user)).select_related(
        "customer",
        "contact",
        "category",
        "owner",
        "department",
        "department__dispatcher",
        "registered_by",
    )


def ticket_reload(*, pk: int) -> Ticket:
    """A ticket just written by the caller, read back with what it shows."""
    return Ticket.objects.select_related(
        "customer", "contact", "category", "owner", "department", "registered_by"
    ).get(pk=pk)


def _events_of(ticket: Ticket) -> QuerySet[TicketEvent]:
    return (
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor")
        .only(*_columns(TicketEvent), *EVENT_ACTOR_FIELDS)
    )


def ticket_timeline(*, user: Any, ticket: Ticket) -> list[TicketEvent]:
    """The timeline, oldest first (the newest TIMELINE_MAX); a registrant outside
    the ticket's department sees only what the customer sees."""
    qs = _events_of(ticket)
    if not can_view_ticket_internals(user, ticket):
        qs = qs.filter(is_public=True)
    return list(qs.order_by("-created_at", "-id")[:TIMELINE_MAX])[::-1]


def ticket_events_visible(*, user: Any, ticket: Ticket) -> QuerySet[TicketEvent]:
    qs = _events_of(ticket)
    if not can_view_ticket_internals(user, ticket):
        qs = qs.filter(is_public=True)
    return qs


def owner_choices() -> QuerySet[User]:
    """Active people who may own tickets, by department (for transfer forms)."""
    app, codename = WORK.split(".")
    return (
        User.objects.filter(
            is_active=True,
            groups__permissions__content_type__app_label=app,
            groups__permissions__codename=codename,
        )
        .select_related("department")
        .distinct()
        .order_by("department__sort_order", "department__code", "username")
    )


def list_filter_people() -> dict[str, list[tuple[str, str]]]:
    """The list filter's owners and active departments, as (value, label): one read
    of the shared cache that any change of people drops (accounts.directory)."""
    people = directory_lists(
        {
            "tickets.owners": lambda: [(u.username, u.name) for u in owner_choices()],
            "departments.active": lambda: list(
                Department.objects.filter(is_active=True).values_list("code", "name")
            ),
        }
    )
    return {
        "owners": people["tickets.owners"],
        "departments": people["departments.active"],
    }


def department_choices() -> QuerySet[Department]:
    """Active departments with an active dispatcher (they can receive tickets)."""
    return Department.objects.filter(
        is_active=True, dispatcher__isnull=False, dispatcher__is_active=True
    ).select_related("dispatcher")


def _capped(qs: QuerySet) -> int:
    return qs.values("pk")[: HOME_CAP + 1].count()


def ticket_home_queues(*, user: Any) -> dict[str, Any]:
    """What a business role's home page shows of tickets: their open tickets, the
    queue they dispatch, the watch list for managers, and (outside customer
    service) the department's queue and what they registered."""
    mine = Ticket.objects.filter(owner_id=user.pk, is_open=True)
    queues: dict[str, Any] = {
        "cap": HOME_CAP,
        "mine_count": _capped(mine),
        "mine": list(
            mine.select_related("customer").order_by("-created_at", "-id")[:5]
        ),
    }
    dispatched = dispatched_department_ids(user)
    if dispatched:
        queues["unassigned_count"] = _capped(
            Ticket.objects.filter(unassigned=True, department_id__in=dispatched)
        )
    if can_dispatch_any(user):
        moves, ago = watch_thresholds()
        queues["moved_count"] = _capped(
            Ticket.objects.filter(is_open=True, department_transfer_count__gt=moves)
        )
        queues["unanswered_count"] = _capped(
            Ticket.objects.filter(
                is_open=True,
                first_response_at__isnull=True,
                created_at__lt=timezone.now() - ago,
            )
        )
    if not serves_customers(user):
        if user.department_id:
            queues["department_count"] = _capped(
                Ticket.objects.filter(department_id=user.department_id, is_open=True)
            )
        queues["registered"] = list(
            Ticket.objects.filter(registered_by_id=user.pk)
            .select_related("owner", "department")
            .order_by("-created_at", "-id")[:5]
        )
    return queues


def ticket_search_quick(*, user: Any, q: str, limit: int = 8) -> list[Ticket]:
    """The header's search: the newest tickets matching ``q``."""
    filters = TicketFilters(view="all", status="any")
    return ticket_page(user=user, filters=filters, q=q, limit=limit).items
