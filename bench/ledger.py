"""Issue #15: the ledger on the API.

    .venv/bin/python -m bench.ledger [--runs 3] [--seconds 5] [--inflows-seconds 30]
                                     [--requests 20] [--profile] [--parts replay,positions,inflows]
                                     [--worker]

One throw-away database, one `carteira serve` process (a single worker) on the fake Yahoo:

1. Replay: a client with 5,000 transactions of every kind over 10 years on 8 assets (deposits,
   buys settled in cash and externally, sells that never go short, dividends, JCP, interest,
   fees, taxes, splits, bonuses, withdrawals) and 10 years of stored daily closes for its
   assets. `GET /clients/{id}/positions`, and `GET /clients/{id}/performance` over the whole
   10 years and over the last 5, each timed over `--requests` sequential requests on one
   keep-alive connection: warm (after a warm-up), and cold (each GET right after a small
   deposit was POSTed, which drops the process's caches of that client). The pure engine
   (`carteira.allocations.ledger.replay`) on the same 5,000 entries, in this process, for
   reference.
2. `GET /clients/{id}/positions` for a typical client (15 positions, 300 transactions over 3
   years) under `wrk -t2 -c64`, against the bare-Starlette ceiling returning the same bytes.
3. `GET /reports/inflows?year=&month=` for last month, which holds 10,000 flows of 2,000
   clients (deposits, withdrawals, externally settled buys and sells), against the ceiling;
   longer wrk runs (`--inflows-seconds`) with a 60 s timeout, since 64 connections queue for
   ~10 s at ~150 ms a request. Before parts 2 and 3, both endpoints and `/health` (the floor
   every route pays) one request at a time: latency and the server's CPU per request.

The ledgers are COPY-loaded into `transactions` and their derived tables (holdings, cash,
flows) rebuilt by the app's own `carteira.allocations.service.rebuild`, in this process.
`--profile` records every sequential measurement with py-spy (`pip install py-spy`; samples
of the thread holding the GIL, so CPU rather than waits) and prints where the time goes.
`--worker` runs the worker beside the API, as deployed (its tick keeps held quotes fresh).
`--hold N` leaves the server up N seconds at the end (its URL, pid and a token printed), to
profile it by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import math
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import psutil
from tests.support import connect

from bench.common import (
    CEILING_COLUMNS,
    PYTHON,
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
from bench.fake_market import FakeMarket
from carteira.core import clock
from carteira.core.config import Settings

TODAY = clock.today()
YESTERDAY = TODAY - timedelta(days=1)
HISTORY_START = TODAY - timedelta(days=3653)  # ten years of closes and of the big ledger
ASSETS = 20
TICKERS = [f"LDGR{n:02d}.SA" for n in range(ASSETS)]
BIG_ASSETS = range(8)  # indexes into TICKERS
TYPICAL_ASSETS = range(5, 20)
BIG_TRANSACTIONS = 5_000
TYPICAL_TRANSACTIONS = 300
FLOW_CLIENTS = 2_000
FLOWS_PER_CLIENT = 5
COLUMNS = [
    "client_id",
    "kind",
    "date",
    "asset_id",
    "quantity",
    "price",
    "amount",
    "fees",
    "tax",
    "currency",
    "split_to",
    "split_from",
    "settlement",
    "source",
    "external_ref",
    "note",
    "created_at",
    "updated_at",
]
CENT = Decimal("0.01")
ZERO = Decimal(0)
ADMIN = "admin@example.com"
READER = "bench@example.com"


def weekdays(start: date, end: date) -> list[date]:
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5]


def money(value: float) -> Decimal:
    return max(CENT, Decimal(f"{value:.2f}"))


# ---- the data -------------------------------------------------------------------------------

Split = tuple[date, int, int]  # day, new shares, old shares


@dataclass
class Market:
    """Stored closes on the traded basis (a split divides the price from its day on)."""

    days: list[date]
    closes: dict[int, dict[date, Decimal]] = field(default_factory=dict)  # asset id -> day
    splits: dict[int, list[Split]] = field(default_factory=dict)

    @classmethod
    def generate(cls, rng: random.Random, asset_ids: list[int]) -> Market:
        market = cls(weekdays(HISTORY_START, YESTERDAY))
        ratios = [(2, 1), (3, 1), (1, 2), (5, 4)]
        for asset_id in asset_ids:
            # One or two splits per asset, on days no other entry of a client will share.
            count = rng.choice((1, 2))
            chosen = sorted(rng.sample(market.days[300:-30], count))
            market.splits[asset_id] = [(day, *rng.choice(ratios)) for day in chosen]
            on_day = {day: Decimal(old) / Decimal(new) for day, new, old in market.splits[asset_id]}
            price = 10 + rng.random() * 90
            closes = market.closes[asset_id] = {}
            for day in market.days:
                price *= 1 + rng.gauss(0.0003, 0.018)
                price *= float(on_day.get(day, 1))
                price = max(price, 0.5)
                closes[day] = money(price)
        return market

    def split_days(self) -> set[date]:
        return {day for splits in self.splits.values() for day, _, _ in splits}

    def records(self) -> list[tuple[int, date, Decimal]]:
        return [
            (asset_id, day, close)
            for asset_id, closes in self.closes.items()
            for day, close in closes.items()
        ]


class Ledger:
    """A client's ledger, simulated in date order so that no sale ever goes short."""

    WEIGHTS = {
        "buy": 36,
        "sell": 20,
        "dividend": 13,
        "jcp": 6,
        "interest": 4,
        "fee": 5,
        "tax": 4,
        "bonus": 1,
        "deposit": 7,
        "withdrawal": 4,
    }

    def __init__(self, rng: random.Random, client_id: int, market: Market) -> None:
        self.rng, self.client_id, self.market = rng, client_id, market
        self.held: dict[int, Decimal] = defaultdict(Decimal)
        self.rows: list[tuple[object, ...]] = []
        self.now = datetime.now(UTC)

    def row(self, kind: str, day: date, **values: object) -> None:
        row = {
            "client_id": self.client_id,
            "kind": kind,
            "date": day,
            "asset_id": None,
            "quantity": None,
            "price": None,
            "amount": None,
            "fees": ZERO,
            "tax": ZERO,
            "currency": "BRL",
            "split_to": None,
            "split_from": None,
            "settlement": "cash",
            "source": "manual",
            "external_ref": None,
            "note": None,
            "created_at": self.now,
            "updated_at": self.now,
            **values,
        }
        self.rows.append(tuple(row[c] for c in COLUMNS))

    def trade(
        self, kind: str, day: date, asset_id: int, quantity: Decimal, settlement: str = ""
    ) -> None:
        close = float(self.market.closes[asset_id][day])
        self.row(
            kind,
            day,
            asset_id=asset_id,
            quantity=quantity,
            price=money(close * (1 + self.rng.gauss(0, 0.004))),
            fees=money(self.rng.uniform(0, 15)) if self.rng.random() < 0.8 else ZERO,
            settlement=settlement or self.rng.choice(("external", "cash")),
        )
        self.held[asset_id] += quantity if kind == "buy" else -quantity

    def generate(
        self, *, assets: list[int], start: date, end: date, count: int
    ) -> list[tuple[object, ...]]:
        """`count` entries between `start` and `end`: a deposit and a purchase of every asset
        first, then every kind at random (splits on their days)."""
        rng = self.rng
        split_days = self.market.split_days()
        days = [d for d in weekdays(start, end) if d not in split_days]
        opening = days[: len(assets) + 1]
        self.row("deposit", opening[0], amount=money(rng.uniform(50_000, 200_000)))
        for day, asset_id in zip(opening[1:], assets, strict=True):
            self.trade("buy", day, asset_id, Decimal(rng.randint(10, 100) * 10))
        splits = sorted(
            (day, asset_id, new, old)
            for asset_id in assets
            for day, new, old in self.market.splits[asset_id]
            if opening[-1] < day <= end
        )
        regular = count - len(opening) - len(splits)
        later = sorted(rng.choices(days[len(opening) :], k=regular))
        kinds, weights = zip(*self.WEIGHTS.items(), strict=True)
        pending = iter(splits)
        split = next(pending, None)
        for day in [*later, None]:
            while split is not None and (day is None or split[0] < day):
                self._split(*split)
                split = next(pending, None)
            if day is not None:
                self._one(rng.choices(kinds, weights)[0], day, assets)
        assert len(self.rows) == count, len(self.rows)
        return self.rows

    def _split(self, day: date, asset_id: int, new: int, old: int) -> None:
        self.row(
            "split",
            day,
            asset_id=asset_id,
            split_to=Decimal(new),
            split_from=Decimal(old),
            source="provider",
            external_ref=f"split:{asset_id}:{day.isoformat()}",
        )
        self.held[asset_id] = self.held[asset_id] * new / old

    def _one(self, kind: str, day: date, assets: list[int]) -> None:
        rng = self.rng
        asset_id = rng.choice(assets)
        held = self.held[asset_id]
        if kind == "sell":
            most = math.floor(held / 2)  # at most half: a position never closes
            if most < 1:
                kind = "buy"
            else:
                self.trade("sell", day, asset_id, Decimal(rng.randint(1, most)))
                return
        if kind == "buy":
            self.trade("buy", day, asset_id, Decimal(rng.randint(1, 40) * 5))
        elif kind in ("dividend", "jcp"):
            amount = money(float(held) * rng.uniform(0.05, 0.8))
            tax = (amount * Decimal("0.15")).quantize(CENT) if kind == "jcp" else ZERO
            self.row(kind, day, asset_id=asset_id, amount=amount, tax=tax)
        elif kind == "interest":
            amount = money(rng.uniform(1, 500))
            self.row(
                kind,
                day,
                asset_id=asset_id if rng.random() < 0.5 else None,
                amount=amount,
                tax=(amount * Decimal("0.15")).quantize(CENT),
            )
        elif kind in ("fee", "tax"):
            self.row(kind, day, amount=money(rng.uniform(1, 80)))
        elif kind == "bonus":
            quantity = Decimal(max(1, math.floor(held / 10)))
            self.row(kind, day, asset_id=asset_id, quantity=quantity, amount=quantity * CENT * 100)
            self.held[asset_id] += quantity
        elif kind == "deposit":
            self.row(kind, day, amount=money(rng.uniform(1_000, 50_000)))
        elif kind == "withdrawal":
            self.row(kind, day, amount=money(rng.uniform(500, 20_000)))


FLOW_TEMPLATES = (
    ("deposit", "buy", "buy", "sell", "withdrawal"),
    ("buy", "deposit", "sell", "buy", "withdrawal"),
    ("deposit", "buy", "withdrawal", "buy", "sell"),
    ("buy", "buy", "sell", "deposit", "withdrawal"),
)


def flow_month() -> tuple[int, int]:
    last_month = TODAY.replace(day=1) - timedelta(days=1)
    return last_month.year, last_month.month


def month_flows(
    rng: random.Random, client_ids: list[int], assets: list[int], market: Market
) -> list[tuple[object, ...]]:
    """Five entries that move money in or out on five different days of last month, per
    client: deposits, withdrawals, buys and sells settled externally."""
    year, month = flow_month()
    first = date(year, month, 1)
    days = [d for d in weekdays(first, first + timedelta(days=31)) if d.month == month]
    rows: list[tuple[object, ...]] = []
    for client_id in client_ids:
        ledger = Ledger(rng, client_id, market)
        asset_id = rng.choice(assets)
        for kind, day in zip(
            rng.choice(FLOW_TEMPLATES), sorted(rng.sample(days, FLOWS_PER_CLIENT)), strict=True
        ):
            if kind == "buy":
                ledger.trade("buy", day, asset_id, Decimal(rng.randint(2, 40) * 10), "external")
            elif kind == "sell":
                ledger.trade("sell", day, asset_id, Decimal(rng.randint(1, 10)), "external")
            else:
                ledger.row(kind, day, amount=money(rng.uniform(500, 50_000)))
        rows += ledger.rows
    return rows


@dataclass
class Seeded:
    big: int
    typical: int
    flow_clients: list[int]
    big_entries: int
    typical_entries: int
    flows: int
    closes: int
    big_open_positions: int
    typical_open_positions: int
    seconds: float


async def seed(settings: Settings) -> Seeded:
    started = time.perf_counter()
    rng = random.Random(15)
    conn = await connect(settings.database_url)
    now = datetime.now(UTC)
    try:
        names = ["Ledger ten years", "Ledger typical"]
        names += [f"Captação {n:05d}" for n in range(FLOW_CLIENTS)]
        await conn.copy_records_to_table(
            "clients",
            columns=["name", "email", "status", "created_at", "updated_at"],
            records=[
                (name, f"ledger{n:05d}@bench.example", "active", now, now)
                for n, name in enumerate(names)
            ],
        )
        client_ids = [r["id"] for r in await conn.fetch("SELECT id FROM clients ORDER BY id")]
        big, typical, flow_clients = client_ids[0], client_ids[1], client_ids[2:]
        await conn.copy_records_to_table(
            "assets",
            columns=["ticker", "name", "exchange", "currency", "asset_type", "created_at"],
            records=[(t, f"Ledger asset {t}", "SAO", "BRL", "EQUITY", now) for t in TICKERS],
        )
        by_ticker = dict(await conn.fetch("SELECT ticker, id FROM assets"))
        asset_ids = [by_ticker[t] for t in TICKERS]
        market = Market.generate(rng, asset_ids)
        closes = market.records()
        await conn.copy_records_to_table(
            "daily_returns", columns=["asset_id", "date", "close"], records=closes
        )
        big_rows = Ledger(rng, big, market).generate(
            assets=[asset_ids[n] for n in BIG_ASSETS],
            start=HISTORY_START,
            end=YESTERDAY,
            count=BIG_TRANSACTIONS,
        )
        typical_rows = Ledger(rng, typical, market).generate(
            assets=[asset_ids[n] for n in TYPICAL_ASSETS],
            start=TODAY - timedelta(days=3 * 365),
            end=YESTERDAY,
            count=TYPICAL_TRANSACTIONS,
        )
        flow_rows = month_flows(rng, flow_clients, asset_ids, market)
        for rows in (big_rows, typical_rows, flow_rows):
            await conn.copy_records_to_table("transactions", columns=COLUMNS, records=rows)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    await rebuild(settings, [big, typical, *flow_clients])
    conn = await connect(settings.database_url)
    try:
        open_positions = dict(
            await conn.fetch(
                "SELECT client_id, COUNT(*) FROM holdings WHERE quantity > 0"
                " AND client_id = ANY($1::int[]) GROUP BY client_id",
                [big, typical],
            )
        )
        year, month = flow_month()
        flows = await conn.fetchval(
            "SELECT COUNT(*) FROM client_flows WHERE date >= $1 AND date < $2",
            date(year, month, 1),
            (date(year, month, 28) + timedelta(days=4)).replace(day=1),
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    kinds = Counter(str(r[1]) for r in big_rows)
    print(f"big client's ledger: {dict(sorted(kinds.items()))}")
    return Seeded(
        big=big,
        typical=typical,
        flow_clients=flow_clients,
        big_entries=len(big_rows),
        typical_entries=len(typical_rows),
        flows=flows,
        closes=len(closes),
        big_open_positions=open_positions.get(big, 0),
        typical_open_positions=open_positions.get(typical, 0),
        seconds=time.perf_counter() - started,
    )


async def rebuild(settings: Settings, client_ids: list[int]) -> None:
    """The derived tables by the app's own code (a replay per client)."""
    from carteira.allocations import service
    from carteira.core.database import close_orm, init_orm

    await init_orm(settings)
    try:
        slots = asyncio.Semaphore(8)

        async def one(client_id: int) -> None:
            async with slots:
                await service.rebuild(client_id=client_id)

        await asyncio.gather(*(one(client_id) for client_id in client_ids))
    finally:
        await close_orm()


# ---- the pure engine, in this process --------------------------------------------------------


async def engine(database_url: str, client_id: int, repeats: int) -> dict[str, object]:
    from carteira.allocations import ledger, store

    conn = await connect(database_url)
    try:
        sql = f"SELECT {store.ENTRY_COLUMNS} FROM transactions WHERE client_id = $1"
        fetches = []
        for _ in range(repeats):
            started = time.perf_counter()
            rows = await conn.fetch(sql, client_id)
            fetches.append(time.perf_counter() - started)
    finally:
        await conn.close()
    converts, replays = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        entries = [store.entry_of(row) for row in rows]
        converts.append(time.perf_counter() - started)
        started = time.perf_counter()
        book = ledger.replay(entries)
        replays.append(time.perf_counter() - started)
    return {
        "entries": len(entries),
        "positions": sum(1 for p in book.positions.values() if p.quantity),
        "lots": sum(len(p.lots) for p in book.positions.values()),
        "fetch_ms": 1000 * statistics.median(fetches),
        "entry_of_ms": 1000 * statistics.median(converts),
        "replay_ms": 1000 * statistics.median(replays),
        "replay_p95_ms": 1000 * nearest_rank(replays, 0.95),
    }


# ---- sequential requests to the server ----------------------------------------------------


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class Client:
    """One keep-alive HTTP connection with a bearer token."""

    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, payload: object = None) -> tuple[float, bytes]:
        headers = dict(self.headers)
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # The server closes a connection idle beyond its keep-alive timeout (5 s).
                self.connection.close()
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            break
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return elapsed, data

    def close(self) -> None:
        self.connection.close()


@contextlib.contextmanager
def spy(pid: int, name: str, enabled: bool) -> Iterator[Path | None]:
    """py-spy recording the server while the block runs (collapsed stacks)."""
    if not enabled:
        yield None
        return
    out = REPO / "bench" / "results" / f"ledger-{name}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    binary = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
    recorder = subprocess.Popen(
        [
            binary,
            "record",
            "-p",
            str(pid),
            "-r",
            "1000",
            "-f",
            "raw",
            "-o",
            str(out),
            "--nonblocking",
            "--gil",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # attached
    try:
        yield out
    finally:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(30)


def summarize_profile(path: Path, top: int = 12) -> dict[str, list[tuple[str, float]]]:
    """From py-spy's collapsed stacks (idle samples are not recorded), the samples taken while
    the server was handling a request: the app's functions by the share of those samples they
    are on the stack (leaving out the frames on nearly every one: the middleware), and every
    function by the share it is the leaf (self time; asyncpg's decoding, compiled, shows as
    the transport's `data_received`)."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = [_short(frame) for frame in stack.split(";")]
        if not any(f.startswith("RequestResponseCycle.run_asgi") for f in frames) and not any(
            f.startswith("_SelectorSocketTransport._read_ready") for f in frames
        ):
            continue
        count = int(count_text)
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        leaf[frames[-1]] += count
    if not total:
        return {"stack": [], "self": []}
    return {
        "stack": [
            (frame, 100 * n / total)
            for frame, n in inclusive.most_common()
            if n < 0.97 * total
            and "carteira/" in frame
            and not any(root in frame for root in ("carteira/cli.py", "carteira/__main__.py"))
        ][:top],
        "self": [(frame, 100 * n / total) for frame, n in leaf.most_common(top)],
    }


def _short(frame: str) -> str:
    # "function (carteira/module.py:123)" -> "function (carteira/module.py)"
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rstrip(')').rsplit(':', 1)[0]})"


def sequential(
    reader: Client,
    admin: Client,
    *,
    client_id: int,
    label: str,
    path: str,
    requests: int,
    pid: int,
    profile: bool,
    write_day: date = TODAY,
) -> list[dict[str, object]]:
    """Warm, then cold: each GET right after a deposit of 1.00 on `write_day` (it drops the
    client's cached book, and any kept report whose period holds that day)."""
    rows = []
    for mode in ("warm", "cold"):
        for _ in range(3):
            reader.request("GET", path)  # warm-up: plans, quotes, asset infos
        latencies, writes = [], []
        cpu = 0.0
        server = psutil.Process(pid)
        name = f"{label_slug(label)}-{mode}"
        with spy(pid, name, profile) as recorded:
            for _ in range(requests):
                if mode == "cold":  # a write drops the client's cached book everywhere
                    written, _ = admin.request(
                        "POST",
                        f"/clients/{client_id}/transactions",
                        {"kind": "deposit", "date": write_day.isoformat(), "amount": "1.00"},
                    )
                    writes.append(written)
                before = server.cpu_times()
                elapsed, body = reader.request("GET", path)
                after = server.cpu_times()
                cpu += (after.user + after.system) - (before.user + before.system)
                latencies.append(elapsed)
        rows.append(
            {
                "endpoint": label,
                "mode": mode,
                "requests": requests,
                "median_ms": 1000 * statistics.median(latencies),
                "p95_ms": 1000 * nearest_rank(latencies, 0.95),
                "min_ms": 1000 * min(latencies),
                # in clock ticks (10 ms): a mean over the requests, roughly
                "cpu_ms": 1000 * cpu / requests,
                "write_ms": 1000 * statistics.median(writes) if writes else "",
                "kb": len(body) / 1000,
                "profile": str(recorded) if recorded else "",
            }
        )
    return rows


def one_by_one(
    api: str,
    token: str,
    label: str,
    path: str,
    api_process: psutil.Process,
    requests: int,
    profile: bool,
) -> dict[str, object]:
    """Sequential requests on one connection: latency, and the server's CPU per request."""
    client = Client(api, token)
    try:
        for _ in range(3):
            client.request("GET", path)
        with spy(api_process.pid, f"{label_slug(label)}-sequential", profile) as recorded:
            before = api_process.cpu_times()
            latencies = [client.request("GET", path)[0] for _ in range(requests)]
            after = api_process.cpu_times()
    finally:
        client.close()
    cpu = (after.user + after.system) - (before.user + before.system)
    return {
        "endpoint": label,
        "requests": requests,
        "median_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * nearest_rank(latencies, 0.95),
        "cpu_ms": 1000 * cpu / requests,
        "profile": str(recorded) if recorded else "",
    }


def label_slug(label: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in label.lower())
    return "-".join(part for part in slug.split("-") if part)


# ---- the run -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5, help="each wrk run (parts 2 and 3)")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per endpoint (medians)")
    parser.add_argument("--requests", type=int, default=20, help="sequential requests (part 1)")
    parser.add_argument(
        "--inflows-seconds",
        type=int,
        default=30,
        help="each wrk run on the inflows report: at 64 connections and ~150 ms a request, "
        "a run must last several times the ~10 s it takes to serve the first 64 requests",
    )
    parser.add_argument("--parts", default="replay,positions,inflows")
    parser.add_argument(
        "--profile", action="store_true", help="py-spy the server during the sequential requests"
    )
    parser.add_argument(
        "--hold", type=int, default=0, help="keep the server up this many seconds at the end"
    )
    parser.add_argument("--worker", action="store_true", help="run the worker beside the API")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    results: dict[str, object] = {"date": TODAY.isoformat()}
    users = ((READER, "reader"), (ADMIN, "admin"))
    with FakeMarket(TICKERS) as market, bench_database(users=users, **market.env()) as (db, env):
        settings = bench_settings(env)
        seeded = asyncio.run(seed(settings))
        print(
            f"seeded in {seeded.seconds:.1f} s: {seeded.big_entries} entries "
            f"({seeded.big_open_positions} open positions), typical {seeded.typical_entries} "
            f"({seeded.typical_open_positions} open), {seeded.flows} flows last month, "
            f"{seeded.closes} closes"
        )
        results["seeded"] = seeded.__dict__ | {"flow_clients": len(seeded.flow_clients)}
        if "replay" in parts:
            results["engine"] = asyncio.run(engine(db.url, seeded.big, args.requests))
        # `--worker`: as deployed, its tick keeping the held quotes fresh (without it, a valued
        # answer waits on the provider whenever its quotes expire).
        with (
            serve_api(env) as (api, api_process),
            process(WORKER, env) if args.worker else contextlib.nullcontext(),
        ):
            token = login(api, READER)
            if "replay" in parts:
                reader, admin = Client(api, token), Client(api, login(api, ADMIN))
                five_years = (TODAY - timedelta(days=5 * 365)).isoformat()
                endpoints = {
                    "GET /positions (5,000 entries)": f"/clients/{seeded.big}/positions",
                    "GET /performance (10 years)": f"/clients/{seeded.big}/performance",
                    "GET /performance (last 5 years)": (
                        f"/clients/{seeded.big}/performance?start={five_years}"
                    ),
                }
                replay_rows = []
                for label, path in endpoints.items():
                    replay_rows += sequential(
                        reader,
                        admin,
                        client_id=seeded.big,
                        label=label,
                        path=path,
                        requests=args.requests,
                        pid=api_process.pid,
                        profile=args.profile,
                    )
                results["replay"] = replay_rows
                if "inflows" in parts:  # the month's report, kept and after a write in it
                    year, month = flow_month()
                    results["replay"] += sequential(
                        reader,
                        admin,
                        client_id=seeded.flow_clients[0],
                        label=f"GET /reports/inflows ({seeded.flows} flows)",
                        path=f"/reports/inflows?year={year}&month={month}",
                        requests=args.requests,
                        pid=api_process.pid,
                        profile=args.profile,
                        write_day=date(year, month, 1),
                    )
                reader.close()
                admin.close()
            year, month = flow_month()
            typical = (
                f"GET /clients/{{id}}/positions ({seeded.typical_open_positions} positions, "
                f"{seeded.typical_entries} entries)",
                f"/clients/{seeded.typical}/positions",
            )
            inflows = (
                f"GET /reports/inflows ({seeded.flows} flows, {FLOW_CLIENTS} clients)",
                f"/reports/inflows?year={year}&month={month}",
            )
            chosen = [
                e for e, part in ((typical, "positions"), (inflows, "inflows")) if part in parts
            ]
            if chosen:
                results["sequential"] = [
                    one_by_one(api, token, label, path, api_process, requests, args.profile)
                    for label, path, requests in [
                        ("GET /health (the floor)", "/health", 200),
                        *(
                            (label, path, 200 if path == typical[1] else 20)
                            for label, path in chosen
                        ),
                    ]
                ]
            results["ceiling"] = []
            for (label, path), seconds, timeout in (
                (typical, args.seconds, None),
                (inflows, args.inflows_seconds, 60),
            ):
                if (label, path) not in chosen:
                    continue
                results["ceiling"] += compare_with_ceiling(
                    api,
                    token,
                    {label: (path, None)},
                    env=env,
                    api_process=api_process,
                    runs=args.runs,
                    seconds=seconds,
                    timeout=timeout,
                    settled=True,
                )
            if args.hold:
                hold(api, api_process.pid, token, seeded, args.hold)
    report(results)
    dump(REPO / "bench" / "results" / "ledger.json", results)


def hold(api: str, pid: int, token: str, seeded: Seeded, seconds: int) -> None:
    """Leave the server up (to profile it by hand), saying what is where."""
    year, month = flow_month()
    print(
        json.dumps(
            {
                "api": api,
                "pid": pid,
                "token": token,
                "big": seeded.big,
                "typical": seeded.typical,
                "inflows": f"/reports/inflows?year={year}&month={month}",
            }
        ),
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # still drop the database
    time.sleep(seconds)


# wrk's rate counts every answer; under saturation the inflows report answers some 503s.
LEDGER_CEILING_COLUMNS = {
    **{k: v for k, v in CEILING_COLUMNS.items() if k != "api_peak_rss_mb"},
    "api_ok_rps": "API 2xx req/s",
    "ok_ratio_pct": "2xx ratio %",
    "api_peak_rss_mb": "API peak RSS MB",
}


def report(results: dict[str, object]) -> None:
    if "engine" in results:
        print()
        print_table(
            [results["engine"]],
            {
                "entries": "entries",
                "positions": "open positions",
                "lots": "open lots",
                "fetch_ms": "fetch ms",
                "entry_of_ms": "rows to entries ms",
                "replay_ms": "replay ms (median)",
                "replay_p95_ms": "replay p95 ms",
            },
        )
    if "replay" in results:
        print()
        print_table(
            results["replay"],
            {
                "endpoint": "endpoint",
                "mode": "caches",
                "requests": "requests",
                "median_ms": "median ms",
                "p95_ms": "p95 ms",
                "min_ms": "min ms",
                "cpu_ms": "server CPU ms per GET",
                "kb": "body KB",
                "write_ms": "the POST before it, median ms",
            },
        )
    if "sequential" in results:
        print()
        print_table(
            results["sequential"],
            {
                "endpoint": "endpoint (one request at a time)",
                "requests": "requests",
                "median_ms": "median ms",
                "p95_ms": "p95 ms",
                "cpu_ms": "server CPU ms per request",
            },
        )
    if results.get("ceiling"):
        print()
        print_table(results["ceiling"], LEDGER_CEILING_COLUMNS)
    for row in [*results.get("replay", []), *results.get("sequential", [])]:
        if row["profile"]:
            summary = summarize_profile(Path(row["profile"]))
            where = f"{row['endpoint']}{', ' + row['mode'] if 'mode' in row else ''}"
            print(f"\n{where}: % of the request's samples (holding the GIL) on the stack")
            for frame, share in summary["stack"]:
                print(f"  {share:5.1f}  {frame}")
            print("  ... and as the leaf (self time):")
            for frame, share in summary["self"]:
                print(f"  {share:5.1f}  {frame}")


if __name__ == "__main__":
    main()
