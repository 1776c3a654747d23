"""Where sessions live: Redis, mirrored in each process's memory through the event bus.

A refresh token is valid while its key exists (consumed on use, so refresh tokens rotate);
a logged-out access token's `jti` is remembered until it expires; a per-user session
version, carried by every token, is bumped to invalidate all of them at once.

Checking an access token costs no Redis round trip while the bus is live: revocations and
version bumps arrive as events and the registry resyncs from Redis on every
(re)subscription. With the bus down the check asks Redis, and with Redis down it fails
open (access tokens are short-lived; reads must survive the outage).
"""

from __future__ import annotations

import logging
import time

from redis.asyncio import Redis

from carteira.auth.security import Claims
from carteira.core.errors import REDIS_DOWN_ERRORS
from carteira.core.events import Event, EventBus

logger = logging.getLogger(__name__)

REVOKED = "auth.revoked"
VERSION = "auth.version"


def _revoked_key(jti: str) -> str:
    return f"auth:revoked:{jti}"


def _refresh_key(jti: str) -> str:
    return f"auth:refresh:{jti}"


def _version_key(user_id: int | str) -> str:
    return f"auth:session-version:{user_id}"


def _ttl(expires_at: int) -> int:
    return max(1, expires_at - int(time.time()))


class SessionStore:
    def __init__(self, *, redis: Redis, bus: EventBus) -> None:
        self.redis = redis
        self._bus = bus
        self._revoked: dict[str, int] = {}  # jti -> expiry
        self._versions: dict[int, int] = {}  # user id -> session version
        self._during_load: list[Event] | None = None
        bus.subscribe(REVOKED, self._on_revoked)
        bus.subscribe(VERSION, self._on_version)
        bus.on_resync(self._load)

    # -- checks ------------------------------------------------------------------------------

    async def is_valid(self, claims: Claims) -> bool:
        if self._bus.healthy:
            return claims.jti not in self._revoked and (
                self._versions.get(claims.user_id, 0) == claims.version
            )
        try:
            revoked, version = await self.redis.mget(
                _revoked_key(claims.jti), _version_key(claims.user_id)
            )
        except REDIS_DOWN_ERRORS:
            logger.warning("redis unavailable; accepting an access token without revocation check")
            return True
        return revoked is None and int(version or 0) == claims.version

    async def current_version(self, user_id: int) -> int:
        return int(await self.redis.get(_version_key(user_id)) or 0)

    # -- writes ------------------------------------------------------------------------------

    async def revoke(self, *, jti: str, expires_at: int) -> None:
        await self.redis.set(_revoked_key(jti), "1", ex=_ttl(expires_at))
        await self._bus.publish(REVOKED, jti=jti, exp=expires_at)

    async def end_all(self, user_id: int) -> None:
        version = await self.redis.incr(_version_key(user_id))
        await self._bus.publish(VERSION, user_id=user_id, version=version)

    async def keep_refresh(self, claims: Claims) -> None:
        await self.redis.set(
            _refresh_key(claims.jti), str(claims.user_id), ex=_ttl(claims.expires_at)
        )

    async def consume_refresh(self, claims: Claims) -> bool:
        """True once per refresh token: the key is read and deleted atomically."""
        return await self.redis.getdel(_refresh_key(claims.jti)) is not None

    async def forget_refresh(self, claims: Claims) -> None:
        await self.redis.delete(_refresh_key(claims.jti))

    # -- mirror ------------------------------------------------------------------------------

    def _on_revoked(self, event: Event) -> None:
        if self._during_load is not None:
            self._during_load.append(event)
        self._revoked[str(event["jti"])] = int(event["exp"])
        if len(self._revoked) % 1024 == 0:
            now = time.time()
            self._revoked = {jti: exp for jti, exp in self._revoked.items() if exp > now}

    def _on_version(self, event: Event) -> None:
        if self._during_load is not None:
            self._during_load.append(event)
        self._versions[int(event["user_id"])] = int(event["version"])

    async def _load(self) -> None:
        """Rebuild the mirror from Redis; events applied meanwhile are replayed on top."""
        self._during_load = []
        try:
            revoked = await self._load_revoked()
            versions = await self._load_versions()
        finally:
            replay, self._during_load = self._during_load, None
        self._revoked, self._versions = revoked, versions
        for event in replay:
            (self._on_revoked if event["kind"] == REVOKED else self._on_version)(event)

    async def _load_revoked(self) -> dict[str, int]:
        keys = [key async for key in self.redis.scan_iter(match=_revoked_key("*"), count=1000)]
        if not keys:
            return {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.ttl(key)
            ttls = await pipe.execute()
        now = int(time.time())
        return {
            key.decode().rsplit(":", 1)[1]: now + ttl
            for key, ttl in zip(keys, ttls, strict=True)
            if ttl > 0
        }

    async def _load_versions(self) -> dict[int, int]:
        keys = [key async for key in self.redis.scan_iter(match=_version_key("*"), count=1000)]
        if not keys:
            return {}
        values = await self.redis.mget(keys)
        return {
            int(key.decode().rsplit(":", 1)[1]): int(value)
            for key, value in zip(keys, values, strict=True)
            if value is not None
        }
