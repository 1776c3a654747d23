"""Issue #30: positions and performance of a client holding renda fixa.

    .venv/bin/python -m bench.instruments [--requests 20] [--runs 3] [--seconds 5]

One throw-away database, one `carteira serve` and one worker on simulated prices
(`MARKET_DATA_PROVIDER=simulated`: SGS rates, Tesouro and CVM stand-ins, nothing leaves the
machine). Four fixed-income papers issued five years ago (110 % do CDI, CDI + 1.5 %, prefixado
12.5 %, IPCA + 6 %) are registered through the API; the worker backfills their closes from the
curve. A client gets 200 purchases of them over the five years (each at its day's close, money
from outside), COPY-loaded and rebuilt by the app's own code. Then:

1. `GET /clients/{id}/positions` (its 200 open lots taxed one by one: gross, IOF, income tax,
   net) and `GET /clients/{id}/performance` over the five years, each timed over `--requests`
   sequential requests: warm, and cold (each right after a small deposit, which drops the
   process's caches of that client). Targets: positions ≤ 50 ms cold, performance ≤ 250 ms cold.
2. The same positions under `wrk -t2 -c64` against the bare-Starlette ceiling returning the
   same bytes (warm). Target: ≥ 10 % of the ceiling, as a listing's positions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.support import connect

from bench.common import (
    CEILING_COLUMNS,
    REPO,
    WORKER,
    bench_database,
    bench_settings,
    compare_with_ceiling,
    dump,
    login,
    print_table,
    process,
    serve_api,
)
from bench.ledger import ADMIN, COLUMNS, READER, TODAY, Client, rebuild, sequential
from carteira.core.config import Settings

LOTS = 200
ISSUE = TODAY - timedelta(days=5 * 365 + 10)
MATURITY = (TODAY + timedelta(days=3 * 365)).isoformat()
PAPERS = [
    {"indexer": "CDI", "rate": "110", "rate_mode": "pct_of_index", "product": "CDB"},
    {"indexer": "CDI", "rate": "1.5", "rate_mode": "index_plus", "product": "LCA"},
    {"indexer": "PRE", "rate": "12.5", "rate_mode": "fixed", "product": "CDB"},
    {"indexer": "IPCA", "rate": "6", "rate_mode": "index_plus", "product": "DEBENTURE"},
]


def register(admin: Client) -> list[int]:
    ids = []
    for paper in PAPERS:
        body = {
            "kind": "fixed_income",
            "issuer": "Banco Bench",
            "issue_date": ISSUE.isoformat(),
            "maturity_date": MATURITY,
            **paper,
        }
        _, answer = admin.request("POST", "/assets", body)
        ids.append(json.loads(answer)["id"])
    return ids


async def closes_of(settings: Settings, asset_ids: list[int]) -> dict[int, list[tuple]]:
    conn = await connect(settings.database_url)
    try:
        rows = await conn.fetch(
            "SELECT asset_id, date, close FROM daily_returns WHERE asset_id = ANY($1::int[])"
            " ORDER BY asset_id, date",
            asset_ids,
        )
    finally:
        await conn.close()
    found: dict[int, list[tuple]] = {a: [] for a in asset_ids}
    for row in rows:
        found[row["asset_id"]].append((row["date"], row["close"]))
    return found


def wait_for_backfills(settings: Settings, asset_ids: list[int], at_most: float = 600) -> dict:
    """Until every paper's closes reach the last business days (the worker's backfills)."""
    deadline = time.monotonic() + at_most
    while True:
        found = asyncio.run(closes_of(settings, asset_ids))
        if all(len(c) > 1000 and c[-1][0] >= TODAY - timedelta(days=7) for c in found.values()):
            return found
        if time.monotonic() > deadline:
            raise RuntimeError(f"backfills unfinished: { {a: len(c) for a, c in found.items()} }")
        time.sleep(2)


async def seed_lots(settings: Settings, closes: dict[int, list[tuple]]) -> int:
    """A client with LOTS purchases spread over the five years, each at its day's close."""
    now = datetime.now(UTC)
    conn = await connect(settings.database_url)
    try:
        client_id = await conn.fetchval(
            "INSERT INTO clients (name, email, status, created_at, updated_at)"
            " VALUES ('Renda fixa', 'rf@bench.example', 'active', $1, $1) RETURNING id",
            now,
        )
        rows = []
        asset_ids = sorted(closes)
        for n in range(LOTS):
            asset_id = asset_ids[n % len(asset_ids)]
            series = closes[asset_id]
            day, close = series[(n * (len(series) - 2)) // LOTS]
            rows.append(
                (client_id, "buy", day, asset_id, Decimal(10), close, None, Decimal(0),
                 Decimal(0), "BRL", None, None, "external", "manual", None, None, now, now)
            )  # fmt: skip
        await conn.copy_records_to_table("transactions", columns=COLUMNS, records=rows)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    await rebuild(settings, [client_id])
    return int(client_id)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3, help="wrk runs (medians)")
    parser.add_argument("--seconds", type=int, default=5, help="each wrk run")
    args = parser.parse_args()
    results: dict[str, object] = {"date": TODAY.isoformat(), "load": os.getloadavg()}
    users = ((READER, "reader"), (ADMIN, "admin"))
    with bench_database(users=users, MARKET_DATA_PROVIDER="simulated") as (_, env):
        settings = bench_settings(env)
        with serve_api(env) as (api, api_process), process(WORKER, env):
            admin = Client(api, login(api, ADMIN))
            started = time.perf_counter()
            asset_ids = register(admin)
            closes = wait_for_backfills(settings, asset_ids)
            client_id = asyncio.run(seed_lots(settings, closes))
            results["seeded_seconds"] = time.perf_counter() - started
            results["closes"] = sum(len(c) for c in closes.values())
            token = login(api, READER)
            reader = Client(api, token)
            five_years = (TODAY - timedelta(days=5 * 365)).isoformat()
            rows = []
            for label, path in {
                f"GET /positions ({LOTS} fixed-income lots)": f"/clients/{client_id}/positions",
                "GET /performance (5 years)": (
                    f"/clients/{client_id}/performance?start={five_years}&benchmarks=CDI"
                ),
            }.items():
                rows += sequential(
                    reader,
                    admin,
                    client_id=client_id,
                    label=label,
                    path=path,
                    requests=args.requests,
                    pid=api_process.pid,
                    profile=False,
                )
            results["sequential"] = rows
            reader.close()
            admin.close()
            results["ceiling"] = compare_with_ceiling(
                api,
                token,
                {f"GET /positions ({LOTS} lots), warm": (f"/clients/{client_id}/positions", None)},
                env=env,
                api_process=api_process,
                runs=args.runs,
                seconds=args.seconds,
                settled=True,
            )
    results["load_after"] = os.getloadavg()
    print(f"load average before {results['load']}, after {results['load_after']}")
    print_table(
        results["sequential"],  # type: ignore[arg-type]
        {
            "endpoint": "endpoint",
            "mode": "mode",
            "median_ms": "median ms",
            "p95_ms": "p95 ms",
            "cpu_ms": "server CPU ms",
            "kb": "KB",
        },
    )
    print_table(results["ceiling"], CEILING_COLUMNS)  # type: ignore[arg-type]
    dump(REPO / "bench" / "results" / "instruments.json", results)


if __name__ == "__main__":
    main()
