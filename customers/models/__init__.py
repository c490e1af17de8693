"""The customer archive's models, one module per aggregate."""

from customers.models.archive import (
    LIVE,
    AccessGrant,
    Contact,
    Customer,
    CustomerEvent,
    CustomerSearchDocument,
    lunar_day_name,
)
from customers.models.credit import RATING_ORDER, CreditAssessment
from customers.models.freshness import CustomerMerge, DuplicateCandidate
from customers.models.handover import Handover
from customers.models.imports import ImportIssue, ImportJob
from customers.models.policy import CustomerPolicy
from customers.models.tiers import TierChange, TierRun
from customers.models.transactions import Transaction

__all__ = [
    "LIVE",
    "RATING_ORDER",
    "AccessGrant",
    "Contact",
    "CreditAssessment",
    "Customer",
    "CustomerEvent",
    "CustomerMerge",
    "CustomerPolicy",
    "CustomerSearchDocument",
    "DuplicateCandidate",
    "Handover",
    "ImportIssue",
    "ImportJob",
    "TierChange",
    "TierRun",
    "Transaction",
    "lunar_day_name",
]
