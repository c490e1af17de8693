"""Writes of tickets: one function per state change. Each locks the ticket, checks
the rules again (pages, the API and jobs call the same functions), compares the
version it was given, writes the timeline in the same transaction and tells the
people concerned after commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import Department, User
from core.audit import audit_record
from core.errors import DomainError, FieldError
from core.versioning import version_check, version_require, versioned_update
from customers.models import Contact, Customer
from customers.permissions import can_own_customers
from customers.services import contact_create, customer_create
from customers.validation import text_clean
from notify.services import notify_user
from tickets.extensions import reply_warnings, ticket_created_run
from tickets.handover import ticket_receiver_error
from tickets.hooks import event_hooks_run
from tickets.models import (
    DONE_STATUSES,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketNumberCounter,
)
from tickets.permissions import (
    can_accept_ticket,
    can_add_note,
    can_edit_ticket,
    can_hand_over_tickets,
    can_manage_categories,
    can_register_tickets,
    can_reopen_ticket,
    can_reply,
    serves_customers,
)
from tickets.search import ticket_index
from tickets.selectors import service_dispatcher
from tickets.validation import (
    EDITABLE,
    EXTERNAL_SOURCES,
    SEARCHED,
    TEXT_MAX,
    body_clean,
    priority_raised,
    reason_clean,
    severity_at_least,
    ticket_values_clean,
)
from tickets.workflow import transition_allowed, transition_check

S = Ticket.Status
K = TicketEvent.Kind

# How a ticket came in: registered by a person of staff (accepted at once), or
# through the API, the portal or e-mail (waits in ``new`` until a person accepts).
ENTRY_STAFF = "staff"
ENTRY_API = "api"
ENTRY_PORTAL = "portal"
ENTRY_EMAIL = "email"
ENTRIES = frozenset({ENTRY_STAFF, ENTRY_API, ENTRY_PORTAL, ENTRY_EMAIL})


# --- small helpers ----------------------------------------------------------------


def person(user: User | None) -> dict | None:
    """A user as the timeline remembers them (so that it renders without joins)."""
    if user is None:
        return None
    return {"username": user.username, "name": user.name}


def department_ref(department: Department | None) -> dict | None:
    if department is None:
        return None
    return {"code": department.code, "name": department.name}


def _locked(ticket: Ticket) -> Ticket:
    """The ticket's row locked until commit, then read afresh with its relations.

    Two statements on purpose: PostgreSQL rechecks a locked row's joins against
    the rows it joined before waiting, so ``FOR UPDATE`` with ``select_related``
    finds nothing when a concurrent writer changed the owner."""
    Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list(
        "pk", flat=True
    ).get()
    return Ticket.objects.select_related(
        "owner", "department", "registered_by", "customer", "contact"
    ).get(pk=ticket.pk)


def _begin(
    ticket: Ticket,
    actor: User,
    version: int | None,
    *,
    allowed: Callable[[Any, Ticket], bool],
    action: str | None = None,
) -> Ticket:
    """Lock the ticket, then: may the actor (403), may the flow (422), is the
    version still current (409)."""
    ticket = _locked(ticket)
    if not allowed(actor, ticket):
        raise PermissionDenied
    if action is not None:
        transition_check(ticket, action)
    version_check(ticket, version)
    return ticket


def _set_status(ticket: Ticket, status: str) -> str:
    previous = ticket.status
    ticket.status = status
    ticket.is_open = status not in DONE_STATUSES
    if not ticket.is_open:
        ticket.unassigned = False
    return previous


def _save(ticket: Ticket, fields: list[str], *, now: dt.datetime) -> None:
    """Write the fields, add 1 to the version (the row is locked: no race)."""
    ticket.last_activity_at = now
    versioned_update(
        ticket,
        version=ticket.version,
        fields=[*dict.fromkeys([*fields, "last_activity_at"])],
    )


def _event(
    ticket: Ticket,
    kind: str,
    actor: User | None,
    *,
    now: dt.datetime,
    public: bool = False,
    body: str = "",
    **data: Any,
) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        is_public=public,
        actor=actor,
        body=body,
        data=data,
        created_at=now,
    )
    event_hooks_run(event)
    return event


def _status_event(
    ticket: Ticket,
    actor: User | None,
    previous: str,
    *,
    now: dt.datetime,
    body: str = "",
    public: bool = True,
    **data: Any,
) -> TicketEvent:
    return _event(
        ticket,
        K.STATUS,
        actor,
        now=now,
        public=public,
        body=body,
        **{"from": previous, "to": ticket.status, **data},
    )


def _tell(user_id: int | None, *, title: str, ticket: Ticket, key: str) -> None:
    """An in-app notification after commit (never to nobody)."""
    if user_id is None:
        return
    url = ticket.get_absolute_url()

    def send() -> None:
        notify_user(user=User(pk=user_id), title=title, url=url, key=key)

    transaction.on_commit(send)


def _owner_check(owner: User, *, field: str) -> None:
    error = ticket_receiver_error(owner)
    if error:
        raise DomainError(error, field=field, code="not_allowed")


# --- for other apps' services (the ticket locked with ``ticket_lock``) ------------


def ticket_status_change(
    *,
    ticket: Ticket,
    actor: User | None,
    status: str,
    fields: Iterable[str] = (),
    body: str = "",
    public: bool = True,
    **data: Any,
) -> TicketEvent:
    """Set a locked ticket's status and the ``fields`` already set on it, add 1 to
    its version and record the change on the timeline."""
    now = timezone.now()
    previous = _set_status(ticket, status)
    _save(ticket, ["status", "is_open", "unassigned", *fields], now=now)
    return _status_event(
        ticket, actor, previous, now=now, body=body, public=public, **data
    )


def ticket_save(ticket: Ticket, fields: Iterable[str]) -> None:
    """Save fields of a locked ticket (one version step, no timeline entry)."""
    _save(ticket, list(fields), now=timezone.now())


def ticket_event_write(
    *,
    ticket: Ticket,
    kind: str,
    actor: User | None,
    body: str = "",
    public: bool = False,
    **data: Any,
) -> TicketEvent:
    """One timeline entry written by another app's service."""
    return _event(
        ticket, kind, actor, now=timezone.now(), public=public, body=body, **data
    )


def ticket_tell(user_id: int | None, *, title: str, ticket: Ticket, key: str) -> None:
    """An in-app notice about ``ticket`` after commit."""
    _tell(user_id, title=title, ticket=ticket, key=key)


# --- numbers and links ------------------------------------------------------------


def ticket_number_next(*, day: dt.date) -> str:
    """The next number of ``day`` (Shanghai): KF20261123-00042. One statement that
    inserts the day's counter or adds 1 to it, so concurrent writers never share a
    number (PostgreSQL locks the counter row until commit; SQLite writes one at a
    time)."""
    table = connection.ops.quote_name(TicketNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [connection.ops.adapt_datefield_value(day)],
        )
        (sequence,) = cursor.fetchone()
    return f"{settings.KEFU_TICKET_PREFIX}{day:%Y%m%d}-{sequence:05d}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def customer_link_path(number: str, token: str) -> str:
    """The customer's private link (served by the portal)."""
    return f"/portal/t/{number}?{urlencode({'k': token})}"


@dataclass(frozen=True)
class TicketCreated:
    """A new ticket and the token of its customer link, which exists only here:
    only its hash is stored."""

    ticket: Ticket
    token: str

    @property
    def customer_link(self) -> str:
        return customer_link_path(self.ticket.number, self.token)


# --- registration -----------------------------------------------------------------


def _customer_register(
    *, actor: User, data: dict[str, Any], request: HttpRequest | None
) -> tuple[Customer, Contact | None]:
    """A customer registered on the spot (a complaint never waits for an archive
    record), through the archive's own service; errors name ``new_customer.*``."""
    values: dict[str, Any] = {
        "kind": data.get("kind") or Customer.Kind.PERSON,
        "name": data.get("name") or "",
        "phone": data.get("phone") or "",
        "source": Customer.Source.SERVICE,
    }
    if can_own_customers(actor):
        values["owner"] = actor
    try:
        customer = customer_create(actor=actor, request=request, **values)
        contact = None
        if (data.get("contact_name") or "").strip():
            contact = contact_create(
                actor=actor,
                customer=customer,
                request=request,
                name=data["contact_name"],
                mobile=values["phone"],
                is_primary=True,
            )
    except DomainError as exc:
        errors = [
            FieldError(
                f"new_customer.{e.field}" if e.field else "new_customer",
                e.message,
                e.code,
            )
            for e in exc.errors
        ]
        raise DomainError(
            exc.message, field=errors[0].field, code=exc.code, errors=errors
        ) from None
    return customer, contact


def _category_check(category: TicketCategory | None, *, current=None) -> None:
    if category is not None and not category.is_active and category != current:
        raise DomainError(
            _("类别“%(name)s”已停用。") % {"name": category.name},
            field="category",
            code="inactive",
        )


def _contact_check(contact: Contact | None, customer: Customer) -> None:
    if contact is not None and contact.customer_id != customer.pk:
        raise DomainError(
            _("联系人“%(name)s”不属于客户“%(customer)s”。")
            % {"name": contact.name, "customer": customer.name},
            field="contact",
            code="wrong_customer",
        )


@transaction.atomic
def ticket_create(
    *,
    actor: User,
    entry: str = ENTRY_STAFF,
    customer: Customer | None = None,
    new_customer: dict[str, Any] | None = None,
    contact: Contact | None = None,
    category: TicketCategory | None = None,
    owner: User | None = None,
    resolution: str = "",
    request: HttpRequest | None = None,
    **values: Any,
) -> TicketCreated:
    """Register a contact from a customer (受理要快). Staff registration is accepted
    at once: customer service owns what it registers, anyone else's goes to the
    customer service dispatcher's queue; API, portal and e-mail tickets wait in
    ``new`` until a person accepts. With a ``resolution`` the registrant solved it
    on the spot: resolved at once, first-contact resolution."""
    if not can_register_tickets(actor):
        raise PermissionDenied
    if entry not in ENTRIES:
        raise ValueError(entry)
    plain = {
        "type": "",
        "channel": "",
        "subject": "",
        "description": "",
        "source": Ticket.Source.CUSTOMER,
        "priority": Ticket.Priority.NORMAL,
        "severity": "",
        "mood": Ticket.Mood.CALM,
        "product": "",
        "order_ref": "",
        "batch": "",
        "received_at": None,
        **values,
    }
    unknown = set(plain) - EDITABLE
    if unknown:
        raise TypeError(f"unknown ticket fields: {sorted(unknown)}")
    cleaned = ticket_values_clean(plain)
    resolution = (
        body_clean(resolution, field="resolution", label=_("解决说明"))
        if (resolution or "").strip()
        else ""
    )
    _category_check(category)
    if customer is not None and new_customer:
        raise DomainError(
            _("请选择已有客户，或登记新客户，不能同时两样。"),
            field="customer",
            code="ambiguous",
        )
    if customer is None and not new_customer:
        raise DomainError(
            _("请选择客户，或当场登记一位新客户。"), field="customer", code="required"
        )
    if new_customer:
        customer, new_contact = _customer_register(
            actor=actor, data=new_customer, request=request
        )
        contact = contact or new_contact
    _contact_check(contact, customer)
    if owner is not None and not resolution:
        _owner_check(owner, field="owner")

    if cleaned["mood"] == Ticket.Mood.ANGRY:
        cleaned["priority"] = priority_raised(cleaned["priority"])
    if cleaned["type"] == Ticket.Type.COMPLAINT:
        floor = (
            Ticket.Severity.MAJOR
            if cleaned["source"] in EXTERNAL_SOURCES
            else Ticket.Severity.MINOR
        )
        cleaned["severity"] = severity_at_least(cleaned["severity"], floor)

    now = timezone.now()
    unassigned = False
    if resolution:
        owner = actor
    elif owner is None:
        if entry == ENTRY_STAFF and serves_customers(actor):
            owner = actor
        else:
            dispatcher = service_dispatcher()
            owner = dispatcher or actor
            unassigned = dispatcher is not None
    status = S.ACCEPTED if entry == ENTRY_STAFF else S.NEW
    if resolution:
        status = S.RESOLVED

    token = secrets.token_urlsafe(24)
    ticket = Ticket(
        **cleaned,
        number=ticket_number_next(day=timezone.localdate(now)),
        customer=customer,
        contact=contact,
        category=category,
        registered_by=actor,
        owner=owner,
        department=owner.department,
        unassigned=unassigned,
        status=status,
        is_open=status not in DONE_STATUSES,
        accepted_at=now if status != S.NEW else None,
        first_response_at=now if resolution else None,
        resolved_at=now if resolution else None,
        first_contact_resolution=bool(resolution),
        last_activity_at=now,
        created_at=now,
        customer_token_hash=token_hash(token),
    )
    ticket.save()
    _event(
        ticket,
        K.CREATED,
        actor,
        now=now,
        public=True,
        entry=entry,
        channel=ticket.channel,
        status=S.ACCEPTED if resolution else status,
        owner=person(owner),
        department=department_ref(owner.department),
        unassigned=unassigned,
    )
    if resolution:
        _status_event(
            ticket,
            actor,
            S.ACCEPTED,
            now=now,
            body=resolution,
            first_contact_resolution=True,
        )
    ticket_index.refresh([ticket])
    ticket_created_run(ticket=ticket, actor=actor, request=request)
    if owner.pk != actor.pk:
        title = (
            _("新工单待分派：%(number)s %(subject)s")
            if unassigned
            else _("您有一张新工单：%(number)s %(subject)s")
        ) % {"number": ticket.number, "subject": ticket.subject}
        _tell(owner.pk, title=title, ticket=ticket, key=f"ticket.new.{ticket.pk}")
    return TicketCreated(ticket=ticket, token=token)


# --- edits ------------------------------------------------------------------------


def _shown(value: Any) -> Any:
    """A value as the timeline keeps it: names for records, short texts."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if hasattr(value, "pk"):
        return str(value)
    text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    actor: User,
    version: int | None,
    request: HttpRequest | None = None,
    **changes: Any,
) -> Ticket:
    """Change a ticket's fields if ``version`` is still current (else Conflict);
    owner or manager only. The type may change only before work has started."""
    version_require(version)
    ticket = _begin(ticket, actor, version, allowed=can_edit_ticket)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise DomainError(
            _("不能修改字段：%(fields)s。") % {"fields": "、".join(sorted(unknown))},
            field=sorted(unknown)[0],
            code="not_editable",
        )
    refs = {"customer", "contact", "category"}
    cleaned = ticket_values_clean({k: v for k, v in changes.items() if k not in refs})
    for name in refs & set(changes):
        cleaned[name] = changes[name]
    if "customer" in cleaned and cleaned["customer"] is None:
        raise DomainError(_("请选择客户。"), field="customer", code="required")
    customer = cleaned.get("customer", ticket.customer)
    if (
        "customer" in cleaned
        and "contact" not in cleaned
        and ticket.contact is not None
        and ticket.contact.customer_id != customer.pk
    ):
        cleaned["contact"] = None
    _contact_check(cleaned.get("contact", ticket.contact), customer)
    if "category" in cleaned:
        _category_check(cleaned["category"], current=ticket.category)
    changed = {
        name: (getattr(ticket, name), value)
        for name, value in cleaned.items()
        if getattr(ticket, name) != value
    }
    if "type" in changed and ticket.status not in (S.NEW, S.ACCEPTED):
        raise DomainError(
            _("工单已进入处理流程，不能再更改类型。"),
            field="type",
            code="not_editable",
        )
    now = timezone.now()
    for name, (_old, new) in changed.items():
        setattr(ticket, name, new)
    _save(ticket, list(changed), now=now)
    if changed:
        _event(
            ticket,
            K.UPDATE,
            actor,
            now=now,
            changes={
                name: [_shown(old), _shown(new)] for name, (old, new) in changed.items()
            },
        )
    if SEARCHED & set(changed):
        ticket_index.refresh([ticket])
    return ticket


# --- the actions of the simple flow -----------------------------------------------


@transaction.atomic
def ticket_accept(
    *,
    ticket: Ticket,
    actor: User,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """受理: a person takes the ticket. A ``new`` one becomes ``accepted`` (the
    acknowledge clock stops); one waiting in a department's queue gets its owner.
    Either way the actor owns it afterwards."""
    ticket = _begin(ticket, actor, version, allowed=can_accept_ticket)
    if not (transition_allowed(ticket, "accept") or ticket.unassigned):
        raise DomainError(
            _("该工单已由%(name)s受理，不在待受理或待分派状态。")
            % {"name": ticket.owner.name},
            field="action",
            code="invalid_transition",
        )
    now = timezone.now()
    previous_owner, previous_department = ticket.owner, ticket.department
    fields = ["owner", "department", "unassigned"]
    previous_status = None
    if ticket.status == S.NEW:
        previous_status = _set_status(ticket, S.ACCEPTED)
        ticket.accepted_at = now
        fields += ["status", "is_open", "accepted_at"]
    ticket.owner = actor
    ticket.department = actor.department
    ticket.unassigned = False
    _save(ticket, fields, now=now)
    if previous_status is not None:
        _status_event(ticket, actor, previous_status, now=now)
    if previous_owner.pk != actor.pk or previous_status is None:
        _event(
            ticket,
            K.ASSIGNMENT,
            actor,
            now=now,
            taken=True,
            **{"from": person(previous_owner)},
            to=person(actor),
            from_department=department_ref(previous_department),
            to_department=department_ref(actor.department),
        )
    return ticket


@transaction.atomic
def ticket_transfer(
    *,
    ticket: Ticket,
    actor: User,
    reason: str,
    to_user: User | None = None,
    to_department: Department | None = None,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """Hand the ticket to one new owner: a person, or a department (its dispatcher
    receives it, marked unassigned), always with a reason."""
    ticket = _begin(ticket, actor, version, allowed=can_edit_ticket, action="transfer")
    return _route(
        ticket, actor, reason=reason, to_user=to_user, to_department=to_department
    )


def ticket_route(
    *,
    ticket: Ticket,
    actor: User,
    reason: str,
    to_user: User | None = None,
    to_department: Department | None = None,
    fields: Iterable[str] = (),
) -> Ticket:
    """Move a ticket that another app's service has locked (``_locked`` through
    its own ``ticket_lock``) and whose rule it has checked, as a transfer does:
    the timeline, the counters and the notice are the same. ``fields`` already
    set on the ticket are saved with it (one version step)."""
    return _route(
        ticket,
        actor,
        reason=reason,
        to_user=to_user,
        to_department=to_department,
        fields=list(fields),
    )


def ticket_lock(ticket: Ticket) -> Ticket:
    """The ticket locked until commit, read afresh (for another app's service)."""
    return _locked(ticket)


def _route(
    ticket: Ticket,
    actor: User,
    *,
    reason: str,
    to_user: User | None,
    to_department: Department | None,
    fields: list[str] | None = None,
) -> Ticket:
    if (to_user is None) == (to_department is None):
        raise DomainError(
            _("请指定接收人或接收部门（二选一）。"), field="to_user", code="required"
        )
    reason = reason_clean(reason, label=_("转交原因"))
    if to_department is not None:
        to_department = Department.objects.select_related("dispatcher").get(
            pk=to_department.pk
        )
        dispatcher = to_department.dispatcher
        if (
            not to_department.is_active
            or dispatcher is None
            or not dispatcher.is_active
        ):
            raise DomainError(
                _("%(name)s没有指定调度员，无法转交到部门，请转交给具体人员。")
                % {"name": to_department.name},
                field="to_department",
                code="no_dispatcher",
            )
        _owner_check(dispatcher, field="to_department")
        new_owner, new_department, unassigned = dispatcher, to_department, True
        if ticket.unassigned and ticket.department_id == to_department.pk:
            raise DomainError(
                _("工单已在%(name)s的待分派队列中。") % {"name": to_department.name},
                field="to_department",
                code="same_owner",
            )
    else:
        _owner_check(to_user, field="to_user")
        new_owner, new_department, unassigned = to_user, to_user.department, False
        if to_user.pk == ticket.owner_id and not ticket.unassigned:
            raise DomainError(
                _("工单的负责人已经是%(name)s。") % {"name": to_user.name},
                field="to_user",
                code="same_owner",
            )
    now = timezone.now()
    previous_owner, previous_department = ticket.owner, ticket.department
    moved = (new_department.pk if new_department else None) != ticket.department_id
    ticket.owner = new_owner
    ticket.department = new_department
    ticket.unassigned = unassigned
    ticket.transfer_count += 1
    if moved:
        ticket.department_transfer_count += 1
    _save(
        ticket,
        [
            *(fields or []),
            "owner",
            "department",
            "unassigned",
            "transfer_count",
            "department_transfer_count",
        ],
        now=now,
    )
    _event(
        ticket,
        K.TRANSFER,
        actor,
        now=now,
        reason=reason,
        to=person(new_owner),
        to_department=department_ref(new_department),
        from_department=department_ref(previous_department),
        unassigned=unassigned,
        moved=moved,
        **{"from": person(previous_owner)},
    )
    if new_owner.pk != actor.pk:
        title = (
            _("工单转交到%(department)s待分派：%(number)s %(subject)s")
            if unassigned
            else _("%(name)s把工单转交给您：%(number)s %(subject)s")
        ) % {
            "department": new_department.name if new_department else "",
            "name": actor.name,
            "number": ticket.number,
            "subject": ticket.subject,
        }
        _tell(
            new_owner.pk,
            title=title,
            ticket=ticket,
            key=f"ticket.transfer.{ticket.pk}.{ticket.version}",
        )
    return ticket


def _first_response(ticket: Ticket, now: dt.datetime, fields: list[str]) -> None:
    """The first message the customer sees from staff stops that clock."""
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")


@transaction.atomic
def ticket_wait_customer(
    *,
    ticket: Ticket,
    actor: User,
    reason: str,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """Wait for the customer (the clocks pause); ``reason`` tells the customer
    what is needed from them."""
    ticket = _begin(
        ticket, actor, version, allowed=can_edit_ticket, action="wait_customer"
    )
    reason = reason_clean(reason, label=_("需要客户提供的内容"))
    now = timezone.now()
    ticket.paused_status = ticket.status
    previous = _set_status(ticket, S.WAITING_CUSTOMER)
    fields = ["status", "is_open", "paused_status"]
    _first_response(ticket, now, fields)
    _save(ticket, fields, now=now)
    _status_event(ticket, actor, previous, now=now, body=reason)
    return ticket


@transaction.atomic
def ticket_resume(
    *,
    ticket: Ticket,
    actor: User,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """The customer answered: back to the status the ticket waited in."""
    ticket = _begin(ticket, actor, version, allowed=can_edit_ticket, action="resume")
    now = timezone.now()
    previous = _set_status(ticket, ticket.paused_status or S.ACCEPTED)
    ticket.paused_status = ""
    _save(ticket, ["status", "is_open", "paused_status"], now=now)
    _status_event(ticket, actor, previous, now=now)
    return ticket


@transaction.atomic
def ticket_resolve(
    *,
    ticket: Ticket,
    actor: User,
    summary: str,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """Resolved, with a summary for the customer; the registrant is told."""
    ticket = _begin(ticket, actor, version, allowed=can_edit_ticket, action="resolve")
    summary = body_clean(summary, field="summary", label=_("解决说明"))
    now = timezone.now()
    previous = _set_status(ticket, S.RESOLVED)
    ticket.resolved_at = now
    ticket.paused_status = ""
    fields = ["status", "is_open", "unassigned", "paused_status", "resolved_at"]
    _first_response(ticket, now, fields)
    _save(ticket, fields, now=now)
    _status_event(ticket, actor, previous, now=now, body=summary)
    registrant = ticket.registered_by_id
    if registrant not in (None, actor.pk, ticket.owner_id):
        _tell(
            registrant,
            title=_("您登记的工单已解决：%(number)s %(subject)s")
            % {"number": ticket.number, "subject": ticket.subject},
            ticket=ticket,
            key=f"ticket.resolved.{ticket.pk}.{ticket.version}",
        )
    return ticket


@transaction.atomic
def ticket_close(
    *,
    ticket: Ticket,
    actor: User | None,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """Closed: nothing more to do. ``actor`` None is the automatic close of a
    ticket resolved long enough ago."""
    if actor is None:
        ticket = _locked(ticket)
        transition_check(ticket, "close")
    else:
        ticket = _begin(ticket, actor, version, allowed=can_edit_ticket, action="close")
    now = timezone.now()
    previous = _set_status(ticket, S.CLOSED)
    ticket.closed_at = now
    _save(ticket, ["status", "is_open", "unassigned", "closed_at"], now=now)
    _status_event(ticket, actor, previous, now=now, automatic=actor is None)
    return ticket


@transaction.atomic
def ticket_reopen(
    *,
    ticket: Ticket,
    actor: User,
    reason: str,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """Work again on a resolved or closed ticket (the customer called back); it
    is no longer a first-contact resolution. An owner who has left is replaced
    by the customer service dispatcher."""
    ticket = _begin(ticket, actor, version, allowed=can_reopen_ticket, action="reopen")
    reason = reason_clean(reason, label=_("重新打开的原因"))
    now = timezone.now()
    previous = _set_status(ticket, S.ACCEPTED)
    ticket.resolved_at = None
    ticket.closed_at = None
    ticket.first_contact_resolution = False
    fields = [
        "status",
        "is_open",
        "resolved_at",
        "closed_at",
        "first_contact_resolution",
    ]
    if not ticket.owner.is_active:
        dispatcher = service_dispatcher()
        if dispatcher is not None:
            ticket.owner, ticket.department = dispatcher, dispatcher.department
            ticket.unassigned = True
            fields += ["owner", "department", "unassigned"]
    _save(ticket, fields, now=now)
    _status_event(ticket, actor, previous, now=now, reason=reason)
    if ticket.owner_id != actor.pk:
        _tell(
            ticket.owner_id,
            title=_("工单已重新打开：%(number)s %(subject)s")
            % {"number": ticket.number, "subject": ticket.subject},
            ticket=ticket,
            key=f"ticket.reopen.{ticket.pk}.{ticket.version}",
        )
    return ticket


# --- the timeline: notes and replies ----------------------------------------------


@transaction.atomic
def ticket_event_add(
    *,
    ticket: Ticket,
    actor: User,
    kind: str,
    body: str,
    confirm: Iterable[str] = (),
    request: HttpRequest | None = None,
) -> TicketEvent:
    """Add an internal note (anyone working on it) or a reply to the customer
    (owner or manager; the first one stops the first-response clock). Neither
    changes the version. A reply that a check warns about (promise wording …)
    is refused with the warning's code unless ``confirm`` names it; the reply
    then records the warnings that were shown."""
    if kind not in (K.NOTE, K.REPLY):
        raise DomainError(
            _("只能添加内部备注（note）或答复客户（reply）。"),
            field="kind",
            code="invalid_choice",
        )
    ticket = _locked(ticket)
    allowed = can_add_note if kind == K.NOTE else can_reply
    if not allowed(actor, ticket):
        raise PermissionDenied
    body = body_clean(body)
    if kind == K.REPLY and ticket.status == S.NEW:
        raise DomainError(
            _("请先受理工单，再答复客户。"), field="kind", code="not_accepted"
        )
    if kind == K.REPLY and ticket.status in (S.CLOSED, S.ARCHIVED):
        raise DomainError(
            _("工单已关闭，请先重新打开再答复客户。"), field="kind", code="closed"
        )
    data: dict[str, Any] = {}
    if kind == K.REPLY:
        warnings = reply_warnings(body)
        for warning in warnings:
            if warning.code not in confirm:
                raise DomainError(warning.message, field="body", code=warning.code)
        if warnings:
            data["warnings"] = [
                {"code": w.code, "words": list(w.words)} for w in warnings
            ]
    now = timezone.now()
    updates: dict[str, Any] = {"last_activity_at": now}
    if kind == K.REPLY and ticket.first_response_at is None:
        updates["first_response_at"] = now
    Ticket.objects.filter(pk=ticket.pk).update(**updates)
    return _event(
        ticket, kind, actor, now=now, public=kind == K.REPLY, body=body, **data
    )


@transaction.atomic
def ticket_inbound_event(
    *,
    ticket: Ticket,
    body: str,
    public: bool,
    data: dict[str, Any],
    tell_owner: str = "",
) -> TicketEvent:
    """What arrived from outside (a customer's mail, a link between tickets) on
    the timeline, with no person as actor: ``public`` for the customer's own
    words (kept as they came, as a note marked ``customer_message``). The
    owner is told when ``tell_owner`` gives the title."""
    ticket = _locked(ticket)
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(last_activity_at=now)
    event = _event(
        ticket,
        K.NOTE,
        None,
        now=now,
        public=public,
        body=body[:TEXT_MAX],
        **data,
    )
    if tell_owner:
        _tell(
            ticket.owner_id,
            title=tell_owner,
            ticket=ticket,
            key=f"ticket.inbound.{event.pk}",
        )
    return event


# --- handover and housekeeping ----------------------------------------------------


@transaction.atomic
def tickets_handover(
    *,
    from_user: User,
    to_user: User,
    actor: User,
    request: HttpRequest | None = None,
) -> int:
    """Move every open ticket of ``from_user`` (leaving or changing job) to
    ``to_user`` in one recorded operation; returns how many moved."""
    if not can_hand_over_tickets(actor):
        raise PermissionDenied
    if to_user.pk == from_user.pk:
        raise DomainError(
            _("接收人不能是交出工单的人。"), field="to_user", code="same_owner"
        )
    _owner_check(to_user, field="to_user")
    ids = list(
        Ticket.objects.select_for_update()
        .filter(owner=from_user, is_open=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    if ids:
        Ticket.objects.filter(pk__in=ids).update(
            owner=to_user,
            department=to_user.department,
            unassigned=False,
            version=F("version") + 1,
            updated_at=now,
            last_activity_at=now,
        )
        TicketEvent.objects.bulk_create(
            [
                TicketEvent(
                    ticket_id=pk,
                    kind=K.ASSIGNMENT,
                    actor=actor,
                    created_at=now,
                    data={
                        "handover": True,
                        "from": person(from_user),
                        "to": person(to_user),
                        "to_department": department_ref(to_user.department),
                    },
                )
                for pk in ids
            ]
        )
        to_id, count = to_user.pk, len(ids)
        transaction.on_commit(
            lambda: notify_user(
                user=User(pk=to_id),
                title=_("%(name)s的 %(count)s 张未完成工单已交接给您")
                % {"name": from_user.name, "count": count},
                url="/tickets/?view=mine",
                key=f"ticket.handover.{from_user.pk}.{to_id}.{now.timestamp()}",
            )
        )
    audit_record(
        event="ticket.handover",
        actor=actor,
        request=request,
        obj=from_user,
        data={"to": to_user.username, "count": len(ids)},
    )
    return len(ids)


def tickets_autoclose(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Close tickets resolved more than KEFU_TICKET_AUTOCLOSE_DAYS ago (one indexed
    query finds them); running it twice closes nothing more."""
    days = settings.KEFU_TICKET_AUTOCLOSE_DAYS
    if not days:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    due = list(
        Ticket.objects.filter(status=S.RESOLVED, resolved_at__lt=cutoff)
        .order_by("resolved_at")
        .values_list("pk", flat=True)[:batch]
    )
    closed = 0
    for pk in due:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().filter(pk=pk).first()
            if ticket is None or ticket.status != S.RESOLVED:
                continue
            if ticket.resolved_at is None or ticket.resolved_at >= cutoff:
                continue
            try:
                ticket_close(ticket=ticket, actor=None)
            except DomainError:
                continue  # a flow's guard keeps it open (e.g. no follow-up yet)
            closed += 1
    return closed


# --- categories -------------------------------------------------------------------


@transaction.atomic
def ticket_category_save(
    *,
    actor: User,
    name: str,
    code: str,
    is_active: bool = True,
    sort_order: int = 100,
    category: TicketCategory | None = None,
    request: HttpRequest | None = None,
) -> TicketCategory:
    """Create or change a category (the service manager); audited."""
    if not can_manage_categories(actor):
        raise PermissionDenied
    name = text_clean(name, field="name", label=_("名称"), max_length=64, required=True)
    code = text_clean(code, field="code", label=_("代码"), max_length=32, required=True)
    if not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        raise DomainError(
            _("代码只能包含英文字母、数字、下划线和连字符。"),
            field="code",
            code="invalid",
        )
    for field, value, label in (("name", name, _("名称")), ("code", code, _("代码"))):
        taken = TicketCategory.objects.filter(**{field: value})
        if category is not None:
            taken = taken.exclude(pk=category.pk)
        if taken.exists():
            raise DomainError(
                _("%(label)s“%(value)s”已被其他类别使用。")
                % {"label": label, "value": value},
                field=field,
                code="duplicate",
            )
    creating = category is None
    category = category or TicketCategory()
    category.name, category.code = name, code
    category.is_active, category.sort_order = bool(is_active), int(sort_order)
    category.save()
    audit_record(
        event="ticket.category_create" if creating else "ticket.category_update",
        actor=actor,
        request=request,
        obj=category,
        data={"code": code, "name": name, "is_active": category.is_active},
    )
    return category
