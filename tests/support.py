"""Test infrastructure: real PostgreSQL and Redis, one database and one Redis db per run."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import redis

from carteira.core.config import Settings
from carteira.core.embedded import EmbeddedServices, with_database
from tests.fakes.yahoo import FakeYahoo

REPO = Path(__file__).resolve().parents[1]
TEST_JWT_SECRET = "test-secret-" + "x" * 40
LOCK_KEY = "carteira:test-run"

# The session's fake Yahoo (set by the `fake_yahoo` fixture), for the data factories.
yahoo: FakeYahoo


@dataclass(frozen=True)
class Servers:
    postgres_admin_url: str  # database `postgres` on the server the tests use
    redis_base_url: str  # without a db index
    embedded: EmbeddedServices | None


def start_servers() -> Servers:
    """`TEST_DATABASE_URL`/`REDIS_URL` when set (CI points them at the local servers), else
    embedded ones under .data/test so that `make test` needs nothing installed."""
    pg = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    embedded = None
    if not pg or not redis_url:
        embedded = EmbeddedServices(REPO / ".data" / "test")
        pg = pg or embedded.start_postgres()
        redis_url = redis_url or embedded.start_redis()
    pg = pg.replace("postgresql://", "postgres://", 1)
    return Servers(
        postgres_admin_url=with_database(pg, "postgres"),
        redis_base_url=redis_url.rsplit("/", 1)[0] if redis_url.count("/") > 2 else redis_url,
        embedded=embedded,
    )


def claim_redis_db(base_url: str, run_id: str) -> int:
    """A Redis db index no other concurrent test run holds (0 is left to the application)."""
    for index in range(1, 16):
        client = redis.Redis.from_url(f"{base_url}/{index}")
        try:
            if client.set(LOCK_KEY, run_id, nx=True, ex=3 * 3600):
                client.flushdb()
                client.set(LOCK_KEY, run_id, ex=3 * 3600)
                return index
        finally:
            client.close()
    raise RuntimeError("every Redis db 1-15 is held by another test run")


def release_redis_db(base_url: str, index: int) -> None:
    client = redis.Redis.from_url(f"{base_url}/{index}")
    try:
        client.flushdb()
    finally:
        client.close()


async def connect(database_url: str) -> asyncpg.Connection:
    """A plain asyncpg connection (it spells the scheme `postgresql://`), for bulk loading."""
    return await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))


ALLOCATION_COLUMNS = [
    "client_id",
    "asset_id",
    "quantity",
    "buy_price",
    "buy_date",
    "created_at",
    "updated_at",
]


async def copy_allocations(conn: asyncpg.Connection, records: Iterable[tuple]) -> None:
    """COPY lots, given in `ALLOCATION_COLUMNS` order, into `allocations`."""
    await conn.copy_records_to_table("allocations", columns=ALLOCATION_COLUMNS, records=records)


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


# --- real carteira processes (API servers, workers) started by the tests -------------------


def process_env(settings: Settings, **overrides: str) -> dict[str, str]:
    """The environment of a `carteira` process that shares the test run's database and Redis."""
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "JWT_SECRET": TEST_JWT_SECRET,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        "BCRYPT_ROUNDS": "4",
        "YAHOO_QUERY1_URL": settings.yahoo_query1_url,
        "YAHOO_QUERY2_URL": settings.yahoo_query2_url,
        "BCB_SGS_URL": settings.bcb_sgs_url,
        **overrides,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def run_carteira(
    *args: str, env: dict[str, str], cwd: Path = REPO, stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`carteira <args>` to completion, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "carteira", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


@contextmanager
def carteira_process(
    *args: str, env: dict[str, str], cwd: Path = REPO
) -> Iterator[subprocess.Popen[bytes]]:
    """`carteira <args>` in a child process, stopped with SIGTERM (then SIGKILL) on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "carteira", *args],
        env=env,
        cwd=cwd,
        # CARTEIRA_TEST_PROCESS_LOGS=1 shows the child's logs (when debugging a test).
        stdout=None if os.environ.get("CARTEIRA_TEST_PROCESS_LOGS") else subprocess.DEVNULL,
        stderr=None if os.environ.get("CARTEIRA_TEST_PROCESS_LOGS") else subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


async def wait_http(url: str, seconds: float = 30) -> None:
    """Until `url` answers 200 (a server that is still starting refuses connections)."""
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
