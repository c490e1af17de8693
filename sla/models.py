"""Business calendars: working periods per weekday, China's holiday schedule as
administrators enter or correct it, and single-day overrides. The arithmetic lives
in ``sla.business_time``; ``sla.selectors`` loads these rows into it."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import AppendOnlyQuerySet, TimeStampedModel, VersionedModel
from customers.models import Customer
from tickets.models import Ticket


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


# --- service levels, clocks and commitments ------------------------------------------


class Clock(models.TextChoices):
    """The three clocks of a ticket (DESIGN §3)."""

    ACKNOWLEDGE = "acknowledge", pgettext_lazy("时钟", "受理")
    FIRST_RESPONSE = "first_response", pgettext_lazy("时钟", "首次响应")
    RESOLUTION = "resolution", pgettext_lazy("时钟", "解决")


class ServiceLevel(TimeStampedModel, VersionedModel):
    """Targets in business minutes for the three clocks of the tickets it matches.
    An empty criterion matches everything; the most specific level applies."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    tier = models.CharField(
        _("客户分级"),
        max_length=1,
        blank=True,
        choices=Customer.Tier,
        help_text=_("留空表示所有分级。"),
    )
    priority = models.CharField(
        _("优先级"),
        max_length=8,
        blank=True,
        choices=Ticket.Priority,
        help_text=_("留空表示所有优先级。"),
    )
    ticket_type = models.CharField(
        _("工单类型"),
        max_length=16,
        blank=True,
        choices=Ticket.Type,
        help_text=_("留空表示所有类型。"),
    )
    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("工作日历"),
        on_delete=models.PROTECT,
        related_name="service_levels",
    )
    acknowledge_minutes = models.PositiveIntegerField(
        _("受理时限（工作分钟）"), null=True, blank=True
    )
    first_response_minutes = models.PositiveIntegerField(
        _("首次响应时限（工作分钟）"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("解决时限（工作分钟）"), null=True, blank=True
    )
    warn_percent = models.PositiveSmallIntegerField(
        _("预警比例（%）"),
        default=75,
        help_text=_("用去时限的这一比例时提醒负责人。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("服务等级")
        verbose_name_plural = _("服务等级")
        ordering = ["name"]
        permissions = [
            ("manage_service_levels", _("维护服务等级和服务承诺")),
            ("view_service_levels", _("查看服务等级、超时工单和承诺达成率")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "priority", "ticket_type"],
                condition=Q(is_active=True),
                name="service_level_unique_match",
            ),
            models.CheckConstraint(
                condition=Q(warn_percent__gte=1, warn_percent__lte=99),
                name="service_level_warn_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        return sum(bool(v) for v in (self.tier, self.priority, self.ticket_type))

    def minutes(self, clock: str) -> int | None:
        return getattr(self, f"{clock}_minutes")


class TicketClock(models.Model):
    """One clock of one ticket. ``due_at`` moves when a pause ends; the sweep finds
    the clocks to warn or escalate by ``next_check_at`` alone (one index range)."""

    class State(models.TextChoices):
        RUNNING = "running", _("计时中")
        PAUSED = "paused", _("已暂停")
        MET = "met", _("按时完成")
        BREACHED = "breached", _("超时完成")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("工单"),
        on_delete=models.CASCADE,
        related_name="clocks",
    )
    clock = models.CharField(_("时钟"), max_length=16, choices=Clock)
    level = models.ForeignKey(
        ServiceLevel,
        verbose_name=_("服务等级"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    calendar_code = models.CharField(_("工作日历"), max_length=32)
    target_minutes = models.PositiveIntegerField(_("时限（工作分钟）"))
    warn_percent = models.PositiveSmallIntegerField(_("预警比例（%）"))
    state = models.CharField(
        _("状态"), max_length=12, choices=State, default=State.RUNNING
    )
    started_at = models.DateTimeField(_("开始"))
    due_at = models.DateTimeField(_("到期"))
    warn_at = models.DateTimeField(_("预警时间"))
    paused_at = models.DateTimeField(_("暂停于"), null=True, blank=True)
    paused_minutes = models.FloatField(_("暂停的工作分钟"), default=0)
    stopped_at = models.DateTimeField(_("停止于"), null=True, blank=True)
    elapsed_minutes = models.FloatField(_("用时（工作分钟）"), null=True, blank=True)
    warned_at = models.DateTimeField(_("已预警"), null=True, blank=True)
    breached_at = models.DateTimeField(_("已超时"), null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("工单时钟")
        verbose_name_plural = _("工单时钟")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "clock"], name="ticket_clock_unique"
            )
        ]
        indexes = [
            # The sweep: only clocks with something still to do are in it.
            models.Index(
                fields=["next_check_at"],
                condition=Q(next_check_at__isnull=False),
                name="ticket_clock_next_check",
            ),
            # The overdue lists: running clocks by due time.
            models.Index(
                fields=["due_at", "id"],
                condition=Q(state="running"),
                name="ticket_clock_running_due",
            ),
            # Commitments: the clocks that stopped, per month.
            models.Index(
                fields=["clock", "stopped_at"],
                condition=Q(stopped_at__isnull=False),
                name="ticket_clock_stopped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.clock} {self.state}"

    @property
    def is_stopped(self) -> bool:
        return self.state in (self.State.MET, self.State.BREACHED)


class ClockEvent(models.Model):
    """One step of a clock's history. Append-only."""

    class Kind(models.TextChoices):
        STARTED = "started", _("开始计时")
        PAUSED = "paused", _("暂停")
        RESUMED = "resumed", _("恢复计时")
        RETARGETED = "retargeted", _("时限调整")
        WARNED = "warned", _("预警")
        BREACHED = "breached", _("超时")
        MET = "met", _("按时完成")
        STOPPED_LATE = "stopped_late", _("超时后完成")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("工单"),
        on_delete=models.CASCADE,
        db_index=False,  # the index below leads with it
        related_name="+",
    )
    clock = models.CharField(_("时钟"), max_length=16, choices=Clock)
    kind = models.CharField(_("事件"), max_length=16, choices=Kind)
    at = models.DateTimeField(_("时间"))
    due_at = models.DateTimeField(_("当时的到期时间"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("时钟记录")
        verbose_name_plural = _("时钟记录")
        indexes = [
            models.Index(fields=["ticket", "at", "id"], name="clock_event_ticket")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.clock} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("clock events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("clock events cannot be deleted")


class Commitment(TimeStampedModel, VersionedModel):
    """A published promise (服务承诺), kept when a clock of the tickets it covers
    stops within ``target_minutes`` business minutes."""

    title = models.CharField(_("承诺内容"), max_length=120)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    ticket_type = models.CharField(
        _("工单类型"),
        max_length=16,
        blank=True,
        choices=Ticket.Type,
        help_text=_("留空表示所有类型。"),
    )
    clock = models.CharField(_("时钟"), max_length=16, choices=Clock)
    target_minutes = models.PositiveIntegerField(_("承诺时限（工作分钟）"))
    is_published = models.BooleanField(_("对外公布"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("服务承诺")
        verbose_name_plural = _("服务承诺")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_minutes__gte=1), name="commitment_target_positive"
            )
        ]

    def __str__(self) -> str:
        return self.title
