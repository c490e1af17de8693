"""Two consumers, one tick: the sweep runs once (SQLite file and PostgreSQL)."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from accounts.tests.helpers import clock_at
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
        connection.ensure_connection()
        target = sqlite3.connect(tmp_path / "kefu.sqlite3")
        connection.connection.backup(target)
        target.close()
        env = {
            **os.environ,
            "KEFU_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "kefu.settings_test",
            "DATABASE_URL": "",
            "REDIS_URL": "",
        }
        done = subprocess.run(
            [sys.executable, "-m", "sla.tests.parallel", tick.isoformat()],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
    else:
        result = parallel.sweep_in_parallel(tick)
    assert sorted(result["outcomes"]) == ["ran", "skipped"], result
    # Owner and supervisor told once per breach; one escalation each.
    assert result["notifications"] == 6
    assert result["timeline"] == 3
    assert result["history"] == 3
