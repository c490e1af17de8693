"""Many wrong logins at the same moment, each in its own thread and database
connection. Run in-process (PostgreSQL) or as a script against a copy of the test
database in a file (SQLite: threads cannot share the in-memory test database)."""

from __future__ import annotations

import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor


def attempt_in_parallel(username: str, password: str, count: int) -> list[str]:
    """The outcome code of each attempt ("ok" or the DomainError's code)."""
    from django.db import connection
    from django.test import RequestFactory

    from accounts.login import api_token_login
    from core.errors import DomainError

    barrier = threading.Barrier(count)

    def one(_index: int) -> str:
        try:
            barrier.wait(timeout=30)
            request = RequestFactory().post(
                "/api/v1/auth/token", REMOTE_ADDR="10.9.8.7"
            )
            request.session = {}
            api_token_login(request=request, username=username, password=password)
            return "ok"
        except DomainError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def lockout_summary(username: str) -> dict:
    from accounts.models import LoginLockout
    from core.models import AuditEvent

    row = LoginLockout.objects.get(username=username)
    events = AuditEvent.objects.filter(actor_username=username)
    return {
        "failures": row.failure_count,
        "locked": row.locked_until is not None,
        "failure_events": events.filter(event="login.failure").count(),
        "lock_events": events.filter(event="login.lock").count(),
        "refused_events": events.filter(event="login.locked").count(),
    }


if __name__ == "__main__":
    import django

    django.setup()
    name, secret, how_many = sys.argv[1], sys.argv[2], int(sys.argv[3])
    outcomes = attempt_in_parallel(name, secret, how_many)
    print(json.dumps({"outcomes": outcomes, **lockout_summary(name)}))
