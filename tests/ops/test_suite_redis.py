"""The suite flushes only the Redis db it was given (or an empty one it found), never someone
else's data. Measured before: with REDIS_URL=redis://…/11 it claimed and flushed db 1."""

from __future__ import annotations

import pytest
import redis

from tests.support import (
    RedisDbRefusedError,
    claim_redis_db,
    free_port,
    redis_server,
    split_redis_url,
)


@pytest.fixture
def own_redis():
    port = free_port()
    with redis_server(port):
        yield f"redis://127.0.0.1:{port}"


def _db(base: str, index: int) -> redis.Redis:
    return redis.Redis.from_url(f"{base}/{index}")


def test_a_named_db_is_used_exactly(own_redis):
    assert claim_redis_db(own_redis, "run-a", named=11) == 11
    assert _db(own_redis, 11).get("carteira:test-run") == b"run-a"
    assert _db(own_redis, 1).dbsize() == 0


def test_a_named_db_with_someone_elses_keys_is_refused_and_kept(own_redis):
    _db(own_redis, 11).set("production:session", "precious")
    with pytest.raises(RedisDbRefusedError, match="not this suite's"):
        claim_redis_db(own_redis, "run-a", named=11)
    assert _db(own_redis, 11).get("production:session") == b"precious"


def test_a_named_db_held_by_another_run_is_refused(own_redis):
    claim_redis_db(own_redis, "run-a", named=5)
    with pytest.raises(RedisDbRefusedError, match="another test run"):
        claim_redis_db(own_redis, "run-b", named=5)


def test_scanning_skips_every_db_that_holds_data(own_redis):
    for index in (1, 2):
        _db(own_redis, index).set("someone:else", "data")
    assert claim_redis_db(own_redis, "run-a") == 3
    assert claim_redis_db(own_redis, "run-b") == 4
    for index in (1, 2):
        assert _db(own_redis, index).get("someone:else") == b"data"


def test_the_db_is_read_from_the_url():
    assert split_redis_url("redis://127.0.0.1:6379/11") == ("redis://127.0.0.1:6379", 11)
    assert split_redis_url("redis://127.0.0.1:6379") == ("redis://127.0.0.1:6379", None)
    assert split_redis_url("redis://:pw@host:1/0") == ("redis://:pw@host:1", 0)
