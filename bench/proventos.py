"""Issue #35: provider-made proventos follow the ledger, within the ledger's write target.

    .venv/bin/python -m bench.proventos [--runs 7]

One throw-away database, one `carteira serve` process (a single worker) on the fake Yahoo. A
client with the ten-year, 5,000-entry ledger of `bench.ledger` on 8 assets, plus a fund
(`PROV11.SA`) held all along (a purchase of 1,000 shares, then 100 trades) that paid 200
dividends over the ten years, stored as the provider's events (`asset_events`).

1. One back-dated purchase of the fund (its first week) makes the 200 provider dividends.
2. Then, `--runs` times each, one write that changes the quantity held before all 200 ex dates
   (so the 200 are recomputed in it): that purchase's quantity edited (PATCH), the purchase
   deleted (DELETE), recorded again (POST). Each answer must list the 200 changes.
3. For reference, the same ledger's writes that recompute nothing: a deposit today, and a
   back-dated purchase's quantity edited on an asset without events.

Every write is timed from the client, over one keep-alive connection, sequentially; medians.
Target: the ledger's writes, ≤ 250 ms (issue #9's soak: writes p99 ≤ 250 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from tests.support import connect

from bench.common import (
    bench_database,
    bench_settings,
    dump,
    login,
    print_table,
    serve_api,
)
from bench.fake_market import FakeMarket
from bench.ledger import (
    ADMIN,
    BIG_TRANSACTIONS,
    COLUMNS,
    HISTORY_START,
    TODAY,
    YESTERDAY,
    Client,
    Ledger,
    Market,
    rebuild,
    weekdays,
)
from carteira.core.config import Settings

ASSETS = [f"LDGR{n:02d}.SA" for n in range(8)]
FUND = "PROV11.SA"
DIVIDENDS = 200
FUND_TRADES = 100
TARGET_MS = 250.0


@dataclass
class Seeded:
    client: int
    fund: int
    other_buy: int  # a back-dated purchase of an asset without events
    other_quantity: Decimal
    first_day: date  # the fund's first week: before every ex date
    entries: int
    seconds: float


async def seed(settings: Settings) -> Seeded:
    started = time.perf_counter()
    rng = random.Random(35)
    conn = await connect(settings.database_url)
    now = datetime.now(UTC)
    try:
        client = await conn.fetchval(
            "INSERT INTO clients (name, email, status, created_at, updated_at)"
            " VALUES ('Proventos ten years', 'proventos@bench.example', 'active', $1, $1)"
            " RETURNING id",
            now,
        )
        await conn.copy_records_to_table(
            "assets",
            columns=["ticker", "name", "exchange", "currency", "asset_type", "created_at"],
            records=[(t, f"Bench {t}", "SAO", "BRL", "EQUITY", now) for t in [*ASSETS, FUND]],
        )
        by_ticker = dict(await conn.fetch("SELECT ticker, id FROM assets"))
        asset_ids = [by_ticker[t] for t in ASSETS]
        fund = by_ticker[FUND]
        market = Market.generate(rng, [*asset_ids, fund])
        market.splits[fund] = []  # the fund pays; it never splits
        ledger = Ledger(rng, client, market)
        ledger.generate(
            assets=asset_ids, start=HISTORY_START, end=YESTERDAY, count=BIG_TRANSACTIONS
        )
        days = [d for d in weekdays(HISTORY_START, YESTERDAY) if d not in market.split_days()]
        ledger.trade("buy", days[5], fund, Decimal(1000), settlement="external")
        for day in sorted(rng.sample(days[10:], FUND_TRADES)):
            held = ledger.held[fund]
            if rng.random() < 0.4 and held > 200:
                ledger.trade("sell", day, fund, Decimal(rng.randint(1, 100)))
            else:
                ledger.trade("buy", day, fund, Decimal(rng.randint(1, 100)))
        await conn.copy_records_to_table("transactions", columns=COLUMNS, records=ledger.rows)
        every = (len(days) - 20) // DIVIDENDS
        ex_dates = [days[20 + n * every] for n in range(DIVIDENDS)]
        await conn.executemany(
            "INSERT INTO asset_events (asset_id, kind, ex_date, amount, source, created_at)"
            " VALUES ($1, 'dividend', $2, $3, 'bench', $4)",
            [(fund, day, Decimal(f"{rng.uniform(0.05, 0.15):.4f}"), now) for day in ex_dates],
        )
        other_buy, other_quantity = await conn.fetchrow(
            "SELECT id, quantity FROM transactions"
            " WHERE client_id = $1 AND kind = 'buy' AND asset_id = $2 ORDER BY date LIMIT 1",
            client,
            asset_ids[0],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    await rebuild(settings, [client])
    return Seeded(
        client=client,
        fund=fund,
        other_buy=other_buy,
        other_quantity=other_quantity,
        first_day=days[6],
        entries=len(ledger.rows),
        seconds=time.perf_counter() - started,
    )


def timed(admin: Client, method: str, path: str, body: object = None) -> tuple[float, dict]:
    elapsed, data = admin.request(method, path, body)
    return 1000 * elapsed, json.loads(data)


def recomputed(answer: dict, change: str) -> int:
    return sum(1 for c in answer["provider_changes"] if c["change"] == change)


@dataclass
class Measured:
    made_ms: float  # the first back-dated purchase, which made the 200
    writes: list[dict[str, object]]
    runs: dict[str, list[float]]


def measure(admin: Client, seeded: Seeded, runs: int) -> Measured:
    ledger = f"/clients/{seeded.client}/transactions"
    purchase = {
        "kind": "buy",
        "asset_id": seeded.fund,
        "date": seeded.first_day.isoformat(),
        "quantity": "10",
        "price": "10",
    }
    made_ms, answer = timed(admin, "POST", ledger, purchase)
    assert recomputed(answer, "created") == DIVIDENDS, answer["provider_changes"][:3]
    buy = answer["id"]
    times: dict[str, list[float]] = {
        "PATCH the back-dated purchase (200 recomputed)": [],
        "DELETE it (200 recomputed)": [],
        "POST it again (200 recomputed)": [],
        "POST a deposit today (nothing to recompute)": [],
        "PATCH a back-dated purchase of an asset without events": [],
    }
    labels = list(times)
    for run in range(runs):
        ms, answer = timed(admin, "PATCH", f"{ledger}/{buy}", {"quantity": str(20 + run)})
        assert recomputed(answer, "updated") == DIVIDENDS
        times[labels[0]].append(ms)
        ms, answer = timed(admin, "DELETE", f"{ledger}/{buy}")
        assert recomputed(answer, "updated") == DIVIDENDS
        times[labels[1]].append(ms)
        ms, answer = timed(admin, "POST", ledger, purchase)
        assert recomputed(answer, "updated") == DIVIDENDS
        buy = answer["id"]
        times[labels[2]].append(ms)
        deposit = {"kind": "deposit", "amount": "100", "date": TODAY.isoformat()}
        ms, answer = timed(admin, "POST", ledger, deposit)
        assert answer["provider_changes"] == []
        times[labels[3]].append(ms)
        ms, answer = timed(
            admin,
            "PATCH",
            f"{ledger}/{seeded.other_buy}",
            {"quantity": str(seeded.other_quantity + 1 + run)},
        )
        assert answer["provider_changes"] == []
        times[labels[4]].append(ms)
    rows = [
        {
            "write": label,
            "median_ms": round(statistics.median(values), 1),
            "min_ms": round(min(values), 1),
            "max_ms": round(max(values), 1),
            "target_ms": TARGET_MS if n < 3 else "",
        }
        for n, (label, values) in enumerate(times.items())
    ]
    return Measured(made_ms=made_ms, writes=rows, runs=times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7, help="timed writes of each kind")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args()
    with (
        FakeMarket([*ASSETS, FUND]) as market,
        bench_database(users=((ADMIN, "admin"),), **market.env()) as (_, env),
    ):
        seeded = asyncio.run(seed(bench_settings(env)))
        print(
            f"seeded in {seeded.seconds:.1f} s: {seeded.entries} entries, "
            f"{DIVIDENDS} dividends of {FUND} over ten years"
        )
        with serve_api(env) as (api, _):
            admin = Client(api, login(api, ADMIN))
            measured = measure(admin, seeded, args.runs)
    print(
        f"\nthe first back-dated purchase made the {DIVIDENDS} dividends in "
        f"{measured.made_ms:.1f} ms"
    )
    print_table(
        measured.writes,
        {
            "write": "write",
            "median_ms": "median ms",
            "min_ms": "min",
            "max_ms": "max",
            "target_ms": "target ms",
        },
    )
    if args.out:
        dump(args.out, {"date": TODAY.isoformat(), "seeded": seeded.__dict__, **measured.__dict__})


if __name__ == "__main__":
    main()
