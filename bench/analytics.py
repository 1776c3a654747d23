"""The daily job with corporate actions and exchange rates, and consolidated `/performance`.

    .venv/bin/python -m bench.analytics [--assets 500] [--holders 200] [--lots 1000] [--requests 20]

Part 1 (issues #5 and #16): 500 assets x 1 year of daily closes from the fake Yahoo, each with
four dividends and every tenth with a 2:1 split, 5 currency pairs, and 200 clients holding 5
of the assets each. The daily work runs on a real arq worker in burst mode: the closes job
for every asset (which stores the events and enqueues the corporate actions), the 5 pairs'
rates, and every `apply_corporate_actions` job it caused (the holders' dividends and splits
written through the ledger). Wall time for all of it; then the same work again, which must
add no row and no entry.

Part 2 (issues #5, #16 and #17): a client with 1,000 buys over 5 years on 50 assets, half in
reais and half in dollars, with 5 years of USDBRL closes (COPY-loaded), the CDI from the fake
SGS and IBOVESPA from the fake Yahoo: `GET /clients/{id}/performance` consolidated in reais
(each day at its rate), served by one uvicorn process — without benchmarks, then with
`benchmarks=CDI,IBOV` computed afresh (every request a new window, so no snapshot serves it),
then the same request again (served from the client's snapshot): median and p95 of sequential
requests after a warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.support import connect, copy_buys

from bench.common import (
    REPO,
    bench_database,
    bench_settings,
    dump,
    login,
    print_table,
    serve_api,
)
from bench.fake_market import FakeMarket
from carteira.core import clock
from carteira.core.config import Settings

TODAY = clock.today()  # the firm's calendar: what the API calls today
PAIRS = ("USD", "EUR", "GBP", "CHF", "JPY")
HOLDINGS_PER_CLIENT = 5


def weekdays(start: date, end: date) -> list[date]:
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5]


def daily_market(tickers: list[str]) -> FakeMarket:
    """Closes, quarterly dividends, a split on every tenth asset, and the currency pairs."""
    market = FakeMarket([*tickers, *(f"{c}BRL=X" for c in PAIRS)])
    days = weekdays(TODAY - timedelta(days=365), TODAY)
    for n, ticker in enumerate(tickers):
        market.yahoo.symbols[ticker].history = [
            (day, Decimal(10 + n % 90) + Decimal(i % 7) / 10) for i, day in enumerate(days)
        ]
        for quarter in range(4):
            market.yahoo.add_dividend(ticker, days[30 + quarter * 60], Decimal("0.35"))
        if n % 10 == 0:
            market.yahoo.add_split(ticker, days[200], 2, 1)
    for n, currency in enumerate(PAIRS):
        market.yahoo.symbols[f"{currency}BRL=X"].history = [
            (day, Decimal("5.1") + Decimal(n) / 10 + Decimal(i % 11) / 1000)
            for i, day in enumerate(days)
        ]
    return market


async def seed_holders(conn: Any, tickers: list[str], holders: int) -> None:
    now = datetime.now(UTC)
    await conn.copy_records_to_table(
        "assets",
        columns=["ticker", "name", "exchange", "currency", "asset_type", "created_at"],
        records=[(t, t, "SAO", "BRL", "EQUITY", now) for t in tickers],
    )
    await conn.copy_records_to_table(
        "clients",
        columns=["name", "email", "status", "created_at", "updated_at"],
        records=[
            (f"Holder {n}", f"holder{n}@bench.example", "active", now, now) for n in range(holders)
        ],
    )
    asset_ids = [r["id"] for r in await conn.fetch("SELECT id FROM assets ORDER BY id")]
    client_ids = [r["id"] for r in await conn.fetch("SELECT id FROM clients ORDER BY id")]
    rng = random.Random(16)
    bought = TODAY - timedelta(days=400)  # before the year of events
    await copy_buys(
        conn,
        [
            (client_id, asset_id, Decimal(rng.randint(1, 40) * 10), Decimal("20"), bought, now, now)
            for client_id in client_ids
            for asset_id in rng.sample(asset_ids, HOLDINGS_PER_CLIENT)
        ],
    )
    await conn.execute("ANALYZE")


async def daily_work(settings: Settings, tickers: list[str], holders: int) -> list[dict[str, Any]]:
    from arq import Worker

    from carteira.core.database import close_orm, init_orm
    from carteira.core.jobs import JobQueue
    from carteira.core.redis import create_redis
    from carteira.worker import worker_settings

    conn = await connect(settings.database_url)
    await seed_holders(conn, tickers, holders)
    await init_orm(settings)
    redis = create_redis(settings)
    rows = []
    start = TODAY - timedelta(days=365)
    try:
        for run in ("first run", "re-run"):
            queue = JobQueue(redis)
            closes_job = await queue.enqueue(
                "refresh_daily_returns", start=start.isoformat(), end=TODAY.isoformat()
            )
            fx_jobs = [
                await queue.enqueue(
                    "backfill_fx", currency, start.isoformat(), job_id=f"fx:{uuid.uuid4().hex}"
                )
                for currency in PAIRS
            ]
            entries_before = await conn.fetchval(
                "SELECT COUNT(*) FROM transactions WHERE source = 'provider'"
            )
            worker = Worker(
                **worker_settings(settings, manage_orm=False),
                burst=True,
                poll_delay=0.05,
                handle_signals=False,
            )
            started = time.perf_counter()
            await worker.main()  # burst: until the queue is empty, corporate actions included
            seconds = time.perf_counter() - started
            await worker.close()
            state = await queue.state(closes_job)
            assert state.status == "complete", state
            for job_id in fx_jobs:
                assert (await queue.state(job_id)).status == "complete"
            entries = (
                await conn.fetchval("SELECT COUNT(*) FROM transactions WHERE source = 'provider'")
                - entries_before
            )
            rates = await conn.fetchval("SELECT COUNT(*) FROM fx_rates")
            result = state.result
            rows.append(
                {
                    "run": run,
                    "assets": result["assets"],
                    "closes_inserted": result["inserted"],
                    "events": result["events"],
                    "provider_entries": entries,
                    "fx_rows": rates,
                    "seconds": round(seconds, 2),
                    "failed": len(result["failed"]),
                }
            )
    finally:
        await redis.aclose()
        await close_orm()
        await conn.close()
    return rows


async def seed_performance(database_url: str, buys: int) -> int:
    rng = random.Random(7)
    conn = await connect(database_url)
    now = datetime.now(UTC)
    try:
        client_id = await conn.fetchval(
            "INSERT INTO clients (name, email, status, created_at, updated_at)"
            " VALUES ('Perf', 'perf@bench.example', 'active', $1, $1) RETURNING id",
            now,
        )
        await conn.copy_records_to_table(
            "assets",
            columns=["ticker", "name", "exchange", "currency", "asset_type", "created_at"],
            records=[
                (
                    ticker,
                    ticker,
                    "SAO" if ticker.endswith(".SA") else "NMS",
                    currency,
                    "EQUITY",
                    now,
                )
                for ticker, currency in performance_tickers()
            ],
        )
        asset_ids = [r["id"] for r in await conn.fetch("SELECT id FROM assets ORDER BY id")]
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
        rate = 5.0
        fx = []
        for day in days:
            rate *= 1 + rng.gauss(0, 0.006)
            fx.append(("USDBRL", day, Decimal(f"{rate:.4f}")))
        await conn.copy_records_to_table("fx_rates", columns=["series", "date", "rate"], records=fx)
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
                for _ in range(buys)
            ],
        )
        await conn.execute("ANALYZE")
        return client_id
    finally:
        await conn.close()


def performance_tickers() -> list[tuple[str, str]]:
    return [(f"PERF{n:02d}.SA", "BRL") for n in range(25)] + [
        (f"PERFUS{n:02d}", "USD") for n in range(25)
    ]


def benchmark_series(market: FakeMarket) -> None:
    """Five years of CDI (SGS 12, % a business day) and of IBOVESPA closes."""
    from carteira.core.calendar import business_days

    first = TODAY - timedelta(days=5 * 365 + 30)
    days = business_days(first, TODAY)
    market.bcb.add_series(12, [(day, Decimal("0.0400")) for day in days])
    market.yahoo.add_symbol(
        "^BVSP",
        price=Decimal(128000),
        previous_close=Decimal(127500),
        instrument_type="INDEX",
        history=[(day, Decimal(100000 + 10 * n)) for n, day in enumerate(days)],
    )


def timed_get(url: str, token: str) -> float:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        body = json.loads(response.read())
    elapsed = time.perf_counter() - started
    assert body["series"], "no curve"
    assert all(b["available"] for b in body.get("benchmarks", [])), body.get("benchmarks")
    assert body["consolidated"], "not consolidated"
    assert body["currencies"] == ["BRL", "USD"], body["currencies"]
    assert not body.get("fx_missing"), body.get("fx_missing")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=500)
    parser.add_argument("--holders", type=int, default=200)
    parser.add_argument("--lots", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    tickers = [f"BKFL{n:03d}.SA" for n in range(args.assets)]
    with daily_market(tickers) as market, bench_database(**market.env()) as (_, env):
        settings = bench_settings(
            env, yahoo_query1_url=market.base_url, yahoo_query2_url=market.base_url
        )
        daily_rows = asyncio.run(daily_work(settings, tickers, args.holders))

    perf_market = FakeMarket([t for t, _ in performance_tickers()] + ["USDBRL=X"])
    for ticker, currency in performance_tickers():
        perf_market.yahoo.symbols[ticker].currency = currency
    benchmark_series(perf_market)
    with perf_market as market, bench_database(**market.env()) as (db, env):
        client_id = asyncio.run(seed_performance(db.url, args.lots))
        with serve_api(env) as (base, _):
            token = login(base)
            url = f"{base}/clients/{client_id}/performance"
            with_benchmarks = f"{url}?benchmarks=CDI,IBOV"
            for _ in range(3):  # warm-up: quotes cached, plans prepared, benchmarks fetched
                timed_get(f"{url}?start={TODAY - timedelta(days=4 * 365)}", token)
                timed_get(f"{with_benchmarks}&start={TODAY - timedelta(days=4 * 365)}", token)
            # Each request a window of its own: computed afresh, never from a snapshot.
            first = TODAY - timedelta(days=5 * 365)
            runs = {
                "consolidated": [
                    timed_get(f"{url}?start={first + timedelta(days=n)}", token)
                    for n in range(args.requests)
                ],
                "consolidated, CDI and IBOV": [
                    timed_get(f"{with_benchmarks}&start={first + timedelta(days=n)}", token)
                    for n in range(args.requests)
                ],
                "the same again (the client's snapshot)": [
                    timed_get(f"{with_benchmarks}&start={first}", token)
                    for _ in range(args.requests)
                ],
            }
    days = len(weekdays(TODAY - timedelta(days=5 * 365), TODAY - timedelta(days=1)))
    performance_rows = [
        {
            "request": label,
            "buys": args.lots,
            "days": days,
            "median_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(sorted(latencies)[int(len(latencies) * 0.95) - 1] * 1000, 1),
        }
        for label, latencies in runs.items()
    ]
    print_table(
        daily_rows,
        {
            "run": "daily work",
            "assets": "assets",
            "closes_inserted": "closes inserted",
            "events": "events stored",
            "provider_entries": "ledger entries made",
            "fx_rows": "fx rows",
            "seconds": "seconds",
            "failed": "failed tickers",
        },
    )
    print()
    print_table(
        performance_rows,
        {
            "request": "GET /performance (25 BRL + 25 USD assets)",
            "buys": "buys",
            "days": "trading days",
            "median_ms": "median ms",
            "p95_ms": "p95 ms",
        },
    )
    dump(
        REPO / "bench" / "results" / "analytics.json",
        {"daily": daily_rows, "performance": performance_rows},
    )


if __name__ == "__main__":
    main()
