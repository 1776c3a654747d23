"""Issue #9: every hot read endpoint on the final code, each against the bare-ASGI ceiling
measured in the same run.

    .venv/bin/python -m bench.final [--seconds 5] [--runs 3]

The portfolio benchmark's data (10,000 clients, 50,000 lots on 200 tickers, COPY-loaded), one
API process on the fake Yahoo, wrk -t2 -c64 as a reader; per endpoint the API and a bare
Starlette app returning the very same bytes alternate `runs` times (medians).
"""

from __future__ import annotations

import argparse
import asyncio

from bench.common import (
    CEILING_COLUMNS,
    REPO,
    bench_database,
    compare_with_ceiling,
    dump,
    login,
    print_table,
    serve_api,
)
from bench.fake_market import FakeMarket
from bench.portfolio import ASSETS, seed
from carteira.core import clock


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="", help="only the endpoints whose label has this")
    args = parser.parse_args()
    tickers = [f"BNCH{n:03d}.SA" for n in range(ASSETS)]
    with FakeMarket(tickers) as market, bench_database(**market.env()) as (db, env):
        showcase = asyncio.run(seed(db.url))
        today = clock.today()
        endpoints = {
            "GET /health": ("/health", None),
            "GET /clients (page 20)": ("/clients?page=3&page_size=20", None),
            "GET /clients?search= (page 20)": ("/clients?search=souza&page_size=20", None),
            "GET /clients/{id}/allocations (20 lots, valued)": (
                f"/clients/{showcase}/allocations?page_size=20",
                None,
            ),
            "GET /clients/{id}/positions": (f"/clients/{showcase}/positions", None),
            "GET /quotes (5 tickers, cached)": ("/quotes?tickers=" + ",".join(tickers[:5]), None),
            "GET /assets/search (cache hit)": ("/assets/search?q=bnch&limit=10", None),
            "GET /reports/inflows (this month)": (
                f"/reports/inflows?year={today.year}&month={today.month}",
                None,
            ),
        }
        endpoints = {label: e for label, e in endpoints.items() if args.only in label}
        with serve_api(env) as (api, api_process):
            rows = compare_with_ceiling(
                api,
                login(api),
                endpoints,
                env=env,
                api_process=api_process,
                runs=args.runs,
                seconds=args.seconds,
            )
    print_table(rows, CEILING_COLUMNS)
    dump(REPO / "bench" / "results" / "final.json", rows)


if __name__ == "__main__":
    main()
