"""The table and the count of bars met (no timing here)."""

import pytest

from bench.scenarios import (
    SCENARIOS,
    Bar,
    Scenario,
    function_resolve,
    scenario_met,
    summarize,
    table,
)

LIST = Scenario("list", "list", "http", Bar(min_ratio=0.05, max_p50_ms=25))


def _measured(**values):
    return {"status": "measured", "errors": 0, **values}


def test_a_bar_needs_every_condition():
    assert scenario_met(LIST, _measured(ratio=0.06, p50_ms=20))
    assert not scenario_met(LIST, _measured(ratio=0.04, p50_ms=20))
    assert not scenario_met(LIST, _measured(ratio=0.06, p50_ms=26))
    assert not scenario_met(LIST, _measured(ratio=0.06, p50_ms=20, errors=1))
    assert not scenario_met(LIST, {"status": "not built"})
    assert not scenario_met(LIST, None)
    assert scenario_met(Scenario("t", "t", "http"), _measured(rps4=5)) is None


def test_a_function_bar_is_in_seconds():
    sweep = Scenario("s", "s", "function", Bar(max_seconds=10), function="x.y")
    assert scenario_met(sweep, _measured(seconds=9.5))
    assert not scenario_met(sweep, _measured(seconds=10.5))


def test_ratios_come_from_the_trivial_view_and_missing_scenarios_are_named_apart():
    scenarios = [
        Scenario("trivial", "trivial", "http"),
        LIST,
        Scenario("dash", "dashboard", "missing", Bar(max_p50_ms=300)),
    ]
    results = {
        "trivial": _measured(rps4=1000.0, p50_ms=2.0, p95_ms=3.0),
        "list": _measured(rps4=80.0, p50_ms=20.0, p95_ms=30.0),
    }
    summary = summarize(results, [150.0, 120.0], scenarios)
    rows = {row["key"]: row for row in summary.rows}
    assert rows["list"]["ratio"] == 0.08 and rows["list"]["met"] is True
    assert rows["dash"]["status"] == "not built" and rows["dash"]["met"] is None
    assert rows["worker_memory"]["met"] is True
    assert (summary.met, summary.total) == (2, 2)
    printed = table(summary).splitlines()
    assert printed[-1] == "bench: 2 of 2 bars met"
    assert printed[-2] == "not built yet, so not counted: dashboard."
    assert "0.080" in "\n".join(printed)
    # a scenario that exists but did not run is a bar not met
    skipped = summarize({"trivial": results["trivial"]}, [150.0], scenarios)
    assert (skipped.met, skipped.total) == (1, 2)


def test_memory_over_the_bar_or_unknown_is_not_met():
    assert summarize({}, [201.0], []).met == 0
    assert summarize({}, [], []).met == 0
    assert summarize({}, [199.0], []).met == 1


def test_the_sla_sweep_is_a_scenario_reported_not_built_while_missing():
    sweep = next(s for s in SCENARIOS if s.key == "sla_sweep")
    assert sweep.kind == "function" and sweep.bar.max_seconds == 10
    assert function_resolve("bench.nowhere.sweep") is None
    assert function_resolve("bench.scenarios.table") is table
    summary = summarize({"sla_sweep": {"status": "not built"}}, [], [sweep])
    assert summary.rows[0]["met"] is False


@pytest.mark.django_db
def test_the_sla_sweep_scenario_times_the_sweep_at_volume_and_keeps_nothing(
    demo_accounts,
):
    """At a small volume here; the benchmark runs it at 100,000."""
    from bench.sla_sweep import sweep_bench
    from sla.models import TicketClock
    from tickets.models import Ticket

    result = sweep_bench(tickets=200, due_share=0.05)
    assert result.tickets == 200 and result.clocks == 600
    assert result.due == 30 and result.breached == 30
    assert not Ticket.objects.exists() and not TicketClock.objects.exists()


def test_the_benchmarks_registrations_are_accepted_and_read_like_the_year(
    client, demo_accounts
):
    """The create scenario registers tickets drawn as the generated ones are: each
    one is accepted by the API (201), and they vary as the year's tickets do."""
    import datetime as dt
    import json
    import random

    from accounts.services import api_token_issue
    from bench.generate import registration
    from customers.tests.factories import CustomerFactory

    customer = CustomerFactory(name="杭州恒通物流有限公司")
    key, _ = api_token_issue(user=demo_accounts["agent"])
    now = dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC)
    drawn = [registration(random.Random(f"7:{i}"), now) for i in range(60)]
    assert len({d["subject"] for d in drawn}) > 30
    assert len({d["type"] for d in drawn}) >= 5
    for body in drawn:
        response = client.post(
            "/api/v1/tickets",
            json.dumps({**body, "customer": customer.pk}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert response.status_code == 201, response.content
