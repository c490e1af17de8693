"""Labels and colours of ticket codes for the templates."""

from __future__ import annotations

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.formats import local_datetime, truncate_chars
from customers.templatetags.kefu_customers import customer_name
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


PRIORITY_CSS = {
    "urgent": "badge bg-red text-red-fg",
    "high": "badge bg-orange-lt",
    "low": "text-secondary",
}


def _labels(choices) -> dict[str, str]:
    return {code: str(label) for code, label in choices.choices}


@register.simple_tag
def ticket_status(ticket, labels: dict[str, str] | None = None) -> SafeString:
    """The status badge (and the "unassigned" mark) of a ticket."""
    label = (labels or _labels(Ticket.Status)).get(ticket.status, ticket.status)
    html = (
        f'<span class="badge {status_css(ticket.status)}" data-testid="ticket-status">'
        f"{escape(label)}</span>"
    )
    if ticket.unassigned:
        html += (
            ' <span class="badge bg-yellow-lt" data-testid="ticket-unassigned">'
            f"{escape(_('待分派'))}</span>"
        )
    return mark_safe(html)  # noqa: S308 -- the label escaped above


@register.simple_tag
def ticket_priority(ticket, labels: dict[str, str] | None = None) -> SafeString:
    label = escape(
        (labels or _labels(Ticket.Priority)).get(ticket.priority, ticket.priority)
    )
    css = PRIORITY_CSS.get(ticket.priority)
    return mark_safe(f'<span class="{css}">{label}</span>' if css else label)  # noqa: S308


@register.simple_tag
def ticket_rows(tickets) -> SafeString:
    """The rows of the ticket list. Written in Python, every text escaped here,
    rather than with a partial per cell: a list page shows 25 rows and the template
    engine's cost per row was most of the page's time (see bench/README.md)."""
    status, priority, types = (
        _labels(Ticket.Status),
        _labels(Ticket.Priority),
        _labels(Ticket.Type),
    )
    url = reverse("tickets:ticket_detail", args=["NUMBER"])
    transfers = escape(_("跨部门转交次数"))
    rows = []
    for t in tickets:
        number = escape(t.number)
        href = url.replace("NUMBER", number)
        moved = (
            f' <span class="badge bg-orange-lt" title="{transfers}">'
            f'<i class="ti ti-arrows-exchange me-1"></i>{t.department_transfer_count}</span>'
            if t.department_transfer_count > 1
            else ""
        )
        owner = escape(t.owner.name) if t.owner_id else ""
        if t.department_id:
            owner += (
                f'<div class="small text-secondary">{escape(t.department.name)}</div>'
            )
        created = local_datetime(t.created_at)
        rows.append(
            f'<tr data-ticket="{number}">'
            f'<td class="text-nowrap"><a href="{href}" class="kefu-token">{number}</a></td>'
            f'<td><a href="{href}" class="text-reset">'
            f"{escape(truncate_chars(t.subject, 40))}</a>{moved}</td>"
            f"<td>{customer_name(t.customer)}</td>"
            f'<td class="text-nowrap">{escape(types.get(t.type, t.type))}</td>'
            f'<td class="text-nowrap">{ticket_status(t, status)}</td>'
            f'<td class="text-nowrap">{ticket_priority(t, priority)}</td>'
            f'<td class="text-nowrap">{owner}</td>'
            f'<td class="text-nowrap text-secondary">{escape(created)}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 -- every text escaped above


@register.simple_tag
def event_head(e) -> SafeString:
    """The opening of a timeline entry and its header line (who, what, whether the
    customer sees it, when). In Python: a ticket page shows every entry's header
    and the template engine's cost per entry was a fifth of the page."""
    if e.kind == "customer" or e.data.get("by") == "customer":
        who = _("客户")
    else:
        who = (e.actor.name if e.actor_id else "") or _("系统")
    if e.is_public:
        scope, badge = (
            "public",
            f'<span class="badge bg-green-lt">{escape(_("客户可见"))}</span>',
        )
    else:
        scope, badge = (
            "internal",
            f'<span class="badge bg-yellow-lt">{escape(_("内部"))}</span>',
        )
    kind = escape(e.kind)
    return mark_safe(  # noqa: S308 -- every text escaped here
        f'<div class="list-group-item kefu-event kefu-event-{scope}" data-event="{kind}"'
        f' data-public="{1 if e.is_public else 0}">\n'
        '  <div class="d-flex align-items-start gap-2">\n'
        f'    <i class="ti ti-{event_icon(e.kind)} fs-3 text-secondary mt-1"></i>\n'
        '    <div class="flex-fill">\n'
        '      <div class="d-flex flex-wrap align-items-center gap-2">\n'
        f'        <span class="fw-medium">{escape(who)}</span>\n'
        f'        <span class="text-secondary">{escape(event_kind_label(e.kind))}</span>\n'
        f"        {badge}\n"
        '        <span class="kefu-timeline-time ms-auto"'
        f' title="{escape(local_datetime(e.created_at, "DATETIME_FORMAT"))}">'
        f"{escape(local_datetime(e.created_at))}</span>\n"
        "      </div>"
    )
