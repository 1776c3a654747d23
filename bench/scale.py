"""Issue #29: one API process against two (`carteira serve --workers N`), and what one Redis
and one PostgreSQL carry.

    .venv/bin/python -m bench.scale [--seconds 5] [--runs 3] [--processes 1,2]
                                    [--parts http,ticks,fanout] [--sockets 1000] [--ticks 10]

- http: the portfolio data (10,000 clients, 50,000 lots on 200 tickers) with the worker
  running, as deployed. For each process count N, `carteira serve --workers N` and the
  bare-Starlette ceiling served by N processes the same way (`python -m bench.ceiling`, through
  carteira's own serving): `GET /clients` (page 20), a client's allocations (20 lots, valued)
  and its positions, `wrk -t2 -c64`, `--runs` alternating runs of `--seconds` against the
  ceiling returning the same bytes, medians; then deposits (`POST /clients/{id}/transactions`,
  a random client each, as an admin; no ceiling). For every run: how wrk's 64 connections
  split over the API's processes (sampled mid-run), and the CPU the API's PostgreSQL backends
  spent per request. Then each N against one process, for the API and for the ceiling.
- ticks: `--sockets` sockets on `/ws/prices` of one `carteira serve --workers N` (one port:
  the kernel spreads the sockets), `--ticks` ticks published on Redis a second apart
  (bench.realtime's method, without the worker): delivery lag p50/p99, API CPU per tick.
- fanout: a private redis-server (so that its CPU is this benchmark's alone) and
  `carteira serve --workers 4` subscribed to it; small events (a cache invalidation, as every
  write publishes) and price ticks of the 200 held tickers published at a steady rate: Redis
  CPU per event delivered to the 4 processes, each process's CPU per event, and the rate at
  which one Redis core would be busy all the time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import psutil
from tests.support import connect

from bench import realtime
from bench.common import (
    PYTHON,
    REPO,
    WORKER,
    WrkResult,
    bench_env,
    dump,
    fetch,
    free_port,
    fresh_database,
    login,
    median_result,
    prepare_database,
    print_table,
    process,
    server_urls,
    wrk,
)
from bench.fake_market import FakeMarket
from bench.portfolio import ASSETS, CLIENTS, seed
from carteira.core import clock

BNCH = [f"BNCH{n:03d}.SA" for n in range(ASSETS)]
ACCOUNTS = (("bench@example.com", "reader"), ("admin@bench.example", "admin"))
# A deposit to a random client, dated today on the firm's calendar (written per run).
DEPOSIT = """
math.randomseed(os.time())
wrk.headers["Content-Type"] = "application/json"  -- beside -H's Authorization
request = function()
  local amount = math.random(100, 99900) / 100
  local body = '{"kind": "deposit", "date": "%s", "amount": "' .. amount .. '"}'
  return wrk.format("POST", "/clients/" .. math.random(1, %d) .. "/transactions", nil, body)
end
"""
FANOUT_PROCESSES = 4


def serving_processes(root: psutil.Process, workers: int) -> list[psutil.Process]:
    """The processes that accept connections: the server itself, or its N children."""
    if workers == 1:
        return [root]
    return [c for c in root.children() if "resource_tracker" not in " ".join(c.cmdline())]


def wait_listening(root: psutil.Process, workers: int, port: int, seconds: float = 120) -> None:
    """Until every process of the server listens (a process still warming up takes none)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        serving = serving_processes(root, workers)
        listening = [
            p
            for p in serving
            if any(
                c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in p.net_connections()
            )
        ]
        if len(listening) == workers:
            return
        time.sleep(0.2)
    raise TimeoutError(f"{workers} processes never all listened on {port}")


@contextlib.contextmanager
def server(args: list[str], env: dict[str, str], port: int, workers: int, ready: str):
    with process(args, env, f"http://127.0.0.1:{port}{ready}", timeout=120) as root:
        wait_listening(root, workers, port)
        yield root


def api_command(port: int, workers: int) -> list[str]:
    return [PYTHON, "-m", "carteira", "serve", "--port", str(port), "--workers", str(workers)]


def ceiling_command(port: int, workers: int) -> list[str]:
    return [PYTHON, "-m", "bench.ceiling", "--port", str(port), "--workers", str(workers)]


class Split(threading.Thread):
    """How wrk's connections split over the server's processes, counted mid-run."""

    def __init__(self, processes: list[psutil.Process], port: int, after: float) -> None:
        super().__init__(daemon=True)
        self.processes, self.port, self.after = processes, port, after
        self.held: list[int] = []

    def run(self) -> None:
        time.sleep(self.after)
        self.held = [
            sum(
                1
                for c in p.net_connections(kind="tcp")
                if c.laddr.port == self.port and c.status == psutil.CONN_ESTABLISHED
            )
            for p in self.processes
        ]


async def backend_pids(database_url: str, database: str) -> list[int]:
    """The PostgreSQL backends serving API processes (application_name carteira-api/<pid>)."""
    conn = await connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1"
            " AND application_name LIKE 'carteira-api/%'",
            database,
        )
        return [row["pid"] for row in rows]
    finally:
        await conn.close()


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
    return total


class Measured:
    """One wrk run on the API, with the connections' split and the database's CPU."""

    def __init__(self, result: WrkResult, split: list[int], database_us: float) -> None:
        self.result, self.split, self.database_us = result, split, database_us


def measure_api(
    url: str,
    *,
    token: str,
    seconds: int,
    processes: list[psutil.Process],
    port: int,
    database: tuple[str, str],
    script: Path | None = None,
) -> Measured:
    pids = asyncio.run(backend_pids(*database))
    before = cpu_seconds(pids)
    split = Split(processes, port, seconds / 2)
    split.start()
    result = wrk(url, token=token, seconds=seconds, script=script)
    split.join()
    pids += [p for p in asyncio.run(backend_pids(*database)) if p not in pids]
    spent = cpu_seconds(pids) - before
    return Measured(result, split.held, 1e6 * spent / max(result.requests, 1))


def http_part(
    env: dict[str, str],
    *,
    database: tuple[str, str],
    showcase: int,
    counts: list[int],
    runs: int,
    seconds: int,
) -> list[dict[str, object]]:
    endpoints = {
        "GET /clients (page 20)": "/clients?page=3&page_size=20",
        "GET /clients/{id}/allocations (20 lots, valued)": (
            f"/clients/{showcase}/allocations?page_size=20"
        ),
        "GET /clients/{id}/positions": f"/clients/{showcase}/positions",
    }
    rows: list[dict[str, object]] = []
    for workers in counts:
        port = free_port()
        api = f"http://127.0.0.1:{port}"
        with server(api_command(port, workers), env, port, workers, "/ready") as root:
            serving = serving_processes(root, workers)
            reader, admin = login(api), login(api, "admin@bench.example")
            for label, path in endpoints.items():
                body = fetch(api + path, reader)
                with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
                    handle.write(body)
                ceiling_port = free_port()
                ceiling_env = {**env, "CEILING_BODY_FILE": handle.name}
                api_runs: list[Measured] = []
                ceiling_runs: list[WrkResult] = []
                with server(
                    ceiling_command(ceiling_port, workers), ceiling_env, ceiling_port, workers, "/"
                ):
                    wrk(api + path, token=reader, seconds=2)  # warm-up
                    for _ in range(runs):
                        ceiling_runs.append(
                            wrk(f"http://127.0.0.1:{ceiling_port}{path}", seconds=seconds)
                        )
                        api_runs.append(
                            measure_api(
                                api + path,
                                token=reader,
                                seconds=seconds,
                                processes=serving,
                                port=port,
                                database=database,
                            )
                        )
                Path(handle.name).unlink()
                rows.append(_row(label, workers, api_runs, median_result(ceiling_runs)))
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                script.write(DEPOSIT % (clock.today().isoformat(), CLIENTS))
            deposits = [
                measure_api(
                    api + f"/clients/{showcase}/transactions",
                    token=admin,
                    seconds=seconds,
                    processes=serving,
                    port=port,
                    database=database,
                    script=Path(script.name),
                )
                for _ in range(runs)
            ]
            Path(script.name).unlink()
            rows.append(
                _row("POST /clients/{id}/transactions (a deposit)", workers, deposits, None)
            )
    return rows


def _row(
    label: str, workers: int, runs: list[Measured], ceiling: WrkResult | None
) -> dict[str, object]:
    api = median_result([run.result for run in runs])
    splits = [run.split for run in runs]
    return {
        "endpoint": label,
        "processes": workers,
        "api_rps": api.requests_per_second,
        "ceiling_rps": ceiling.requests_per_second if ceiling else 0.0,
        "ratio_pct": 100 * api.requests_per_second / ceiling.requests_per_second
        if ceiling
        else 0.0,
        "p50_ms": api.p50_ms,
        "p99_ms": api.p99_ms,
        "errors": api.errors + api.non_2xx,
        "split": " / ".join("+".join(str(n) for n in split) for split in splits),
        "db_cpu_us": statistics.median(run.database_us for run in runs),
    }


def scaling(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Each process count's rate against one process's, the API's and the ceiling's."""
    one = {row["endpoint"]: row for row in rows if row["processes"] == 1}
    out = []
    for row in rows:
        base = one.get(row["endpoint"])
        if row["processes"] == 1 or base is None:
            continue
        ceiling_ratio = (
            float(row["ceiling_rps"]) / float(base["ceiling_rps"]) if base["ceiling_rps"] else 0.0
        )
        out.append(
            {
                "endpoint": row["endpoint"],
                "processes": f"1 -> {row['processes']}",
                "api_x": float(row["api_rps"]) / float(base["api_rps"]),
                "ceiling_x": ceiling_ratio,
                "p99_ms": f"{float(base['p99_ms']):.1f} -> {float(row['p99_ms']):.1f}",
            }
        )
    return out


def ticks_part(
    env: dict[str, str], redis_url: str, *, counts: list[int], sockets: int, ticks: int
) -> list[dict[str, object]]:
    rows = []
    for workers in counts:
        port = free_port()
        with server(api_command(port, workers), env, port, workers, "/ready") as root:
            token = login(f"http://127.0.0.1:{port}")
            serving = serving_processes(root, workers)
            row = realtime.run_case(env, redis_url, token, [port], sockets, ticks, serving)
            row["api_processes"] = workers
            rows.append(row)
    return rows


@contextlib.contextmanager
def private_redis() -> Iterator[str]:
    port = free_port()
    command = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
    redis = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 10
        from redis import Redis
        from redis.exceptions import ConnectionError as RedisConnectionError

        while True:
            try:
                with Redis.from_url(url) as client:
                    client.ping()
                break
            except RedisConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        redis.terminate()
        redis.wait(10)


async def publish_steadily(redis_url: str, make_event, rate: int, seconds: float) -> int:
    """`rate` events a second for `seconds`, in batches every 10 ms; the number sent."""
    from redis.asyncio import Redis

    from carteira.core.events import EventBus

    redis = Redis.from_url(redis_url)
    bus = EventBus(redis)
    sent = 0
    started = time.monotonic()
    try:
        while (elapsed := time.monotonic() - started) < seconds:
            due = int(elapsed * rate) + 1
            batch = [bus.publish(**make_event(n)) for n in range(sent, due)]
            await asyncio.gather(*batch)
            sent = due
            await asyncio.sleep(0.01)
    finally:
        await redis.aclose()
    return sent


def fanout_part(env: dict[str, str], *, seconds: float = 5) -> list[dict[str, object]]:
    from redis import Redis

    from carteira.realtime.service import TICK

    now = datetime.now(UTC).isoformat()
    quotes = [
        {
            "ticker": ticker,
            "price": str(Decimal(10 + n % 90) + Decimal("0.25")),
            "previous_close": "10",
            "change_pct": 0.1,
            "currency": "BRL",
            "as_of": now,
            "source": "yahoo",
        }
        for n, ticker in enumerate(BNCH)
    ]

    def small(n: int) -> dict[str, object]:
        return {"kind": "cache.invalidate", "namespace": f"bench.nothing.{n % 10}"}

    def tick(_: int) -> dict[str, object]:
        return {"kind": TICK, "held": [], "quotes": quotes, "published_at": time.time()}

    cases = [("a cache invalidation", small, 2000), (f"a tick of {len(BNCH)} quotes", tick, 50)]
    rows = []
    with private_redis() as redis_url:
        port = free_port()
        fan_env = {**env, "REDIS_URL": redis_url}
        workers = FANOUT_PROCESSES
        with server(api_command(port, workers), fan_env, port, workers, "/ready") as root:
            serving = serving_processes(root, workers)
            with Redis.from_url(redis_url) as client:
                channel = "carteira:db0:events"
                subscribed = dict(client.pubsub_numsub(channel))[channel.encode()]
                for label, make_event, rate in cases:
                    size = len(json.dumps(make_event(0)))
                    redis_before = _redis_cpu(client)
                    api_before = sum(sum(p.cpu_times()[:2]) for p in serving)
                    sent = asyncio.run(publish_steadily(redis_url, make_event, rate, seconds))
                    time.sleep(1)  # the subscribers finish what is in flight
                    redis_spent = _redis_cpu(client) - redis_before
                    api_spent = sum(sum(p.cpu_times()[:2]) for p in serving) - api_before
                    still = dict(client.pubsub_numsub(channel))[channel.encode()]
                    redis_us = 1e6 * redis_spent / sent
                    rows.append(
                        {
                            "event": label,
                            "bytes": size,
                            "subscribers": f"{subscribed} -> {still}",
                            "rate": sent / seconds,
                            "redis_us": redis_us,
                            "api_us": 1e6 * api_spent / sent / workers,
                            "redis_core_rate": 1e6 / redis_us if redis_us else 0.0,
                        }
                    )
    return rows


def _redis_cpu(client) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", default="1,2", help="process counts to compare")
    parser.add_argument("--parts", default="http,ticks,fanout")
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--ticks", type=int, default=10)
    args = parser.parse_args()
    counts = [int(n) for n in args.processes.split(",")]
    parts = set(args.parts.split(","))
    load = psutil.getloadavg()
    results: dict[str, object] = {"load_average_before": load}
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    server_url, redis_url = server_urls()
    with (
        fresh_database("carteira_scale") as db,
        FakeMarket([*BNCH, *realtime.TICKERS]) as market,
    ):
        env = bench_env(db.url, redis_url, **market.env())
        prepare_database(env, users=ACCOUNTS)
        showcase = asyncio.run(seed(db.url))
        asyncio.run(realtime.register(db.url))
        if "http" in parts:
            with process(WORKER, env):  # as deployed: its tick keeps the held quotes fresh
                rows = http_part(
                    env,
                    database=(server_url, db.name),
                    showcase=showcase,
                    counts=counts,
                    runs=args.runs,
                    seconds=args.seconds,
                )
            results["http"], results["scaling"] = rows, scaling(rows)
        if "ticks" in parts:
            results["ticks"] = ticks_part(
                env, redis_url, counts=counts, sockets=args.sockets, ticks=args.ticks
            )
        if "fanout" in parts:
            results["fanout"] = fanout_part(env)
    load = psutil.getloadavg()
    results["load_average_after"] = load
    report(results)
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    dump(REPO / "bench" / "results" / "scale.json", results)


def report(results: dict[str, object]) -> None:
    if "http" in results:
        print_table(
            results["http"],  # type: ignore[arg-type]
            {
                "endpoint": "endpoint",
                "processes": "processes",
                "api_rps": "API req/s",
                "ceiling_rps": "ceiling req/s",
                "ratio_pct": "ratio %",
                "p50_ms": "p50 ms",
                "p99_ms": "p99 ms",
                "errors": "errors",
                "split": "connections per process (each run)",
                "db_cpu_us": "PostgreSQL CPU µs per request",
            },
        )
        print()
        print_table(
            results["scaling"],  # type: ignore[arg-type]
            {
                "endpoint": "endpoint",
                "processes": "processes",
                "api_x": "API x",
                "ceiling_x": "ceiling x",
                "p99_ms": "API p99 ms",
            },
        )
    if "ticks" in results:
        print()
        print_table(
            results["ticks"],  # type: ignore[arg-type]
            {
                "api_processes": "API processes",
                "sockets": "sockets",
                "messages": "messages",
                "delivered_pct": "delivered %",
                "p50_ms": "lag p50 ms",
                "p99_ms": "lag p99 ms",
                "api_cpu_ms_per_tick": "API CPU ms per tick (all processes)",
            },
        )
    if "fanout" in results:
        print()
        print_table(
            results["fanout"],  # type: ignore[arg-type]
            {
                "event": f"event, to {FANOUT_PROCESSES} API processes",
                "bytes": "bytes",
                "subscribers": "subscribed before -> after",
                "rate": "published per s",
                "redis_us": "Redis CPU µs per event",
                "api_us": "CPU µs per event in each API process",
                "redis_core_rate": "events/s at one Redis core",
            },
        )


if __name__ == "__main__":
    main()
