"""Issue #7 benchmark: delivery lag of a price tick to N sockets, and the API's CPU per tick.

    .venv/bin/python -m bench.realtime [--sockets 100 1000] [--ticks 10]

One or two API processes (uvicorn) on the real Redis; N sockets on `/ws/prices`, each
subscribed to one of 20 tickers, opened by clients spread over two processes (so that
parsing on the client side does not inflate the lag). This process plays the tick producer:
every second it publishes one `prices.tick` event whose quotes carry the publish time in
`as_of`; each client records receipt time minus `as_of` for every price message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import time
from datetime import UTC, datetime
from decimal import Decimal

import aiohttp
from tests.support import connect

from bench.common import (
    PYTHON,
    REPO,
    bench_database,
    dump,
    free_port,
    login,
    print_table,
    process,
)
from bench.fake_market import FakeMarket

TICKERS = [f"LIVE{n:02d}.SA" for n in range(20)]


def client_process(urls: list[str], queue: multiprocessing.Queue, ticks: int, ready) -> None:
    async def run() -> list[float]:
        lags: list[float] = []
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            sockets = [await session.ws_connect(url) for url in urls]
            # drain the snapshots
            for ws in sockets:
                await ws.receive(timeout=10)
            ready.set()
            deadline = time.time() + ticks + 5

            async def read(ws: aiohttp.ClientWebSocketResponse) -> None:
                while time.time() < deadline:
                    try:
                        message = await ws.receive(timeout=max(0.1, deadline - time.time()))
                    except TimeoutError:
                        return
                    if message.type != aiohttp.WSMsgType.TEXT:
                        return
                    data = json.loads(message.data)
                    if data.get("type") == "price" and data["ticker"].startswith("LIVE"):
                        sent = datetime.fromisoformat(data["as_of"]).timestamp()
                        if sent > 1:  # snapshot prices carry the fake's own time
                            lags.append(time.time() - sent)

            await asyncio.gather(*(read(ws) for ws in sockets))
            for ws in sockets:
                await ws.close()
        return lags

    queue.put(asyncio.run(run()))


async def publish_ticks(redis_url: str, ticks: int) -> None:
    from redis.asyncio import Redis

    from carteira.core.events import EventBus
    from carteira.realtime.service import TICK

    redis = Redis.from_url(redis_url)
    bus = EventBus(redis)
    try:
        for n in range(ticks):
            now = datetime.now(UTC)
            quotes = [
                {
                    "ticker": t,
                    "price": str(Decimal(10) + Decimal(n) / 100),
                    "previous_close": "10",
                    "change_pct": 0.1,
                    "currency": "BRL",
                    "as_of": now.isoformat(),
                    "source": "yahoo",
                }
                for t in TICKERS
            ]
            await bus.publish(TICK, held=[], quotes=quotes, published_at=time.time())
            await asyncio.sleep(1)
    finally:
        await redis.aclose()


async def register(database_url: str) -> None:
    """The benchmark's tickers as registered assets: sockets may follow only known tickers."""
    conn = await connect(database_url)
    try:
        await conn.copy_records_to_table(
            "assets",
            columns=["ticker", "name", "exchange", "currency", "asset_type", "created_at"],
            records=[(t, t, "SAO", "BRL", "EQUITY", datetime.now(UTC)) for t in TICKERS],
        )
    finally:
        await conn.close()


def run_case(
    env: dict[str, str],
    redis_url: str,
    token: str,
    ports: list[int],
    sockets: int,
    ticks: int,
    procs,
) -> dict:
    urls = [
        f"ws://127.0.0.1:{ports[n % len(ports)]}/ws/prices"
        f"?tickers={TICKERS[n % len(TICKERS)]}&token={token}"
        for n in range(sockets)
    ]
    queue: multiprocessing.Queue = multiprocessing.Queue()
    readies = [multiprocessing.Event() for _ in range(2)]
    clients = [
        multiprocessing.Process(target=client_process, args=(urls[i::2], queue, ticks, readies[i]))
        for i in range(2)
    ]
    for client in clients:
        client.start()
    for ready in readies:
        ready.wait(120)
    time.sleep(1)
    cpu_before = sum(p.cpu_times().user + p.cpu_times().system for p in procs)
    asyncio.run(publish_ticks(redis_url, ticks))
    time.sleep(1)
    cpu_after = sum(p.cpu_times().user + p.cpu_times().system for p in procs)
    lags = sorted(lag for _ in clients for lag in queue.get(timeout=120))
    for client in clients:
        client.join(30)
    expected = sockets * ticks
    return {
        "api_processes": len(ports),
        "sockets": sockets,
        "messages": len(lags),
        "delivered_pct": round(100 * len(lags) / expected, 1),
        "p50_ms": round(statistics.median(lags) * 1000, 1),
        "p99_ms": round(lags[int(len(lags) * 0.99) - 1] * 1000, 1),
        "api_cpu_ms_per_tick": round((cpu_after - cpu_before) / ticks * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--ticks", type=int, default=10)
    args = parser.parse_args()
    rows = []
    with FakeMarket(TICKERS) as market, bench_database(**market.env()) as (db, env):
        redis_url = env["REDIS_URL"]
        asyncio.run(register(db.url))
        for api_processes in (1, 2):
            ports = [free_port() for _ in range(api_processes)]
            servers = [
                process(
                    [PYTHON, "-m", "carteira", "serve", "--port", str(p)],
                    env,
                    f"http://127.0.0.1:{p}/health",
                )
                for p in ports
            ]
            procs = [server.__enter__() for server in servers]
            try:
                token = login(f"http://127.0.0.1:{ports[0]}")
                for sockets in args.sockets:
                    rows.append(run_case(env, redis_url, token, ports, sockets, args.ticks, procs))
            finally:
                for server in servers:
                    server.__exit__(None, None, None)
    print_table(
        rows,
        {
            "api_processes": "API processes",
            "sockets": "sockets",
            "messages": "messages",
            "delivered_pct": "delivered %",
            "p50_ms": "lag p50 ms",
            "p99_ms": "lag p99 ms",
            "api_cpu_ms_per_tick": "API CPU ms per tick (all processes)",
        },
    )
    dump(REPO / "bench" / "results" / "realtime.json", rows)


if __name__ == "__main__":
    main()
