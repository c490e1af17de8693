"""Django's flush, which the test suite runs after every transactional test.

The audit tables' database guard refuses to be emptied; only where the settings
say so (the test settings) is it lifted for the flush and put back at once, in
the same transaction. Elsewhere this is Django's flush unchanged (and fails on
the audit log, as it should)."""

from django.conf import settings
from django.core.management.commands import flush
from django.db import connections, transaction

from audit.guard import audit_guard_install, audit_guard_remove


class Command(flush.Command):
    def handle(self, **options):
        if not getattr(settings, "KEFU_AUDIT_GUARD_LIFT_ON_FLUSH", False):
            return super().handle(**options)
        database = options["database"]
        connection = connections[database]
        with transaction.atomic(using=database):
            audit_guard_remove(connection)
            super().handle(**options)
            audit_guard_install(connection)
