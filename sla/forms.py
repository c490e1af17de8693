"""HTML input shapes: a calendar with its weekly periods, one day's setting, and a
year's schedule written the way the State Council's notices list it."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from sla.models import DaySetting, Weekday
from sla.selectors import MAX_MINUTES, HolidaySpan, MakeupDay

_TIME = r"(\d{1,2})[:：](\d{2})"
_PERIOD = re.compile(rf"^{_TIME}\s*(?:-|–|—|~|～|至|到)\s*{_TIME}$")
_PERIOD_SPLIT = re.compile(r"[,，;；、\s]+")
_FULL_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_NAME_NOISE = re.compile(r"[\s:：,，、;；。.~～\-–—()（）]|至|到|放假|上班|调休")


class PeriodsField(forms.CharField):
    """One weekday's working periods, e.g. ``09:00-12:00, 13:30-18:00``; empty
    means the day is not worked."""

    default_error_messages = {
        "invalid": _(
            "请按“09:00-12:00, 13:30-18:00”的格式填写，时间在 00:00 到 24:00 之间；留空表示不上班。"
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value).strip()
        if not text:
            return []
        # "09:00 - 12:00" → "09:00-12:00" before splitting on spaces and commas.
        text = re.sub(r"\s*(-|–|—|~|～|至|到)\s*", r"\1", text)
        periods = []
        for part in _PERIOD_SPLIT.split(text):
            if not part:
                continue
            match = _PERIOD.match(part)
            if not match:
                raise forms.ValidationError(self.error_messages["invalid"], "invalid")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if m1 > 59 or m2 > 59 or end > 24 * 60 or start >= end:
                raise forms.ValidationError(self.error_messages["invalid"], "invalid")
            periods.append((start, end))
        return periods


class CalendarForm(forms.Form):
    code = forms.SlugField(
        label=_("代码"),
        max_length=32,
        help_text=_(
            "英文小写字母、数字或连字符，例如 transport-hours；创建后不能修改。"
        ),
    )
    name = forms.CharField(label=_("名称"), max_length=64)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
    observes_holidays = forms.BooleanField(
        label=_("遵循法定节假日与调休"), required=False, initial=True
    )
    makeup_weekday = forms.TypedChoiceField(
        label=_("调休上班日按"),
        choices=Weekday.choices,
        coerce=int,
        initial=Weekday.MONDAY,
        help_text=_("周末调休上班的日子采用这一天的工作时间。"),
    )
    week_0 = PeriodsField(label=Weekday.MONDAY.label)
    week_1 = PeriodsField(label=Weekday.TUESDAY.label)
    week_2 = PeriodsField(label=Weekday.WEDNESDAY.label)
    week_3 = PeriodsField(label=Weekday.THURSDAY.label)
    week_4 = PeriodsField(label=Weekday.FRIDAY.label)
    week_5 = PeriodsField(label=Weekday.SATURDAY.label)
    week_6 = PeriodsField(label=Weekday.SUNDAY.label)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, creating: bool = False, builtin: bool = False, **kw):
        super().__init__(*args, **kw)
        if creating:
            del self.fields["is_active"]
            del self.fields["version"]
        else:
            del self.fields["code"]
        if builtin:
            for name in ["observes_holidays", "makeup_weekday", "is_active"] + [
                f"week_{i}" for i in range(7)
            ]:
                self.fields.pop(name, None)

    def week(self) -> list[list[tuple[int, int]]]:
        return [self.cleaned_data.get(f"week_{i}") or [] for i in range(7)]


class DayOverrideForm(forms.Form):
    SCOPE_CALENDAR, SCOPE_ALL = "calendar", "all"

    scope = forms.ChoiceField(
        label=_("适用范围"),
        choices=[(SCOPE_ALL, _("所有日历")), (SCOPE_CALENDAR, _("仅本日历"))],
        initial=SCOPE_ALL,
        help_text=_("“所有日历”指所有遵循法定节假日的日历，例如更正数据包。"),
    )
    kind = forms.ChoiceField(label=_("这一天"), choices=DaySetting.choices)
    note = forms.CharField(
        label=_("说明"),
        max_length=200,
        help_text=_("例如：公司年会放假一天；数据包有误，按国务院通知更正。"),
    )
    # The version of the setting the person saw, per scope (empty: none there).
    version_all = forms.IntegerField(widget=forms.HiddenInput, required=False)
    version_calendar = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, observes_holidays: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not observes_holidays:
            self.fields["scope"].choices = [(self.SCOPE_CALENDAR, _("仅本日历"))]
            self.fields["scope"].initial = self.SCOPE_CALENDAR


def _dates_in(line: str, year: int) -> list[dt.date]:
    """Every date written in ``line`` (2027-02-06, 2027年2月6日 or 2月6日)."""
    found: list[tuple[int, dt.date]] = []
    for match in _FULL_DATE.finditer(line):
        y, m, d = (int(g) for g in match.groups())
        found.append((match.start(), dt.date(y, m, d)))
    # Blank out the full dates (keeping positions) before looking for 2月6日.
    rest = _FULL_DATE.sub(lambda match: " " * len(match.group(0)), line)
    for match in _MONTH_DAY.finditer(rest):
        m, d = (int(g) for g in match.groups())
        found.append((match.start(), dt.date(year, m, d)))
    return [date for _pos, date in sorted(found)]


def _name_in(line: str) -> str:
    text = _FULL_DATE.sub(" ", line)
    text = _MONTH_DAY.sub(" ", text)
    return _NAME_NOISE.sub("", text)


def _line_error(number: int, message) -> forms.ValidationError:
    return forms.ValidationError(
        _("第 %(line)s 行：%(message)s") % {"line": number, "message": message}
    )


class HolidayYearForm(forms.Form):
    note = forms.CharField(
        label=_("依据"),
        max_length=200,
        required=False,
        help_text=_("例如：国务院办公厅关于 2027 年部分节假日安排的通知。"),
    )
    holidays = forms.CharField(
        label=_("放假安排"),
        widget=forms.Textarea,
        help_text=_(
            "每行一个假期：名称 开始日期 至 结束日期，例如“春节 2027-02-06 至 2027-02-12”；只放一天的写一个日期，例如“元旦 1月1日”。"
        ),
    )
    makeup_days = forms.CharField(
        label=_("调休上班日"),
        widget=forms.Textarea,
        required=False,
        help_text=_(
            "每行：名称 日期 [日期…]，例如“春节 2027-02-05 2027-02-20”；只能是周六或周日。"
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def _lines(self, field: str):
        for number, line in enumerate(self.cleaned_data[field].splitlines(), 1):
            if line.strip():
                try:
                    yield number, line, _dates_in(line, self.year)
                except ValueError:
                    raise _line_error(number, _("日期不存在。")) from None

    def clean_holidays(self) -> list[HolidaySpan]:
        spans = []
        for number, line, dates in self._lines("holidays"):
            name = _name_in(line)
            if not name:
                raise _line_error(number, _("缺少节日名称。"))
            if len(dates) not in (1, 2):
                raise _line_error(number, _("请写一个日期，或者开始和结束两个日期。"))
            spans.append(HolidaySpan(name[:32], dates[0], dates[-1]))
        return spans

    def clean_makeup_days(self) -> list[MakeupDay]:
        days = []
        for number, line, dates in self._lines("makeup_days"):
            if not dates:
                raise _line_error(number, _("没有找到日期。"))
            name = _name_in(line)[:32]
            days.extend(MakeupDay(name, date) for date in dates)
        return days


def holiday_lines(spans: list[HolidaySpan]) -> str:
    lines = []
    for span in spans:
        if span.start == span.end:
            lines.append(f"{span.name} {span.start.isoformat()}")
        else:
            lines.append(
                f"{span.name} {span.start.isoformat()} 至 {span.end.isoformat()}"
            )
    return "\n".join(lines)


def makeup_lines(days: list[MakeupDay]) -> str:
    return "\n".join(f"{d.name} {d.date.isoformat()}".strip() for d in days)


class TrialForm(forms.Form):
    """A start (Shanghai time) and a number of business minutes to add."""

    start = forms.DateTimeField(
        label=_("开始时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    minutes = forms.IntegerField(
        label=_("工作分钟数"), min_value=0, max_value=MAX_MINUTES
    )
