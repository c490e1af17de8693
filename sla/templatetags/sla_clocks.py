"""The clocks panel of a ticket's page, and business minutes as text."""

from __future__ import annotations

from django import template

from sla import reports

register = template.Library()


@register.inclusion_tag("sla/partials/_ticket_clocks.html")
def ticket_clocks_panel(ticket):
    return {"clocks": reports.ticket_clocks(ticket)}


@register.filter
def business_minutes(value):
    return "—" if not value else reports.minutes_text(value)
