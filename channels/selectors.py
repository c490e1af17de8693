"""Reads of the channels: settings rows, templates, inbound mail, robots."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Department
from channels.defaults import TEMPLATES
from channels.models import InboundMail, Mailbox, MessageTemplate, Robot, SmsGateway

DEFAULTS = {code: (subject, body) for code, subject, body in TEMPLATES}


def mailbox_get() -> Mailbox:
    return Mailbox.objects.select_related("register_as").get_or_create(pk=1)[0]


def sms_gateway_get() -> SmsGateway:
    return SmsGateway.objects.get_or_create(pk=1)[0]


def _template_default(code: str) -> MessageTemplate:
    subject, body = DEFAULTS[code]
    return MessageTemplate.objects.get_or_create(
        code=code, defaults={"subject": subject, "body": body}
    )[0]


def template_list() -> list[MessageTemplate]:
    """Every template; one not yet written starts from its default text."""
    rows = {
        t.code: t
        for t in MessageTemplate.objects.select_related("updated_by").order_by("id")
    }
    return [rows.get(code) or _template_default(code) for code in DEFAULTS]


def template_for(code: str) -> MessageTemplate | None:
    """The template of a moment, or None when the manager switched it off."""
    template = MessageTemplate.objects.filter(code=code).first()
    if template is None:
        template = _template_default(code)
    return template if template.is_active else None


def inbound_list(*, status: str = "") -> QuerySet[InboundMail]:
    """Inbound mail, newest first; the raw bytes are not loaded for lists."""
    qs = InboundMail.objects.defer("raw").select_related(
        "ticket", "related_ticket", "resolved_by"
    )
    return qs.filter(status=status) if status else qs


def inbound_failed_count(limit: int = 99) -> int:
    return (
        InboundMail.objects.filter(status=InboundMail.Status.FAILED)
        .values("pk")[: limit + 1]
        .count()
    )


def robot_list() -> QuerySet[Robot]:
    return Robot.objects.select_related("department").order_by(
        "department__sort_order", "department_id", "id"
    )


def robots_of(department: Department | str | int | None) -> list[Robot]:
    """The active robots of a department (given as object, code or id)."""
    if department is None:
        return []
    if isinstance(department, Department):
        qs = Robot.objects.filter(department=department)
    elif isinstance(department, int):
        qs = Robot.objects.filter(department_id=department)
    else:
        qs = Robot.objects.filter(department__code=department)
    return list(qs.filter(is_active=True).order_by("id"))
