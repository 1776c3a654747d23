"""Tortoise configuration shared by the API, the worker, the CLI and Aerich."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.transactions import in_transaction

from carteira.core.config import Settings, get_settings

APP_LABEL = "models"
MODEL_MODULES = [
    "carteira.auth.models",
    "carteira.audit.models",
    "carteira.clients.models",
    "carteira.assets.models",
    "carteira.allocations.models",
    "carteira.pricing.models",
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


def tortoise_config(settings: Settings, *, role: str = "cli") -> dict[str, Any]:
    """`role` names the process in `pg_stat_activity` (`carteira-api/<pid>`), so that an
    operator sees who holds which connection."""
    db = expand_db_url(settings.database_url)
    db["credentials"].setdefault("application_name", f"carteira-{role}/{os.getpid()}")
    db["credentials"].setdefault("minsize", 1)
    db["credentials"].setdefault("maxsize", settings.database_pool_size)
    # Fail fast when PostgreSQL is gone instead of hanging a request on connect.
    db["credentials"].setdefault("timeout", 5)
    db["credentials"]["reset"] = _keep_session
    db["credentials"]["connect"] = _connect
    return {
        "connections": {"default": db},
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


async def apply_migrations(settings: Settings) -> list[str]:
    """Apply pending Aerich migrations; returns the versions applied."""
    from aerich import Command

    command = Command(
        tortoise_config=tortoise_config(settings),
        app=APP_LABEL,
        location=str(migrations_dir()),
    )
    async with command:
        applied: list[str] = await command.upgrade(run_in_transaction=True)
    return applied


async def init_orm(settings: Settings, *, role: str = "cli") -> None:
    await Tortoise.init(config=tortoise_config(settings, role=role))


async def close_orm() -> None:
    await Tortoise.close_connections()


def db() -> BaseDBAsyncClient:
    """The default connection, or the transaction in progress on this task."""
    client: BaseDBAsyncClient = connections.get("default")
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
        async with in_transaction() as conn:
            yield conn
        return
    callbacks: list[Callable[[], Awaitable[None]]] = []
    token = _after_commit.set(callbacks)
    try:
        async with in_transaction() as conn:
            yield conn
    finally:
        _after_commit.reset(token)
    for callback in callbacks:
        await callback()


async def on_commit(callback: Callable[[], Awaitable[None]]) -> None:
    """Run `callback` after the current `atomic()` commits, or now outside a transaction."""
    pending = _after_commit.get()
    if pending is None:
        await callback()
    else:
        pending.append(callback)
