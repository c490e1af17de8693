"""Where the channels listen to the timeline. Tickets must not know how their
customers and departments are told, so a signal connects the two apps: each new
timeline event may queue a message (keyed by the event, so never twice)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.utils.translation import gettext as _


def _on_ticket_event(sender, instance, created, raw=False, **kwargs) -> None:
    if not created or raw:
        return
    from channels.services import customer_message_queue, robots_broadcast
    from tickets.models import TicketEvent

    customer_message_queue(event=instance)
    if instance.kind == TicketEvent.Kind.ESCALATION:
        ticket = instance.ticket
        robots_broadcast(
            ticket.department_id,
            _("工单升级：%(number)s %(subject)s")
            % {"number": ticket.number, "subject": ticket.subject},
            instance.body or (instance.data or {}).get("reason", ""),
            key=f"ticket-event:{instance.pk}",
        )


def connect() -> None:
    from tickets.models import TicketEvent

    post_save.connect(
        _on_ticket_event, sender=TicketEvent, dispatch_uid="channels.ticket_event"
    )
