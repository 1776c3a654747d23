"""Issue #33: the clients' monthly statements (PDF), one at a time and a whole book at once.

    .venv/bin/python -m bench.statements [--clients 200] [--singles 15] [--sample PATH.pdf]

One throw-away database on the simulated market (offline): `carteira seed-demo`'s six clients
(about two years of ledger each, renda fixa included), then `--clients` more, each a copy of
one demo ledger (COPY-like `INSERT ... SELECT`, the derived tables rebuilt by the app's own
`allocations.service.rebuild`). Then, against one `carteira serve` process:

1. **one statement, cold**: `GET /clients/{id}/statement` of last month for `--singles`
   clients never asked for before (no snapshot of their performance kept): the median and
   the worst, plus the very first statement the process prints (its templates, fonts and
   WeasyPrint loading);
2. **the batch**: `POST /jobs/statements` of last month for every client, rendered by 1 and
   then 2 `carteira worker` processes (fresh each time), timed from the POST to the job's
   `complete` (the ZIP assembled), the ZIP's size.

Targets: one statement ≤ 1 s median cold; 200 clients ≤ 60 s in the worker; 2 workers nearly
halve the batch. `--sample PATH` also keeps the first demo client's statement there and its
first page as PNG beside it (pdftoppm).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import time
import urllib.request
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

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


def batch(api: str, token: str, env: dict[str, str], workers: int) -> dict[str, Any]:
    year, month = last_month()
    with ExitStack() as stack:
        procs = [stack.enter_context(process(WORKER, env)) for _ in range(workers)]
        time.sleep(3)  # the workers connected and polling
        cpu_before = [sum(p.cpu_times()[:2]) for p in procs]
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        job_id = post(f"{api}/jobs/statements", token, {"year": year, "month": month})["job_id"]
        while True:
            _, raw = get(f"{api}/jobs/{job_id}", token)
            state = json.loads(raw)
            if state["status"] == "complete":
                break
            if state["status"] in {"failed", "not_found"}:
                raise RuntimeError(state)
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        # How the work was shared: each worker's CPU seconds over the batch.
        cpu = [sum(p.cpu_times()[:2]) - b for p, b in zip(procs, cpu_before, strict=True)]
        _, zipped = get(f"{api}/jobs/{job_id}/result", token)
    result = state["result"]
    return {
        "seconds": seconds,
        "rendered": result["rendered"],
        "failed": len(result["failed"]),
        "zip_mb": len(zipped) / 1e6,
        "cpu": cpu,
        "load": max(load_before, os.getloadavg()[0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--singles", type=int, default=15)
    parser.add_argument("--sample", type=Path, default=None)
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
            runs = {}
            for workers in (1, 2):
                runs[workers] = batch(api, token, env, workers)
                run = runs[workers]
                rows.append(
                    [
                        f"batch of {len(clients)} clients, {workers} worker process(es)",
                        f"{run['seconds']:.1f} s ({run['rendered']:.0f} PDFs, "
                        f"{run['failed']:.0f} failed, ZIP {run['zip_mb']:.1f} MB; worker CPU "
                        + " + ".join(f"{c:.0f}" for c in run["cpu"])
                        + f" s; load {run['load']:.1f})",
                        f"≤ {BATCH_TARGET_S:.0f} s" if workers == 1 else "",
                    ]
                )
            rows.append(
                ["2 workers against 1", f"{runs[1]['seconds'] / runs[2]['seconds']:.2f}x", "≈ 2x"]
            )
    print_table(
        [dict(zip(("measure", "figure", "target"), row, strict=True)) for row in rows],
        {"measure": "measure", "figure": "figure", "target": "target"},
    )


if __name__ == "__main__":
    main()
