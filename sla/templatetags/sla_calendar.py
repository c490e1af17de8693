"""Labels of day kinds and sources, and periods as text, for the calendar pages."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sla.business_time import DayKind, DaySource, periods_text

register = template.Library()

KIND_LABELS = {
    DayKind.WORKDAY: _("工作日"),
    DayKind.MAKEUP: _("调休上班"),
    DayKind.HOLIDAY: _("放假"),
    DayKind.REST: _("休息日"),
}
WEEKDAY_HEADERS = [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")]
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


_PLACEHOLDER = "2000-01-01"


@register.simple_tag
def year_grid(calendar, overview) -> str:
    """Twelve month grids of day links, built in Python: a year has 365 cells and
    template tags per cell would make the page slow."""
    day_url = reverse("sla:calendar_day", args=[calendar.code, _PLACEHOLDER])
    weekdays = format_html_join(
        "", "<th>{}</th>", ((label,) for label in WEEKDAY_HEADERS)
    )
    marks = {DayKind.HOLIDAY: _("休"), DayKind.MAKEUP: _("班")}
    month_day = gettext("n月j日")
    months = []
    for month in overview.months:
        rows = []
        for week in month["weeks"]:
            cells = []
            for day in week:
                if day is None:
                    cells.append("<td></td>")
                    continue
                iso = day.date.isoformat()
                url = day_url.replace(_PLACEHOLDER, iso)
                css = f"sla-day sla-day--{day.kind}"
                if day.source in (DaySource.OVERRIDE, DaySource.CALENDAR):
                    css += " sla-day--adjusted"
                title = " · ".join(
                    part
                    for part in (
                        f"{date_format(day.date, month_day)} "
                        f"{date_format(day.date, 'l')}",
                        str(KIND_LABELS[day.kind]),
                        day.name,
                    )
                    if part
                )
                mark = marks.get(day.kind)
                cells.append(
                    format_html(
                        '<td><a href="{}" hx-get="{}" hx-target="#day-panel" '
                        'class="{}" data-date="{}" data-kind="{}" title="{}">{}{}</a>'
                        "</td>",
                        url,
                        url,
                        css,
                        iso,
                        day.kind,
                        title,
                        format_html('<span class="sla-day__mark">{}</span>', mark)
                        if mark
                        else "",
                        day.date.day,
                    )
                )
            rows.append("<tr>" + "".join(cells) + "</tr>")
        months.append(
            format_html(
                '<div class="sla-month"><h4>{}</h4><table><thead><tr>{}</tr></thead>'
                "<tbody>{}</tbody></table></div>",
                _("%(month)s 月") % {"month": month["month"]},
                weekdays,
                mark_safe("".join(rows)),  # built from format_html
            )
        )
    return mark_safe("".join(months))  # built from format_html
