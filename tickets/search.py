"""How tickets are found: any two or more characters of the number, subject,
description, references (order or waybill number, product, batch), and the
customer's and contact's names and phones (as they were when the ticket last
changed). Internal notes are not indexed."""

from __future__ import annotations

import re

from django.conf import settings

from core.search import SearchIndex
from tickets.models import Ticket, TicketSearchDocument

_NOT_DIGIT = re.compile(r"\D+")


def _phones(*phones: str) -> list[str]:
    """Each phone as written and as its digits (so that its tail is found)."""
    return [
        form for phone in phones if phone for form in (phone, _NOT_DIGIT.sub("", phone))
    ]


def ticket_search_parts(ticket: Ticket) -> list[str]:
    """The texts a ticket is found by (select ``customer`` and ``contact``)."""
    prefix = settings.KEFU_TICKET_PREFIX
    number = ticket.number
    parts = [number, number.removeprefix(prefix), ticket.subject, ticket.description]
    parts += [ticket.order_ref, ticket.product, ticket.batch]
    customer = ticket.customer
    parts += [customer.name, *_phones(customer.phone)]
    contact = ticket.contact
    if contact is not None:
        parts += [contact.name, *_phones(contact.mobile, contact.phone)]
    return parts


ticket_index = SearchIndex(TicketSearchDocument, parts=ticket_search_parts)
