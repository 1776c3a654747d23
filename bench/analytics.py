"""Issue #5 benchmarks: the daily-closes backfill and the performance endpoint.

    .venv/bin/python -m bench.analytics [--assets 500] [--lots 1000] [--requests 20]

Part 1: 500 assets x 1 year of daily closes from the fake Yahoo (~125 k rows) through the
real job (`refresh_daily_returns` on a real arq worker, in burst mode): wall time and rows/s;
then the same job again, which must add 0 rows. Part 2: a client with 1,000 lots over 5 years
on 50 assets (closes COPY-loaded): `GET /clients/{id}/performance` latency, served by one
uvicorn process (median and p95 of sequential requests after a warm-up).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tests.support import connect, copy_buys

from bench.common import (
    JWT_SECRET,
    PYTHON,
    REPO,
    bench_env,
    dump,
    free_port,
    fresh_database,
    login,
    prepare_database,
    print_table,
    process,
    server_urls,
)
from bench.fake_market import FakeMarket
from carteira.core.config import Settings

TODAY = datetime.now(UTC).date()


def weekdays(start: date, end: date) -> list[date]:
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5]


async def backfill(settings: Settings, tickers: list[str]) -> list[dict[str, object]]:
    from arq import Worker

    from carteira.core.database import close_orm, init_orm
    from carteira.core.jobs import JobQueue
    from carteira.core.redis import create_redis
    from carteira.worker import worker_settings

    conn = await connect(settings.database_url)
    now = datetime.now(UTC)
    await conn.copy_records_to_table(
        "assets",
        columns=["ticker", "name", "exchange", "currency", "asset_type", "created_at"],
        records=[(t, t, "SAO", "BRL", "EQUITY", now) for t in tickers],
    )
    await init_orm(settings)
    redis = create_redis(settings)
    rows = []
    try:
        for run in ("first run", "re-run"):
            queue = JobQueue(redis)
            job_id = await queue.enqueue(
                "refresh_daily_returns",
                start=(TODAY - timedelta(days=365)).isoformat(),
                end=TODAY.isoformat(),
            )
            worker = Worker(
                **worker_settings(settings, manage_orm=False),
                burst=True,
                poll_delay=0.05,
                handle_signals=False,
            )
            started = time.perf_counter()
            await worker.main()
            seconds = time.perf_counter() - started
            await worker.close()
            state = await queue.state(job_id)
            assert state.status == "complete", state
            stored = await conn.fetchval("SELECT COUNT(*) FROM daily_returns")
            result = state.result
            rows.append(
                {
                    "run": run,
                    "assets": result["assets"],
                    "rows_inserted": result["inserted"],
                    "rows_in_table": stored,
                    "seconds": round(seconds, 2),
                    "rows_per_second": round(result["inserted"] / seconds)
                    if result["inserted"]
                    else 0,
                    "failed": len(result["failed"]),
                }
            )
    finally:
        await redis.aclose()
        await close_orm()
        await conn.close()
    return rows


async def seed_performance(database_url: str, lots: int) -> int:
    rng = random.Random(7)
    conn = await connect(database_url)
    now = datetime.now(UTC)
    try:
        client_id = await conn.fetchval(
            "INSERT INTO clients (name, email, status, created_at, updated_at)"
            " VALUES ('Perf', 'perf@bench.example', 'active', $1, $1) RETURNING id",
            now,
        )
        tickers = [f"PERF{n:02d}.SA" for n in range(50)]
        await conn.copy_records_to_table(
            "assets",
            columns=["ticker", "name", "exchange", "currency", "asset_type", "created_at"],
            records=[(t, t, "SAO", "BRL", "EQUITY", now) for t in tickers],
        )
        asset_ids = [
            r["id"] for r in await conn.fetch("SELECT id FROM assets WHERE ticker LIKE 'PERF%'")
        ]
        days = weekdays(TODAY - timedelta(days=5 * 365), TODAY - timedelta(days=1))
        closes = []
        for asset_id in asset_ids:
            price = 20.0 + rng.random() * 80
            for day in days:
                price *= 1 + rng.gauss(0.0003, 0.02)
                closes.append((asset_id, day, Decimal(f"{price:.2f}")))
        await conn.copy_records_to_table(
            "daily_returns", columns=["asset_id", "date", "close"], records=closes
        )
        await copy_buys(
            conn,
            [
                (
                    client_id,
                    rng.choice(asset_ids),
                    Decimal(rng.randint(1, 500)),
                    Decimal(rng.randint(1000, 9000)) / 100,
                    rng.choice(days),
                    now,
                    now,
                )
                for _ in range(lots)
            ],
        )
        await conn.execute("ANALYZE")
        return client_id
    finally:
        await conn.close()


def timed_get(url: str, token: str) -> float:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        body = json.loads(response.read())
    elapsed = time.perf_counter() - started
    assert body["series"], "no curve"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=500)
    parser.add_argument("--lots", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    _, redis_url = server_urls()

    tickers = [f"BKFL{n:03d}.SA" for n in range(args.assets)]
    market = FakeMarket(tickers)
    history_days = weekdays(TODAY - timedelta(days=365), TODAY)
    for n, ticker in enumerate(tickers):
        symbol = market.yahoo.symbols[ticker]
        symbol.history = [
            (day, Decimal(10 + n % 90) + Decimal(i % 7) / 10) for i, day in enumerate(history_days)
        ]
    with fresh_database("carteira_bench") as db, market:
        env = bench_env(db.url, redis_url, **market.env())
        prepare_database(env)
        settings = Settings(
            _env_file=None,
            environment="test",
            database_url=db.url,
            redis_url=redis_url,
            jwt_secret=JWT_SECRET,
            yahoo_query1_url=market.base_url,
            yahoo_query2_url=market.base_url,
            log_level="WARNING",
        )
        backfill_rows = asyncio.run(backfill(settings, tickers))

    with (
        fresh_database("carteira_bench") as db,
        FakeMarket([f"PERF{n:02d}.SA" for n in range(50)]) as market,
    ):
        env = bench_env(db.url, redis_url, **market.env())
        prepare_database(env)
        client_id = asyncio.run(seed_performance(db.url, args.lots))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with process(
            [PYTHON, "-m", "carteira", "serve", "--port", str(port)], env, f"{base}/health"
        ):
            token = login(base)
            url = f"{base}/clients/{client_id}/performance"
            for _ in range(3):
                timed_get(url, token)  # warm-up: quotes cached, plans prepared
            latencies = sorted(timed_get(url, token) for _ in range(args.requests))
    performance_rows = [
        {
            "lots": args.lots,
            "assets": 50,
            "days": len(weekdays(TODAY - timedelta(days=5 * 365), TODAY - timedelta(days=1))),
            "median_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
        }
    ]
    print_table(
        backfill_rows,
        {
            "run": "backfill",
            "assets": "assets",
            "rows_inserted": "rows inserted",
            "rows_in_table": "rows in table",
            "seconds": "seconds",
            "rows_per_second": "rows/s",
            "failed": "failed tickers",
        },
    )
    print()
    print_table(
        performance_rows,
        {
            "lots": "lots",
            "assets": "assets",
            "days": "trading days",
            "median_ms": "median ms",
            "p95_ms": "p95 ms",
        },
    )
    dump(
        REPO / "bench" / "results" / "analytics.json",
        {"backfill": backfill_rows, "performance": performance_rows},
    )


if __name__ == "__main__":
    main()
