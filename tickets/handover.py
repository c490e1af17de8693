"""The ticket side of a handover (交接): when someone leaves or changes job, their
open tickets move to a named receiver (``services.tickets_handover``).

The archive's handover page asks every app what a person holds through the
providers of ``accounts.handover`` (issue 6); this module is the tickets'
provider, registered from ``TicketsConfig.ready`` once that framework is
installed."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tickets.models import Ticket
from tickets.permissions import can_work_tickets


def open_tickets_of(user: Any):
    return Ticket.objects.filter(owner_id=user.pk, is_open=True)


def open_ticket_count(user: Any) -> int:
    return open_tickets_of(user).count()


def open_ticket_examples(user: Any, limit: int) -> list[str]:
    """The newest open tickets of ``user``, as "number subject"."""
    return [
        f"{number} {subject}"
        for number, subject in open_tickets_of(user)
        .order_by("-created_at", "-id")
        .values_list("number", "subject")[:limit]
    ]


def ticket_receiver_error(user: Any) -> str | None:
    """Why ``user`` cannot receive tickets, or None."""
    if not user.is_active or not can_work_tickets(user):
        return _("%(name)s不能负责工单（账户已停用或没有处理工单的权限）。") % {
            "name": user.name
        }
    return None
