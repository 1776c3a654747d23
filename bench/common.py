"""Shared pieces of the benchmarks: a throw-away database, servers as subprocesses, wrk."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import psutil

if TYPE_CHECKING:
    from carteira.core.config import Settings

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
WORKER = [PYTHON, "-m", "carteira", "worker"]  # the arq worker: jobs and the price tick
JWT_SECRET = "bench-secret-" + "x" * 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class BenchDatabase:
    server_url: str  # admin URL (database "postgres")
    name: str

    @property
    def url(self) -> str:
        from carteira.core.embedded import with_database

        return with_database(self.server_url, self.name)


def bench_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "JWT_SECRET": JWT_SECRET,
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
        "BCRYPT_ROUNDS": "4",
        # The benchmarks hold hundreds of sockets as one user (the default allows 20).
        "WS_MAX_PER_USER": "1000",
        **extra,
    }


BENCH_PASSWORD = "bench-password"


def prepare_database(
    env: dict[str, str], users: tuple[tuple[str, str], ...] = (("bench@example.com", "reader"),)
) -> None:
    """Migrations, then the accounts (`email`, `role`) the benchmark logs in with."""
    commands = [["migrate"]]
    commands += [["create-user", "--email", email, "--role", role] for email, role in users]
    for command in commands:
        subprocess.run(
            [PYTHON, "-m", "carteira", *command],
            input=f"{BENCH_PASSWORD}\n".encode(),
            env=env,
            cwd=REPO,
            check=True,
            capture_output=True,
        )


def login(base: str, email: str = "bench@example.com") -> str:
    """An access token for one of the accounts `prepare_database` created."""
    import urllib.request

    request = urllib.request.Request(
        f"{base}/auth/login",
        data=json.dumps({"email": email, "password": BENCH_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        token: str = json.loads(response.read())["access_token"]
        return token


def server_urls() -> tuple[str, str]:
    """BENCH_DATABASE_URL/BENCH_REDIS_URL, else the local servers every dev machine here has."""
    pg = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    return pg, redis


@contextlib.contextmanager
def fresh_database(prefix: str) -> Iterator[BenchDatabase]:
    """A throw-away database, and the benchmarks' Redis db emptied: what one run leaves there
    (quotes remembered as unknown for 10 minutes, sockets' subscriptions the next worker
    ticks) must not reach the next run, which has other tickers on its fake Yahoo."""
    from redis import Redis

    from carteira.core.embedded import create_database, drop_database

    server, redis_url = server_urls()
    with Redis.from_url(redis_url) as redis:
        redis.flushdb()
    database = BenchDatabase(server, f"{prefix}_{uuid.uuid4().hex[:8]}")
    asyncio.run(create_database(server, database.name))
    try:
        yield database
    finally:
        asyncio.run(drop_database(server, database.name))


@contextlib.contextmanager
def process(
    args: list[str], env: dict[str, str], ready_url: str | None = None, *, timeout: float = 30
) -> Iterator[psutil.Process]:
    # The server's log goes to a file: an unread pipe fills (64 KB) and the server then
    # blocks on its next log line, which looks like a server that stopped answering.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log)
        try:
            if ready_url:
                wait_http(ready_url, proc, log, timeout)
            yield psutil.Process(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextlib.contextmanager
def bench_database(
    prefix: str = "carteira_bench",
    *,
    users: tuple[tuple[str, str], ...] = (("bench@example.com", "reader"),),
    **extra: str,
) -> Iterator[tuple[BenchDatabase, dict[str, str]]]:
    """A throw-away database (`fresh_database`), migrated and with the accounts `users`, and
    the environment a server or worker on it runs with (`bench_env` plus `extra`)."""
    _, redis_url = server_urls()
    with fresh_database(prefix) as database:
        env = bench_env(database.url, redis_url, **extra)
        prepare_database(env, users=users)
        yield database, env


def bench_settings(env: dict[str, str], **extra: object) -> Settings:
    """The settings of the code a benchmark runs in its own process (seeding, rebuilding) on
    the database and Redis of `env`."""
    from carteira.core.config import Settings

    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="test",
        database_url=env["DATABASE_URL"],
        redis_url=env["REDIS_URL"],
        jwt_secret=env["JWT_SECRET"],
        log_level="WARNING",
        **extra,
    )


@contextlib.contextmanager
def serve_api(
    env: dict[str, str], *args: str, ready: str = "/health", timeout: float = 30
) -> Iterator[tuple[str, psutil.Process]]:
    """One `carteira serve` on a free port (with `args`), once `ready` answers: its base URL
    and its process."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [PYTHON, "-m", "carteira", "serve", "--port", str(port), *args]
    with process(serve, env, f"{base}{ready}", timeout=timeout) as proc:
        yield base, proc


def wait_http(
    url: str, proc: subprocess.Popen[bytes], log: IO[bytes] | None = None, timeout: float = 30
) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said = b""
            if log is not None:
                log.seek(0)
                said = log.read()
            raise RuntimeError(f"server exited: {said.decode(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    non_2xx: int
    requests: int = 0
    ok_per_second: float = 0.0  # 2xx/3xx answers only (wrk's rate counts every answer)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert match, text
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(
    url: str,
    *,
    token: str | None = None,
    seconds: int = 10,
    connections: int = 64,
    script: Path | None = None,
    timeout: int | None = None,
) -> WrkResult:
    """`timeout`: seconds before wrk counts a request as timed out (its default is 2); a timed
    out request still counts in the rate once answered, but not in the latencies."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if timeout:
        args[1:1] = ["--timeout", f"{timeout}s"]
    if script:
        args[1:1] = ["-s", str(script)]
    if token:
        args[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    ok = rps * (requests - non_2xx) / requests if requests else 0.0
    return WrkResult(rps, p50, p99, errors, non_2xx, requests, ok)


def median_result(results: list[WrkResult]) -> WrkResult:
    return WrkResult(
        statistics.median(r.requests_per_second for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.errors for r in results),
        sum(r.non_2xx for r in results),
        sum(r.requests for r in results),
        statistics.median(r.ok_per_second for r in results),
    )


def dump(path: Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str))


def print_table(rows: list[dict[str, object]], columns: dict[str, str]) -> None:
    """A markdown table of `rows`; `columns` maps a row key to its header."""
    print("| " + " | ".join(columns.values()) + " |")
    print("| --- |" + " ---: |" * (len(columns) - 1))
    for row in rows:
        cells = []
        for key in columns:
            value = row[key]
            cells.append(f"{value:.1f}" if isinstance(value, float) else str(value))
        print("| " + " | ".join(cells) + " |")


def fetch(url: str, token: str) -> bytes:
    import urllib.request

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        body: bytes = response.read()
        return body


def settle(proc: psutil.Process, *, busy_pct: float = 10.0, at_most: float = 120.0) -> None:
    """Until the process stops working (requests left in flight by a finished wrk run go on
    being served after wrk hangs up: the next run must not share the cores with them)."""
    deadline = time.monotonic() + at_most
    proc.cpu_percent(None)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if proc.cpu_percent(None) < busy_pct:
            return


class RssSampler(threading.Thread):
    """The peak RSS of a process, sampled every `interval` s until `running` is cleared."""

    def __init__(self, proc: psutil.Process, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.proc, self.interval, self.peak, self.running = proc, interval, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(self.interval)


# The columns of `compare_with_ceiling`'s rows, for `print_table`.
CEILING_COLUMNS = {
    "endpoint": "endpoint",
    "api_rps": "API req/s",
    "ceiling_rps": "ceiling req/s",
    "ratio_pct": "ratio %",
    "api_p50_ms": "p50 ms",
    "api_p99_ms": "p99 ms",
    "errors": "socket errors",
    "non_2xx": "non-2xx",
    "api_peak_rss_mb": "API peak RSS MB",
}


def compare_with_ceiling(
    api: str,
    token: str,
    endpoints: dict[str, tuple[str, Path | None]],
    *,
    env: dict[str, str],
    api_process: psutil.Process,
    runs: int,
    seconds: int,
    timeout: int | None = None,
    settled: bool = False,
) -> list[dict[str, object]]:
    """wrk on each endpoint (label -> path, optional wrk script) and on a bare Starlette app
    returning the very same bytes (no auth, no database), alternated `runs` times; medians.
    `timeout`: wrk's (seconds); `settled`: after each run on the API, wait until it has served
    what the run left in flight."""
    import tempfile

    rows: list[dict[str, object]] = []
    ceiling_port = free_port()
    for label, (path, script) in endpoints.items():
        body = fetch(api + path, token)
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            handle.write(body)
        ceiling_env = {**env, "CEILING_BODY_FILE": handle.name}
        ceiling = [PYTHON, "-m", "uvicorn", "bench.ceiling:app", "--port", str(ceiling_port)]
        ceiling += ["--log-level", "warning", "--no-access-log"]
        with process(ceiling, ceiling_env, f"http://127.0.0.1:{ceiling_port}/ping"):
            sampler = RssSampler(api_process)
            sampler.start()
            api_runs, ceiling_runs = [], []
            wrk(api + path, token=token, seconds=2, script=script, timeout=timeout)  # warm-up
            if settled:
                settle(api_process)
            for _ in range(runs):
                ceiling_runs.append(
                    wrk(f"http://127.0.0.1:{ceiling_port}{path}", seconds=seconds, timeout=timeout)
                )
                api_runs.append(
                    wrk(api + path, token=token, seconds=seconds, script=script, timeout=timeout)
                )
                if settled:
                    settle(api_process)
            sampler.running = False
        Path(handle.name).unlink()
        api_result, ceiling_result = median_result(api_runs), median_result(ceiling_runs)
        rows.append(
            {
                "endpoint": label,
                "api_rps": api_result.requests_per_second,
                "ceiling_rps": ceiling_result.requests_per_second,
                "ratio_pct": 100
                * api_result.requests_per_second
                / ceiling_result.requests_per_second,
                "api_p50_ms": api_result.p50_ms,
                "api_p99_ms": api_result.p99_ms,
                "errors": api_result.errors,  # connect/read/write errors and timeouts (2 s)
                "non_2xx": api_result.non_2xx,
                "api_ok_rps": api_result.ok_per_second,
                "ok_ratio_pct": 100 * api_result.ok_per_second / ceiling_result.requests_per_second,
                "api_peak_rss_mb": sampler.peak / 2**20,
                "bytes": len(body),
            }
        )
    return rows
