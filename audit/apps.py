from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("审计日志")

    def ready(self) -> None:
        post_migrate.connect(_guard_after_migrate, sender=self)


def _guard_after_migrate(sender, using="default", **kwargs) -> None:
    """Put the guard and the search indexes back if a migration of core rebuilt
    the audit table (SQLite does that to alter a table)."""
    from django.db import connections

    from audit.guard import audit_guard_install, audit_search_indexes_install

    connection = connections[using]
    tables = connection.introspection.table_names()
    if "core_auditevent" in tables and "audit_auditseal" in tables:
        audit_search_indexes_install(connection)
        audit_guard_install(connection)
