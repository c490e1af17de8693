"""The search box in the header: every module that can be searched adds a section
(customers and tickets now; knowledge joins with a provider of its own)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from customers.permissions import can_view_customers
from customers.selectors import customer_search_quick
from tickets.permissions import can_view_tickets
from tickets.selectors import ticket_search_quick


@dataclass
class SearchSection:
    key: str
    label: Promise
    template: str  # renders ``items``
    more_url: str
    items: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class SearchProvider:
    key: str
    visible: Callable[[Any], bool]
    run: Callable[[Any, str, int], SearchSection]


def _customers(user: Any, q: str, limit: int) -> SearchSection:
    return SearchSection(
        key="customers",
        label=_("客户"),
        template="customers/partials/_search_hits.html",
        more_url=f"{reverse('customers:customer_list')}?{urlencode({'q': q})}",
        items=customer_search_quick(user=user, q=q, limit=limit),
    )


def _tickets(user: Any, q: str, limit: int) -> SearchSection:
    return SearchSection(
        key="tickets",
        label=_("工单"),
        template="tickets/partials/_search_hits.html",
        more_url=f"{reverse('tickets:ticket_list')}?{urlencode({'view': 'all', 'status': 'any', 'q': q})}",
        items=ticket_search_quick(user=user, q=q, limit=limit),
    )


PROVIDERS = [
    SearchProvider("tickets", can_view_tickets, _tickets),
    SearchProvider("customers", can_view_customers, _customers),
]


def search_available(user: Any) -> bool:
    return any(p.visible(user) for p in PROVIDERS)


def search_all(*, user: Any, q: str, limit: int) -> list[SearchSection]:
    """One section per module the user may search (DomainError on field ``q``
    when the query is too short for the index)."""
    return [p.run(user, q, limit) for p in PROVIDERS if p.visible(user)]
