"""The repeated rows of the complaint panel on the ticket page (remedies,
bulletins and their acknowledgements, recurrences, similar complaints), written
in Python with every text escaped here: the template engine's cost per row and
per condition was most of the panel's time on every complaint's page."""

from __future__ import annotations

from html import escape

from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.formats import local_datetime, truncate_chars

register = template.Library()

REMEDY_CSS = {"approved": "bg-green-lt", "pending": "bg-yellow-lt"}


def _safe(html: str) -> SafeString:
    return mark_safe(html)  # noqa: S308 -- every text escaped by the callers


def _local(value, fmt: str) -> str:
    return escape(local_datetime(value, fmt))


def _ticket_link(url: str, ticket) -> str:
    """The number (a link to the ticket's page) and subject of a ticket."""
    number = escape(ticket.number)
    return (
        f'<a href="{url.replace("NUMBER", number)}">{number}</a> '
        f"{escape(ticket.subject)}"
    )


@register.simple_tag
def complaint_remedies(remedies) -> SafeString:
    """The remedies proposed, each with its decision and the policy it stood
    against; "not yet" when none."""
    if not remedies:
        none = escape(_("尚未提出"))
        return _safe(f'<span class="text-secondary">{none}</span>')
    yuan = escape(_("元"))
    policy = _("政策 %(pkind)s %(pamount)s 元；客户要求：%(asked)s")
    rows = []
    for r in remedies:
        decided = f" · {escape(r.decided_by.name)}" if r.decided_by_id else ""
        note = policy % {
            "pkind": escape(r.get_policy_kind_display()),
            "pamount": escape(formats.localize(r.policy_amount)),
            "asked": escape(r.asked),
        }
        rows.append(
            f"<div>{escape(r.get_kind_display())} "
            f"{escape(formats.localize(r.amount))} {yuan} "
            f'<span class="badge {REMEDY_CSS.get(r.status, "bg-secondary-lt")}">'
            f"{escape(r.get_status_display())}</span>\n"
            f'        <span class="small text-secondary">{note}{decided}</span></div>'
        )
    return _safe("".join(rows))


@register.simple_tag
def complaint_bulletins(bulletins) -> SafeString:
    """The bulletins sent about the complaint, each with the departments that
    have (green) and have not (yellow) acknowledged it."""
    done, waiting = escape(_("已确认")), escape(_("待确认"))
    rows = []
    for b in bulletins:
        acks = "".join(
            f'<span class="badge me-1 '
            f'{"bg-green-lt" if a.acknowledged_at else "bg-yellow-lt"}" '
            f'data-testid="ack-{escape(a.department.code)}">'
            f"{escape(a.department.name)} "
            f"{done if a.acknowledged_at else waiting}</span>"
            for a in b.acks.all()
        )
        rows.append(
            f'<div class="mb-2">'
            f'<a href="{reverse("complaints:bulletin_detail", args=[b.pk])}">'
            f"{escape(truncate_chars(b.message, 60))}</a> "
            f'<span class="small text-secondary">{escape(b.sent_by.name)} · '
            f"{_local(b.created_at, 'SHORT_DATETIME_FORMAT')}</span>\n"
            f"      <div>{acks}</div></div>"
        )
    return _safe("".join(rows))


@register.simple_tag
def complaint_recurrences(links) -> SafeString:
    """The earlier complaints this one recurs, as list items."""
    url = reverse("tickets:ticket_detail", args=["NUMBER"])
    return _safe(
        "".join(
            f"<li>{_ticket_link(url, link)} "
            f'<span class="small text-secondary">'
            f"{_local(link.registered_at, 'SHORT_DATE_FORMAT')}</span></li>"
            for link in links
        )
    )


def _why_labels() -> dict[str, str]:
    return {
        "customer": _("同一客户"),
        "product": _("同一产品"),
        "order_ref": _("同一运单"),
        "batch": _("同一批次"),
        "category": _("同一类别"),
    }


@register.simple_tag
def complaint_similar(similar) -> SafeString:
    """Earlier complaints like this one, as list items with what they share."""
    url = reverse("tickets:ticket_detail", args=["NUMBER"])
    labels, words = _why_labels(), _("字词相近")
    return _safe(
        "".join(
            f"<li>{_ticket_link(url, s['ticket'])} "
            f'<span class="small text-secondary">'
            f"{'、'.join(escape(labels.get(w, words)) for w in s['why'])}</span></li>"
            for s in similar
        )
    )
