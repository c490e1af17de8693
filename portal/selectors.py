"""Reads for the portal."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from attachments.models import Attachment
from customers.models import Contact, Customer
from customers.search import customer_index
from tickets.models import Ticket, TicketEvent
from tickets.selectors import number_clean

TIMELINE_MAX = 200
_DIGITS = str.maketrans("", "", " -()+")


def portal_ticket(number: str) -> Ticket | None:
    return (
        Ticket.objects.select_related("category")
        .filter(number=number_clean(number))
        .first()
    )


def link_expired(ticket: Ticket, *, now: dt.datetime | None = None) -> bool:
    """A private link works until KEFU_PORTAL_LINK_DAYS after the ticket closed."""
    if ticket.closed_at is None:
        return False
    now = now or timezone.now()
    return now > ticket.closed_at + dt.timedelta(days=settings.KEFU_PORTAL_LINK_DAYS)


def customer_timeline(ticket: Ticket) -> list[TicketEvent]:
    """What the customer sees: public entries only, oldest first, without the
    people's internal detail (the template shows the body and kind only)."""
    events = (
        TicketEvent.objects.filter(ticket=ticket, is_public=True)
        .only("pk", "kind", "body", "data", "created_at", "ticket_id")
        .order_by("-created_at", "-id")[:TIMELINE_MAX]
    )
    return list(events)[::-1]


def customer_attachments(ticket: Ticket) -> QuerySet[Attachment]:
    return Attachment.objects.filter(ticket=ticket, is_public=True).order_by(
        "created_at", "id"
    )


def _phone_key(phone: str) -> str:
    return (phone or "").translate(_DIGITS)


def customer_match(
    *, phone: str, email: str = ""
) -> tuple[Customer, Contact | None] | None:
    """The archive's customer (and contact) with this phone — or, failing that,
    this e-mail — found through the search index and checked exactly; the most
    recently updated wins when several match."""
    for term, exact in ((phone, "phone"), (email, "email")):
        if not term:
            continue
        candidates = list(
            customer_index.filter(Customer.objects.all(), term)
            .prefetch_related("contacts")
            .order_by("-updated_at", "-id")[:20]
        )
        for customer in candidates:
            if exact == "phone":
                key = _phone_key(term)
                for contact in customer.contacts.all():
                    if key and key in (
                        _phone_key(contact.mobile),
                        _phone_key(contact.phone),
                    ):
                        return customer, contact
                if key and _phone_key(customer.phone) == key:
                    return customer, None
            else:
                lowered = term.lower()
                for contact in customer.contacts.all():
                    if (contact.email or "").lower() == lowered:
                        return customer, contact
                if (customer.email or "").lower() == lowered:
                    return customer, None
    return None
