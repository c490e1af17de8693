"""The load driver: requests over keep-alive ``http.client`` connections from
threads, one scenario at a time, against the app served on loopback."""

from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

# (method, path, body or None, extra headers, expected status)
Request = tuple[str, str, bytes | None, dict[str, str], int]
RequestMaker = Callable[[int], Request]


@dataclass
class Phase:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] | None = None
    first_error: str = ""


class Client:
    """One connection (reopened when the server closes it: gunicorn's sync workers
    close after each response)."""

    def __init__(
        self, host: str, port: int, cookies: dict[str, str] | None = None
    ) -> None:
        self.host, self.port = host, port
        self.cookies = dict(cookies or {})
        self.conn = http.client.HTTPConnection(host, port, timeout=120)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.setdefault("Host", f"{self.host}:{self.port}")
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (
                http.client.RemoteDisconnected,
                ConnectionResetError,
                BrokenPipeError,
            ):
                self.conn.close()
                if attempt:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(value)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        if response.will_close:
            self.conn.close()
        return response.status, dict(response.headers), data

    def close(self) -> None:
        self.conn.close()


def login(host: str, port: int, username: str, password: str) -> dict[str, str]:
    """Log in through the login page as a person does; returns the cookies."""
    client = Client(host, port)
    status, _, body = client.request("GET", "/accounts/login/")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not match:
        raise RuntimeError(f"login page: {status}")
    form = urlencode(
        {
            "csrfmiddlewaretoken": match.group(1).decode(),
            "username": username,
            "password": password,
        }
    ).encode()
    status, headers, _ = client.request(
        "POST",
        "/accounts/login/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{host}:{port}/accounts/login/",
        },
    )
    if status != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"login refused: {status}")
    client.close()
    return client.cookies


def run_phase(
    host: str,
    port: int,
    cookies: dict[str, str],
    make: RequestMaker,
    *,
    connections: int,
    seconds: float,
    max_requests: int | None = None,
    keep_latencies: bool = False,
) -> Phase:
    """Send requests from ``connections`` threads for ``seconds`` (or until
    ``max_requests``); count requests, errors (unexpected status) and latencies."""
    phase = Phase(latencies=[] if keep_latencies else None)
    lock = threading.Lock()
    counter = iter(range(10**9))
    deadline = time.monotonic() + seconds

    def worker() -> None:
        client = Client(host, port, cookies)
        local: list[float] = []
        done = errors = 0
        first_error = ""
        while time.monotonic() < deadline:
            with lock:
                i = next(counter)
            if max_requests is not None and i >= max_requests:
                break
            method, path, body, headers, expected = make(i)
            t0 = time.perf_counter()
            try:
                status, _, data = client.request(method, path, body, headers)
            except OSError as exc:
                status, data = 0, str(exc).encode()
                client.close()
            local.append(time.perf_counter() - t0)
            done += 1
            if status != expected:
                errors += 1
                first_error = first_error or f"{method} {path}: {status} {data[:200]!r}"
        client.close()
        with lock:
            phase.requests += done
            phase.errors += errors
            phase.first_error = phase.first_error or first_error
            if phase.latencies is not None:
                phase.latencies.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.seconds = time.monotonic() - t0
    return phase


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def measure(
    host: str,
    port: int,
    cookies: dict[str, str],
    make: RequestMaker,
    *,
    seconds: float,
    warmup: int = 5,
) -> dict:
    """One HTTP scenario: warm-up, latency at 1 connection, throughput at 4."""
    run_phase(
        host, port, cookies, make, connections=1, seconds=seconds, max_requests=warmup
    )
    single = run_phase(
        host, port, cookies, make, connections=1, seconds=seconds, keep_latencies=True
    )
    four = run_phase(host, port, cookies, make, connections=4, seconds=seconds)
    latencies = single.latencies or [0.0]
    return {
        "status": "measured",
        "rps4": round(four.requests / four.seconds, 2) if four.seconds else None,
        "requests4": four.requests,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "requests1": single.requests,
        "errors": single.errors + four.errors,
        "first_error": single.first_error or four.first_error,
    }


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of each child of the gunicorn master (from /proc)."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text()
    except OSError:
        return []
    sizes = []
    for pid in children.split():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(round(int(line.split()[1]) / 1024, 1))
    return sizes
