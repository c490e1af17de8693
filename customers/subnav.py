"""The tabs across the archive's pages: the list and the relationship data."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers.permissions import (
    can_import,
    can_merge_customers,
    can_perform_handover,
    can_view_customers,
)

SECTIONS = [
    ("list", _("客户列表"), "customers:customer_list", can_view_customers),
    ("transactions", _("合作记录"), "customers:transaction_list", can_view_customers),
    ("tiers", _("分级复核"), "customers:tier_review", can_view_customers),
    ("credit", _("信用变化"), "customers:credit_worsened", can_view_customers),
    ("review", _("动态管理"), "customers:review_list", can_view_customers),
    ("duplicates", _("疑似重复"), "customers:duplicate_list", can_merge_customers),
    ("imports", _("导入"), "customers:import_list", can_import),
    ("handover", _("交接"), "customers:handover", can_perform_handover),
]


def subnav(user: Any, active: str) -> list[dict[str, Any]]:
    """The tabs this user may open, the current one marked."""
    return [
        {"key": key, "label": label, "url": reverse(url), "active": key == active}
        for key, label, url, allowed in SECTIONS
        if allowed(user)
    ]
