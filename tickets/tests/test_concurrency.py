"""Concurrency: numbers stay unique when many people register at the same moment,
and of several people acting on one ticket with the same version exactly one
wins (the others get a conflict) — on a SQLite file (the production options: WAL,
immediate transactions) and on PostgreSQL."""

import pytest
from django.db import connection

from core.tests.sqlite_file import run_on_a_sqlite_file
from tickets.tests import parallel

pytestmark = pytest.mark.django_db(transaction=True)
PARALLEL = 12


def test_numbers_are_unique_under_parallel_registration(make_ticket, tmp_path):
    first = make_ticket().number  # today's counter exists already: the update path
    if connection.vendor == "sqlite":
        result = run_on_a_sqlite_file(
            tmp_path, "tickets.tests.parallel", "create", "-", str(PARALLEL)
        )
    else:
        result = {
            "outcomes": parallel.create_in_parallel(PARALLEL),
            **parallel.summary(),
        }
    outcomes = result["outcomes"]
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    numbers = sorted(result["numbers"])
    assert len(numbers) == len(set(numbers)) == PARALLEL + 1
    day_prefix = first.rsplit("-", 1)[0]
    assert numbers == [f"{day_prefix}-{n:05d}" for n in range(1, PARALLEL + 2)]


def test_of_parallel_actions_with_one_version_exactly_one_wins(make_ticket, tmp_path):
    number = make_ticket("supervisor").number
    count = 8
    if connection.vendor == "sqlite":
        result = run_on_a_sqlite_file(
            tmp_path, "tickets.tests.parallel", "act", number, str(count)
        )
    else:
        result = {
            "outcomes": parallel.act_in_parallel(number, count),
            **parallel.summary(number),
        }
    outcomes = result["outcomes"]
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count("conflict") == count - 1, outcomes
    assert result["version"] == 2
    assert result["transfers"] == result["transfer_count"] == 1
