"""The audit log as an xlsx workbook (openpyxl, written row by row).

Every text cell is written as text, never as a formula: a username, an object
name or a detail that starts with = + - @ is data, not something for Excel to
run (CSV/xlsx injection)."""

from __future__ import annotations

import json
from io import BytesIO

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.audit import audit_event_label
from core.models import AuditEvent

EXPORT_MAX_ROWS = 50_000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(sheet, value: object):
    """A cell that holds ``value`` as plain text, whatever it starts with."""
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    if text.startswith(_FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def audit_export_workbook(events: QuerySet[AuditEvent]) -> tuple[bytes, int]:
    """The workbook of ``events`` (at most EXPORT_MAX_ROWS, newest first) and the
    number of rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("审计日志"))
    headers = [
        _("时间（北京时间）"),
        _("用户名"),
        _("IP 地址"),
        _("事件"),
        _("事件代码"),
        _("对象类型"),
        _("对象编号"),
        _("对象"),
        _("结果"),
        _("详情"),
        _("记录编号"),
    ]
    sheet.append([text_cell(sheet, h) for h in headers])
    written, truncated = 0, False
    for event in events[: EXPORT_MAX_ROWS + 1].iterator(chunk_size=2000):
        if written == EXPORT_MAX_ROWS:
            truncated = True
            break
        written += 1
        occurred = timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S")
        sheet.append(
            [
                text_cell(sheet, occurred),
                text_cell(sheet, event.actor_username),
                text_cell(sheet, event.ip or ""),
                text_cell(sheet, audit_event_label(event.event)),
                text_cell(sheet, event.event),
                text_cell(sheet, event.object_type),
                text_cell(sheet, event.object_id),
                text_cell(sheet, event.object_repr),
                text_cell(sheet, event.get_result_display()),
                text_cell(
                    sheet,
                    json.dumps(event.data, ensure_ascii=False, sort_keys=True)
                    if event.data
                    else "",
                ),
                event.pk,
            ]
        )
    if truncated:
        sheet.append(
            [
                text_cell(
                    sheet,
                    _("只导出了最新的 %(count)s 条记录，请缩小时间范围后分批导出。")
                    % {"count": EXPORT_MAX_ROWS},
                )
            ]
        )
    output = BytesIO()
    workbook.save(output)
    return output.getvalue(), written
