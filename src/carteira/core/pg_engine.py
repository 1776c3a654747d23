"""Tortoise's asyncpg engine, with a bounded wait for a pooled connection.

asyncpg waits forever for a free connection by default: with the pool exhausted (slow
downloads, a burst) every request would hang. Here a request waits at most
`DATABASE_ACQUIRE_TIMEOUT_SECONDS`, then answers 503 `database_busy`.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient

from carteira.core.errors import DatabaseBusyError

DEFAULT_ACQUIRE_TIMEOUT_SECONDS = 5.0


class _BoundedPool:
    """The asyncpg pool, whose `acquire` gives up after a deadline (asyncpg's Pool has slots:
    it is wrapped rather than patched)."""

    def __init__(self, pool: asyncpg.Pool, timeout: float) -> None:
        self._pool = pool
        self._timeout = timeout

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)

    async def acquire(self) -> Any:
        try:
            return await self._pool.acquire(timeout=self._timeout)
        except TimeoutError as exc:
            raise DatabaseBusyError() from exc


class BoundedAcquireClient(AsyncpgDBClient):
    def __init__(self, *args: Any, acquire_timeout: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acquire_timeout = acquire_timeout or DEFAULT_ACQUIRE_TIMEOUT_SECONDS

    async def create_pool(self, **kwargs: Any) -> Any:
        pool = await super().create_pool(**kwargs)
        return _BoundedPool(pool, self.acquire_timeout)


client_class = BoundedAcquireClient
