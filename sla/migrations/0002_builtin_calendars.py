"""The calendars that always exist: ``standard`` and ``24x7`` (DESIGN §3)."""

import secrets

from django.db import migrations

from sla.builtins import BUILTIN_CALENDARS


def create_builtins(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    WorkingPeriod = apps.get_model("sla", "WorkingPeriod")
    for spec in BUILTIN_CALENDARS:
        if Calendar.objects.filter(code=spec["code"]).exists():
            continue
        calendar = Calendar.objects.create(
            code=spec["code"],
            name=spec["name"],
            description=spec["description"],
            observes_holidays=spec["observes_holidays"],
            makeup_weekday=spec["makeup_weekday"],
            is_builtin=True,
            rules_token=secrets.token_hex(8),
        )
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, weekday=wd, start_minute=s, end_minute=e)
            for wd, periods in enumerate(spec["week"])
            for s, e in periods
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(create_builtins, migrations.RunPython.noop)]
