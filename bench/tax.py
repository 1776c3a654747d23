"""Issue #32: the income tax's answers, within their targets.

    .venv/bin/python -m bench.tax [--requests 20] [--clients 2000]

One throw-away database, one `carteira serve` process (a single worker) on the fake Yahoo:

- **the active trader**: a year of 5,000 trades (last calendar year) over 40 assets — 30
  stocks (two of them units), 4 ETFs, 4 FIIs, 2 BDRs —, about one trade in seven half of a
  same-day purchase and sale (a day trade), fees on most, never short;
- **the office**: 2,000 clients of 24 trades each over the year to last month, each of them
  selling last month (so every one has a DARF to work out for `GET /reports/tax`).

The ledgers are COPY-loaded into `transactions` and the derived tables (realized sales
included) rebuilt by the app's own `allocations.service.rebuild`. Then, over one keep-alive
connection, sequentially:

1. `GET /clients/{id}/tax/monthly?year=` of the active trader: *cold* — each right after a
   ledger write of the client (`POST` of a deposit, which drops its cached ledger in every
   process) — and *warm*; plus the very first request the server answers;
2. `GET /reports/tax` of the current month (the DARFs of last month's apuração) for the 2,000.

Targets: the monthly apuração ≤ 100 ms cold; the office report ≤ 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psutil
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
from bench.ledger import ADMIN, COLUMNS, TODAY, Client, nearest_rank, rebuild, weekdays
from carteira.core.config import Settings

YEAR = TODAY.year - 1  # a whole calendar year of the active trader
TRADER_TRADES = 5_000
CLIENT_TRADES = 24
STOCKS = [f"TXA{chr(65 + n // 26)}{chr(65 + n % 26)}3.SA" for n in range(28)]
UNITS = ["TXUA11.SA", "TXUB11.SA"]
ETFS = ["TXEA11.SA", "TXEB11.SA", "TXEC11.SA", "TXED11.SA"]
FIIS = ["TXFA11.SA", "TXFB11.SA", "TXFC11.SA", "TXFD11.SA"]
BDRS = ["TXBA34.SA", "TXBB34.SA"]
TICKERS = [*STOCKS, *UNITS, *ETFS, *FIIS, *BDRS]
TYPES = {**dict.fromkeys(ETFS, "ETF"), **dict.fromkeys(FIIS, "FII")}
MONTHLY_TARGET_MS = 100.0
REPORT_TARGET_MS = 2000.0
CENT = Decimal("0.01")


def previous_month(day: date) -> tuple[date, date]:
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


class Trades:
    """A client's trades in date order, never selling more than it holds."""

    def __init__(self, rng: random.Random, client_id: int, assets: list[int]) -> None:
        self.rng, self.client_id, self.assets = rng, client_id, assets
        self.held: dict[int, int] = dict.fromkeys(assets, 0)
        self.price = {a: rng.uniform(8, 120) for a in assets}
        self.rows: list[tuple[object, ...]] = []
        self.now = datetime.now(UTC)

    def add(self, kind: str, day: date, asset_id: int, quantity: int) -> None:
        self.price[asset_id] *= 1 + self.rng.gauss(0.002, 0.02)  # drifting up: gains to tax
        price = max(CENT, Decimal(f"{self.price[asset_id]:.2f}"))
        values = {
            "client_id": self.client_id,
            "kind": kind,
            "date": day,
            "asset_id": asset_id,
            "quantity": Decimal(quantity),
            "price": price,
            "amount": None,
            "fees": Decimal(f"{self.rng.uniform(0, 12):.2f}") if self.rng.random() < 0.8 else 0,
            "tax": Decimal(0),
            "currency": "BRL",
            "split_to": None,
            "split_from": None,
            "settlement": "external",
            "source": "manual",
            "external_ref": None,
            "note": None,
            "created_at": self.now,
            "updated_at": self.now,
        }
        self.rows.append(tuple(values[c] for c in COLUMNS))
        self.held[asset_id] += quantity if kind == "buy" else -quantity

    def day(self, day: date, count: int, *, sell_share: float = 0.45) -> None:
        """`count` trades on `day`: purchases, sales of what is held, and now and then a
        purchase and a sale of the same asset (a day trade)."""
        rng = self.rng
        for _ in range(count):
            asset_id = rng.choice(self.assets)
            if rng.random() < 0.08 and count > 1:
                bought = rng.randint(1, 20) * 10
                self.add("buy", day, asset_id, bought)
                self.add("sell", day, asset_id, rng.randint(1, (self.held[asset_id]) // 10) * 10)
            elif rng.random() < sell_share and self.held[asset_id] >= 10:
                self.add("sell", day, asset_id, rng.randint(1, self.held[asset_id] // 10) * 10)
            else:
                self.add("buy", day, asset_id, rng.randint(1, 40) * 10)


@dataclass
class Seeded:
    trader: int
    clients: list[int]
    trader_trades: int
    office_trades: int
    seconds: float


async def seed(settings: Settings, clients: int) -> Seeded:
    started = time.perf_counter()
    rng = random.Random(32)
    conn = await connect(settings.database_url)
    now = datetime.now(UTC)
    try:
        await conn.copy_records_to_table(
            "assets",
            columns=["ticker", "name", "exchange", "currency", "asset_type", "created_at"],
            records=[(t, f"Bench {t}", "SAO", "BRL", TYPES.get(t, "EQUITY"), now) for t in TICKERS],
        )
        by_ticker = dict(await conn.fetch("SELECT ticker, id FROM assets"))
        asset_ids = [by_ticker[t] for t in TICKERS]
        ids = [
            row["id"]
            for row in await conn.fetch(
                "INSERT INTO clients (name, email, status, created_at, updated_at)"
                " SELECT 'Bench ' || n, 'tax' || n || '@bench.example', 'active', $1, $1"
                " FROM generate_series(0, $2) AS n RETURNING id",
                now,
                clients,
            )
        ]
        trader, office = ids[0], ids[1:]
        days = weekdays(date(YEAR, 1, 2), date(YEAR, 12, 30))
        book = Trades(rng, trader, asset_ids)
        for day in sorted(rng.choices(days, k=TRADER_TRADES)):  # in date order: never short
            if len(book.rows) >= TRADER_TRADES:
                break
            book.day(day, rng.randint(1, 6))
        trader_rows = book.rows[:TRADER_TRADES]
        first, last = previous_month(TODAY)
        before = weekdays(last - timedelta(days=330), first - timedelta(days=1))
        in_month = weekdays(first, last)
        office_rows: list[tuple[object, ...]] = []
        for client_id in office:
            mine = Trades(rng, client_id, rng.sample(asset_ids, 6))
            for day in sorted(rng.sample(before, CLIENT_TRADES - 4)):
                mine.day(day, 1, sell_share=0.3)
            for day in sorted(rng.sample(in_month, 4)):
                mine.day(day, 1, sell_share=0.9)
            office_rows += mine.rows
        await conn.copy_records_to_table(
            "transactions", columns=COLUMNS, records=[*trader_rows, *office_rows]
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    await rebuild(settings, ids)
    return Seeded(
        trader=trader,
        clients=office,
        trader_trades=len(trader_rows),
        office_trades=len(office_rows),
        seconds=time.perf_counter() - started,
    )


def timed(client: Client, method: str, path: str, body: object = None) -> tuple[float, bytes]:
    elapsed, data = client.request(method, path, body)
    return 1000 * elapsed, data


def summary(
    name: str, values: list[float], target: float | str, body: bytes, cpu_ms: float
) -> dict[str, object]:
    return {
        "request": name,
        "median_ms": round(statistics.median(values), 1),
        "cpu_ms": round(cpu_ms, 1),
        "p95_ms": round(nearest_rank(values, 0.95), 1),
        "min_ms": round(min(values), 1),
        "max_ms": round(max(values), 1),
        "target_ms": target,
        "body_kb": round(len(body) / 1024, 1),
    }


def cpu_seconds(server: psutil.Process) -> float:
    times = server.cpu_times()
    return float(times.user + times.system)


def measure(
    admin: Client, server: psutil.Process, seeded: Seeded, requests: int
) -> dict[str, object]:
    """Wall time of each request, and the server's CPU per request (user + system, from the
    kernel's clock ticks over the whole batch): the machine is shared, the CPU is not."""
    monthly = f"/clients/{seeded.trader}/tax/monthly?year={YEAR}"
    first_ms, body = timed(admin, "GET", monthly)
    answer = json.loads(body)
    assert len(answer["months"]) == 12
    darfs = sum(1 for m in answer["months"] if m["darf"]["amount"] != "0")
    deposit = {"kind": "deposit", "amount": "1", "date": TODAY.isoformat()}
    cold, warm, cold_cpu = [], [], 0.0
    for _ in range(requests):
        timed(admin, "POST", f"/clients/{seeded.trader}/transactions", deposit)
        before = cpu_seconds(server)
        cold.append(timed(admin, "GET", monthly)[0])
        cold_cpu += cpu_seconds(server) - before
    before = cpu_seconds(server)
    for _ in range(requests):
        warm.append(timed(admin, "GET", monthly)[0])
    warm_cpu = cpu_seconds(server) - before
    report = "/reports/tax"
    report_first_ms, report_body = timed(admin, "GET", report)
    due = json.loads(report_body)
    before = cpu_seconds(server)
    reports = [timed(admin, "GET", report)[0] for _ in range(max(3, requests // 4))]
    report_cpu = cpu_seconds(server) - before
    rows = [
        summary(
            "GET /clients/{id}/tax/monthly (5,000 trades), cold",
            cold,
            MONTHLY_TARGET_MS,
            body,
            1000 * cold_cpu / len(cold),
        ),
        summary(
            "GET /clients/{id}/tax/monthly (5,000 trades), warm",
            warm,
            "",
            body,
            1000 * warm_cpu / len(warm),
        ),
        summary(
            f"GET /reports/tax ({len(seeded.clients)} clients)",
            reports,
            REPORT_TARGET_MS,
            report_body,
            1000 * report_cpu / len(reports),
        ),
    ]
    return {
        "first_monthly_ms": round(first_ms, 1),
        "first_report_ms": round(report_first_ms, 1),
        "darfs_in_year": darfs,
        "clients_with_darf": due["count"],
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20, help="timed requests of each kind")
    parser.add_argument("--clients", type=int, default=2000, help="clients of the office")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args()
    with (
        FakeMarket(TICKERS) as market,
        bench_database(users=((ADMIN, "admin"),), **market.env()) as (_, env),
    ):
        seeded = asyncio.run(seed(bench_settings(env), args.clients))
        print(
            f"seeded in {seeded.seconds:.1f} s: the trader's {seeded.trader_trades} trades,"
            f" {len(seeded.clients)} clients with {seeded.office_trades} trades"
        )
        with serve_api(env) as (api, server):
            admin = Client(api, login(api, ADMIN))
            measured = measure(admin, server, seeded, args.requests)
    print(
        f"\nfirst requests the server answered: monthly {measured['first_monthly_ms']} ms,"
        f" report {measured['first_report_ms']} ms; the trader's DARFs in {YEAR}:"
        f" {measured['darfs_in_year']}; clients with a DARF due: {measured['clients_with_darf']}"
    )
    print_table(
        measured["rows"],  # type: ignore[arg-type]
        {
            "request": "request",
            "median_ms": "median ms",
            "cpu_ms": "server CPU ms",
            "p95_ms": "p95 ms",
            "min_ms": "min",
            "max_ms": "max",
            "target_ms": "target ms",
            "body_kb": "body KB",
        },
    )
    if args.out:
        dump(args.out, {"date": TODAY.isoformat(), "seeded": seeded.__dict__, **measured})


if __name__ == "__main__":
    main()
