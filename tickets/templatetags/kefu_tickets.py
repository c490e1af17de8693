"""Labels and colours of ticket codes for the templates."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from tickets.models import Ticket, TicketEvent

register = template.Library()

STATUS_CSS = {
    "new": "bg-red-lt",
    "accepted": "bg-blue-lt",
    "waiting_customer": "bg-yellow-lt",
    "resolved": "bg-green-lt",
    "closed": "bg-secondary-lt",
    "archived": "bg-secondary-lt",
}


@register.filter
def status_css(code: str) -> str:
    return STATUS_CSS.get(code, "bg-azure-lt")


@register.filter
def status_label(code: str) -> str:
    """The label of a status code (and of the "unassigned" mark)."""
    if code == "unassigned":
        return _("待分派")
    try:
        return str(Ticket.Status(code).label)
    except ValueError:
        return code or "—"


@register.filter
def event_kind_label(code: str) -> str:
    try:
        return str(TicketEvent.Kind(code).label)
    except ValueError:
        return code


def _field_labels() -> dict[str, str]:
    return {
        field.name: str(field.verbose_name)
        for field in Ticket._meta.get_fields()
        if hasattr(field, "verbose_name")
    }


@register.filter
def field_label(name: str) -> str:
    return _field_labels().get(name, name)


CHOICE_FIELDS = {
    "type": Ticket.Type,
    "channel": Ticket.Channel,
    "source": Ticket.Source,
    "priority": Ticket.Priority,
    "severity": Ticket.Severity,
    "mood": Ticket.Mood,
    "status": Ticket.Status,
}


@register.simple_tag
def field_value(name: str, value) -> str:
    """A value the timeline kept, as the page shows it (codes as their labels)."""
    if value in (None, ""):
        return "—"
    choices = CHOICE_FIELDS.get(name)
    if choices is not None:
        try:
            return str(choices(value).label)
        except ValueError:
            return str(value)
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    return str(value)


@register.filter
def channel_label(code: str) -> str:
    return field_value("channel", code)


EVENT_ICONS = {
    "created": "file-plus",
    "note": "notes",
    "reply": "message-reply",
    "status": "progress-check",
    "assignment": "user-check",
    "transfer": "arrow-forward-up",
    "escalation": "arrow-big-up-lines",
    "approval": "gavel",
    "update": "pencil",
    "customer": "message-circle-user",
}


@register.filter
def event_icon(kind: str) -> str:
    return EVENT_ICONS.get(kind, "point")


@register.filter
def widget_value(widget, value) -> str:
    """A widget's own formatting of a value (datetime-local in Shanghai time)."""
    formatted = widget.format_value(value)
    return "" if formatted is None else formatted
