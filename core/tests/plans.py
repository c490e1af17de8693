"""The database's plan of a query, for tests that a lookup uses its index."""

from django.db import connection


def query_plan(sql: str, params=()) -> str:
    """SQLite's EXPLAIN QUERY PLAN; on PostgreSQL, EXPLAIN with sequential and
    bitmap scans discouraged (with a handful of rows the planner would rather
    scan): an index it cannot use for the query still does not appear."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for knob in ("enable_seqscan", "enable_bitmapscan"):
                cursor.execute(f"SET LOCAL {knob} = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())
