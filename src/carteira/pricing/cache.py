"""Market-data cache: this process's memory, then Redis, then the provider — once per key.

* Fresh for `ttl` seconds; kept `stale_seconds` longer so that a provider failure can still
  be answered with the last value, flagged stale.
* Single flight: concurrent misses for a key in this process share one task; across
  processes a short Redis lock elects one fetcher while the others watch for its value.
  Concurrent reads of the same keys from Redis share one MGET, and a memory copy past half
  its TTL is served while a newer one (the tick's) is read in the background.
* Redis down: the cache is bypassed (the provider is asked directly), never an error.
* Negative answers: a fetch that fails with one of `remember` (an unknown ticker) is
  remembered as missing for `negative_seconds`; asking again raises `Missing` without a call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from opentelemetry import trace
from pydantic import TypeAdapter
from redis.asyncio import Redis

from carteira.core.errors import REDIS_DOWN_ERRORS
from carteira.core.metrics import CACHE

logger = logging.getLogger(__name__)

T = TypeVar("T")

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Missing(LookupError):  # noqa: N818 - a cached answer, not a failure of the cache
    """The provider said there is no such thing, recently: not asked again meanwhile."""


@dataclass(frozen=True, slots=True)
class Cached(Generic[T]):
    value: T
    hit: bool  # answered without calling the provider
    stale: bool  # an expired value, served because the provider failed
    ttl_left: int  # seconds of freshness left
    key: str


@dataclass(slots=True)
class _Entry:
    fetched_at: float
    raw: Any  # the JSON-ready value, as stored in Redis
    value: Any = None  # `raw` validated, memoized for the hits that follow
    missing: bool = False  # a remembered "no such thing"
    read_ahead_at: float = 0.0  # when a newer copy was last looked for in Redis


def _kind(key: str) -> str:
    return key.split(":", 2)[1] if key.count(":") >= 2 else "other"  # md:<kind>:...


def _count(key: str, result: str) -> None:
    CACHE.labels(_kind(key), result).inc()
    trace.get_current_span().set_attribute("market.cache", result)


class MarketCache:
    def __init__(
        self,
        redis: Redis,
        *,
        stale_seconds: int,
        lock_seconds: float,
        negative_seconds: int = 600,
        poll_seconds: float = 0.025,
        max_local_entries: int = 4096,
    ) -> None:
        self.redis = redis
        self.stale_seconds = stale_seconds
        self.negative_seconds = negative_seconds
        self.lock_seconds = lock_seconds
        self.poll_seconds = poll_seconds
        self.max_local_entries = max_local_entries
        self._local: dict[str, _Entry] = {}
        self._inflight: dict[str, asyncio.Task[Cached[Any]]] = {}
        self._reading: dict[str, asyncio.Task[dict[str, _Entry | None]]] = {}

    async def get(
        self,
        key: str,
        *,
        ttl: int,
        fetch: Callable[[], Awaitable[T]],
        adapter: TypeAdapter[T],
        remember: tuple[type[Exception], ...] = (),
    ) -> Cached[T]:
        entry = self._local.get(key)
        if entry is not None and entry.missing and self._age(entry) < self.negative_seconds:
            _count(key, "negative")
            raise Missing(key)
        if entry is not None and not entry.missing and self._age(entry) < ttl:
            _count(key, "hit")
            return self._cached(key, entry, ttl, adapter, hit=True)
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._load(key, ttl, fetch, adapter, remember))
            self._inflight[key] = task
            task.add_done_callback(lambda _: self._inflight.pop(key, None))
        # Shielded: a caller that stops waiting (a timeout) leaves the fetch to finish and fill
        # the cache for the next one.
        cached = await asyncio.shield(task)
        _count(key, "stale" if cached.stale else "hit" if cached.hit else "miss")
        return cached

    async def fresh_values(
        self, keys: list[str], *, ttl: int, adapter: TypeAdapter[T]
    ) -> dict[str, T]:
        """Fresh values among `keys`, from memory, then one Redis MGET; misses are left out.
        The hot path of every valuation: no per-key objects beyond the values."""
        found: dict[str, T] = {}
        remote: list[str] = []
        now = time.time()
        oldest, ageing = now - ttl, now - ttl / 2
        ahead: list[str] = []
        for key in keys:
            entry = self._local.get(key)
            if entry is not None and entry.missing:
                continue  # a known "no such thing": the caller's own lookup raises it
            if entry is not None and entry.fetched_at > oldest:
                if entry.value is None:
                    entry.value = adapter.validate_python(entry.raw)
                found[key] = entry.value
                if entry.fetched_at < ageing and entry.read_ahead_at < now - 1:
                    entry.read_ahead_at = now
                    ahead.append(key)
            else:
                remote.append(key)
        if ahead:
            self._read_ahead(ahead)
        local_hits = len(found)
        if remote:
            try:
                stored = await self._read_shared(remote)
            except REDIS_DOWN_ERRORS:
                return found
            for key in remote:
                entry = stored.get(key)
                if entry is not None and not entry.missing and entry.fetched_at > oldest:
                    if entry.value is None:
                        entry.value = adapter.validate_python(entry.raw)
                    self._remember(key, entry)
                    found[key] = entry.value
        if keys:
            kind = _kind(keys[0])
            CACHE.labels(kind, "hit").inc(len(found))
            span = trace.get_current_span()
            span.set_attribute("market.cache.local_hits", local_hits)
            span.set_attribute("market.cache.hits", len(found))
            span.set_attribute("market.cache.misses", len(keys) - len(found))
        return found

    async def _read_shared(self, keys: list[str]) -> dict[str, _Entry | None]:
        """The stored entries of `keys`; callers reading the same key at once share one MGET.
        Memory copies fetched together expire together, and then every request in flight
        wants the same keys: one read instead of a Redis connection and a decode per request."""
        self._start_read(keys)
        reads = {id(task): task for task in (self._reading[key] for key in keys)}
        stored: dict[str, _Entry | None] = {}
        for answer in await asyncio.gather(*(asyncio.shield(t) for t in reads.values())):
            stored.update(answer)
        return stored

    def _read_ahead(self, keys: list[str]) -> None:
        """Memory copies past half their TTL are served while a newer copy (the tick's) is
        read from Redis in the background: under load a request that waits on Redis waits a
        whole turn of the event loop, and copies fetched together would expire together."""
        if (read := self._start_read(keys)) is None:
            return

        def keep_newer(_: object) -> None:
            if read.cancelled() or read.exception() is not None:
                return  # Redis down: the copies expire and the next reader goes to Redis
            for key, stored in read.result().items():
                local = self._local.get(key)
                if stored is None or stored.missing or local is None:
                    continue
                if stored.fetched_at > local.fetched_at:
                    self._remember(key, stored)

        read.add_done_callback(keep_newer)

    def _start_read(self, keys: list[str]) -> asyncio.Task[dict[str, _Entry | None]] | None:
        """One MGET for those of `keys` no read is already under way for (None: none)."""
        unread = [key for key in keys if key not in self._reading]
        if not unread:
            return None
        read = asyncio.create_task(self._read(unread))
        for key in unread:
            self._reading[key] = read

        def forget(_: object) -> None:
            for key in unread:
                if self._reading.get(key) is read:
                    del self._reading[key]

        read.add_done_callback(forget)
        return read

    async def _read(self, keys: list[str]) -> dict[str, _Entry | None]:
        raws = await self.redis.mget(keys)
        return {key: self._decode(raw) for key, raw in zip(keys, raws, strict=True)}

    async def refresh(
        self,
        key: str,
        *,
        ttl: int,
        fetch: Callable[[], Awaitable[T]],
        adapter: TypeAdapter[T],
    ) -> Cached[T]:
        """The provider's answer now, never a cached one, and no stale fallback either (the
        caller needs today's data, e.g. a daily close); the cache keeps it for the next readers."""
        value = await fetch()
        _count(key, "bypass")
        return await self._store(key, value, ttl, adapter)

    async def aclose(self) -> None:
        """Cancel the fetches still in flight (an abandoned wait leaves them running)."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- internals ----------------------------------------------------------------------------

    async def _load(
        self,
        key: str,
        ttl: int,
        fetch: Callable[[], Awaitable[T]],
        adapter: TypeAdapter[T],
        remember: tuple[type[Exception], ...] = (),
    ) -> Cached[T]:
        lock, token = f"lock:{key}", uuid.uuid4().hex
        try:
            stored = self._decode(await self.redis.get(key))
            if stored is not None and stored.missing:
                if self._age(stored) < self.negative_seconds:
                    self._remember(key, stored)
                    raise Missing(key)
                stored = None
            if stored is not None and self._age(stored) < ttl:
                self._remember(key, stored)
                return self._cached(key, stored, ttl, adapter, hit=True)
            if not await self.redis.set(lock, token, nx=True, px=int(self.lock_seconds * 1000)):
                watched = await self._watch(key, lock, ttl)
                if watched is not None:
                    return self._cached(key, watched, ttl, adapter, hit=True)
                stored = self._decode(await self.redis.get(key)) or stored
                if stored is not None and stored.missing:
                    raise Missing(key)
        except REDIS_DOWN_ERRORS:
            return await self._fetch_without_redis(key, ttl, fetch, adapter)
        try:
            try:
                value = await fetch()
            except remember:
                await self._remember_missing(key)
                raise
            except Exception:
                if stored is not None:
                    logger.warning("serving a stale %s: the provider failed", key)
                    return self._cached(key, stored, ttl, adapter, hit=True, stale=True)
                raise
            # Stored before the lock goes: a watcher that saw neither lock nor value would
            # fetch as well, and single flight would be lost in that gap.
            return await self._store(key, value, ttl, adapter)
        finally:
            await self._release(lock, token)

    async def _store(self, key: str, value: T, ttl: int, adapter: TypeAdapter[T]) -> Cached[T]:
        entry = _Entry(time.time(), adapter.dump_python(value, mode="json"), value)
        with contextlib.suppress(*REDIS_DOWN_ERRORS):
            await self.redis.set(key, self._encode(entry), ex=ttl + self.stale_seconds)
        self._remember(key, entry)
        return Cached(value, hit=False, stale=False, ttl_left=ttl, key=key)

    async def _remember_missing(self, key: str) -> None:
        entry = _Entry(time.time(), None, missing=True)
        self._remember(key, entry)
        with contextlib.suppress(*REDIS_DOWN_ERRORS):
            await self.redis.set(key, self._encode(entry), ex=self.negative_seconds)

    async def _watch(self, key: str, lock: str, ttl: float) -> _Entry | None:
        """Another process holds the lock: wait for its value (or for the lock to go)."""
        deadline = time.monotonic() + self.lock_seconds
        while time.monotonic() < deadline:
            await asyncio.sleep(self.poll_seconds)
            raw, locked = await self.redis.mget(key, lock)
            entry = self._decode(raw)
            if entry is not None and entry.missing:
                raise Missing(key)
            if entry is not None and self._age(entry) < ttl:
                self._remember(key, entry)
                return entry
            if locked is None:
                return None  # the other fetch failed; try ourselves
        return None

    async def _fetch_without_redis(
        self, key: str, ttl: int, fetch: Callable[[], Awaitable[T]], adapter: TypeAdapter[T]
    ) -> Cached[T]:
        stale = self._local.get(key)
        if stale is not None and stale.missing:
            stale = None
        try:
            value = await fetch()
        except Exception:
            if stale is not None:
                return self._cached(key, stale, ttl, adapter, hit=True, stale=True)
            raise
        self._remember(key, _Entry(time.time(), adapter.dump_python(value, mode="json"), value))
        return Cached(value, hit=False, stale=False, ttl_left=ttl, key=key)

    async def _release(self, lock: str, token: str) -> None:
        with contextlib.suppress(*REDIS_DOWN_ERRORS):
            await self.redis.eval(_RELEASE, 1, lock, token)  # type: ignore[misc]

    def _remember(self, key: str, entry: _Entry) -> None:
        if key not in self._local and len(self._local) >= self.max_local_entries:
            del self._local[next(iter(self._local))]
        self._local[key] = entry

    @staticmethod
    def _age(entry: _Entry) -> float:
        return time.time() - entry.fetched_at

    @staticmethod
    def _encode(entry: _Entry) -> str:
        data = (
            {"t": entry.fetched_at, "m": 1}
            if entry.missing
            else {"t": entry.fetched_at, "v": entry.raw}
        )
        return json.dumps(data, separators=(",", ":"))

    @staticmethod
    def _decode(raw: bytes | None) -> _Entry | None:
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            if data.get("m"):
                return _Entry(float(data["t"]), None, missing=True)
            return _Entry(float(data["t"]), data["v"])
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # an unreadable entry is a miss

    def _cached(
        self,
        key: str,
        entry: _Entry,
        ttl: int,
        adapter: TypeAdapter[T],
        *,
        hit: bool,
        stale: bool = False,
    ) -> Cached[T]:
        if entry.value is None:
            entry.value = adapter.validate_python(entry.raw)
        ttl_left = 0 if stale else max(0, int(ttl - self._age(entry)))
        return Cached(entry.value, hit=hit, stale=stale, ttl_left=ttl_left, key=key)
