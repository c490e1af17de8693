"""The database's own refusal to change the audit log, below the ORM.

- No UPDATE of an audit row or of a seal, ever.
- DELETE of an audit row only when it is older than 183 days (the retention job);
  DELETE of a seal only once its row is gone.
- On PostgreSQL also no TRUNCATE, and the app's role loses the UPDATE and TRUNCATE
  privileges on both tables (REVOKE).

Installed by a migration and again after every migrate (post_migrate): SQLite
rebuilds a table to alter it, which drops its triggers and indexes. A deployment
that runs migrations as the tables' owner and the app as another role gets the
full effect; with one role for both, the owner could still undo this by hand, but
the app cannot change the log.

The auditor's searches get indexes on core_auditevent here too (each ends in
occurred_at, the order of the list): the table belongs to core, its hardening and
search to this app."""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

RETENTION_FLOOR_DAYS = 183
EVENTS = "core_auditevent"
SEALS = "audit_auditseal"

_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS kefu_audit_event_no_update
        BEFORE UPDATE ON {EVENTS}
        BEGIN SELECT RAISE(ABORT, 'audit rows cannot be changed'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS kefu_audit_event_no_delete
        BEFORE DELETE ON {EVENTS}
        WHEN OLD.occurred_at >= datetime('now', '-{RETENTION_FLOOR_DAYS} days')
        BEGIN SELECT RAISE(ABORT,
            'audit rows younger than {RETENTION_FLOOR_DAYS} days cannot be deleted');
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS kefu_audit_seal_no_update
        BEFORE UPDATE ON {SEALS}
        BEGIN SELECT RAISE(ABORT, 'audit seals cannot be changed'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS kefu_audit_seal_no_delete
        BEFORE DELETE ON {SEALS}
        WHEN EXISTS (SELECT 1 FROM {EVENTS} WHERE id = OLD.event_id)
        BEGIN SELECT RAISE(ABORT,
            'the seal of an existing audit row cannot be deleted');
        END""",
]
_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS kefu_audit_event_no_update",
    "DROP TRIGGER IF EXISTS kefu_audit_event_no_delete",
    "DROP TRIGGER IF EXISTS kefu_audit_seal_no_update",
    "DROP TRIGGER IF EXISTS kefu_audit_seal_no_delete",
]

_PG_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION kefu_audit_event_guard() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE'
             AND OLD.occurred_at < now() - interval '{RETENTION_FLOOR_DAYS} days' THEN
            RETURN OLD;
          END IF;
          RAISE EXCEPTION 'audit rows cannot be changed (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END $$""",
    f"""CREATE OR REPLACE FUNCTION kefu_audit_seal_guard() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE'
             AND NOT EXISTS (SELECT 1 FROM {EVENTS} WHERE id = OLD.event_id) THEN
            RETURN OLD;
          END IF;
          RAISE EXCEPTION 'audit seals cannot be changed (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END $$""",
    f"""CREATE OR REPLACE TRIGGER kefu_audit_event_guard BEFORE UPDATE OR DELETE ON {EVENTS}
        FOR EACH ROW EXECUTE FUNCTION kefu_audit_event_guard()""",
    f"""CREATE OR REPLACE TRIGGER kefu_audit_event_no_truncate BEFORE TRUNCATE ON {EVENTS}
        FOR EACH STATEMENT EXECUTE FUNCTION kefu_audit_event_guard()""",
    f"""CREATE OR REPLACE TRIGGER kefu_audit_seal_guard BEFORE UPDATE OR DELETE ON {SEALS}
        FOR EACH ROW EXECUTE FUNCTION kefu_audit_seal_guard()""",
    f"""CREATE OR REPLACE TRIGGER kefu_audit_seal_no_truncate BEFORE TRUNCATE ON {SEALS}
        FOR EACH STATEMENT EXECUTE FUNCTION kefu_audit_seal_guard()""",
    f"REVOKE UPDATE, TRUNCATE ON {EVENTS}, {SEALS} FROM PUBLIC, CURRENT_USER",
]
_PG_REMOVE = [
    f"DROP TRIGGER IF EXISTS kefu_audit_event_guard ON {EVENTS}",
    f"DROP TRIGGER IF EXISTS kefu_audit_event_no_truncate ON {EVENTS}",
    f"DROP TRIGGER IF EXISTS kefu_audit_seal_guard ON {SEALS}",
    f"DROP TRIGGER IF EXISTS kefu_audit_seal_no_truncate ON {SEALS}",
    f"GRANT UPDATE, TRUNCATE ON {EVENTS}, {SEALS} TO CURRENT_USER",
]


SEARCH_INDEXES = {
    "audit_event_username_time": "actor_username, occurred_at",
    "audit_event_event_time": "event, occurred_at",
    "audit_event_result_time": "result, occurred_at",
    "audit_event_ip_time": "ip, occurred_at",
}


def audit_search_indexes_install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for name, columns in SEARCH_INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {EVENTS} ({columns})")


def audit_search_indexes_remove(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for name in SEARCH_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


def _statements(connection: BaseDatabaseWrapper, *, install: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return _PG_INSTALL if install else _PG_REMOVE
    if connection.vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_REMOVE
    return []


def audit_guard_install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=True):
            cursor.execute(statement)


def audit_guard_remove(connection: BaseDatabaseWrapper) -> None:
    """Only for the test suite's flush between transactional tests."""
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=False):
            cursor.execute(statement)
