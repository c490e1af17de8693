"""Changes to calendars, year schedules and day overrides. Each one is for the
system administrator, audited, and gives the calendars it affects a new rules
token, so that every process reloads their rules on next use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record
from core.errors import Conflict, DomainError
from core.versioning import version_check, version_require, versioned_update
from customers.models import Customer
from sla.builtins import builtins_create
from sla.business_time import periods_text, periods_validate
from sla.models import (
    Calendar,
    Clock,
    Commitment,
    DayOverride,
    DaySetting,
    HolidayYear,
    HolidayYearDay,
    ServiceLevel,
    Weekday,
    WorkingPeriod,
    rules_token_new,
)
from sla.permissions import can_manage_calendars, can_manage_service_levels
from sla.selectors import (
    FIRST_YEAR,
    LAST_YEAR,
    HolidaySpan,
    MakeupDay,
    calendar_week,
    calendar_year_check,
)
from tickets.models import Ticket

Week = Sequence[Sequence[tuple[int, int]]]
RESERVED_CODES = frozenset({"new", "holidays", "overrides"})
LONGEST_HOLIDAY_DAYS = 31


def _require_manage(actor: User) -> None:
    if not can_manage_calendars(actor):
        raise PermissionDenied


def _rules_changed(calendar: Calendar | None = None) -> None:
    """New rules token for one calendar, or for all (China's schedule changed)."""
    token = rules_token_new()
    rows = (
        Calendar.objects.all()
        if calendar is None
        else Calendar.objects.filter(pk=calendar.pk)
    )
    rows.update(rules_token=token)
    if calendar is not None:
        calendar.rules_token = token


def _week_text(week: Week) -> list[str]:
    return [periods_text(day) for day in week]


def _week_validate(week: Week, *, makeup_weekday: int, observes_holidays: bool):
    if len(week) != 7:
        raise DomainError(_("每周应有七天的工作时间。"), field="week")
    checked = []
    for weekday, periods in enumerate(week):
        try:
            checked.append(periods_validate(periods))
        except ValueError:
            raise DomainError(
                _(
                    "%(day)s的工作时段必须在 00:00 到 24:00 之间，开始早于结束，且互不重叠。"
                )
                % {"day": Weekday(weekday).label},
                field=f"week_{weekday}",
                code="invalid_periods",
            ) from None
    if not any(checked):
        raise DomainError(
            _("至少要有一个工作时段。"), field="week_0", code="no_working_time"
        )
    if observes_holidays and not checked[makeup_weekday]:
        raise DomainError(
            _("调休上班日采用的%(day)s没有工作时间，请选择有工作时间的一天。")
            % {"day": Weekday(makeup_weekday).label},
            field="makeup_weekday",
            code="empty_makeup_day",
        )
    return checked


def _week_save(calendar: Calendar, week: Week) -> None:
    calendar.periods.all().delete()
    WorkingPeriod.objects.bulk_create(
        WorkingPeriod(calendar=calendar, weekday=wd, start_minute=s, end_minute=e)
        for wd, periods in enumerate(week)
        for s, e in periods
    )


def _text_clean(value: str, *, field: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(
            _("请填写%(label)s。") % {"label": label}, field=field, code="required"
        )
    if len(value) > max_length:
        raise DomainError(
            _("%(label)s不能超过 %(max)s 个字符。")
            % {"label": label, "max": max_length},
            field=field,
            code="too_long",
        )
    return value


# --- calendars -----------------------------------------------------------------------


@transaction.atomic
def calendar_create(
    *,
    actor: User,
    code: str,
    name: str,
    week: Week,
    description: str = "",
    observes_holidays: bool = True,
    makeup_weekday: int = 0,
    request: HttpRequest | None = None,
) -> Calendar:
    """Create a calendar with its weekly working periods; audited."""
    _require_manage(actor)
    code = (code or "").strip().lower()
    if not code:
        raise DomainError(_("请填写代码。"), field="code", code="required")
    if code in RESERVED_CODES:
        raise DomainError(_("此代码为系统保留，请换一个。"), field="code")
    if Calendar.objects.filter(code=code).exists():
        raise DomainError(_("代码已存在。"), field="code", code="duplicate")
    name = _text_clean(name, field="name", label=_("名称"), max_length=64)
    checked = _week_validate(
        week, makeup_weekday=makeup_weekday, observes_holidays=observes_holidays
    )
    calendar = Calendar.objects.create(
        code=code,
        name=name,
        description=(description or "").strip(),
        observes_holidays=observes_holidays,
        makeup_weekday=makeup_weekday,
    )
    _week_save(calendar, checked)
    audit_record(
        event="calendar.create",
        actor=actor,
        request=request,
        obj=calendar,
        data={
            "observes_holidays": observes_holidays,
            "makeup_weekday": makeup_weekday,
            "week": _week_text(checked),
        },
    )
    return calendar


@transaction.atomic
def calendar_update(
    *,
    actor: User,
    calendar: Calendar,
    version: int | None,
    name: str,
    week: Week,
    description: str = "",
    observes_holidays: bool = True,
    makeup_weekday: int = 0,
    is_active: bool = True,
    request: HttpRequest | None = None,
) -> Calendar:
    """Change a calendar's name, working periods and holiday rule; a stale version is
    a Conflict. The rules of a built-in calendar are fixed (DESIGN: ``standard`` and
    ``24x7`` mean the same everywhere); only its name and description change."""
    _require_manage(actor)
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    version_check(calendar, version_require(version))
    name = _text_clean(name, field="name", label=_("名称"), max_length=64)
    before_week = calendar_week(calendar)
    before = {
        "name": calendar.name,
        "observes_holidays": calendar.observes_holidays,
        "makeup_weekday": calendar.makeup_weekday,
        "is_active": calendar.is_active,
        "week": _week_text(before_week),
    }
    if calendar.is_builtin:
        checked = before_week
        observes_holidays = calendar.observes_holidays
        makeup_weekday = calendar.makeup_weekday
        is_active = True
    else:
        checked = _week_validate(
            week, makeup_weekday=makeup_weekday, observes_holidays=observes_holidays
        )
    calendar.name = name
    calendar.description = (description or "").strip()
    calendar.observes_holidays = observes_holidays
    calendar.makeup_weekday = makeup_weekday
    calendar.is_active = is_active
    calendar.rules_token = rules_token_new()
    versioned_update(
        calendar,
        version=calendar.version,
        fields=[
            "name",
            "description",
            "observes_holidays",
            "makeup_weekday",
            "is_active",
            "rules_token",
        ],
    )
    if [list(day) for day in checked] != before_week:
        _week_save(calendar, checked)
    after = {
        "name": calendar.name,
        "observes_holidays": observes_holidays,
        "makeup_weekday": makeup_weekday,
        "is_active": is_active,
        "week": _week_text(checked),
    }
    audit_record(
        event="calendar.update",
        actor=actor,
        request=request,
        obj=calendar,
        data={
            "changed": {
                key: {"from": before[key], "to": after[key]}
                for key in after
                if before[key] != after[key]
            }
        },
    )
    return calendar


def calendar_builtins_ensure(*, using: str = "default") -> None:
    """Create ``standard`` and ``24x7`` if missing; never touches existing ones."""
    builtins_create(Calendar, WorkingPeriod, using=using)


# --- single days -----------------------------------------------------------------------


def _kind_check(kind: str) -> str:
    if kind not in DaySetting.values:
        raise DomainError(_("请选择上班或放假。"), field="kind", code="invalid_choice")
    return kind


@transaction.atomic
def day_override_set(
    *,
    actor: User,
    calendar: Calendar | None,
    date: dt.date,
    kind: str,
    note: str,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> DayOverride:
    """Set one day to working or off, for one calendar or (``calendar`` None) for
    every calendar that observes China's holidays; adds the setting or corrects the
    one there. ``version`` is the version of the setting the person saw (None: they
    saw none); anything else is a Conflict."""
    _require_manage(actor)
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        raise DomainError(
            _("日期必须在 %(first)s 年到 %(last)s 年之间。")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field="date",
            code="out_of_range",
        )
    kind = _kind_check(kind)
    note = _text_clean(note, field="note", label=_("说明"), max_length=200)
    existing = (
        DayOverride.objects.select_for_update()
        .filter(calendar=calendar, date=date)
        .first()
    )
    if existing is None and version is not None:
        raise Conflict(current_version=None)
    if existing is not None:
        if version is None:
            raise Conflict(current_version=existing.version)
        version_check(existing, version)
        before = {"kind": existing.kind, "note": existing.note}
        existing.kind, existing.note, existing.updated_by = kind, note, actor
        versioned_update(
            existing, version=version, fields=["kind", "note", "updated_by"]
        )
        override = existing
    else:
        before = None
        try:
            with transaction.atomic():
                override = DayOverride.objects.create(
                    calendar=calendar, date=date, kind=kind, note=note, updated_by=actor
                )
        except IntegrityError:
            raise Conflict(current_version=None) from None
    _rules_changed(calendar)
    audit_record(
        event="calendar.day_set",
        actor=actor,
        request=request,
        obj=override,
        data={
            "calendar": calendar.code if calendar else None,
            "date": date.isoformat(),
            "kind": kind,
            "note": note,
            "before": before,
        },
    )
    return override


@transaction.atomic
def day_override_remove(
    *,
    actor: User,
    override: DayOverride,
    version: int | None,
    request: HttpRequest | None = None,
) -> None:
    """Remove a day's setting (the day follows its other sources again); audited
    with what was removed."""
    _require_manage(actor)
    current = DayOverride.objects.select_for_update().filter(pk=override.pk).first()
    if current is None:
        raise Conflict(current_version=None)
    version_check(current, version)
    calendar = current.calendar
    data = {
        "calendar": calendar.code if calendar else None,
        "date": current.date.isoformat(),
        "kind": current.kind,
        "note": current.note,
    }
    audit_record(
        event="calendar.day_remove",
        actor=actor,
        request=request,
        obj=current,
        data=data,
    )
    current.delete()
    _rules_changed(calendar)


# --- whole years -----------------------------------------------------------------------


def _year_window(year: int) -> tuple[dt.date, dt.date]:
    """Dates a year's schedule may list: the year, and the edges of the years around
    it (the New Year holiday may start on 30 December)."""
    return dt.date(year - 1, 12, 1), dt.date(year + 1, 1, 31)


def _holiday_days_check(
    year: int, holidays: Sequence[HolidaySpan], makeup_days: Sequence[MakeupDay]
) -> list[tuple[dt.date, str, str]]:
    low, high = _year_window(year)
    window = _("%(low)s 到 %(high)s") % {"low": low, "high": high}
    if not holidays:
        raise DomainError(
            _("请至少填写一个放假安排。"), field="holidays", code="required"
        )
    days: dict[dt.date, tuple[str, str]] = {}
    for span in holidays:
        name = _text_clean(
            span.name, field="holidays", label=_("节日名称"), max_length=32
        )
        if span.end < span.start:
            raise DomainError(
                _("%(name)s的结束日期早于开始日期。") % {"name": name},
                field="holidays",
            )
        if (span.end - span.start).days >= LONGEST_HOLIDAY_DAYS:
            raise DomainError(
                _("%(name)s超过 %(days)s 天，请检查日期。")
                % {"name": name, "days": LONGEST_HOLIDAY_DAYS},
                field="holidays",
            )
        if span.start < low or span.end > high or span.end.year < year:
            raise DomainError(
                _("%(name)s的日期不在 %(year)s 年（%(window)s）内。")
                % {"name": name, "year": year, "window": window},
                field="holidays",
            )
        date = span.start
        while date <= span.end:
            if date in days:
                raise DomainError(
                    _("%(date)s 重复出现。") % {"date": date}, field="holidays"
                )
            days[date] = (DaySetting.HOLIDAY, name)
            date += dt.timedelta(days=1)
    for makeup in makeup_days:
        name = (makeup.name or "").strip()[:32]
        if not low <= makeup.date <= high:
            raise DomainError(
                _("调休上班日 %(date)s 不在 %(year)s 年（%(window)s）内。")
                % {"date": makeup.date, "year": year, "window": window},
                field="makeup_days",
            )
        if makeup.date.weekday() < 5:
            raise DomainError(
                _("调休上班日 %(date)s 不是周六或周日。") % {"date": makeup.date},
                field="makeup_days",
            )
        if makeup.date in days:
            raise DomainError(
                _("%(date)s 既是放假日又是调休上班日。") % {"date": makeup.date},
                field="makeup_days",
            )
        days[makeup.date] = (DaySetting.WORKDAY, name)
    return [(date, kind, name) for date, (kind, name) in sorted(days.items())]


@transaction.atomic
def holiday_year_set(
    *,
    actor: User,
    year: int,
    holidays: Sequence[HolidaySpan],
    makeup_days: Sequence[MakeupDay],
    note: str = "",
    version: int | None = None,
    request: HttpRequest | None = None,
) -> HolidayYear:
    """Enter or correct China's schedule of a whole year (days off and make-up
    working days). It replaces the package's data for that year in every calendar
    that observes holidays. ``version``: the version the person saw (None when they
    entered a new year); a stale one is a Conflict."""
    _require_manage(actor)
    calendar_year_check(year)
    days = _holiday_days_check(year, holidays, makeup_days)
    note = (note or "").strip()[:200]
    schedule = HolidayYear.objects.select_for_update().filter(year=year).first()
    if schedule is None and version is not None:
        raise Conflict(current_version=None)
    taken = (
        HolidayYearDay.objects.filter(date__in=[d for d, _k, _n in days])
        .exclude(schedule__year=year)
        .select_related("schedule")
        .first()
    )
    if taken is not None:
        raise DomainError(
            _("%(date)s 已列在 %(year)s 年的安排中。")
            % {"date": taken.date, "year": taken.schedule.year},
            field="holidays" if taken.kind == DaySetting.HOLIDAY else "makeup_days",
            code="duplicate",
        )
    if schedule is None:
        try:
            with transaction.atomic():
                schedule = HolidayYear.objects.create(
                    year=year, note=note, updated_by=actor
                )
        except IntegrityError:
            raise Conflict(current_version=None) from None
        event = "calendar.year_enter"
    else:
        if version is None:
            raise Conflict(current_version=schedule.version)
        version_check(schedule, version)
        schedule.note, schedule.updated_by = note, actor
        versioned_update(schedule, version=version, fields=["note", "updated_by"])
        schedule.days.all().delete()
        event = "calendar.year_correct"
    HolidayYearDay.objects.bulk_create(
        HolidayYearDay(schedule=schedule, date=date, kind=kind, name=name)
        for date, kind, name in days
    )
    _rules_changed()
    audit_record(
        event=event,
        actor=actor,
        request=request,
        obj=schedule,
        data={
            "year": year,
            "note": note,
            "holidays": [
                f"{s.name} {s.start.isoformat()}..{s.end.isoformat()}" for s in holidays
            ],
            "makeup_days": [m.date.isoformat() for m in makeup_days],
        },
    )
    return schedule


@transaction.atomic
def holiday_year_remove(
    *,
    actor: User,
    schedule: HolidayYear,
    version: int | None,
    request: HttpRequest | None = None,
) -> None:
    """Remove an entered year: the year follows the package again, or the
    Monday–Friday fallback when the package has no data for it."""
    _require_manage(actor)
    current = HolidayYear.objects.select_for_update().filter(pk=schedule.pk).first()
    if current is None:
        raise Conflict(current_version=None)
    version_check(current, version)
    audit_record(
        event="calendar.year_remove",
        actor=actor,
        request=request,
        obj=current,
        data={
            "year": current.year,
            "days": [
                f"{d.isoformat()} {k} {n}"
                for d, k, n in current.days.values_list("date", "kind", "name")
            ],
        },
    )
    current.delete()
    _rules_changed()


# --- service levels and commitments ----------------------------------------------------

LEVEL_FIELDS = (
    "name",
    "tier",
    "priority",
    "ticket_type",
    "calendar",
    "acknowledge_minutes",
    "first_response_minutes",
    "resolution_minutes",
    "warn_percent",
    "is_active",
)
LONGEST_TARGET_MINUTES = 60 * 24 * 366


def _minutes_check(value, *, field: str, label: str, required: bool = False):
    if value in (None, ""):
        if required:
            raise DomainError(
                _("请填写%(label)s。") % {"label": label}, field=field, code="required"
            )
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(
            _("%(label)s必须是整数。") % {"label": label}, field=field, code="invalid"
        )
    if not 1 <= value <= LONGEST_TARGET_MINUTES:
        raise DomainError(
            _("%(label)s必须在 1 到 %(max)s 分钟之间。")
            % {"label": label, "max": LONGEST_TARGET_MINUTES},
            field=field,
            code="out_of_range",
        )
    return value


def _choice_check(value: str, choices, *, field: str, label: str) -> str:
    value = value or ""
    if value and value not in dict(choices):
        raise DomainError(
            _("%(label)s的取值无效。") % {"label": label}, field=field, code="invalid"
        )
    return value


@transaction.atomic
def service_level_save(
    *,
    actor: User,
    level: ServiceLevel | None = None,
    version: int | None = None,
    request: HttpRequest | None = None,
    **values,
) -> ServiceLevel:
    """Create a service level, or change one if ``version`` is still current.
    New targets apply to tickets registered afterwards; audited."""
    if not can_manage_service_levels(actor):
        raise PermissionDenied
    unknown = set(values) - set(LEVEL_FIELDS)
    if unknown:
        raise TypeError(f"unknown service level fields: {sorted(unknown)}")
    if level is not None:
        version_require(version)
        level = ServiceLevel.objects.select_for_update().get(pk=level.pk)
        version_check(level, version)
    current = {f: getattr(level, f) for f in LEVEL_FIELDS} if level else {}
    data = {**current, **values}
    data["name"] = _text_clean(
        data.get("name", ""), field="name", label=_("名称"), max_length=64
    )
    data["tier"] = _choice_check(
        data.get("tier"), Customer.Tier.choices, field="tier", label=_("客户分级")
    )
    data["priority"] = _choice_check(
        data.get("priority"),
        Ticket.Priority.choices,
        field="priority",
        label=_("优先级"),
    )
    data["ticket_type"] = _choice_check(
        data.get("ticket_type"),
        Ticket.Type.choices,
        field="ticket_type",
        label=_("工单类型"),
    )
    calendar = data.get("calendar")
    if calendar is None or not calendar.is_active:
        raise DomainError(
            _("请选择一个启用的工作日历。"), field="calendar", code="required"
        )
    for clock, label in Clock.choices:
        field = f"{clock}_minutes"
        data[field] = _minutes_check(
            data.get(field), field=field, label=_("%(clock)s时限") % {"clock": label}
        )
    if not any(data[f"{clock}_minutes"] for clock in Clock.values):
        raise DomainError(
            _("至少填写一项时限。"), field="acknowledge_minutes", code="required"
        )
    warn = data["warn_percent"] = data.get("warn_percent", 75)
    if isinstance(warn, bool) or not isinstance(warn, int) or not 1 <= warn <= 99:
        raise DomainError(
            _("预警比例必须是 1 到 99 之间的整数。"),
            field="warn_percent",
            code="out_of_range",
        )
    data["is_active"] = bool(data.get("is_active", True))
    same = ServiceLevel.objects.filter(
        tier=data["tier"],
        priority=data["priority"],
        ticket_type=data["ticket_type"],
        is_active=True,
    )
    named = ServiceLevel.objects.filter(name=data["name"])
    if level is not None:
        same, named = same.exclude(pk=level.pk), named.exclude(pk=level.pk)
    if data["is_active"] and same.exists():
        raise DomainError(
            _("已有启用的服务等级“%(name)s”适用于相同的分级、优先级和类型。")
            % {"name": same.first().name},
            field="ticket_type",
            code="duplicate",
        )
    if named.exists():
        raise DomainError(_("名称已存在。"), field="name", code="duplicate")
    created = level is None
    if created:
        level = ServiceLevel.objects.create(**data)
    else:
        for name, value in data.items():
            setattr(level, name, value)
        versioned_update(level, version=version, fields=list(LEVEL_FIELDS))
    audit_record(
        event="sla.level.create" if created else "sla.level.update",
        actor=actor,
        request=request,
        obj=level,
        data={
            **{f: data[f] for f in LEVEL_FIELDS if f != "calendar"},
            "calendar": calendar.code,
        },
    )
    return level


COMMITMENT_FIELDS = (
    "title",
    "description",
    "ticket_type",
    "clock",
    "target_minutes",
    "is_published",
    "sort_order",
)


@transaction.atomic
def commitment_save(
    *,
    actor: User,
    commitment: Commitment | None = None,
    version: int | None = None,
    request: HttpRequest | None = None,
    **values,
) -> Commitment:
    """Create or change a service commitment (服务承诺); audited."""
    if not can_manage_service_levels(actor):
        raise PermissionDenied
    unknown = set(values) - set(COMMITMENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown commitment fields: {sorted(unknown)}")
    if commitment is not None:
        version_require(version)
        commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
        version_check(commitment, version)
    current = (
        {f: getattr(commitment, f) for f in COMMITMENT_FIELDS} if commitment else {}
    )
    data = {"description": "", "sort_order": 100, **current, **values}
    data["title"] = _text_clean(
        data.get("title", ""), field="title", label=_("承诺内容"), max_length=120
    )
    description = (data.get("description") or "").strip()
    if len(description) > 300:
        raise DomainError(
            _("说明不能超过 300 个字符。"), field="description", code="too_long"
        )
    data["description"] = description
    data["ticket_type"] = _choice_check(
        data.get("ticket_type"),
        Ticket.Type.choices,
        field="ticket_type",
        label=_("工单类型"),
    )
    if data.get("clock") not in Clock.values:
        raise DomainError(_("请选择时钟。"), field="clock", code="required")
    data["target_minutes"] = _minutes_check(
        data.get("target_minutes"),
        field="target_minutes",
        label=_("承诺时限"),
        required=True,
    )
    data["is_published"] = bool(data.get("is_published"))
    order = data.get("sort_order")
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 999:
        raise DomainError(
            _("排序必须是 0 到 999 之间的整数。"),
            field="sort_order",
            code="out_of_range",
        )
    created = commitment is None
    if created:
        commitment = Commitment.objects.create(**data)
    else:
        for name, value in data.items():
            setattr(commitment, name, value)
        versioned_update(commitment, version=version, fields=list(COMMITMENT_FIELDS))
    audit_record(
        event="sla.commitment.create" if created else "sla.commitment.update",
        actor=actor,
        request=request,
        obj=commitment,
        data=data,
    )
    return commitment
