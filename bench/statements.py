"""Issue #33: the clients' monthly statements (PDF), one at a time and a whole book at once.

    .venv/bin/python -m bench.statements [--clients 200] [--singles 15] [--repeat 3]
        [--no-scaling] [--sample PATH.pdf]

One throw-away database on the simulated market (offline): `carteira seed-demo`'s six clients
(about two years of ledger each, renda fixa included), then `--clients` more, each a copy of
one demo ledger (COPY-like `INSERT ... SELECT`, the derived tables rebuilt by the app's own
`allocations.service.rebuild`). Then, against one `carteira serve` process:

1. **one statement, cold**: `GET /clients/{id}/statement` of last month for `--singles`
   clients never asked for before (no snapshot of their performance kept): the median and
   the worst, plus the very first statement the process prints (its templates, fonts and
   WeasyPrint loading);
2. **the batch**: `POST /jobs/statements` of last month for every client, timed from the POST
   to the job's `complete` (the ZIP assembled; its progress asked every second, as the web
   app does), with fresh `carteira worker` processes: one worker printing in its own process
   (`STATEMENTS_RENDER_PROCESSES=0`, about one core), then two such workers (how a batch
   shares out; `--no-scaling` skips both); then `--repeat` times one worker as deployed (a
   render process per core), each run after 60 s of the same probe with its worker up and
   no batch (the API as deployed: a worker's price tick included). The probe sends 50
   requests a second to the API (`GET /clients` and one client's allocations): its p99
   during each batch against the quiet one just before, and the median of those ratios.
   The first lines say whether WeasyPrint subsets fonts with HarfBuzz (libharfbuzz-subset0;
   without it fontTools takes about twice as long per PDF).

Targets: one statement ≤ 1 s median cold; 200 clients ≤ 60 s in the worker with the API's p99
within twice its quiet p99; 2 workers nearly halve the batch. `--sample PATH` also keeps the
first demo client's statement there and its first page as PNG beside it (pdftoppm).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import statistics
import subprocess
import threading
import time
import urllib.request
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil
from tests.support import claim_redis_db, connect, new_run_id, release_redis_db

from bench.common import (
    PYTHON,
    REPO,
    WORKER,
    bench_database,
    login,
    print_table,
    process,
    serve_api,
)
from bench.ledger import ADMIN, rebuild
from carteira.core import clock
from carteira.core.config import Settings
from carteira.demo import ANA, BRUNO

SINGLE_TARGET_S = 1.0
BATCH_TARGET_S = 60.0
# As often as the web app asks for a batch's progress (statements.js: POLL_MS).
POLL_SECONDS = 1.0
# The quiet probe before each batch: one price tick's period (TICK_SECONDS below), so that it
# meets as many ticks as a batch does.
QUIET_SECONDS = 60.0


def last_month() -> tuple[int, int]:
    day = clock.today().replace(day=1) - timedelta(days=1)
    return day.year, day.month


async def copy_clients(database_url: str, count: int) -> list[int]:
    """`count` clients, each with the ledger of one demo client (round robin)."""
    conn = await connect(database_url)
    try:
        demo = [r["id"] for r in await conn.fetch("SELECT id FROM clients ORDER BY id")]
        columns = [
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'transactions' AND column_name NOT IN ('id', 'client_id')"
            )
        ]
        listed = ", ".join(columns)
        created = []
        for n in range(count):
            client_id = await conn.fetchval(
                "INSERT INTO clients (name, email, status, created_at, updated_at)"
                " VALUES ($1, $2, 'active', now(), now()) RETURNING id",
                f"Cliente de teste {n:03d} — Conceição",
                f"bench-{n}@example.com",
            )
            source = demo[n % len(demo)]
            await conn.execute(
                f"INSERT INTO transactions (client_id, {listed})"
                f" SELECT $1, {listed} FROM transactions WHERE client_id = $2",
                client_id,
                source,
            )
            created.append(client_id)
        return [*demo, *created]
    finally:
        await conn.close()


def get(url: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, response.read()


def post(url: str, token: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, object] = json.loads(response.read())
        return answer


def cpu_split(proc: psutil.Process) -> tuple[float, float]:
    """CPU seconds of a worker and of its living children (its render processes)."""
    children = 0.0
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            children += sum(child.cpu_times()[:2])
    return sum(proc.cpu_times()[:2]), children


class LatencyProbe(threading.Thread):
    """The API's latency meanwhile: `rate` requests a second, open loop, alternating
    `GET /clients` and one client's allocations, on one keep-alive connection."""

    def __init__(self, api: str, token: str, client_id: int, rate: int = 50) -> None:
        super().__init__(daemon=True)
        self.address = api.removeprefix("http://")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.paths = ["/clients?limit=20", f"/clients/{client_id}/allocations"]
        self.interval = 1 / rate
        self.latencies: list[float] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        connection = http.client.HTTPConnection(self.address, timeout=30)
        due = time.perf_counter()
        n = 0
        while not self.stopping.is_set():
            due += self.interval
            started = time.perf_counter()
            connection.request("GET", self.paths[n % 2], headers=self.headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
            self.latencies.append(time.perf_counter() - started)
            n += 1
            time.sleep(max(0.0, due - time.perf_counter()))
        connection.close()

    def stop(self) -> list[float]:
        self.stopping.set()
        self.join()
        return self.latencies


def settle(procs: list[psutil.Process], quiet_cpu: float = 0.05, limit: float = 60) -> None:
    """Once the processes and their children have used under `quiet_cpu` CPU-seconds in a
    second (a worker's start-up over: its render processes start with it)."""
    deadline = time.monotonic() + limit
    time.sleep(1)
    used = sum(sum(cpu_split(p)) for p in procs)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = sum(sum(cpu_split(p)) for p in procs)
        if now - used < quiet_cpu:
            return
        used = now


def drain(redis_url: str, limit: float = 120) -> None:
    """Once arq's queue has stayed empty for 3 s (the outbox relayed, every job run)."""
    import redis
    from arq.constants import default_queue_name

    client = redis.Redis.from_url(redis_url)
    deadline, empty_since = time.monotonic() + limit, None
    while time.monotonic() < deadline:
        if client.zcard(default_queue_name):
            empty_since = None
        elif empty_since is None:
            empty_since = time.monotonic()
        elif time.monotonic() - empty_since >= 3:
            break
        time.sleep(0.5)
    client.close()


def p99_ms(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98] * 1000


def batch(
    api: str,
    token: str,
    env: dict[str, str],
    workers: int,
    probe_client: int,
    quiet_seconds: float = 0,
) -> dict[str, Any]:
    """The batch of every client from the POST to its ZIP, with `workers` worker processes
    of `env`, and the API's p99 while it runs; with `quiet_seconds`, first the same probe
    that long with the workers up and no batch (the API as deployed: its worker's price
    ticks and their cache refreshes included)."""
    year, month = last_month()
    with ExitStack() as stack:
        procs = [stack.enter_context(process(WORKER, env)) for _ in range(workers)]
        settle(procs)  # the workers polling, their render processes started and connected
        quiet = idle_p99(api, token, probe_client, quiet_seconds) if quiet_seconds else None
        cpu_before = [cpu_split(p) for p in procs]
        load_before = os.getloadavg()[0]
        probe = LatencyProbe(api, token, probe_client)
        probe.start()
        started = time.perf_counter()
        job_id = post(f"{api}/jobs/statements", token, {"year": year, "month": month})["job_id"]
        while True:
            _, raw = get(f"{api}/jobs/{job_id}", token)
            state = json.loads(raw)
            if state["status"] == "complete":
                break
            if state["status"] in {"failed", "not_found"}:
                raise RuntimeError(state)
            time.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - started
        latencies = probe.stop()
        # How the work was shared: each worker's CPU seconds, and its render processes'.
        cpu = [
            (own - own_before, children - children_before)
            for (own, children), (own_before, children_before) in zip(
                [cpu_split(p) for p in procs], cpu_before, strict=True
            )
        ]
        _, zipped = get(f"{api}/jobs/{job_id}/result", token)
    result = state["result"]
    return {
        "seconds": seconds,
        "rendered": result["rendered"],
        "failed": len(result["failed"]),
        "zip_mb": len(zipped) / 1e6,
        "cpu": cpu,
        "load": max(load_before, os.getloadavg()[0]),
        "p99_ms": p99_ms(latencies),
        "quiet_p99_ms": quiet,
    }


def described(run: dict[str, Any]) -> str:
    cpu = " + ".join(
        f"{own:.0f}" + (f" (render {children:.0f})" if children else "")
        for own, children in run["cpu"]
    )
    return (
        f"{run['seconds']:.1f} s ({run['rendered']:.0f} PDFs, {run['failed']:.0f} failed, "
        f"ZIP {run['zip_mb']:.1f} MB; CPU {cpu} s; load {run['load']:.1f}); "
        f"API p99 {run['p99_ms']:.1f} ms"
    )


def idle_p99(api: str, token: str, client_id: int, seconds: float) -> float:
    probe = LatencyProbe(api, token, client_id)
    probe.start()
    time.sleep(seconds)
    return p99_ms(probe.stop())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--singles", type=int, default=15)
    parser.add_argument("--sample", type=Path, default=None)
    parser.add_argument(
        "--repeat", type=int, default=3, help="batches as deployed, each after a quiet probe"
    )
    parser.add_argument(
        "--no-scaling", action="store_true", help="skip the 1 against 2 workers batches"
    )
    args = parser.parse_args()
    claimed = None
    if "BENCH_REDIS_URL" not in os.environ:
        # An empty Redis db of its own: its workers must not meet another run's (a worker of
        # other code would take this run's jobs), and fresh_database flushes the db it uses.
        claimed = claim_redis_db("redis://127.0.0.1:6379", new_run_id())
        os.environ["BENCH_REDIS_URL"] = f"redis://127.0.0.1:6379/{claimed}"
    try:
        run(args)
    finally:
        if claimed is not None:
            release_redis_db("redis://127.0.0.1:6379", claimed)


def run(args: argparse.Namespace) -> None:
    from weasyprint.text.ffi import harfbuzz_subset

    subsetting = "HarfBuzz" if harfbuzz_subset is not None else "fontTools (slower)"
    print(f"fonts subset by {subsetting}", flush=True)
    # The demo's advisors first, so that seed-demo assigns their clients to them.
    users = ((ADMIN, "admin"), *((a, "advisor") for a in (ANA, BRUNO)))
    with bench_database(
        users=users,
        MARKET_DATA_PROVIDER="simulated",
        TICK_SECONDS="60",
        FIRM_NAME="Carteira Assessoria de Investimentos",
    ) as (db, env):
        subprocess.run(
            [PYTHON, "-m", "carteira", "seed-demo"], env=env, cwd=REPO, check=True,
            capture_output=True,
        )  # fmt: skip
        settings = Settings(_env_file=None, database_url=db.url, redis_url=env["REDIS_URL"])
        extra = asyncio.run(copy_clients(db.url, args.clients - 6))
        asyncio.run(rebuild(settings, extra))
        clients = extra
        year, month = last_month()
        rows = []
        with serve_api(env, "--workers", "1", timeout=60) as (api, _):
            token = login(api, ADMIN)
            timings = []
            for client_id in clients[: args.singles + 1]:
                started = time.perf_counter()
                status, pdf = get(
                    f"{api}/clients/{client_id}/statement?year={year}&month={month}", token
                )
                timings.append(time.perf_counter() - started)
                assert status == 200
                if client_id == clients[0] and args.sample:
                    args.sample.write_bytes(pdf)
                    subprocess.run(
                        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                         str(args.sample), str(args.sample.with_suffix(""))],
                        check=True,
                    )  # fmt: skip
            # What the statements asked of the worker (a history, a benchmark's recent values)
            # is done before a batch is measured, as by a deployment's ever-running worker:
            # left queued, the first batch's worker ran it, and the caches its stored data
            # cleared slowed that batch's probe.
            with process(WORKER, {**env, "STATEMENTS_RENDER_PROCESSES": "0"}) as worker:
                drain(env["REDIS_URL"])
                settle([worker])
            first, cold = timings[0], timings[1:]
            rows.append(["first statement of the process", f"{first * 1000:.0f} ms", ""])
            rows.append(
                [
                    f"one statement, cold (median of {len(cold)})",
                    f"{statistics.median(cold) * 1000:.0f} ms",
                    f"≤ {SINGLE_TARGET_S * 1000:.0f} ms",
                ]
            )
            rows.append(["one statement, cold (worst)", f"{max(cold) * 1000:.0f} ms", ""])
            # One worker printing in its own process (about one core), then two such workers:
            # how the batch shares out.
            if not args.no_scaling:
                scaling = [
                    batch(api, token, {**env, "STATEMENTS_RENDER_PROCESSES": "0"}, workers,
                          clients[0])
                    for workers in (1, 2)
                ]  # fmt: skip
                for workers, run in zip((1, 2), scaling, strict=True):
                    label = (
                        f"{workers} worker{'s' * (workers > 1)}, each printing in its own process"
                    )
                    rows.append([f"batch of {len(clients)} clients: {label}", described(run), ""])
                rows.append(
                    [
                        "2 workers against 1 (each in its own process)",
                        f"{scaling[0]['seconds'] / scaling[1]['seconds']:.2f}x",
                        "≈ 2x",
                    ]
                )
            # One worker as deployed (render processes, one per core): the batch's time and
            # the API's p99 while it runs, each against the same probe just before, quiet.
            ratios = []
            for n in range(1, args.repeat + 1):
                run = batch(api, token, env, 1, clients[0], quiet_seconds=QUIET_SECONDS)
                quiet = run["quiet_p99_ms"]
                ratios.append(run["p99_ms"] / quiet)
                rows.append(
                    [
                        f"batch of {len(clients)} clients: 1 worker as deployed, run {n}",
                        f"{described(run)}; quiet p99 {quiet:.1f} ms ({ratios[-1]:.1f}x)",
                        f"≤ {BATCH_TARGET_S:.0f} s, p99 ≤ 2x",
                    ]
                )
            rows.append(
                ["API p99 during a batch against quiet (median of runs)",
                 f"{statistics.median(ratios):.2f}x", "≤ 2x"]
            )  # fmt: skip
    print_table(
        [dict(zip(("measure", "figure", "target"), row, strict=True)) for row in rows],
        {"measure": "measure", "figure": "figure", "target": "target"},
    )


if __name__ == "__main__":
    main()
