"""The hash chain: sealed in id order by a job; an edited, deleted or slipped-in
row is reported by audit_verify; the database refuses to change the log; the
retention job keeps every row younger than 183 days and records itself."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import SecurityPolicy
from audit.guard import audit_guard_remove
from audit.models import AuditChainHead, AuditSeal
from audit.services import audit_chain_verify, audit_purge, audit_seal
from core.audit import audit_record
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _rows(count: int, **fields) -> list[AuditEvent]:
    return [
        AuditEvent.objects.create(
            event="login.success", actor_username=f"user{i}", data={"i": i}, **fields
        )
        for i in range(count)
    ]


def _raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_rows_are_sealed_in_id_order_and_the_chain_verifies(sealed_before):
    rows = _rows(5)
    assert audit_seal() == 5
    seals = list(AuditSeal.objects.order_by("seq"))
    assert [s.event_id for s in seals[sealed_before:]] == [r.pk for r in rows]
    assert all(
        b.prev_digest == a.digest for a, b in zip(seals, seals[1:], strict=False)
    )
    report = audit_chain_verify()
    assert report.is_intact and report.checked == sealed_before + 5
    assert audit_seal() == 0  # nothing new


def test_sealing_continues_the_chain_across_runs(sealed_before):
    _rows(3)
    audit_seal()
    _rows(2)
    audit_seal()
    total = sealed_before + 5
    assert audit_chain_verify().checked == total
    head = AuditChainHead.objects.get()
    assert head.last_seq == total
    assert head.last_digest == AuditSeal.objects.get(seq=total).digest


def test_an_edited_row_is_detected_at_its_link(sealed_before):
    rows = _rows(4)
    audit_seal()
    with transaction.atomic():
        audit_guard_remove(connection)  # what an intruder with the owner's rights does
        _raw(
            "UPDATE core_auditevent SET actor_username = %s WHERE id = %s",
            ["someone-else", rows[2].pk],
        )
    report = audit_chain_verify()
    assert not report.is_intact
    assert (report.problem, report.broken_event_id, report.checked) == (
        "changed",
        rows[2].pk,
        sealed_before + 2,
    )
    with pytest.raises(CommandError, match=f"audit row {rows[2].pk}"):
        call_command("audit_verify")


def test_a_deleted_row_is_detected():
    rows = _rows(4)
    audit_seal()
    with transaction.atomic():
        audit_guard_remove(connection)
        _raw("DELETE FROM core_auditevent WHERE id = %s", [rows[1].pk])
    report = audit_chain_verify()
    assert (report.problem, report.broken_event_id) == ("missing", rows[1].pk)


def test_a_row_deleted_with_its_seal_is_detected():
    rows = _rows(4)
    audit_seal()
    with transaction.atomic():
        audit_guard_remove(connection)
        _raw("DELETE FROM audit_auditseal WHERE event_id = %s", [rows[1].pk])
        _raw("DELETE FROM core_auditevent WHERE id = %s", [rows[1].pk])
    report = audit_chain_verify()
    assert (report.problem, report.broken_event_id) == ("link", rows[2].pk)


def test_cutting_off_the_newest_rows_is_detected():
    rows = _rows(3)
    audit_seal()
    with transaction.atomic():
        audit_guard_remove(connection)
        _raw("DELETE FROM audit_auditseal WHERE event_id = %s", [rows[2].pk])
        _raw("DELETE FROM core_auditevent WHERE id = %s", [rows[2].pk])
    assert audit_chain_verify().problem == "head"


def test_a_row_slipped_in_below_the_sealed_range_is_detected():
    AuditEvent.objects.create(id=30_000, event="login.success")
    audit_seal()
    AuditEvent.objects.create(id=5, event="login.success", actor_username="forged")
    assert audit_seal() == 0  # far below the newest seal: not sealed silently
    report = audit_chain_verify()
    assert (report.problem, report.broken_event_id) == ("unsealed", 5)


def test_a_row_committed_late_is_sealed_by_the_next_run(sealed_before):
    """A transaction that took its id before newer rows were sealed."""
    AuditEvent.objects.create(id=20_000, event="login.success")
    audit_seal()
    AuditEvent.objects.create(id=19_990, event="logout")
    assert audit_seal() == 1
    report = audit_chain_verify()
    assert report.is_intact and report.checked == sealed_before + 2
    assert report.unsealed == 0


def test_the_verify_command_reports_an_intact_chain(sealed_before):
    from io import StringIO

    _rows(2)
    out = StringIO()
    call_command("audit_verify", "--seal-first", stdout=out)
    assert f"audit chain intact: {sealed_before + 2} rows checked" in out.getvalue()


# --- the database's own guard ---------------------------------------------------


def test_the_database_refuses_to_update_an_audit_row():
    row = _rows(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE core_auditevent SET event = 'x' WHERE id = %s", [row.pk])
    assert AuditEvent.objects.get(pk=row.pk).event == "login.success"


def test_the_database_refuses_to_delete_a_young_audit_row():
    old = timezone.now() - dt.timedelta(days=182)
    row = AuditEvent.objects.create(event="login.success", occurred_at=old)
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("DELETE FROM core_auditevent WHERE id = %s", [row.pk])
    assert AuditEvent.objects.filter(pk=row.pk).exists()


def test_the_database_refuses_to_change_seals_of_existing_rows(sealed_before):
    _rows(1)
    audit_seal()
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE audit_auditseal SET digest = 'x'")
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("DELETE FROM audit_auditseal")
    assert AuditSeal.objects.count() == sealed_before + 1


def test_the_apps_connection_cannot_empty_the_audit_table():
    """PostgreSQL: no UPDATE or TRUNCATE privilege for the app's role, and TRUNCATE
    refused; SQLite (no TRUNCATE): deleting every row is refused by the guard."""
    AuditEvent.objects.create(event="login.success")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            superuser = cursor.fetchone()[0]  # privileges do not bind a superuser
            cursor.execute(
                "SELECT has_table_privilege('core_auditevent', 'UPDATE'),"
                " has_table_privilege('core_auditevent', 'TRUNCATE'),"
                " has_table_privilege('audit_auditseal', 'UPDATE')"
            )
            privileges = cursor.fetchone()
        if not superuser:
            assert privileges == (False, False, False)
        statement = "TRUNCATE core_auditevent"
    else:
        statement = "DELETE FROM core_auditevent"
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw(statement)
    assert AuditEvent.objects.exists()


# --- retention --------------------------------------------------------------------


def test_retention_removes_only_sealed_rows_older_than_183_days():
    now = timezone.now()
    old = [
        AuditEvent.objects.create(
            event="login.success", occurred_at=now - dt.timedelta(days=d)
        )
        for d in (400, 200, 190)
    ]
    young = [
        AuditEvent.objects.create(
            event="login.success", occurred_at=now - dt.timedelta(days=d)
        )
        for d in (182, 100, 0)
    ]
    audit_seal()
    AuditEvent.objects.create(event="logout", occurred_at=now - dt.timedelta(days=300))
    assert audit_purge() == 3
    remaining = set(AuditEvent.objects.values_list("pk", flat=True))
    assert not remaining & {r.pk for r in old}
    assert {r.pk for r in young} <= remaining
    assert AuditEvent.objects.filter(event="logout").exists()  # unsealed: kept
    purge = AuditEvent.objects.get(event="audit.purge")
    assert purge.data["deleted"] == 3 and purge.data["retention_days"] == 183
    audit_seal()
    assert audit_chain_verify().is_intact  # the chain now starts at its anchor


def test_a_longer_retention_from_the_policy_keeps_more():
    SecurityPolicy.objects.filter(pk=1).update(audit_retention_days=365)
    now = timezone.now()
    AuditEvent.objects.create(event="a", occurred_at=now - dt.timedelta(days=400))
    kept = AuditEvent.objects.create(
        event="b", occurred_at=now - dt.timedelta(days=200)
    )
    audit_seal()
    assert audit_purge() == 1
    assert AuditEvent.objects.filter(pk=kept.pk).exists()


def test_retention_stops_at_the_first_young_link_of_the_chain():
    """A young row sealed before an old one (a late commit) protects the rest."""
    now = timezone.now()
    AuditEvent.objects.create(
        id=100, event="a", occurred_at=now - dt.timedelta(days=300)
    )
    AuditEvent.objects.create(id=102, event="b", occurred_at=now)
    audit_seal()
    AuditEvent.objects.create(
        id=101, event="c", occurred_at=now - dt.timedelta(days=300)
    )
    audit_seal()
    assert audit_purge() == 1
    assert set(
        AuditEvent.objects.exclude(event="audit.purge").values_list("pk", flat=True)
    ) == {
        101,
        102,
    }
    audit_seal()
    assert audit_chain_verify().is_intact


def test_a_removed_chain_start_is_detected_against_the_anchor():
    now = timezone.now()
    rows = [
        AuditEvent.objects.create(event="a", occurred_at=now - dt.timedelta(days=d))
        for d in (300, 250, 200)
    ]
    audit_seal()
    with transaction.atomic():
        audit_guard_remove(connection)
        _raw("DELETE FROM audit_auditseal WHERE event_id = %s", [rows[0].pk])
        _raw("DELETE FROM core_auditevent WHERE id = %s", [rows[0].pk])
    assert audit_chain_verify().problem == "anchor"


def test_audit_record_rows_are_not_chained_in_the_request():
    """Writers never wait for each other: the row is sealed later."""
    row = audit_record(event="logout")
    assert not AuditSeal.objects.filter(event_id=row.pk).exists()


def test_every_migrate_puts_the_guard_back(sealed_before):
    """SQLite rebuilds a table to alter it, dropping its triggers."""
    from audit.apps import _guard_after_migrate

    row = _rows(1)[0]
    audit_guard_remove(connection)
    _guard_after_migrate(sender=None, using="default")
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE core_auditevent SET event = 'x' WHERE id = %s", [row.pk])
