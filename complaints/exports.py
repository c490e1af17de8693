"""The complaint list as xlsx: its own permission, customers read through the
archive's masking, audited, every text cell written as text (no formulas)."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from complaints.models import Complaint
from complaints.permissions import can_export_complaints
from core.audit import audit_record
from core.xlsx import xlsx_row
from customers.masking import masked
from tickets.models import Ticket

EXPORT_MAX = 50000


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("是") if value else _("否")


def complaints_export_xlsx(
    *,
    actor: Any,
    queryset: QuerySet[Ticket],
    filters: dict[str, str],
    request: HttpRequest | None = None,
) -> bytes:
    """Write the complaints of ``queryset`` (newest first, at most EXPORT_MAX)."""
    if not can_export_complaints(actor):
        raise PermissionDenied
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("投诉"))
    sheet.append(
        xlsx_row(
            sheet,
            [
                _("工单号"),
                _("登记时间"),
                _("来源"),
                _("严重程度"),
                _("状态"),
                _("客户"),
                _("主题"),
                _("类别"),
                _("产品或服务"),
                _("订单号或运单号"),
                _("批次"),
                _("负责人"),
                _("有效投诉"),
                _("责任部门"),
                _("根本原因"),
                _("责任归属"),
                _("升级层级"),
                _("复发次数"),
                _("客户满意"),
                _("关闭时间"),
            ],
        )
    )
    count = 0
    for ticket in queryset.order_by("-created_at", "-id")[:EXPORT_MAX].iterator(
        chunk_size=2000
    ):
        try:
            c = ticket.complaint
        except Complaint.DoesNotExist:
            c = None
        customer = masked(ticket.customer, basis=None)
        sheet.append(
            xlsx_row(
                sheet,
                [
                    ticket.number,
                    _local(ticket.created_at),
                    ticket.get_source_display(),
                    ticket.get_severity_display(),
                    ticket.get_status_display(),
                    customer.name,
                    ticket.subject,
                    ticket.category.name if ticket.category else "",
                    ticket.product,
                    ticket.order_ref,
                    ticket.batch,
                    ticket.owner.name,
                    _yes_no(c.valid) if c else "",
                    c.investigating_department.name
                    if c and c.investigating_department
                    else "",
                    c.root_cause.name if c and c.root_cause else "",
                    c.get_responsibility_display() if c else "",
                    c.get_escalation_level_display() if c else "",
                    c.recurrence_count if c else 0,
                    _yes_no(c.satisfied) if c else "",
                    _local(ticket.closed_at),
                ],
            )
        )
        count += 1
    audit_record(
        event="complaint.export",
        actor=actor,
        request=request,
        data={"rows": count, "filters": filters},
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
