"""Service levels and tickets for the clock tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sla.models import Calendar
from sla.services import service_level_save

TZ = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def level_make(users, *, calendar: str = "standard", **values):
    values.setdefault(
        "name",
        f"等级 {values.get('ticket_type', '')}{values.get('tier', '')}{values.get('priority', '')}",
    )
    values.setdefault("acknowledge_minutes", 30)
    values.setdefault("first_response_minutes", 120)
    values.setdefault("resolution_minutes", 960)
    return service_level_save(
        actor=users["manager"],
        calendar=Calendar.objects.get(code=calendar),
        **values,
    )
