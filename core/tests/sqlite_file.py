"""Parallel scenarios on SQLite: threads cannot share the in-memory test database,
so it is copied to a file and the scenario runs from a separate process with the
production options (WAL, immediate transactions)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection


def run_on_a_sqlite_file(tmp_path: Path, module: str, *args: str) -> dict:
    """Run ``python -m module args…`` on a copy of the test database; the JSON
    object it prints on its last line."""
    connection.ensure_connection()
    target = sqlite3.connect(tmp_path / "kefu.sqlite3")
    connection.connection.backup(target)
    # The copy starts in the rollback journal; a production database is in WAL from
    # its first migration. Connections opened at the same moment would race each
    # other for the exclusive lock the switch takes ("database is locked").
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    env = {
        **os.environ,
        "KEFU_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "kefu.settings_test",
        "DATABASE_URL": "",
        "REDIS_URL": "",
    }
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
