"""Tortoise configuration shared by the API, the worker, the CLI and Aerich."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import asyncpg
from tortoise import Tortoise, connections
from tortoise import timezone as tortoise_timezone
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.transactions import in_transaction

from carteira.core.config import Settings, get_settings

logger = logging.getLogger(__name__)

APP_LABEL = "models"
MODEL_MODULES = [
    "carteira.auth.models",
    "carteira.audit.models",
    "carteira.clients.models",
    "carteira.assets.models",
    "carteira.allocations.models",
    "carteira.imports.models",
    "carteira.pricing.models",
    "carteira.core.outbox",
    "aerich.models",
]


async def _keep_session(_: Any) -> None:
    """Pool `reset` hook that skips asyncpg's default reset query on every release.

    The default (`RESET ALL; UNLISTEN *; ...`) costs a round trip per query; the app keeps
    no session state (no SET, LISTEN or advisory locks), and asyncpg still rolls back a
    dangling transaction before calling this.
    """


async def _connect(*args: Any, **kwargs: Any) -> asyncpg.Connection:
    """Pool `connect` hook: a server that refuses new connections (starting up, shutting
    down, the database closed to connections) is unavailable, whatever SQLSTATE it sends."""
    try:
        return await asyncpg.connect(*args, **kwargs)
    except asyncpg.PostgresError as exc:
        raise ConnectionRefusedError(f"PostgreSQL refused a connection: {exc}") from exc


# The array types the app's statements bind (`= ANY($1::int[])`, `unnest($2::date[], ...)`).
# asyncpg learns such a type from the catalog on its first use on each connection: a catalog
# query (three round trips) per type, 10-80 ms each measured here, paid by the request that
# first binds it on that connection. A new connection learns them all at once instead.
ARRAY_TYPES_SQL = (
    "SELECT NULL::int[], NULL::bigint[], NULL::varchar[], NULL::text[], NULL::date[],"
    " NULL::numeric[], NULL::bool[]"
)


async def _learn_types(connection: asyncpg.Connection) -> None:
    """Pool `init` hook: runs on each new connection before its first use."""
    await connection.fetch(ARRAY_TYPES_SQL)


DEFAULT = "default"
EXPORTS = "exports"


def _connection(settings: Settings, *, role: str, size: int, floor: int = 1) -> dict[str, Any]:
    """`floor`: connections opened with the pool (on its first use) and kept however idle."""
    db = expand_db_url(settings.database_url)
    db["engine"] = "carteira.core.pg_engine"
    credentials = db["credentials"]
    credentials.setdefault("application_name", f"carteira-{role}/{os.getpid()}")
    credentials.setdefault("minsize", floor)
    credentials.setdefault("maxsize", size)
    # Fail fast when PostgreSQL is gone instead of hanging a request on connect...
    credentials.setdefault("timeout", 5)
    # ...or on a pool that has no free connection.
    credentials["acquire_timeout"] = settings.database_acquire_timeout_seconds
    # asyncpg expires a cached prepared statement after 5 minutes by a timer whose handle
    # and the cache's entry hold each other: every expiry left a reference cycle (the
    # statement's state and row descriptor with it) that only a full collection frees, and
    # the API's full collections are rare (main.GC_THRESHOLDS). Measured by the soak's
    # census: ~190 such cycles a minute, the API's memory growing with them. A statement
    # now lives as long as its connection (asyncpg re-prepares one a migration changed).
    credentials["max_cached_statement_lifetime"] = 0
    credentials["reset"] = _keep_session
    credentials["connect"] = _connect
    credentials["init"] = _learn_types
    return db


def tortoise_config(settings: Settings, *, role: str = "cli") -> dict[str, Any]:
    """`role` names the process in `pg_stat_activity` (`carteira-api/<pid>`), so that an
    operator sees who holds which connection. Streaming exports get a pool of their own,
    so that slow downloads can never take the connections requests need."""
    return {
        "connections": {
            "default": _connection(
                settings,
                role=role,
                size=settings.database_pool_size,
                # An API process opens its floor before it serves (see core.warmup).
                floor=settings.database_pool_min if role == "api" else 1,
            ),
            EXPORTS: _connection(
                settings, role=f"{role}-exports", size=settings.export_max_concurrent
            ),
        },
        "apps": {APP_LABEL: {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    # `TORTOISE_ORM` is what Aerich's CLI reads (see pyproject); computed on first access
    # so that importing this module never needs a complete environment.
    if name == "TORTOISE_ORM":
        return tortoise_config(get_settings())
    raise AttributeError(name)


def migrations_dir() -> Path:
    """Where the Aerich migrations live: `MIGRATIONS_DIR`, else the source checkout's."""
    if configured := os.environ.get("MIGRATIONS_DIR"):
        return Path(configured)
    checkout = Path(__file__).resolve().parents[3] / "migrations"
    return checkout if checkout.is_dir() else Path.cwd() / "migrations"


@contextmanager
def keeping_timezone_setting() -> Iterator[None]:
    """Tortoise writes its own time zone ("UTC", as configured) into the environment variable
    `TIMEZONE` — the name of the firm's calendar setting — which any later `Settings()` and
    every child process would then read. Around an initialization, its cached zone is primed
    while the variable says UTC, then the variable is given back."""
    previous = os.environ.get("TIMEZONE")
    try:
        yield
    finally:
        give_back_timezone_setting(previous)


def give_back_timezone_setting(previous: str | None) -> None:
    tortoise_timezone.get_timezone()
    tortoise_timezone.get_default_timezone()
    if previous is None:
        os.environ.pop("TIMEZONE", None)
    else:
        os.environ["TIMEZONE"] = previous


async def apply_migrations(settings: Settings) -> list[str]:
    """Apply pending Aerich migrations; returns the versions applied."""
    from aerich import Command

    command = Command(
        tortoise_config=tortoise_config(settings),
        app=APP_LABEL,
        location=str(migrations_dir()),
    )
    with keeping_timezone_setting():
        async with command:
            applied: list[str] = await command.upgrade(run_in_transaction=True)
    return applied


async def init_orm(settings: Settings, *, role: str = "cli") -> None:
    with keeping_timezone_setting():
        await Tortoise.init(config=tortoise_config(settings, role=role))


async def close_orm() -> None:
    await Tortoise.close_connections()


def db() -> BaseDBAsyncClient:
    """The default connection, or the transaction in progress on this task."""
    client: BaseDBAsyncClient = connections.get("default")
    return client


def exports_db() -> BaseDBAsyncClient:
    """The pool streaming exports read from (see `tortoise_config`)."""
    client: BaseDBAsyncClient = connections.get(EXPORTS)
    return client


async def ping() -> None:
    await db().execute_query("SELECT 1")


_after_commit: ContextVar[list[Callable[[], Awaitable[None]]] | None] = ContextVar(
    "after_commit", default=None
)


@asynccontextmanager
async def atomic() -> AsyncIterator[BaseDBAsyncClient]:
    """A transaction whose `on_commit` callbacks run only once it has committed.

    Nested `atomic()` blocks join the outermost one; callbacks wait for the outermost
    commit and are dropped when anything rolls back.
    """
    pending = _after_commit.get()
    if pending is not None:
        async with in_transaction(DEFAULT) as conn:
            yield conn
        return
    callbacks: list[Callable[[], Awaitable[None]]] = []
    token = _after_commit.set(callbacks)
    try:
        async with in_transaction(DEFAULT) as conn:
            yield conn
    finally:
        _after_commit.reset(token)
    for callback in callbacks:
        # The write has committed: a failure now (Redis down for an event or an enqueue) is
        # logged, never turned into an error for a change that happened. What must not be
        # lost goes through the outbox (core.jobs), which retries.
        try:
            await callback()
        except Exception:
            logger.exception("after-commit work failed")


async def on_commit(callback: Callable[[], Awaitable[None]]) -> None:
    """Run `callback` after the current `atomic()` commits, or now outside a transaction."""
    pending = _after_commit.get()
    if pending is None:
        await callback()
    else:
        pending.append(callback)
