"""Business calendars: working periods per weekday, China's holiday schedule as
administrators enter or correct it, and single-day overrides. The arithmetic lives
in ``sla.business_time``; ``sla.selectors`` loads these rows into it."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, VersionedModel


def rules_token_new() -> str:
    """A fresh marker for a calendar's rules; per-process caches compare it."""
    return secrets.token_hex(8)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("星期一")
    TUESDAY = 1, _("星期二")
    WEDNESDAY = 2, _("星期三")
    THURSDAY = 3, _("星期四")
    FRIDAY = 4, _("星期五")
    SATURDAY = 5, _("星期六")
    SUNDAY = 6, _("星期日")


class DaySetting(models.TextChoices):
    """What an administrator may set a day to."""

    WORKDAY = "workday", _("上班")
    HOLIDAY = "holiday", _("放假")


class Calendar(TimeStampedModel, VersionedModel):
    """A business calendar. Every calendar works in Asia/Shanghai time."""

    code = models.SlugField(
        _("代码"),
        max_length=32,
        unique=True,
        help_text=_("英文小写字母、数字或连字符，例如 standard；创建后不能修改。"),
    )
    name = models.CharField(_("名称"), max_length=64)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    observes_holidays = models.BooleanField(
        _("遵循法定节假日与调休"),
        default=True,
        help_text=_("关闭时只按每周工作时间计算，例如 7×24 小时服务。"),
    )
    makeup_weekday = models.PositiveSmallIntegerField(
        _("调休上班日按"),
        choices=Weekday,
        default=Weekday.MONDAY,
        help_text=_("周末调休上班的日子采用这一天的工作时间。"),
    )
    is_builtin = models.BooleanField(_("内置"), default=False, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    # Changes with every change of the rules (periods, overrides, year schedules).
    rules_token = models.CharField(max_length=16, default=rules_token_new)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["code"]
        permissions = [
            ("view_calendars", _("查看工作日历和计算工作时间")),
            ("manage_calendars", _("管理工作日历、节假日安排和调休")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(makeup_weekday__lte=6), name="calendar_makeup_weekday"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class WorkingPeriod(models.Model):
    """One working period of a weekday, in minutes after midnight (end ≤ 1440)."""

    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("工作日历"),
        on_delete=models.CASCADE,
        related_name="periods",
    )
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday)
    start_minute = models.PositiveSmallIntegerField(_("开始"))
    end_minute = models.PositiveSmallIntegerField(_("结束"))

    class Meta:
        verbose_name = _("工作时段")
        verbose_name_plural = _("工作时段")
        ordering = ["calendar", "weekday", "start_minute"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "weekday", "start_minute"],
                name="working_period_unique_start",
            ),
            models.CheckConstraint(
                condition=Q(weekday__lte=6)
                & Q(start_minute__lt=models.F("end_minute"))
                & Q(end_minute__lte=1440),
                name="working_period_inside_day",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.calendar.code} {self.weekday} {self.start_minute}-{self.end_minute}"
        )


class HolidayYear(TimeStampedModel, VersionedModel):
    """China's holiday schedule of one year as an administrator entered it (e.g. the
    State Council's notice for 2027). Once entered it replaces the package's data for
    that year; days it does not list follow the plain week."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    note = models.CharField(
        _("依据"),
        max_length=200,
        blank=True,
        help_text=_("例如：国务院办公厅关于 2027 年部分节假日安排的通知。"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class HolidayYearDay(models.Model):
    """A day off (放假) or a make-up working day (调休上班) of an entered year."""

    schedule = models.ForeignKey(
        HolidayYear,
        verbose_name=_("年度节假日安排"),
        on_delete=models.CASCADE,
        related_name="days",
    )
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=DaySetting)
    name = models.CharField(_("节日"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} {self.name}"


class DayOverride(TimeStampedModel, VersionedModel):
    """An administrator's setting for one day: for one calendar, or (calendar empty)
    for every calendar that observes China's holidays. Wins over every other source."""

    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("工作日历"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="day_overrides",
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("设为"), max_length=10, choices=DaySetting)
    note = models.CharField(_("说明"), max_length=200)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("日期调整")
        verbose_name_plural = _("日期调整")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"],
                condition=Q(calendar__isnull=False),
                name="day_override_unique_per_calendar",
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(calendar__isnull=True),
                name="day_override_unique_national",
            ),
        ]

    def __str__(self) -> str:
        scope = self.calendar.code if self.calendar_id else "*"
        return f"{scope} {self.date} {self.kind}"
