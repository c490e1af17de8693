"""The portal has no logins. What it may do on the customer's behalf is exactly
this: register a ticket and the customer it comes from. It acts through a
system account that cannot sign in and holds no role; the capabilities below
are given to it in memory, for the portal's own calls only."""

from __future__ import annotations

from typing import Any

from customers.permissions import ADD as ADD_CUSTOMER
from tickets.permissions import ADD as ADD_TICKET

ROLE_GRANTS: dict[str, list[str]] = {}

PORTAL_CAPABILITIES = frozenset({ADD_TICKET, ADD_CUSTOMER})


def ticket_readable_by_link(ticket: Any, *, token_hash: str) -> bool:
    """The cookie (or link) carries the hash of this ticket's token."""
    import hmac

    return bool(ticket.customer_token_hash) and hmac.compare_digest(
        ticket.customer_token_hash, token_hash
    )
