"""The Redis client every module shares (cache, revocations, throttles, pub/sub, jobs)."""

from __future__ import annotations

from redis.asyncio import Redis

from carteira.core.config import Settings


def create_redis(settings: Settings) -> Redis:
    # Short timeouts: a Redis outage must degrade a request (cache bypass, 503), not hang it.
    client: Redis = Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=1.0,
        socket_timeout=2.0,
        health_check_interval=15,
        max_connections=256,
    )
    return client


async def ping(redis: Redis) -> None:
    await redis.ping()
