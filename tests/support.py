"""Test infrastructure: real PostgreSQL and Redis, one database and one Redis db per run."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import redis

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


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]
