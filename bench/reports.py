"""Issue #6 benchmark: exports over 100,000 positions, CSV and XLSX.

    .venv/bin/python -m bench.reports [--clients 20000] [--assets-per-client 5]

20,000 clients holding 5 assets each (100,000 positions, one lot each) are COPY-loaded; one
uvicorn process serves the exports, downloaded by a client that discards the bytes:
`/reports/inflows?start=&end=` writes one row per lot (100,000 rows), `/reports/clients`
reads the 100,000 positions and writes one row per client (20,000 rows, market values from
quotes). Reported: rows/s, wall time, and the API's peak RSS above its RSS before the
download (sampled every 50 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.support import connect, copy_buys

from bench.common import (
    REPO,
    RssSampler,
    bench_database,
    dump,
    login,
    print_table,
    serve_api,
)
from bench.fake_market import FakeMarket
from carteira.core import clock

ASSETS = 50


async def seed(database_url: str, clients: int, per_client: int) -> None:
    rng = random.Random(3)
    conn = await connect(database_url)
    now = datetime.now(UTC)
    try:
        await conn.copy_records_to_table(
            "clients",
            columns=["name", "email", "status", "created_at", "updated_at"],
            records=[
                (f"Client {n:06d}", f"c{n:06d}@bench.example", "active", now, now)
                for n in range(clients)
            ],
        )
        await conn.copy_records_to_table(
            "assets",
            columns=["ticker", "name", "exchange", "currency", "asset_type", "created_at"],
            records=[
                (f"RPT{n:02d}.SA", f"Asset {n}", "SAO", "BRL", "EQUITY", now) for n in range(ASSETS)
            ],
        )
        client_ids = [r[0] for r in await conn.fetch("SELECT id FROM clients ORDER BY id")]
        asset_ids = [r[0] for r in await conn.fetch("SELECT id FROM assets ORDER BY id")]
        lots = []
        for client_id in client_ids:
            for asset_id in rng.sample(asset_ids, per_client):
                lots.append(
                    (
                        client_id,
                        asset_id,
                        Decimal(rng.randint(1, 900)),
                        Decimal(rng.randint(100, 9000)) / 100,
                        clock.today() - timedelta(days=rng.randint(0, 700)),
                        now,
                        now,
                    )
                )
        await copy_buys(
            conn,
            lots,
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def download(url: str, token: str) -> tuple[float, int]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    size = 0
    with urllib.request.urlopen(request, timeout=300) as response:
        while chunk := response.read(1 << 16):
            size += len(chunk)
    return time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--assets-per-client", type=int, default=5)
    args = parser.parse_args()
    positions = args.clients * args.assets_per_client
    rows = []
    with (
        FakeMarket([f"RPT{n:02d}.SA" for n in range(ASSETS)]) as market,
        bench_database(**market.env()) as (db, env),
    ):
        asyncio.run(seed(db.url, args.clients, args.assets_per_client))
        with serve_api(env) as (base, proc):
            token = login(base)
            download(f"{base}/reports/clients?format=csv", token)  # warm-up: quotes cached
            start = (clock.today() - timedelta(days=730)).isoformat()
            exports = {
                "inflows (a row per lot)": (
                    f"/reports/inflows?start={start}&end={clock.today()}",
                    positions,
                ),
                "clients (positions read, a row per client)": ("/reports/clients", positions),
            }
            for label, (path, count) in exports.items():
                for export_format in ("csv", "xlsx"):
                    baseline = proc.memory_info().rss
                    sampler = RssSampler(proc, interval=0.05)
                    sampler.start()
                    separator = "&" if "?" in path else "?"
                    url = f"{base}{path}{separator}format={export_format}"
                    seconds, size = download(url, token)
                    sampler.running = False
                    sampler.join()
                    rows.append(
                        {
                            "export": label,
                            "format": export_format,
                            "rows": count,
                            "seconds": round(seconds, 2),
                            "rows_per_second": round(count / seconds),
                            "mb": round(size / 2**20, 1),
                            "extra_peak_rss_mb": round((sampler.peak - baseline) / 2**20, 1),
                        }
                    )
    print_table(
        rows,
        {
            "export": "export",
            "format": "format",
            "rows": "positions",
            "seconds": "seconds",
            "rows_per_second": "rows/s",
            "mb": "file MB",
            "extra_peak_rss_mb": "extra peak RSS MB",
        },
    )
    dump(REPO / "bench" / "results" / "reports.json", rows)


if __name__ == "__main__":
    main()
