"""Two API processes and one worker, all on the real Redis: a tick reaches a socket on each."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from decimal import Decimal

import aiohttp
import psutil
import pytest

from tests.factories import make_allocation, make_asset, make_client
from tests.support import carteira_process, free_port, process_env, wait_http

pytestmark = pytest.mark.multiprocess


async def _price_seen(ws, ticker: str, price: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            message = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            return False
        if message.type != aiohttp.WSMsgType.TEXT:
            return False
        data = json.loads(message.data)
        if data.get("type") == "price" and data["ticker"] == ticker and data["price"] == price:
            return True
    return False


async def test_a_tick_reaches_sockets_on_every_api_process(as_admin, admin, settings, yahoo):
    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA", price="38.47", previous_close="38")
    await make_allocation(as_admin, client["id"], asset_id=petr["id"])
    env = process_env(settings, TICK_SECONDS="1", QUOTE_CACHE_TTL_SECONDS="1")
    ports = [free_port(), free_port()]
    with (
        carteira_process("serve", "--port", str(ports[0]), env=env),
        carteira_process("serve", "--port", str(ports[1]), env=env),
        carteira_process("worker", env=env),
    ):
        for port in ports:
            await wait_http(f"http://127.0.0.1:{port}/health")
        async with aiohttp.ClientSession() as http:
            sockets = [
                await http.ws_connect(f"ws://127.0.0.1:{port}/ws/dashboard?token={admin.token}")
                for port in ports
            ]
            yahoo.set_price("PETR4.SA", Decimal("41.23"))
            seen = await asyncio.gather(
                *(_price_seen(ws, "PETR4.SA", "41.23", 20) for ws in sockets)
            )
            for ws in sockets:
                await ws.close()
    assert seen == [True, True]


async def test_metrics_add_up_across_uvicorn_workers(settings, tmp_path):
    env = process_env(settings, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with carteira_process("serve", "--port", str(port), "--workers", "2", env=env):
        await wait_http(f"{base}/health")
        async with aiohttp.ClientSession() as http:
            for _ in range(40):  # new connections: the kernel spreads them over both workers
                async with aiohttp.ClientSession() as fresh, fresh.get(f"{base}/health") as r:
                    assert r.status == 200
            async with http.get(f"{base}/metrics") as r:
                text = await r.text()
    line = next(
        line
        for line in text.splitlines()
        if line.startswith("carteira_http_requests_total{") and 'route="/health"' in line
    )
    assert float(line.rsplit(" ", 1)[1]) >= 41  # every worker's requests, not one's
    assert len(list(tmp_path.glob("counter_*.db"))) == 2  # one file per worker process


async def test_dev_stops_its_api_and_worker_on_sigterm(settings, tmp_path):
    port = free_port()
    env = process_env(settings, MARKET_DATA_PROVIDER="simulated", CARTEIRA_DATA_DIR=str(tmp_path))
    with carteira_process("dev", "--port", str(port), env=env) as dev:
        await wait_http(f"http://127.0.0.1:{port}/health", seconds=60)
        children = psutil.Process(dev.pid).children(recursive=True)
        assert len(children) >= 2  # the API and the worker
        dev.send_signal(signal.SIGTERM)
        assert dev.wait(20) == 0
    _, alive = psutil.wait_procs(children, timeout=5)
    assert alive == []
