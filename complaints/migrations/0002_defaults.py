"""The doctrine's starting tables (see complaints.defaults)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from complaints.defaults import defaults_ensure

    defaults_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
