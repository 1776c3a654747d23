"""Two API processes and one worker, all on the real Redis: a tick reaches a socket on each."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from decimal import Decimal

import aiohttp
import psutil
import pytest

from tests.factories import make_allocation, make_asset, make_client
from tests.support import (
    REPO,
    carteira_process,
    create_reader_by_cli,
    free_port,
    process_env,
    run_carteira,
    wait_http,
)

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
        for quote in data.get("prices", ()) if data.get("type") == "prices" else ():
            if (quote["ticker"], quote["price"]) == (ticker, price):
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


async def test_dev_shares_its_embedded_services_with_other_commands(tmp_path):
    """The flow of docs/operations.md: `make run` in one terminal, `carteira create-user` and
    `carteira seed-demo` in another, from the same directory and without DATABASE_URL/REDIS_URL."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "JWT_SECRET", "ENVIRONMENT"}
    }
    env.update(MARKET_DATA_PROVIDER="simulated", BCRYPT_ROUNDS="4", LOG_LEVEL="WARNING")
    env.pop("CARTEIRA_DATA_DIR", None)  # the default, .data/ in the working directory
    shared = tmp_path / ".data" / "env"
    port = free_port()
    with carteira_process("dev", "--port", str(port), env=env, cwd=tmp_path) as dev:
        await wait_http(f"http://127.0.0.1:{port}/health", seconds=120)
        assert stat.S_IMODE(shared.stat().st_mode) == 0o600
        created = create_reader_by_cli("ops@example.com", env=env, cwd=tmp_path)
        assert created.returncode == 0, created.stderr
        assert "using the running `carteira dev`'s DATABASE_URL and REDIS_URL" in created.stderr
        seeded = run_carteira("seed-demo", env=env, cwd=tmp_path)
        assert seeded.returncode == 0, seeded.stderr
        assert "0 clients created" in seeded.stdout  # `carteira dev` seeded this database
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"http://127.0.0.1:{port}/auth/login",
                json={"email": "ops@example.com", "password": "a-good-password"},
            ) as login,
        ):
            assert login.status == 200  # the user the other terminal created
        # The demo's advisors, each with their own book (the credentials `make run` prints).
        books = {}
        async with aiohttp.ClientSession() as http:
            for email in ("ana.advisor@example.com", "bruno.advisor@example.com"):
                async with http.post(
                    f"http://127.0.0.1:{port}/auth/login",
                    json={"email": email, "password": "changeme-advisor"},
                ) as login:
                    token = (await login.json())["access_token"]
                async with http.get(
                    f"http://127.0.0.1:{port}/clients",
                    headers={"Authorization": f"Bearer {token}"},
                ) as listed:
                    books[email] = {c["name"] for c in (await listed.json())["items"]}
        assert len(books["ana.advisor@example.com"]) == 3
        assert len(books["bruno.advisor@example.com"]) == 2
        assert not books["ana.advisor@example.com"] & books["bruno.advisor@example.com"]
        dev.send_signal(signal.SIGTERM)
        assert dev.wait(30) == 0
    assert not shared.exists()  # nothing left for a later command to trust


async def test_dev_shows_its_banner_and_logs_the_database_set_up_to_a_file(tmp_path):
    """Measured before: `make run` printed some 60 lines of initdb and pg_ctl (and Tortoise's
    start/stop lines) around the notes and the banner."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "JWT_SECRET", "ENVIRONMENT"}
    }
    env.update(
        MARKET_DATA_PROVIDER="simulated",
        BCRYPT_ROUNDS="4",
        LOG_LEVEL="INFO",
        CARTEIRA_DATA_DIR=str(tmp_path / ".data"),
    )
    output = tmp_path / "terminal.txt"
    port = free_port()
    with output.open("wb") as terminal:
        dev = subprocess.Popen(
            [sys.executable, "-m", "carteira", "dev", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=terminal,
            stderr=subprocess.STDOUT,
        )
        try:
            await wait_http(f"http://127.0.0.1:{port}/health", seconds=120)
        finally:
            dev.send_signal(signal.SIGTERM)
            assert dev.wait(30) == 0
    lines = output.read_text().splitlines()
    setup = lines[: lines.index("Press Ctrl-C to stop.")]
    log_file = tmp_path / ".data" / "logs" / "embedded-services.log"
    assert f"  Embedded services' log: {log_file}" in setup
    # The set-up is the notes and the banner: no log record, whichever logger wrote it.
    assert [line for line in setup if LOG_RECORD.match(line)] == []
    assert len(setup) < 25
    logged = log_file.read_text()
    assert "initdb" in logged
    assert "pg_ctl" in logged


LOG_RECORD = re.compile(r"^\d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL)\b")


def test_make_run_passes_port_to_carteira_dev():
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    dry = subprocess.run(
        ["make", "--dry-run", "--always-make", "--no-print-directory", "run", "PORT=8001"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert dry.stdout.splitlines()[-1] == ".venv/bin/carteira dev --port 8001"
