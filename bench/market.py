"""Issue #4 benchmark: upstream calls for many quote requests (cache + single flight).

    .venv/bin/python -m bench.market [--requests 1000] [--seconds 10]

The fake Yahoo (from the test suite) serves 100 tickers from a thread of this process and
counts every chart call it receives. Part 1 sends 1,000 `GET /quotes` requests, each for
one random ticker, from 64 concurrent clients (aiohttp) and reports upstream calls per
1,000 requests; part 2 drives the same mix with wrk for `--seconds` and reports calls per
ticker per cache TTL (the goal is one).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import time

import aiohttp

from bench.common import (
    REPO,
    bench_database,
    dump,
    login,
    print_table,
    serve_api,
    wrk,
)
from bench.fake_market import FakeMarket

TICKERS = [f"BNCH{n:03d}.SA" for n in range(100)]
TTL = 5


async def burst(base: str, token: str, total: int, concurrency: int) -> float:
    queue = list(range(total))
    headers = {"Authorization": f"Bearer {token}"}

    async def client(session: aiohttp.ClientSession) -> None:
        while queue:
            queue.pop()
            ticker = random.choice(TICKERS)
            async with session.get(f"{base}/quotes", params={"tickers": ticker}) as r:
                assert r.status == 200, await r.text()
                await r.read()

    started = time.perf_counter()
    async with aiohttp.ClientSession(headers=headers) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    rows = []
    with (
        FakeMarket(TICKERS) as market,
        bench_database(QUOTE_CACHE_TTL_SECONDS=str(TTL), **market.env()) as (_, env),
        serve_api(env) as (base, _),
    ):
        token = login(base)
        seconds = asyncio.run(burst(base, token, args.requests, 64))
        calls = market.chart_calls()
        rows.append(
            {
                "run": f"{args.requests} requests, 64 clients (aiohttp)",
                "seconds": round(seconds, 2),
                "requests": args.requests,
                "upstream_calls": calls,
                "calls_per_1000": round(1000 * calls / args.requests, 1),
                "calls_per_ticker_per_ttl": round(
                    calls / (len(TICKERS) * math.ceil(seconds / TTL)), 2
                ),
            }
        )
        time.sleep(TTL + 1)  # let every quote expire: part 2 starts cold too
        before = market.chart_calls()
        result = wrk(
            base + "/quotes?tickers=BNCH000.SA",
            token=token,
            seconds=args.seconds,
            script=REPO / "bench" / "random_quote.lua",
        )
        calls = market.chart_calls() - before
        requests = round(result.requests_per_second * args.seconds)
        rows.append(
            {
                "run": f"wrk -c64 for {args.seconds} s",
                "seconds": args.seconds,
                "requests": requests,
                "upstream_calls": calls,
                "calls_per_1000": round(1000 * calls / requests, 1),
                "calls_per_ticker_per_ttl": round(
                    calls / (len(TICKERS) * math.ceil(args.seconds / TTL)), 2
                ),
            }
        )
    print_table(
        rows,
        {
            "run": "run",
            "seconds": "seconds",
            "requests": "requests",
            "upstream_calls": "upstream calls",
            "calls_per_1000": "calls per 1,000 requests",
            "calls_per_ticker_per_ttl": "calls per ticker per TTL",
        },
    )
    dump(REPO / "bench" / "results" / "market.json", rows)


if __name__ == "__main__":
    main()
