"""Issue #3 benchmark: GET /clients and GET /clients/{id}/allocations against the ceiling.

    .venv/bin/python -m bench.portfolio [--seconds 10] [--runs 3]

Seeds 10,000 clients and 50,000 allocations in a throw-away database, serves the API with one
uvicorn process, and drives it with wrk (64 connections) next to a bare Starlette endpoint that
returns the same JSON bytes (the ceiling), also one process. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import threading
import urllib.request
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg

from bench.common import (
    PYTHON,
    REPO,
    bench_env,
    dump,
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

CLIENTS = 10_000
ALLOCATIONS = 50_000
ASSETS = 200
FIRST_NAMES = ["Ana", "Bruno", "Carla", "Diego", "Elisa", "Fábio", "Gabi", "Hugo", "Íris", "João"]
LAST_NAMES = ["Souza", "Lima", "Dias", "Rocha", "Nogueira", "Carvalho", "Mendes", "Costa"]


async def seed(database_url: str) -> int:
    """Bulk-load the data with COPY; returns the id of a client holding exactly 20 lots."""
    rng = random.Random(42)
    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    now = datetime.now(UTC)
    try:
        await conn.copy_records_to_table(
            "clients",
            columns=["name", "email", "status", "created_at", "updated_at"],
            records=[
                (
                    f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {n:05d}",
                    f"client{n:05d}@bench.example",
                    "active" if n % 5 else "inactive",
                    now - timedelta(minutes=n),
                    now,
                )
                for n in range(CLIENTS)
            ],
        )
        await conn.copy_records_to_table(
            "assets",
            columns=["ticker", "name", "exchange", "currency", "asset_type", "created_at"],
            records=[
                (f"BNCH{n:03d}.SA", f"Bench asset {n}", "SAO", "BRL", "EQUITY", now)
                for n in range(ASSETS)
            ],
        )
        client_ids = [r["id"] for r in await conn.fetch("SELECT id FROM clients ORDER BY id")]
        asset_ids = [r["id"] for r in await conn.fetch("SELECT id FROM assets")]
        showcase = client_ids[0]
        lots = [(showcase, rng.choice(asset_ids)) for _ in range(20)]
        others = client_ids[1:]
        lots += [(rng.choice(others), rng.choice(asset_ids)) for _ in range(ALLOCATIONS - 20)]
        await conn.copy_records_to_table(
            "allocations",
            columns=[
                "client_id",
                "asset_id",
                "quantity",
                "buy_price",
                "buy_date",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    client,
                    asset,
                    Decimal(rng.randint(1, 1000)),
                    Decimal(rng.randint(100, 10000)) / 100,
                    date.today() - timedelta(days=rng.randint(0, 720)),
                    now,
                    now,
                )
                for client, asset in lots
            ],
        )
        await conn.execute("ANALYZE")
        return showcase
    finally:
        await conn.close()


def fetch(url: str, token: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        return response.read()


class RssSampler(threading.Thread):
    def __init__(self, proc) -> None:
        super().__init__(daemon=True)
        self.proc, self.peak, self.running = proc, 0, True

    def run(self) -> None:
        import time

        while self.running:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    _, redis_url = server_urls()
    tickers = [f"BNCH{n:03d}.SA" for n in range(ASSETS)]
    with fresh_database("carteira_bench") as db, FakeMarket(tickers) as market:
        env = bench_env(db.url, redis_url, **market.env())
        prepare_database(env)
        showcase = asyncio.run(seed(db.url))

        api_port, ceiling_port = free_port(), free_port()
        api = f"http://127.0.0.1:{api_port}"
        endpoints = {
            "GET /clients (page 20)": ("/clients?page=3&page_size=20", None),
            "GET /clients?search= (page 20)": ("/clients?search=souza&page_size=20", None),
            "GET /clients?search=<random> (every request a cache miss)": (
                "/clients?search=ab&page_size=20",
                REPO / "bench" / "random_search.lua",
            ),
            "GET /clients/{id}/allocations (20 lots)": (
                f"/clients/{showcase}/allocations?page_size=20",
                None,
            ),
        }
        rows = []
        with process(
            [PYTHON, "-m", "carteira", "serve", "--port", str(api_port)], env, f"{api}/health"
        ) as api_proc:
            token = login(api)
            for label, (path, script) in endpoints.items():
                body = fetch(api + path, token)
                with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
                    handle.write(body)
                ceiling_env = {**env, "CEILING_BODY_FILE": handle.name}
                ceiling_args = [
                    PYTHON,
                    "-m",
                    "uvicorn",
                    "bench.ceiling:app",
                    "--port",
                    str(ceiling_port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ]
                with process(ceiling_args, ceiling_env, f"http://127.0.0.1:{ceiling_port}/ping"):
                    sampler = RssSampler(api_proc)
                    sampler.start()
                    api_runs, ceiling_runs = [], []
                    wrk(api + path, token=token, seconds=2, script=script)  # warm-up
                    for _ in range(args.runs):
                        ceiling_runs.append(
                            wrk(f"http://127.0.0.1:{ceiling_port}{path}", seconds=args.seconds)
                        )
                        api_runs.append(
                            wrk(api + path, token=token, seconds=args.seconds, script=script)
                        )
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
                        "errors": api_result.errors + api_result.non_2xx,
                        "api_peak_rss_mb": sampler.peak / 2**20,
                        "bytes": len(body),
                    }
                )
    print_table(
        rows,
        {
            "endpoint": "endpoint",
            "api_rps": "API req/s",
            "ceiling_rps": "ceiling req/s",
            "ratio_pct": "ratio %",
            "api_p50_ms": "p50 ms",
            "api_p99_ms": "p99 ms",
            "errors": "errors",
            "api_peak_rss_mb": "API peak RSS MB",
        },
    )
    dump(REPO / "bench" / "results" / "portfolio.json", rows)


if __name__ == "__main__":
    main()
