"""Who may do what in the customer archive.

Everyone in the business and the auditor reads customer basics; the security and
system administrators see no customer data (三权分立). The confidential layer
(credit, and the private layer of contacts) is for the account owner, the service
manager, and whoever holds a live grant for that one customer."""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from django.db.models import Q

from accounts.permissions import has_capability
from accounts.roles import Role

VIEW = "customers.view_customer"
ADD = "customers.add_customer"
CHANGE = "customers.change_customer"
DELETE = "customers.delete_customer"
VIEW_CONFIDENTIAL = "customers.view_confidential"
ASSIGN_OWNER = "customers.assign_owner"
FLAG_PROBLEM = "customers.flag_problem"
REQUEST_GRANT = "customers.request_grant"
DECIDE_GRANT = "customers.decide_grant"
EXPORT = "customers.export_customers"
ADD_TRANSACTION = "customers.add_transaction"
VOID_TRANSACTION = "customers.delete_transaction"
CONFIRM_TIER = "customers.confirm_tier"
MANAGE_RULES = "customers.manage_rules"
MERGE = "customers.merge_customers"
HANDOVER = "customers.perform_handover"
IMPORT = "customers.import_customers"

ROLE_GRANTS: dict[str, list[str]] = {
    Role.AGENT: [VIEW, ADD, CHANGE, REQUEST_GRANT, ADD_TRANSACTION],
    Role.SUPERVISOR: [
        VIEW,
        ADD,
        CHANGE,
        ASSIGN_OWNER,
        REQUEST_GRANT,
        EXPORT,
        ADD_TRANSACTION,
        VOID_TRANSACTION,
        CONFIRM_TIER,
        IMPORT,
    ],
    Role.SERVICE_MANAGER: [
        VIEW,
        ADD,
        CHANGE,
        DELETE,
        ASSIGN_OWNER,
        VIEW_CONFIDENTIAL,
        FLAG_PROBLEM,
        DECIDE_GRANT,
        EXPORT,
        ADD_TRANSACTION,
        VOID_TRANSACTION,
        CONFIRM_TIER,
        MANAGE_RULES,
        MERGE,
        HANDOVER,
        IMPORT,
    ],
    # Any department may register a customer on the spot (a complaint never waits
    # for an archive record) and read the basics of the customers it serves.
    Role.DEPARTMENT_STAFF: [VIEW, ADD, REQUEST_GRANT],
    Role.DEPARTMENT_MANAGER: [VIEW, ADD, REQUEST_GRANT],
    # The general manager hands over the work of whoever leaves, managers too.
    Role.GENERAL_MANAGER: [VIEW, REQUEST_GRANT, HANDOVER],
    # Read-only: reads customers, changes nothing (not even a grant request).
    Role.AUDITOR: [VIEW],
}


def can_view_customers(user: Any) -> bool:
    return has_capability(user, VIEW)


def customer_visibility_q(user: Any) -> Q:
    """Live customers for those who read customers at all; nothing for the rest."""
    if not can_view_customers(user):
        return Q(pk__in=[])
    return Q(deleted_at__isnull=True)


def can_create_customer(user: Any) -> bool:
    return has_capability(user, ADD)


def _is_owner(user: Any, customer: Any) -> bool:
    return customer.owner_id is not None and customer.owner_id == getattr(
        user, "pk", None
    )


def can_change_customer(user: Any, customer: Any) -> bool:
    """Customer service edits archives; an account owner edits their own."""
    if not can_view_customers(user):
        return False
    return has_capability(user, CHANGE) or _is_owner(user, customer)


def can_own_customers(user: Any) -> bool:
    """Customer service staff may be account managers of what they register."""
    return has_capability(user, CHANGE)


def can_assign_owner(user: Any) -> bool:
    return has_capability(user, ASSIGN_OWNER)


def can_delete_customer(user: Any) -> bool:
    return has_capability(user, DELETE)


def can_flag_problem(user: Any) -> bool:
    return has_capability(user, FLAG_PROBLEM)


def can_export_customers(user: Any) -> bool:
    return has_capability(user, EXPORT)


def can_decide_grants(user: Any) -> bool:
    return has_capability(user, DECIDE_GRANT)


def confidential_basis(
    user: Any, customer: Any, granted_ids: Container[int] = ()
) -> str | None:
    """Why ``user`` may read ``customer``'s confidential layer — "owner",
    "manager" or "grant" — or None: then it is masked. ``granted_ids`` holds the
    ids of customers for which the user has a live grant (see selectors)."""
    if not can_view_customers(user):
        return None
    if _is_owner(user, customer):
        return "owner"
    if has_capability(user, VIEW_CONFIDENTIAL):
        return "manager"
    if customer.pk in granted_ids:
        return "grant"
    return None


def can_ask_for_grants(user: Any) -> bool:
    return has_capability(user, REQUEST_GRANT)


def can_request_grant(user: Any, customer: Any) -> bool:
    """Anyone who reads the basics may ask, unless they already see everything."""
    if not has_capability(user, REQUEST_GRANT):
        return False
    return confidential_basis(user, customer) is None


def can_add_contact(user: Any, customer: Any) -> bool:
    """Whoever may register a customer may add a contact to one (a person taking
    a complaint in any department); changing contacts is for customer service."""
    return can_change_customer(user, customer) or (
        can_view_customers(user) and can_create_customer(user)
    )


def can_add_customer_event(user: Any, customer: Any) -> bool:
    return can_change_customer(user, customer)


def can_write_credit(user: Any, customer: Any) -> bool:
    """A grant lets a person read credit, not change it: owner or manager only."""
    return confidential_basis(user, customer) in {"owner", "manager"}


# --- relationship data: transactions, tiers, credit, freshness, handover, imports --


def can_add_transaction(user: Any, customer: Any) -> bool:
    return can_view_customers(user) and has_capability(user, ADD_TRANSACTION)


def can_void_transaction(user: Any) -> bool:
    return can_view_customers(user) and has_capability(user, VOID_TRANSACTION)


def can_confirm_tier(user: Any) -> bool:
    """Tiers decide service levels: supervisors and the service manager set them."""
    return can_view_customers(user) and has_capability(user, CONFIRM_TIER)


def can_manage_rules(user: Any) -> bool:
    """Tier thresholds and the review period: the service manager."""
    return has_capability(user, MANAGE_RULES)


def can_assess_credit(user: Any, customer: Any) -> bool:
    """Credit investigations are written by the account owner or a manager."""
    return can_write_credit(user, customer)


def can_merge_customers(user: Any) -> bool:
    return can_view_customers(user) and has_capability(user, MERGE)


def can_perform_handover(user: Any) -> bool:
    return can_view_customers(user) and has_capability(user, HANDOVER)


def can_import(user: Any) -> bool:
    return can_view_customers(user) and has_capability(user, IMPORT)


def can_view_import(user: Any, job: Any) -> bool:
    """An import's report: the person who uploaded it, or a service manager."""
    if not can_import(user):
        return False
    return job.created_by_id == user.pk or has_capability(user, VIEW_CONFIDENTIAL)


def import_visibility_q(user: Any) -> Q:
    if not can_import(user):
        return Q(pk__in=[])
    if has_capability(user, VIEW_CONFIDENTIAL):
        return Q()
    return Q(created_by=user)


def credit_visibility_q(user: Any, granted_ids: Container[int] = ()) -> Q:
    """Customers whose credit the user may read (owner, manager, live grant), for
    lists built on the confidential layer (e.g. worsened credit)."""
    if not can_view_customers(user):
        return Q(pk__in=[])
    if has_capability(user, VIEW_CONFIDENTIAL):
        return Q(deleted_at__isnull=True)
    return Q(deleted_at__isnull=True) & (
        Q(owner_id=user.pk) | Q(pk__in=list(granted_ids))
    )


def can_view_all_credit(user: Any) -> bool:
    """The service manager reads every customer's credit (others: their own
    customers and those they hold a grant for)."""
    return can_view_customers(user) and has_capability(user, VIEW_CONFIDENTIAL)


def can_view_handover(user: Any, handover: Any) -> bool:
    """Whoever may hand over work, and the people a handover concerns."""
    if can_perform_handover(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    receivers = {item.get("receiver") for item in handover.moved}
    return handover.from_user_id == user.pk or user.get_username() in receivers
