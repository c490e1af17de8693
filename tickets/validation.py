"""Field rules of tickets: every value from a page, the API or a script is checked
here, with a message for the user that names the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from customers.validation import choice_clean, text_clean
from tickets.models import Ticket

SUBJECT_MAX = 200
TEXT_MAX = 10_000
REASON_MAX = 2_000
# A clock a few minutes fast on the caller's side is not "the future".
CLOCK_SKEW = dt.timedelta(minutes=5)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

# Fields a PATCH (or the edit page) may change.
EDITABLE = frozenset(
    {
        "type",
        "channel",
        "source",
        "priority",
        "severity",
        "mood",
        "customer",
        "contact",
        "category",
        "subject",
        "description",
        "product",
        "order_ref",
        "batch",
        "received_at",
    }
)
# Fields that feed the search document.
SEARCHED = frozenset(
    {"subject", "description", "product", "order_ref", "batch", "customer", "contact"}
)
PRIORITY_ORDER = list(Ticket.Priority.values)
SEVERITY_ORDER = list(Ticket.Severity.values)
EXTERNAL_SOURCES = frozenset(
    {
        Ticket.Source.HOTLINE_12315,
        Ticket.Source.CONSUMER_ASSOCIATION,
        Ticket.Source.MEDIA,
    }
)


def _labels() -> dict[str, str]:
    return {
        "type": _("类型"),
        "channel": _("渠道"),
        "source": _("来源"),
        "priority": _("优先级"),
        "severity": _("严重程度"),
        "mood": _("客户情绪"),
        "subject": _("主题"),
        "description": _("详细描述"),
        "product": _("产品或服务"),
        "order_ref": _("订单号或运单号"),
        "batch": _("批次"),
    }


CHOICES = {
    "type": Ticket.Type,
    "channel": Ticket.Channel,
    "source": Ticket.Source,
    "priority": Ticket.Priority,
    "severity": Ticket.Severity,
    "mood": Ticket.Mood,
}
REQUIRED_CHOICES = {"type", "channel"}
TEXTS = {
    "subject": SUBJECT_MAX,
    "description": TEXT_MAX,
    "product": 100,
    "order_ref": 64,
    "batch": 64,
}


def received_at_clean(value: Any) -> dt.datetime:
    """When the customer made contact: not in the future, not before 2000."""
    if value is None or value == "":
        return timezone.now()
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise DomainError(
            _("客户来访时间必须是带时区的时间。"), field="received_at", code="invalid"
        )
    if value > timezone.now() + CLOCK_SKEW:
        raise DomainError(
            _("客户来访时间不能晚于现在。"), field="received_at", code="future"
        )
    if value < EARLIEST:
        raise DomainError(
            _("客户来访时间不能早于 2000 年。"),
            field="received_at",
            code="out_of_range",
        )
    return value


def ticket_values_clean(values: dict[str, Any]) -> dict[str, Any]:
    """Check the plain fields among ``values`` (choices, texts, received_at);
    references (customer, contact, category, owner) are resolved by the caller."""
    labels = _labels()
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name in CHOICES:
            cleaned[name] = choice_clean(
                value,
                field=name,
                label=labels[name],
                choices=CHOICES[name],
                blank=name == "severity",
            )
            if not cleaned[name] and name != "severity":
                raise DomainError(
                    _("请选择%(label)s。") % {"label": labels[name]},
                    field=name,
                    code="required",
                )
        elif name in TEXTS:
            cleaned[name] = text_clean(
                value,
                field=name,
                label=labels[name],
                max_length=TEXTS[name],
                required=name == "subject",
            )
        elif name == "received_at":
            cleaned[name] = received_at_clean(value)
        else:
            cleaned[name] = value
    return cleaned


def reason_clean(value: Any, *, field: str = "reason", label: str | None = None) -> str:
    return text_clean(
        value,
        field=field,
        label=label or _("原因"),
        max_length=REASON_MAX,
        required=True,
    )


def body_clean(value: Any, *, field: str = "body", label: str | None = None) -> str:
    return text_clean(
        value, field=field, label=label or _("内容"), max_length=TEXT_MAX, required=True
    )


def priority_raised(priority: str) -> str:
    """One step up (an angry customer), at most urgent."""
    index = PRIORITY_ORDER.index(priority)
    return PRIORITY_ORDER[min(index + 1, len(PRIORITY_ORDER) - 1)]


def severity_at_least(severity: str, floor: str) -> str:
    if not severity or SEVERITY_ORDER.index(severity) < SEVERITY_ORDER.index(floor):
        return floor
    return severity
