"""Run the benchmark: make the database, generate the data, serve the app with
gunicorn (2 sync workers) on loopback, drive every scenario from this process, write
``bench/results/<name>.json`` and print the table.

    python -m bench.run --name quick-sqlite --tickets 100000
    python -m bench.run --name 1m-postgresql --tickets 1000000 --database postgresql

PostgreSQL: ``--database-url`` (or ``BENCH_DATABASE_URL`` / ``DATABASE_URL``) names
the server; the database ``kefu_bench_<name>`` is dropped and made again there.
Data lives under ``var/bench/<name>/`` (not in git); ``--reuse`` keeps the generated
database of an earlier run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import driver
from bench.generate import BENCH_PASSWORD, BENCH_USER, registration
from bench.scenarios import SCENARIOS, function_resolve, summarize, table

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
TICKET_TERMS = ["破损", "延误", "退货", "安装", "发票", "维修", "配送", "回访"]
CUSTOMER_TERMS = ["物流", "贸易", "科技", "上海", "电器", "食品", "有限", "杭州"]


def log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)


def machine() -> dict:
    try:
        info = Path("/proc/cpuinfo").read_text().splitlines()
        meminfo = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        info = meminfo = []
    cpu = next(
        (x.split(":", 1)[1].strip() for x in info if x.startswith("model name")), ""
    )
    mem_kb = next((int(x.split()[1]) for x in meminfo if x.startswith("MemTotal")), 0)
    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
    }


def database_env(args, data_dir: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        KEFU_DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",
        DEBUG="0",
    )
    if args.database == "postgresql":
        base = (
            args.database_url
            or os.environ.get("BENCH_DATABASE_URL")
            or os.environ.get("DATABASE_URL", "")
        )
        if not base.startswith("postgres"):
            sys.exit(
                "bench: PostgreSQL needs --database-url, BENCH_DATABASE_URL or DATABASE_URL"
            )
        name = "kefu_bench_" + re.sub(r"\W", "_", args.name).lower()
        parts = urlsplit(base)
        env["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
        env["BENCH_ADMIN_URL"] = urlunsplit(parts._replace(path="/postgres"))
        env["BENCH_DB_NAME"] = name
    return env


def database_fresh(env: dict[str, str], data_dir: Path) -> None:
    if "BENCH_DB_NAME" in env:
        import psycopg

        with psycopg.connect(env["BENCH_ADMIN_URL"], autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{env["BENCH_DB_NAME"]}"')
            conn.execute(f'CREATE DATABASE "{env["BENCH_DB_NAME"]}"')
    for name in (
        "kefu.sqlite3",
        "kefu.sqlite3-wal",
        "kefu.sqlite3-shm",
        "huey.sqlite3",
    ):
        (data_dir / name).unlink(missing_ok=True)


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def serve(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "kefu.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        "2",
        "--worker-class",
        "sync",
        "--timeout",
        "120",
        "--no-control-socket",
    ]
    with open(log_path, "ab") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"bench: gunicorn ended, see {log_path}")
        try:
            status, _, _ = driver.Client(HOST, port).request("GET", "/bench/trivial/")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.terminate()
    sys.exit("bench: gunicorn did not answer in 60 s")


def fixtures(rng: random.Random) -> dict:
    """What the requests need, read from the benchmark database as the user may see
    it: a token, visible tickets and customers, a customer to register tickets for."""
    from django.db import connection

    from accounts.models import User
    from accounts.services import api_token_issue
    from customers.models import Customer
    from customers.permissions import customer_visibility_q
    from tickets.models import Ticket
    from tickets.permissions import ticket_visibility_q

    user = User.objects.select_related("department").get(username=BENCH_USER)
    key, _ = api_token_issue(user=user, name="bench")
    top = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = rng.sample(range(1, top + 1), min(top, 2000))
    numbers = list(
        Ticket.objects.filter(ticket_visibility_q(user), pk__in=ids).values_list(
            "number", flat=True
        )[:500]
    )
    rng.shuffle(numbers)
    ctop = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    cids = rng.sample(range(1, ctop + 1), min(ctop, 2000))
    customers = list(
        Customer.objects.filter(customer_visibility_q(user), pk__in=cids).values_list(
            "pk", flat=True
        )[:500]
    )
    rng.shuffle(customers)
    result = {
        "seed": rng.randrange(2**32),
        "now": dt.datetime.now(dt.UTC),
        "token": key,
        "numbers": numbers,
        "customers": customers,
        "open_tickets": Ticket.objects.filter(is_open=True).count(),
        "user": {"username": user.username, "department": user.department.name},
    }
    connection.close()
    return result


def http_makers(fx: dict) -> dict:
    bearer = {"Authorization": f"Bearer {fx['token']}", "Accept": "application/json"}
    numbers, customers = fx["numbers"], fx["customers"]
    from urllib.parse import quote

    def create(i: int):
        drawn = registration(random.Random(f"{fx['seed']}:{i}"), fx["now"])
        body = json.dumps({**drawn, "customer": customers[i % len(customers)]}).encode()
        return (
            "POST",
            "/api/v1/tickets",
            body,
            {**bearer, "Content-Type": "application/json"},
            201,
        )

    return {
        "trivial": lambda i: ("GET", "/bench/trivial/", None, {}, 200),
        "ticket_list_page": lambda i: ("GET", "/tickets/", None, {}, 200),
        "ticket_list_api": lambda i: ("GET", "/api/v1/tickets", None, bearer, 200),
        "ticket_detail": lambda i: (
            "GET",
            f"/tickets/{numbers[i % len(numbers)]}/",
            None,
            {},
            200,
        ),
        "ticket_create": create,
        "ticket_search": lambda i: (
            "GET",
            "/tickets/?view=all&status=any&q="
            + quote(TICKET_TERMS[i % len(TICKET_TERMS)]),
            None,
            {},
            200,
        ),
        "customer_search": lambda i: (
            "GET",
            f"/customers/?q={quote(CUSTOMER_TERMS[i % len(CUSTOMER_TERMS)])}",
            None,
            {},
            200,
        ),
        "customer_list": lambda i: ("GET", "/customers/", None, {}, 200),
        "customer_detail": lambda i: (
            "GET",
            f"/customers/{customers[i % len(customers)]}/",
            None,
            {},
            200,
        ),
    }


def run_function(path: str) -> dict:
    """Time one run of a product function in the benchmark database."""
    function = function_resolve(path)
    if function is None:
        return {"status": "not built"}
    from django.db import connection

    t0 = time.perf_counter()
    measured: dict = {}
    try:
        # A function may time its own part (e.g. the sweep, not its set-up).
        returned = function()
        measured = returned if isinstance(returned, dict) else {}
        errors = 0
    except Exception as exc:  # reported in the table, never hidden
        errors, error = 1, repr(exc)
    seconds = measured.pop("seconds", None) or time.perf_counter() - t0
    connection.close()
    result = {
        "status": "measured",
        "seconds": round(seconds, 3),
        "errors": errors,
        **measured,
    }
    if errors:
        result["first_error"] = error
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Kefu benchmark")
    parser.add_argument(
        "--name", required=True, help="results/<name>.json, var/bench/<name>/"
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument(
        "--database", choices=["sqlite", "postgresql"], default="sqlite"
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seconds", type=float, default=10.0, help="per phase")
    parser.add_argument("--reuse", action="store_true", help="keep an earlier database")
    parser.add_argument("--only", default="", help="comma-separated scenario keys")
    parser.add_argument(
        "--generate-only", action="store_true", help="make the data, drive nothing"
    )
    args = parser.parse_args(argv)

    data_dir = ROOT / "var" / "bench" / args.name
    data_dir.mkdir(parents=True, exist_ok=True)
    env = database_env(args, data_dir)
    report_path = data_dir / "generate.json"
    if not args.reuse or not report_path.exists():
        log(f"fresh {args.database} database, generating {args.tickets:,} tickets")
        database_fresh(env, data_dir)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "createcachetable")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.generate",
                "--tickets",
                str(args.tickets),
                "--report",
                str(report_path),
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
    else:  # an earlier database catches up with the code's migrations
        manage(env, "migrate", "--noinput", "-v0")
    generation = json.loads(report_path.read_text())
    if args.generate_only:
        return 0

    os.environ.update(env)
    if "DATABASE_URL" not in env:
        os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    rng = random.Random(12)
    fx = fixtures(rng)
    log(
        f"serving with gunicorn, user {fx['user']['username']} ({fx['user']['department']}); "
        f"{fx['open_tickets']:,} open tickets"
    )
    port = free_port()
    server = serve(env, port, data_dir / "gunicorn.log")
    results: dict[str, dict] = {}
    rss: list[float] = []
    load_before = os.getloadavg()
    only = set(filter(None, args.only.split(",")))
    try:
        cookies = driver.login(HOST, port, BENCH_USER, BENCH_PASSWORD)
        makers = http_makers(fx)
        for scenario in SCENARIOS:
            if only and scenario.key not in only and scenario.key != "trivial":
                results[scenario.key] = {"status": "skipped"}
                continue
            if scenario.kind == "http":
                log(f"{scenario.key} …")
                # the reference carries no session: nothing but Django itself
                jar = {} if scenario.key == "trivial" else cookies
                results[scenario.key] = driver.measure(
                    HOST, port, jar, makers[scenario.key], seconds=args.seconds
                )
            elif scenario.kind == "function":
                log(f"{scenario.key} …")
                results[scenario.key] = run_function(scenario.function)
            else:
                results[scenario.key] = {"status": "not built"}
        rss = driver.worker_rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    summary = summarize(results, rss)
    output = {
        "name": args.name,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": args.database,
        "machine": machine(),
        "command": " ".join(
            [Path(sys.executable).name, "-m", "bench.run", *(argv or sys.argv[1:])]
        ),
        "seconds_per_phase": args.seconds,
        # the machine is shared: its load while driving says how far to trust figures
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()],
        },
        "server": "gunicorn, 2 sync workers, 127.0.0.1, bench.settings (DEBUG off)",
        "user": fx["user"],
        "open_tickets": fx["open_tickets"],
        "generation": generation,
        "scenarios": summary.rows,
        "bars_met": summary.met,
        "bars_total": summary.total,
    }
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / f"{args.name}.json").write_text(
        json.dumps(output, ensure_ascii=False, indent=1) + "\n"
    )
    print(
        "load average (1 min) before/after driving: "
        f"{output['load_average']['before'][0]} / {output['load_average']['after'][0]}"
    )
    print(table(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
