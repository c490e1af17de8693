"""The calendars that always exist, as plain data: the data migration and the
post-migrate check (which restores them after a test database is flushed) share it."""

from __future__ import annotations

import secrets

# 09:00–12:00 and 13:30–18:00, in minutes after midnight.
STANDARD_DAY = ((9 * 60, 12 * 60), (13 * 60 + 30, 18 * 60))
WHOLE_DAY = ((0, 24 * 60),)

BUILTIN_CALENDARS = [
    {
        "code": "standard",
        "name": "标准工作日历",
        "description": "周一至周五 9:00–12:00、13:30–18:00，遵循法定节假日与调休。",
        "observes_holidays": True,
        "makeup_weekday": 0,
        "week": [STANDARD_DAY] * 5 + [(), ()],
    },
    {
        "code": "24x7",
        "name": "7×24 小时",
        "description": "全年每天 24 小时计时，不休节假日，用于 VIP 服务。",
        "observes_holidays": False,
        "makeup_weekday": 0,
        "week": [WHOLE_DAY] * 7,
    },
]


def builtins_create(calendar_model, period_model, *, using: str = "default") -> None:
    """Create the built-in calendars that are missing; existing ones stay as they
    are. Takes the model classes, so that the data migration can pass its own."""
    for spec in BUILTIN_CALENDARS:
        calendars = calendar_model.objects.using(using)
        if calendars.filter(code=spec["code"]).exists():
            continue
        calendar = calendars.create(
            code=spec["code"],
            name=spec["name"],
            description=spec["description"],
            observes_holidays=spec["observes_holidays"],
            makeup_weekday=spec["makeup_weekday"],
            is_builtin=True,
            rules_token=secrets.token_hex(8),
        )
        period_model.objects.using(using).bulk_create(
            period_model(calendar=calendar, weekday=wd, start_minute=s, end_minute=e)
            for wd, periods in enumerate(spec["week"])
            for s, e in periods
        )
