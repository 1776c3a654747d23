"""Two API processes and one worker, all on the real Redis: a tick reaches a socket on each."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal

import aiohttp
import pytest

from tests.factories import make_allocation, make_asset, make_client
from tests.support import REPO, TEST_JWT_SECRET

pytestmark = pytest.mark.multiprocess


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(url)


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
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "JWT_SECRET": TEST_JWT_SECRET,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        "YAHOO_QUERY1_URL": settings.yahoo_query1_url,
        "YAHOO_QUERY2_URL": settings.yahoo_query2_url,
        "TICK_SECONDS": "1",
        "QUOTE_CACHE_TTL_SECONDS": "1",
    }
    ports = [_free_port(), _free_port()]
    commands = [
        *([sys.executable, "-m", "carteira", "serve", "--port", str(p)] for p in ports),
        [sys.executable, "-m", "carteira", "worker"],
    ]
    processes = [
        subprocess.Popen(c, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for c in commands
    ]
    try:
        for port in ports:
            await _wait_http(f"http://127.0.0.1:{port}/health")
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
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


async def test_metrics_add_up_across_uvicorn_workers(settings, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "JWT_SECRET": TEST_JWT_SECRET,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "carteira", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        await _wait_http(f"{base}/health")
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
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(15)
