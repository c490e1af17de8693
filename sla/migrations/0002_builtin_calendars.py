"""The calendars that always exist: ``standard`` and ``24x7`` (DESIGN §3)."""

from django.db import migrations

from sla.builtins import builtins_create


def create_builtins(apps, schema_editor):
    builtins_create(
        apps.get_model("sla", "Calendar"),
        apps.get_model("sla", "WorkingPeriod"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(create_builtins, migrations.RunPython.noop)]
