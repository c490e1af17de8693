"""The portal's writes: a customer's submission, the exchange of a private link
for a cookie, and what the customer does on their ticket (with files)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from attachments.services import attachments_add, uploads_check
from complaints.services import complaint_appeal
from core.audit import audit_record
from core.errors import DomainError, FieldError
from customers.models import Customer
from customers.services import customer_create
from customers.validation import customer_clean, text_clean
from portal.permissions import PORTAL_CAPABILITIES
from portal.selectors import customer_match
from tickets.customer import (
    ticket_customer_confirm,
    ticket_customer_message,
)
from tickets.models import Ticket
from tickets.services import ENTRY_PORTAL, TicketCreated, ticket_create, token_hash

PORTAL_USERNAME = "kefu-portal"
PORTAL_TYPES = (
    Ticket.Type.INQUIRY,
    Ticket.Type.REQUEST,
    Ticket.Type.COMPLAINT,
    Ticket.Type.SUGGESTION,
    Ticket.Type.PRAISE,
)
COOKIE_SALT = "kefu.portal.ticket"


def portal_actor():
    """The system account the portal acts through: it cannot sign in (no usable
    password) and holds no role; its capabilities exist only in this object."""
    User = get_user_model()
    user = User.objects.filter(username=PORTAL_USERNAME).first()
    if user is None:
        try:
            with transaction.atomic():  # two first submissions at once: one wins
                user = User(username=PORTAL_USERNAME, display_name=_("客户门户"))
                user.set_unusable_password()
                user.save()
        except IntegrityError:
            user = User.objects.get(username=PORTAL_USERNAME)
    user._kefu_roles = frozenset()
    user._kefu_capabilities = PORTAL_CAPABILITIES if user.is_active else frozenset()
    return user


def cookie_name(number: str) -> str:
    return f"kefu_t_{number}"


def cookie_value(ticket: Ticket) -> str:
    """Bound to this ticket and to its token (a new token ends old cookies)."""
    return signing.dumps(
        {"t": ticket.pk, "h": ticket.customer_token_hash}, salt=COOKIE_SALT
    )


def cookie_token_hash(value: str | None, ticket: Ticket) -> str:
    """The token hash a cookie carries for ``ticket`` ("" when it is not one)."""
    if not value:
        return ""
    try:
        data = signing.loads(
            value,
            salt=COOKIE_SALT,
            max_age=settings.KEFU_PORTAL_LINK_DAYS * 86400 + 366 * 86400,
        )
    except signing.BadSignature:
        return ""
    if not isinstance(data, dict) or data.get("t") != ticket.pk:
        return ""
    return str(data.get("h") or "")


def link_token_hash(token: str) -> str:
    return token_hash(token or "")


def _collect(errors: list[FieldError], check, *args, **kwargs) -> Any:
    """Run one check; a refusal joins ``errors`` (every field is named at once)."""
    try:
        return check(*args, **kwargs)
    except DomainError as exc:
        errors += exc.errors
        return None


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """The customer's fields by the archive's and the tickets' own rules."""
    errors: list[FieldError] = []
    if values["type"] not in PORTAL_TYPES:
        errors.append(FieldError("type", _("请选择要办理的事项。"), "invalid_choice"))
    texts = {
        "name": (_("您的姓名"), 64, True),
        "subject": (_("标题"), 200, True),
        "description": (_("详细描述"), 10000, True),
        "order_ref": (_("订单号或运单号"), 64, False),
    }
    cleaned: dict[str, Any] = {"type": values["type"]}
    for field, (label, length, required) in texts.items():
        cleaned[field] = _collect(
            errors,
            text_clean,
            values.get(field),
            field=field,
            label=label,
            max_length=length,
            required=required,
        )
    if _collect(
        errors,
        text_clean,
        values.get("phone"),
        field="phone",
        label=_("手机号码"),
        max_length=32,
        required=True,
    ):
        cleaned.update(
            _collect(
                errors,
                customer_clean,
                {"phone": values.get("phone"), "email": values.get("email") or ""},
                instance=None,
                clash_check=False,
            )
            or {}
        )
    cleaned["checked"] = _collect(errors, uploads_check, values.get("files") or [])
    if errors:
        raise DomainError(errors[0].message, field=errors[0].field, errors=errors)
    return cleaned


@transaction.atomic
def portal_submit(
    *,
    type: str,
    name: str,
    phone: str,
    email: str = "",
    subject: str,
    description: str,
    order_ref: str = "",
    files: list | None = None,
    request: HttpRequest | None = None,
) -> TicketCreated:
    """A customer's own submission: matched to the archive by phone (or e-mail),
    or registered as a new customer; the ticket waits in ``new`` for a person
    to accept it. Any bad field or file refuses the whole submission."""
    person = _clean(
        {
            "type": type,
            "name": name,
            "phone": phone,
            "email": email,
            "subject": subject,
            "description": description,
            "order_ref": order_ref,
            "files": files,
        }
    )
    checked = person["checked"]
    actor = portal_actor()
    matched = customer_match(phone=person["phone"], email=person["email"])
    if matched is not None:
        customer, contact = matched
    else:
        customer = customer_create(
            actor=actor,
            request=request,
            kind=Customer.Kind.PERSON,
            name=person["name"],
            phone=person["phone"],
            email=person["email"],
            source=Customer.Source.WEBSITE,
        )
        contact = None
    created = ticket_create(
        actor=actor,
        entry=ENTRY_PORTAL,
        customer=customer,
        contact=contact,
        type=type,
        channel=Ticket.Channel.PORTAL,
        subject=person["subject"],
        description=person["description"],
        order_ref=person["order_ref"],
        request=request,
    )
    if checked:
        created_event = created.ticket.events.order_by("id").first()
        attachments_add(
            ticket=created.ticket,
            files=[],
            checked=checked,
            event=created_event,
            public=True,
            by_customer=True,
            request=request,
        )
    audit_record(
        event="portal.submit",
        actor=actor,
        request=request,
        obj=created.ticket,
        data={"matched": matched is not None, "files": len(checked)},
    )
    return created


@transaction.atomic
def portal_reply(
    *, ticket: Ticket, body: str, files: list | None = None, request=None
) -> None:
    """The customer writes on their ticket, with files."""
    checked = uploads_check(files or [])
    event = ticket_customer_message(ticket=ticket, body=body, request=request)
    if checked:
        attachments_add(
            ticket=ticket,
            files=[],
            checked=checked,
            event=event,
            public=True,
            by_customer=True,
            request=request,
        )


def portal_confirm(*, ticket: Ticket, satisfied: bool, comment: str, request=None):
    return ticket_customer_confirm(
        ticket=ticket, satisfied=satisfied, comment=comment, request=request
    )


@transaction.atomic
def portal_appeal(*, ticket: Ticket, reason: str, request=None) -> Ticket:
    """Appeal a closed complaint: opened again and escalated."""
    return complaint_appeal(ticket=ticket, reason=reason, request=request)


def token_matches(ticket: Ticket, token: str) -> bool:
    """The ticket's own link, or one given to the customer in a message."""
    import hmac

    from channels.models import TicketLink

    hashed = link_token_hash(token)
    if ticket.customer_token_hash and hmac.compare_digest(
        ticket.customer_token_hash, hashed
    ):
        return True
    return TicketLink.objects.filter(ticket=ticket, token_hash=hashed).exists()
