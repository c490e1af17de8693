"""The database refuses to change the audit log (audit.guard), and the auditor's
searches get indexes on core_auditevent (each ends in occurred_at, the order of
the list; the table belongs to core, its hardening and search to this app)."""

from django.db import migrations

from audit.guard import audit_guard_install, audit_guard_remove

INDEXES = {
    "audit_event_username_time": "actor_username, occurred_at",
    "audit_event_event_time": "event, occurred_at",
    "audit_event_result_time": "result, occurred_at",
    "audit_event_ip_time": "ip, occurred_at",
}


def install(apps, schema_editor):
    audit_guard_install(schema_editor.connection)


def remove(apps, schema_editor):
    audit_guard_remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [
        *[
            migrations.RunSQL(
                f"CREATE INDEX {name} ON core_auditevent ({columns})",
                f"DROP INDEX {name}",
            )
            for name, columns in INDEXES.items()
        ],
        migrations.RunPython(install, remove),
    ]
