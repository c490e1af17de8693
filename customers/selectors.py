"""Reads of the customer archive: visible lists and records, masked for the viewer,
grants, the timeline, the quick search, and the archive's access trail."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.directory import directory_list
from accounts.models import User
from accounts.roles import BUSINESS_ROLES
from core.errors import DomainError
from core.models import AuditEvent
from core.pagination import Page, keyset_paginate
from core.search import normalize
from customers.masking import Masked, masked
from customers.models import AccessGrant, Contact, Customer, CustomerEvent
from customers.permissions import (
    can_decide_grants,
    confidential_basis,
    customer_visibility_q,
)
from customers.search import customer_index

QUICK_CANDIDATES = 40
ORDERINGS: dict[str, list[str]] = {
    "recent": ["-updated_at", "-id"],
    "created": ["-created_at", "-id"],
    "name": ["name_sort", "id"],
}


def customer_list_visible_to(
    *,
    user: Any,
    tier: str = "",
    kind: str = "",
    owner: User | None = None,
    ownership: str = "",
    province: str = "",
    problem: bool = False,
) -> QuerySet[Customer]:
    """Live customers the user may read, filtered (indexes serve each filter
    with the recency order)."""
    qs = Customer.objects.filter(customer_visibility_q(user)).select_related("owner")
    if tier:
        qs = qs.filter(tier=tier)
    if kind:
        qs = qs.filter(kind=kind)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if ownership:
        qs = qs.filter(ownership=ownership)
    if province:
        qs = qs.filter(province=province)
    if problem:
        qs = qs.filter(is_problem=True)
    return qs


def customer_page(
    *,
    user: Any,
    q: str = "",
    ordering: str = "recent",
    cursor: str | None = None,
    limit: int | None = None,
    queryset: QuerySet[Customer] | None = None,
    **filters: Any,
) -> Page:
    """One page of the customer list. With ``q`` the search index finds the
    customers, newest first (a DomainError on field ``q`` when it is too short);
    without, keyset pages in the chosen order."""
    qs = (
        queryset
        if queryset is not None
        else customer_list_visible_to(user=user, **filters)
    )
    if q:
        return customer_index.page(qs, q, cursor=cursor, limit=limit)
    return keyset_paginate(qs, ordering=ORDERINGS[ordering], cursor=cursor, limit=limit)


def customer_search_matches(*, queryset: QuerySet[Customer], q: str) -> QuerySet:
    """Every customer of ``queryset`` matching ``q`` (for exports)."""
    return customer_index.filter(queryset, q)


def customer_get_visible(*, user: Any, pk: int) -> Customer:
    """One live customer the user may read; 404 for missing and not visible alike."""
    return get_object_or_404(
        Customer.objects.filter(customer_visibility_q(user)).select_related(
            "owner", "referred_by", "verified_by", "problem_flagged_by", "created_by"
        ),
        pk=pk,
    )


def granted_customer_ids(
    *, user: Any, customer_ids: Iterable[int] | None = None
) -> set[int]:
    """Ids of customers the user holds a live grant for (one query)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    qs = AccessGrant.objects.filter(
        requested_by=user,
        status=AccessGrant.Status.APPROVED,
        expires_at__gt=timezone.now(),
    )
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=list(customer_ids))
    return set(qs.values_list("customer_id", flat=True))


def customer_basis(*, user: Any, customer: Customer) -> str | None:
    """Why the user may read this customer's confidential layer, or None."""
    basis = confidential_basis(user, customer)
    if basis is None:
        basis = confidential_basis(
            user, customer, granted_customer_ids(user=user, customer_ids=[customer.pk])
        )
    return basis


def customers_masked(*, user: Any, customers: Sequence[Customer]) -> list[Masked]:
    """Customers as the user sees them (one query for grants, whatever the count)."""
    needing = [c.pk for c in customers if confidential_basis(user, c) is None]
    granted = (
        granted_customer_ids(user=user, customer_ids=needing) if needing else set()
    )
    return [masked(c, basis=confidential_basis(user, c, granted)) for c in customers]


def contact_list_for(*, customer: Customer) -> QuerySet[Contact]:
    return Contact.objects.filter(customer=customer).order_by("-is_primary", "id")


def contacts_masked(*, contacts: Iterable[Contact], basis: str | None) -> list[Masked]:
    return [masked(c, basis=basis) for c in contacts]


def contact_get_visible(*, user: Any, customer: Customer, pk: int) -> Contact:
    return get_object_or_404(contact_list_for(customer=customer), pk=pk)


def customer_event_list(*, customer: Customer) -> QuerySet[CustomerEvent]:
    """The relationship timeline, newest first."""
    return (
        CustomerEvent.objects.filter(customer=customer)
        .select_related("created_by")
        .order_by("-occurred_on", "-id")
    )


def customer_search_quick(*, user: Any, q: str, limit: int = 8) -> list[Customer]:
    """The header's search: among the newest matches, names that start with the
    query first, then names that contain it, then the rest (phones, codes,
    contacts)."""
    found = customer_page(user=user, q=q, limit=QUICK_CANDIDATES).items
    term = normalize(q).strip()

    def rank(customer: Customer) -> int:
        name = normalize(customer.name)
        return 0 if name.startswith(term) else 1 if term in name else 2

    return sorted(found, key=rank)[:limit]


def owner_choices() -> QuerySet[User]:
    """Active staff of the business who may own customers (客户经理)."""
    return (
        User.objects.filter(
            is_active=True, groups__name__in=[r.value for r in BUSINESS_ROLES]
        )
        .distinct()
        .order_by("username")
    )


def owner_filter_choices() -> list[tuple[str, str]]:
    """The account managers of the list filter, as (username, name): one read of the
    shared cache that any change of people drops (accounts.directory)."""
    return directory_list(
        "customers.owners", lambda: [(u.username, u.name) for u in owner_choices()]
    )


def user_by_username(username: str) -> User | None:
    if "\x00" in username:  # PostgreSQL text cannot hold it: no such user
        return None
    return User.objects.filter(username=username).first()


# --- grants ------------------------------------------------------------------------


def grant_list_for_customer(*, user: Any, customer: Customer) -> QuerySet[AccessGrant]:
    """A customer's grants: all of them for a service manager, else one's own."""
    qs = AccessGrant.objects.filter(customer=customer).select_related(
        "requested_by", "decided_by"
    )
    if not can_decide_grants(user):
        qs = qs.filter(requested_by=user)
    return qs.order_by("-requested_at", "-id")


def grant_list_visible_to(
    *, user: Any, status: str = "", customer: Customer | None = None
) -> QuerySet[AccessGrant]:
    """The grant queue for a service manager; one's own requests for everyone else."""
    qs = AccessGrant.objects.select_related("customer", "requested_by", "decided_by")
    if not can_decide_grants(user):
        qs = qs.filter(requested_by=user)
    if status == "live":
        qs = qs.filter(
            status=AccessGrant.Status.APPROVED, expires_at__gt=timezone.now()
        )
    elif status == "expired":
        qs = qs.filter(
            status=AccessGrant.Status.APPROVED, expires_at__lte=timezone.now()
        )
    elif status:
        qs = qs.filter(status=status)
    if customer is not None:
        qs = qs.filter(customer=customer)
    return qs


def grant_get_visible(*, user: Any, pk: int) -> AccessGrant:
    return get_object_or_404(grant_list_visible_to(user=user), pk=pk)


def grant_pending_for(*, user: Any, customer: Customer) -> AccessGrant | None:
    return AccessGrant.objects.filter(
        customer=customer, requested_by=user, status=AccessGrant.Status.PENDING
    ).first()


def grant_live_for(*, user: Any, customer: Customer) -> AccessGrant | None:
    return (
        AccessGrant.objects.filter(
            customer=customer,
            requested_by=user,
            status=AccessGrant.Status.APPROVED,
            expires_at__gt=timezone.now(),
        )
        .order_by("-expires_at")
        .first()
    )


# --- the archive's access trail (for auditors) -------------------------------------


def customer_access_trail(*, customer: Customer, limit: int = 30) -> list[AuditEvent]:
    """The latest audit rows about one customer: views, reveals, changes."""
    return list(
        AuditEvent.objects.filter(
            object_type=Customer._meta.label_lower, object_id=str(customer.pk)
        ).order_by("-occurred_at", "-id")[:limit]
    )


def customer_filters_clean(
    *, user: Any, tier: str = "", kind: str = "", owner: str = ""
) -> dict[str, Any]:
    """The list filters of the API and the pages, checked: a wrong one is a
    DomainError naming it. ``owner`` is a username or ``me``."""
    filters: dict[str, Any] = {}
    if tier:
        if tier not in Customer.Tier.values:
            raise DomainError(
                _("客户分级只能是 A、B 或 C。"), field="tier", code="invalid_choice"
            )
        filters["tier"] = tier
    if kind:
        if kind not in Customer.Kind.values:
            raise DomainError(
                _("类型只能是 organisation（单位）或 person（个人）。"),
                field="kind",
                code="invalid_choice",
            )
        filters["kind"] = kind
    if owner:
        found = user if owner == "me" else user_by_username(owner)
        if found is None:
            raise DomainError(
                _("没有用户名为“%(name)s”的用户。") % {"name": owner},
                field="owner",
                code="unknown_user",
            )
        filters["owner"] = found
    return filters
