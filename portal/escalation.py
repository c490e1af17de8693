"""Escalating an appealed complaint. The complaint workflow's own escalation
(``complaint_escalate``, up the ladder supervisor → service manager → general
manager) is used when it is installed; until then the appeal is recorded as an
escalation on the timeline and the owner's supervisors are told."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from tickets.customer import escalation_record

try:  # the complaint workflow (its own app) provides the ladder
    from complaints.services import complaint_escalate
except ImportError:  # pragma: no cover - depends on what is installed
    complaint_escalate = None


def owner_supervisors(ticket: Any) -> list[User]:
    """The supervisors of the owner's department, else of customer service."""
    supervisors = User.objects.filter(
        is_active=True, groups__name=Role.SUPERVISOR
    ).order_by("id")
    own = list(supervisors.filter(department_id=ticket.department_id)[:10])
    if own:
        return own
    return list(
        supervisors.filter(department__code=settings.KEFU_SERVICE_DEPARTMENT)[:10]
    )


def appeal_escalate(*, ticket: Any, reason: str, request: Any = None) -> None:
    text = _("客户申诉：%(reason)s") % {"reason": reason}
    if complaint_escalate is not None:
        complaint_escalate(ticket=ticket, actor=None, reason=text, request=request)
        return
    escalation_record(ticket=ticket, reason=text, notify=owner_supervisors(ticket))
