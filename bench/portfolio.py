"""Issues #3, #18 and #20: GET /clients (as a reader, and as an advisor whose book is 300 of the
10,000 clients) and GET /clients/{id}/allocations against the ceiling.

    .venv/bin/python -m bench.portfolio [--seconds 10] [--runs 3]

Seeds 10,000 clients and 50,000 allocations in a throw-away database, serves the API with one
uvicorn process and its worker, and drives it with wrk (64 connections) next to a bare
Starlette endpoint that returns the same JSON bytes (the ceiling), also one process. Then the
same client-list page from a plain FastAPI + SQLAlchemy service (`bench/peer.py`) against its
own ceiling. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.support import connect, copy_buys

from bench.common import (
    CEILING_COLUMNS,
    PYTHON,
    REPO,
    WORKER,
    bench_database,
    compare_with_ceiling,
    dump,
    free_port,
    login,
    print_table,
    process,
    serve_api,
)
from bench.fake_market import FakeMarket
from carteira.core import clock

CLIENTS = 10_000
ADVISOR = "advisor@bench.example"
ADVISOR_BOOK = 300  # a typical advisor's clients
ALLOCATIONS = 50_000
ASSETS = 200
FIRST_NAMES = ["Ana", "Bruno", "Carla", "Diego", "Elisa", "Fábio", "Gabi", "Hugo", "Íris", "João"]
LAST_NAMES = ["Souza", "Lima", "Dias", "Rocha", "Nogueira", "Carvalho", "Mendes", "Costa"]


async def seed(database_url: str) -> int:
    """Bulk-load the data with COPY; returns the id of a client holding exactly 20 lots."""
    rng = random.Random(42)
    conn = await connect(database_url)
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
        await copy_buys(
            conn,
            [
                (
                    client,
                    asset,
                    Decimal(rng.randint(1, 1000)),
                    Decimal(rng.randint(100, 10000)) / 100,
                    clock.today() - timedelta(days=rng.randint(0, 720)),
                    now,
                    now,
                )
                for client, asset in lots
            ],
        )
        book = client_ids[:: CLIENTS // ADVISOR_BOOK][:ADVISOR_BOOK]
        await conn.execute(
            "UPDATE clients SET advisor_id = (SELECT id FROM users WHERE email = $1)"
            " WHERE id = ANY($2::int[])",
            ADVISOR,
            book,
        )
        await conn.execute("ANALYZE")
        return showcase
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    tickers = [f"BNCH{n:03d}.SA" for n in range(ASSETS)]
    users = (("bench@example.com", "reader"), (ADVISOR, "advisor"))
    with FakeMarket(tickers) as market, bench_database(users=users, **market.env()) as (db, env):
        showcase = asyncio.run(seed(db.url))
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
        as_advisor = {
            f"GET /clients as an advisor ({ADVISOR_BOOK} of {CLIENTS:,}; page 20)": (
                "/clients?page=3&page_size=20",
                None,
            ),
        }
        # As deployed: the worker's tick (every 5 s) refreshes the held tickers' quotes before
        # they expire, so a valued listing does not wait on the provider every quote TTL.
        with serve_api(env) as (api, api_proc), process(WORKER, env):
            rows = []
            for email, wanted in (("bench@example.com", endpoints), (ADVISOR, as_advisor)):
                rows += compare_with_ceiling(
                    api,
                    login(api, email),
                    wanted,
                    env=env,
                    api_process=api_proc,
                    runs=args.runs,
                    seconds=args.seconds,
                )
        # The same page from a plain FastAPI + SQLAlchemy service (bench/peer.py), served
        # alone, one process like the API.
        peer_port = free_port()
        peer = [PYTHON, "-m", "uvicorn", "bench.peer:app", "--port", str(peer_port)]
        peer += ["--log-level", "warning", "--no-access-log"]
        peer_url = f"http://127.0.0.1:{peer_port}"
        with process(peer, {**env, "DATABASE_URL": db.url}, f"{peer_url}/ping") as peer_proc:
            rows += compare_with_ceiling(
                peer_url,
                "",
                {
                    "GET /clients (page 20), plain FastAPI + SQLAlchemy": endpoints[
                        "GET /clients (page 20)"
                    ]
                },
                env=env,
                api_process=peer_proc,
                runs=args.runs,
                seconds=args.seconds,
            )
    print_table(rows, CEILING_COLUMNS)
    dump(REPO / "bench" / "results" / "portfolio.json", rows)


if __name__ == "__main__":
    main()
