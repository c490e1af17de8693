"""The database refuses to change the audit log, and the auditor's searches get
their indexes on core_auditevent (both in audit.guard)."""

from django.db import migrations

from audit.guard import (
    audit_guard_install,
    audit_guard_remove,
    audit_search_indexes_install,
    audit_search_indexes_remove,
)


def install(apps, schema_editor):
    audit_search_indexes_install(schema_editor.connection)
    audit_guard_install(schema_editor.connection)


def remove(apps, schema_editor):
    audit_guard_remove(schema_editor.connection)
    audit_search_indexes_remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, remove)]
