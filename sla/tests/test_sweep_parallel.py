"""Two consumers, one tick: the sweep runs once (SQLite file and PostgreSQL)."""

import pytest
from django.db import connection

from accounts.tests.helpers import clock_at
from core.tests.sqlite_file import run_on_a_sqlite_file
from sla.tests import parallel
from sla.tests.clock_helpers import at, level_make

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_consumers_run_one_tick_once(users, make_ticket, tmp_path):
    level_make(users, name="默认")
    monday = at(2026, 11, 2, 10, 0)
    with clock_at(monday):
        for _ in range(3):
            make_ticket(received_at=monday)
    tick = at(2026, 11, 2, 12, 30)  # three first responses breached
    if connection.vendor == "sqlite":
        result = run_on_a_sqlite_file(tmp_path, "sla.tests.parallel", tick.isoformat())
    else:
        result = parallel.sweep_in_parallel(tick)
    assert sorted(result["outcomes"]) == ["ran", "skipped"], result
    # Owner and supervisor told once per breach; one escalation each.
    assert result["notifications"] == 6
    assert result["timeline"] == 3
    assert result["history"] == 3
