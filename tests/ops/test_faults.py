"""Dependencies failing under a running API: Redis killed and restarted, PostgreSQL connections
killed and refused. A real `carteira serve` process and real servers; bounded in time."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import psutil
import pytest

from tests.conftest import Account
from tests.factories import make_allocation, make_asset, make_client
from tests.support import (
    Postgres,
    carteira_process,
    free_port,
    process_env,
    redis_server,
    wait_http,
)

pytestmark = pytest.mark.multiprocess


@dataclass
class Api:
    """A served API and an admin's session with it."""

    url: str
    process: psutil.Process
    http: aiohttp.ClientSession
    token: str

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        timeout = aiohttp.ClientTimeout(total=15)
        async with self.http.request(
            method, self.url + path, headers=headers, timeout=timeout, **kwargs
        ) as r:
            return r.status, await r.json(content_type=None)


@contextlib.asynccontextmanager
async def serve(settings, admin: Account, **env: str) -> AsyncIterator[Api]:
    port = free_port()
    environment = process_env(settings, MARKET_DATA_PROVIDER="simulated", **env)
    with carteira_process("serve", "--port", str(port), env=environment) as process:
        url = f"http://127.0.0.1:{port}"
        await wait_http(f"{url}/health")
        async with aiohttp.ClientSession() as http:
            yield Api(url, psutil.Process(process.pid), http, admin.token)


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float) -> float:
    """Seconds until `check()` holds; fails after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


@pytest.fixture
async def client_id(as_admin) -> int:
    """A client holding one lot, so that every read below has something to read."""
    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "PETR4.SA")
    await make_allocation(as_admin, client["id"], asset_id=asset["id"])
    return int(client["id"])


# ---- Redis ----------------------------------------------------------------------------------


async def test_redis_killed_then_restarted_under_a_running_api(settings, admin, client_id):
    redis_port = free_port()
    login = {"json": {"email": admin.email, "password": admin.password}}
    with redis_server(redis_port) as redis_process:
        async with serve(settings, admin, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0") as api:
            assert (await api.call("GET", "/ready"))[0] == 200
            status, second = await api.call("POST", "/auth/login", **login)
            assert status == 200
            ended = {"Authorization": f"Bearer {second['access_token']}"}
            revoked_before = await api.http.post(f"{api.url}/auth/login", **login)
            revoked = {"Authorization": f"Bearer {(await revoked_before.json())['access_token']}"}
            async with api.http.post(f"{api.url}/auth/logout", headers=revoked) as r:
                assert r.status == 204

            redis_process.kill()
            redis_process.wait(5)

            # Reads served from PostgreSQL keep working, the caches bypassed, none hanging.
            started = time.monotonic()
            assert (await api.call("GET", "/clients"))[0] == 200
            status, lots = await api.call("GET", f"/clients/{client_id}/allocations")
            assert status == 200
            assert lots["items"][0]["current_price"] is not None  # priced without the cache
            assert (await api.call("GET", "/quotes?tickers=PETR4.SA"))[0] == 200
            assert (await api.call("GET", f"/clients/{client_id}/positions"))[0] == 200
            assert time.monotonic() - started < 10
            # A write commits: the events it would publish are lost, never the write.
            body = {"name": "Written", "email": "written@example.com"}
            status, created = await api.call("POST", "/clients", json=body)
            assert status == 201
            assert (await api.call("GET", f"/clients/{created['id']}"))[0] == 200
            # Readiness names Redis.
            status, ready = await api.call("GET", "/ready")
            assert status == 503
            assert ready["code"] == "not_ready"
            assert "redis" in ready["detail"]
            assert ready["checks"]["database"] == "ok"
            # Tokens are checked against PostgreSQL: valid ones work, and a logout without
            # Redis still ends its session; login fails closed (its throttle needs Redis).
            assert (await api.call("GET", "/auth/me"))[0] == 200
            async with api.http.post(f"{api.url}/auth/logout", headers=ended) as r:
                assert r.status == 204
            async with api.http.get(f"{api.url}/auth/me", headers=ended) as r:
                assert r.status == 401
            status, refused = await api.call("POST", "/auth/login", **login)
            assert status == 503
            assert refused["code"] == "redis_unavailable"

            with redis_server(redis_port):  # the same address, empty: a restart

                async def is_ready() -> bool:
                    return (await api.call("GET", "/ready"))[0] == 200

                await eventually(is_ready, seconds=15)  # without restarting the API
                # An empty Redis revives nothing: both sessions ended stay ended.
                for headers in (ended, revoked):
                    async with api.http.get(f"{api.url}/auth/me", headers=headers) as r:
                        assert r.status == 401
                assert (await api.call("POST", "/auth/login", **login))[0] == 200
                assert (await api.call("GET", "/quotes?tickers=PETR4.SA"))[0] == 200
                assert (await api.call("GET", "/clients"))[0] == 200


async def test_the_worker_outlives_a_redis_restart(settings, as_admin):
    """Measured before: the worker exited as soon as Redis went away (no more ticks, outbox
    relay or crons) and stayed down. It waits for Redis, then relays what was written while
    Redis was away and runs it."""
    from redis.asyncio import Redis

    from carteira.core.jobs import JobQueue
    from carteira.core.redis import create_redis

    asset = await make_asset(as_admin, "PETR4.SA")
    redis_port = free_port()
    ours = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{redis_port}/0"})
    env = process_env(settings, REDIS_URL=ours.redis_url)

    async def health_recorded(redis: Redis) -> bool:
        return bool(await redis.exists("arq:queue:health-check"))

    with redis_server(redis_port) as first, carteira_process("worker", env=env) as worker:
        redis = create_redis(ours)
        try:
            await eventually(lambda: health_recorded(redis), seconds=30)
            first.kill()
            first.wait(5)
            # A write while Redis is away: its job waits in the outbox.
            job_id = await JobQueue(redis).enqueue("refresh_daily_returns", asset_id=asset["id"])
            await asyncio.sleep(5)  # arq polls Redis every half second
            assert worker.poll() is None, "the worker exited with Redis"
            with redis_server(redis_port):  # the same address, empty: a restart
                # Crons run again: the relay sends the job, the worker runs it.
                async def complete() -> bool:
                    return (await JobQueue(redis).state(job_id)).status == "complete"

                await eventually(complete, seconds=45)
                await eventually(lambda: health_recorded(redis), seconds=45)
                assert worker.poll() is None
                worker.send_signal(signal.SIGTERM)
                assert worker.wait(15) == 0
        finally:
            await redis.aclose()


# ---- PostgreSQL -----------------------------------------------------------------------------


async def test_postgres_connections_killed_then_refused_then_back(
    settings, servers, admin, client_id
):
    database = urlsplit(settings.database_url).path.lstrip("/")
    postgres = Postgres(servers.postgres_admin_url, database)
    reads = ["/clients", f"/clients/{client_id}/allocations", f"/clients/{client_id}"]

    async with serve(settings, admin) as api:

        async def burst() -> dict[str, set[int]]:
            """Statuses per path over 15 concurrent reads; a 503 must say what is down."""
            paths = reads * 5
            answers = await asyncio.gather(*(api.call("GET", path) for path in paths))
            statuses: dict[str, set[int]] = {}
            for path, (status, body) in zip(paths, answers, strict=True):
                statuses.setdefault(path, set()).add(status)
                if status == 503:
                    assert body["code"] == "database_unavailable"
            return statuses

        def seen(statuses: dict[str, set[int]]) -> set[int]:
            return set().union(*statuses.values())

        assert seen(await burst()) == {200}  # the pool is warm
        assert await postgres.kill_connections_of(api.process) > 0

        # Killed connections: each request answers 200 (a fresh connection) or 503, never 500.
        assert seen(await burst()) <= {200, 503}

        async def all_200() -> bool:
            return seen(await burst()) == {200}

        await eventually(all_200, seconds=10)

        # A restart window: no connection can be made at all. Pages cached in the process
        # may still be served (200); whatever needs the database is a 503.
        await postgres.allow_connections(False)
        try:
            await postgres.kill_connections_of(api.process)
            statuses = await burst()
            assert seen(statuses) <= {200, 503}
            assert statuses[f"/clients/{client_id}"] == {503}
            status, ready = await api.call("GET", "/ready")
            assert status == 503
            assert "database" in ready["detail"]
        finally:
            await postgres.allow_connections(True)
        await eventually(all_200, seconds=15)  # by itself, no restart of the API
        assert (await api.call("GET", "/ready"))[0] == 200
