"""The API's database pool: what a new connection costs the requests that use it."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from decimal import Decimal

import asyncpg

from carteira.core.database import ARRAY_TYPES_SQL, tortoise_config
from tests.support import REPO

# The array types the app's statements bind, in the spelling they are cast with.
CAST = re.compile(r"::([a-z0-9_]+)\[\]")


def test_every_array_type_the_app_binds_is_learned_with_the_connection():
    used = {
        name
        for path in (REPO / "src" / "carteira").rglob("*.py")
        for name in CAST.findall(path.read_text())
    }
    assert used  # the app binds some
    assert used <= set(CAST.findall(ARRAY_TYPES_SQL))


async def test_a_new_connection_binds_them_without_asking_the_catalog(settings):
    """Measured before: the first statement binding an array type on a connection made asyncpg
    read the type from the catalog (three round trips, 10-80 ms on this machine), once per
    type and connection, in the request that happened to run it."""
    credentials = tortoise_config(settings, role="api")["connections"]["default"]["credentials"]
    pool = await asyncpg.create_pool(
        settings.database_url.replace("postgres://", "postgresql://", 1),
        min_size=1,
        max_size=1,
        init=credentials.get("init"),
    )
    try:
        async with pool.acquire() as connection:
            statements: list[str] = []
            connection.add_query_logger(lambda record: statements.append(record.query))
            bound = (
                "SELECT $1::int[], $2::bigint[], $3::varchar[], $4::text[], $5::date[],"
                " $6::numeric[], $7::bool[]"
            )
            await connection.fetch(
                bound, [1], [2], ["a"], ["b"], [date(2026, 12, 7)], [Decimal("1.5")], [True]
            )
            await asyncio.sleep(0)  # asyncpg calls its query loggers soon, not at once
            assert statements == [bound]  # nothing asked of the catalog first
    finally:
        await pool.close()


async def test_a_cached_statement_keeps_no_expiry_timer(app):
    """Measured before: asyncpg's 5-minute expiry of a cached statement left the cache entry
    and its timer's handle holding each other (with the statement's state): ~190 such cycles
    a minute in the soak's census, freed only by the API's rare full collections. A pooled
    connection of the app's now caches its statements without a timer."""
    from tortoise import connections

    pool = connections.get("default")._pool
    connection = await pool.acquire()
    try:
        await connection.fetchval("SELECT 1 + $1::int", 1)
        entries = list(connection._con._stmt_cache._entries.values())
    finally:
        await pool.release(connection)
    assert entries  # the statement was cached
    assert all(entry._cleanup_cb is None for entry in entries)
