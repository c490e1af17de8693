"""Labels of day kinds and sources, and periods as text, for the calendar pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from sla.business_time import DayKind, DaySource, periods_text

register = template.Library()

KIND_LABELS = {
    DayKind.WORKDAY: _("工作日"),
    DayKind.MAKEUP: _("调休上班"),
    DayKind.HOLIDAY: _("放假"),
    DayKind.REST: _("休息日"),
}
SOURCE_LABELS = {
    DaySource.WEEKLY: _("每周工作时间"),
    DaySource.PACKAGE: _("法定节假日数据包"),
    DaySource.YEAR: _("管理员录入的年度安排"),
    DaySource.OVERRIDE: _("管理员调整（所有日历）"),
    DaySource.CALENDAR: _("管理员调整（仅本日历）"),
    DaySource.FALLBACK: _("无年度数据，按周一至周五推定"),
}


@register.filter
def day_kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


@register.filter
def day_source_label(source: str) -> str:
    return SOURCE_LABELS.get(source, source)


@register.filter
def day_periods(periods) -> str:
    return periods_text(periods) if periods else ""
