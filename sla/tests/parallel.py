"""Two consumers run the same tick of the sweep at once, each in its own thread
and database connection. In-process on PostgreSQL; as a script against a copy of
the test database in a file on SQLite (threads cannot share the in-memory one)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor


def sweep_in_parallel(tick: dt.datetime, count: int = 2) -> dict:
    from django.db import connection

    from notify.models import Notification
    from sla.models import ClockEvent
    from sla.tasks import sla_sweep_tick
    from tickets.models import TicketEvent

    barrier = threading.Barrier(count)

    def one(_index: int) -> str:
        try:
            barrier.wait(timeout=30)
            return "ran" if sla_sweep_tick(tick=tick) else "skipped"
        except Exception as exc:  # reported, so that the test shows what happened
            return f"error: {exc.__class__.__name__}: {exc}"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        outcomes = list(pool.map(one, range(count)))
    return {
        "outcomes": outcomes,
        "notifications": Notification.objects.count(),
        "timeline": TicketEvent.objects.filter(data__sla__isnull=False).count(),
        "history": ClockEvent.objects.filter(kind__in=["warned", "breached"]).count(),
    }


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(sweep_in_parallel(dt.datetime.fromisoformat(sys.argv[1]))))
