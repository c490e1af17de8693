"""The scenarios and their bars (DESIGN.md "Performance"), and the table of a run.

A scenario is measured over HTTP (``http``), by calling a function of the product in
the benchmark's database (``function``), or is ``missing``: the product has no such
module yet (the dashboard, the monthly reports). The bars are those of the scenarios
that exist (issue 12: "for every scenario that exists when this issue is worked"): a
missing scenario is printed as "not built", is not counted in "N of M bars met", and
is named on the line above it, so that it is never mistaken for one that passed. A
scenario that exists but was not measured (skipped, failed to run) counts as not met.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Bar:
    """What a scenario must reach; ``None`` = no such condition."""

    min_ratio: float | None = None  # requests/s at 4 connections ÷ the trivial view's
    max_p50_ms: float | None = None  # median latency at 1 connection
    max_seconds: float | None = None  # one run of a function or one slow request

    def describe(self) -> str:
        parts = []
        if self.min_ratio is not None:
            parts.append(f"≥ {self.min_ratio:g}×")
        if self.max_p50_ms is not None:
            parts.append(f"p50 ≤ {self.max_p50_ms:g} ms")
        if self.max_seconds is not None:
            parts.append(f"≤ {self.max_seconds:g} s")
        return ", ".join(parts)


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    kind: str  # "http", "function", "missing"
    bar: Bar | None = None  # None: measured, no bar (the trivial view, customer pages)
    # for "function": a dotted path; when it cannot be imported the scenario is missing
    function: str = ""
    note: str = ""


LIST_BAR = Bar(min_ratio=0.05, max_p50_ms=25)
SEARCH_BAR = Bar(min_ratio=0.02, max_p50_ms=60)

SCENARIOS: list[Scenario] = [
    Scenario("trivial", "trivial Django view (reference)", "http"),
    Scenario(
        "ticket_list_page",
        "ticket list, first page, default view (page)",
        "http",
        LIST_BAR,
    ),
    Scenario(
        "ticket_list_api",
        "ticket list, first page, default view (API)",
        "http",
        LIST_BAR,
    ),
    Scenario(
        "ticket_detail", "ticket detail with its timeline (page)", "http", LIST_BAR
    ),
    Scenario("ticket_create", "create a ticket (API)", "http", Bar(min_ratio=0.04)),
    Scenario(
        "ticket_search",
        "search tickets, two Chinese characters (page)",
        "http",
        SEARCH_BAR,
    ),
    Scenario(
        "customer_search",
        "search customers, two Chinese characters (page)",
        "http",
        SEARCH_BAR,
    ),
    Scenario("customer_list", "customer list, first page (page)", "http"),
    Scenario("customer_detail", "customer detail (page)", "http"),
    # The service-level sweep over 100,000 open tickets with their clocks (loaded
    # in a transaction that is rolled back), 5 % of them due.
    Scenario(
        "sla_sweep",
        "SLA sweep over all open tickets",
        "function",
        Bar(max_seconds=10),
        function="bench.sla_sweep.sweep_scenario",
        note="bar set at 100,000 open tickets",
    ),
    Scenario(
        "dashboard",
        "dashboard of indices, current month",
        "missing",
        Bar(max_p50_ms=300),
    ),
    Scenario(
        "report_month", "monthly report of a department", "missing", Bar(max_seconds=2)
    ),
    Scenario("export_month", "xlsx export of a month", "missing", Bar(max_seconds=2)),
]
MEMORY_BAR_MB = 200


def function_resolve(path: str):
    """The callable at ``module.name``, or None while it does not exist."""
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def scenario_met(scenario: Scenario, result: dict[str, Any] | None) -> bool | None:
    """True/False against the bar; None when the scenario has no bar. Not built, not
    measured or any error: not met."""
    if scenario.bar is None:
        return None
    if not result or result.get("status") != "measured" or result.get("errors"):
        return False
    bar = scenario.bar
    checks = []
    if bar.min_ratio is not None:
        checks.append(
            result.get("ratio") is not None and result["ratio"] >= bar.min_ratio
        )
    if bar.max_p50_ms is not None:
        checks.append(
            result.get("p50_ms") is not None and result["p50_ms"] <= bar.max_p50_ms
        )
    if bar.max_seconds is not None:
        seconds = result.get("seconds")
        checks.append(seconds is not None and seconds <= bar.max_seconds)
    return all(checks)


@dataclass
class Summary:
    rows: list[dict] = field(default_factory=list)
    met: int = 0
    total: int = 0
    not_built: list[str] = field(default_factory=list)


def summarize(
    results: dict[str, dict],
    worker_rss_mb: list[float],
    scenarios: list[Scenario] = SCENARIOS,
) -> Summary:
    """Each scenario's row with its verdict, the memory bar, and the count."""
    summary = Summary()
    trivial = (results.get("trivial") or {}).get("rps4")
    for scenario in scenarios:
        result = dict(results.get(scenario.key) or {"status": "not built"})
        if result.get("rps4") is not None and trivial and scenario.key != "trivial":
            result["ratio"] = round(result["rps4"] / trivial, 4)
        if scenario.kind == "missing":
            result["status"] = "not built"
            summary.not_built.append(scenario.title)
            met = None
        else:
            met = scenario_met(scenario, result)
        if met is not None:
            summary.total += 1
            summary.met += met
        summary.rows.append(
            {
                "key": scenario.key,
                "title": scenario.title,
                "bar": scenario.bar.describe() if scenario.bar else "",
                "met": met,
                **result,
            }
        )
    memory_met = bool(worker_rss_mb) and max(worker_rss_mb) <= MEMORY_BAR_MB
    summary.total += 1
    summary.met += memory_met
    summary.rows.append(
        {
            "key": "worker_memory",
            "title": "worker memory after all scenarios",
            "bar": f"≤ {MEMORY_BAR_MB} MB RSS each",
            "met": memory_met,
            "status": "measured" if worker_rss_mb else "not measured",
            "rss_mb": worker_rss_mb,
        }
    )
    return summary


def _num(value: Any, fmt: str) -> str:
    return "" if value is None else format(value, fmt)


def table(summary: Summary) -> str:
    """The printed table; its last line is ``bench: N of M bars met``."""
    head = ["scenario", "req/s@4", "ratio", "p50 ms", "p95 ms", "errors", "bar", "met"]
    lines = [head]
    for row in summary.rows:
        verdict = {True: "yes", False: "NO", None: "-"}[row["met"]]
        if row["key"] == "worker_memory":
            rss = row.get("rss_mb") or []
            lines.append(
                [
                    row["title"],
                    "",
                    "",
                    "",
                    "",
                    "",
                    f"{row['bar']} (now {', '.join(f'{r:.0f}' for r in rss) or '?'})",
                    verdict,
                ]
            )
            continue
        if row.get("status") != "measured":
            lines.append(
                [
                    row["title"],
                    row.get("status", "not built"),
                    "",
                    "",
                    "",
                    "",
                    row["bar"],
                    verdict,
                ]
            )
            continue
        if row.get("seconds") is not None and row.get("rps4") is None:
            lines.append(
                [
                    row["title"],
                    f"{row['seconds']:.2f} s/run",
                    "",
                    "",
                    "",
                    _num(row.get("errors"), "d"),
                    row["bar"],
                    verdict,
                ]
            )
            continue
        lines.append(
            [
                row["title"],
                _num(row.get("rps4"), ".1f"),
                _num(row.get("ratio"), ".3f"),
                _num(row.get("p50_ms"), ".1f"),
                _num(row.get("p95_ms"), ".1f"),
                _num(row.get("errors"), "d"),
                row["bar"],
                verdict,
            ]
        )
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    out = [
        " | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    out.insert(1, "-+-".join("-" * w for w in widths))
    if summary.not_built:
        out.append(
            "not built yet, so not counted: " + "; ".join(summary.not_built) + "."
        )
    out.append(f"bench: {summary.met} of {summary.total} bars met")
    return "\n".join(out)
