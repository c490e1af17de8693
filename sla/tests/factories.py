"""Calendars for tests: built through the services, as an administrator would."""

from __future__ import annotations

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from sla.builtins import STANDARD_DAY
from sla.models import Calendar
from sla.services import calendar_create


def admin_user():
    return UserFactory(role=Role.SYSTEM_ADMIN)


def calendar_make(*, code: str, actor=None, week=None, **kwargs) -> Calendar:
    return calendar_create(
        actor=actor or admin_user(),
        code=code,
        name=kwargs.pop("name", f"日历 {code}"),
        week=week if week is not None else [list(STANDARD_DAY)] * 5 + [[], []],
        **kwargs,
    )
