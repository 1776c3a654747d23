"""A per-process event bus over Redis pub/sub, and the local caches it keeps honest.

Writers publish small events after they commit. The publishing process applies them to its
own handlers at once (it reads its own writes), and Redis carries them to every other
process, whose one subscription applies them there. Local state built on the bus (the
session registry, cached list totals) is trusted only while the subscription is live:
`healthy` drops the moment it breaks, and every (re)subscription starts with a resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from redis.asyncio import Redis

from carteira.core.errors import REDIS_DOWN_ERRORS

logger = logging.getLogger(__name__)

Event = dict[str, Any]
Handler = Callable[[Event], None]
Resync = Callable[[], Awaitable[None]]

INVALIDATE = "cache.invalidate"


def channel_for(redis: Redis, name: str) -> str:
    """Pub/sub ignores the db index; deployments (or test runs) sharing a server must not."""
    db = redis.connection_pool.connection_kwargs.get("db", 0)
    return f"carteira:db{db}:{name}"


STOP_RETRY_SECONDS = 1.0


class LocalCache:
    """A process-local map, emptied by an invalidation event, usable only while the bus is live.

    `generation` guards the read-compute-store race: a value computed from a read that began
    before an invalidation is dropped instead of being cached.
    """

    def __init__(
        self,
        bus: EventBus,
        ttl_seconds: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._entries: dict[str, tuple[float, Any]] = {}
        self.generation = 0

    def get(self, key: str) -> Any | None:
        if not self._bus.healthy:
            return None
        entry = self._entries.get(key)
        if entry is None or entry[0] < self._clock():
            return None
        return entry[1]

    @property
    def size(self) -> int:
        """Entries held (not `__len__`: callers test `if cache:` for "is there a cache")."""
        return len(self._entries)

    @property
    def max_entries(self) -> int:
        return self._max_entries

    def set(self, key: str, value: Any, *, generation: int) -> None:
        """Keeps `value` for the cache's time to live. Entries are kept in the order they
        expire (one TTL per cache, a replaced entry moves to the end), so the expired ones
        leave from the front as new ones come: a cache holds what was used within its TTL,
        not `max_entries` of answers nobody will be served again."""
        if self._bus.healthy and generation == self.generation:
            now = self._clock()
            self._entries.pop(key, None)
            entries = self._entries
            while entries:
                oldest = next(iter(entries))
                if len(entries) < self._max_entries and entries[oldest][0] >= now:
                    break
                del entries[oldest]
            entries[key] = (now + self._ttl, value)

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()

    def discard(self, key: str) -> None:
        self.generation += 1
        self._entries.pop(key, None)

    def update_with(self, apply: Callable[[str, Any, Event], bool]) -> Handler:
        """A handler that lets each entry follow the event in place: `apply(key, value,
        event)` brings the value up to date, or returns False to have it forgotten."""

        def handler(event: Event) -> None:
            for key in [
                key for key, (_, value) in self._entries.items() if not apply(key, value, event)
            ]:
                del self._entries[key]

        return handler

    def clear_on(self, _: Event) -> None:
        self.clear()

    def discard_on(self, field: str) -> Handler:
        """A handler that forgets only the entry the event names (`event[field]`)."""

        def handler(event: Event) -> None:
            if field in event:
                self.discard(str(event[field]))
            else:
                self.clear()

        return handler


class EventBus:
    def __init__(self, redis: Redis, *, ping_seconds: float = 5.0) -> None:
        self.redis = redis
        self.channel = channel_for(redis, "events")
        self._live = asyncio.Event()
        self._origin = uuid.uuid4().hex
        self._handlers: dict[str, list[Handler]] = {}
        self._resyncs: list[Resync] = []
        self._caches: dict[str, LocalCache] = {}
        self._ping_seconds = ping_seconds
        self._task: asyncio.Task[None] | None = None
        self.subscribe(INVALIDATE, self._invalidate)

    @property
    def caches(self) -> Mapping[str, LocalCache]:
        """The process's local caches by namespace (what a memory census counts)."""
        return self._caches

    @property
    def healthy(self) -> bool:
        """True while the subscription is up and resynced: local caches may be trusted."""
        return self._live.is_set()

    # -- wiring ------------------------------------------------------------------------------

    def subscribe(self, kind: str, handler: Handler) -> None:
        self._handlers.setdefault(kind, []).append(handler)

    def on_resync(self, callback: Resync) -> None:
        self._resyncs.append(callback)

    def cache(
        self,
        namespace: str,
        *,
        cleared_by: tuple[str, ...] = (),
        ttl_seconds: float = 300,
        max_entries: int = 2048,
        keyed_by: str | None = None,
        updated_by: Mapping[str, Callable[[str, Any, Event], bool]] | None = None,
    ) -> LocalCache:
        """The namespace's cache: emptied by `invalidate(namespace)` and by `cleared_by` events
        (only the entry keyed by the event's `keyed_by` field, when given); an event in
        `updated_by` is applied to each entry in place (see `LocalCache.update_with`)."""
        if namespace not in self._caches:
            cache = self._caches[namespace] = LocalCache(self, ttl_seconds, max_entries)
            handler = cache.discard_on(keyed_by) if keyed_by else cache.clear_on
            for kind in cleared_by:
                self.subscribe(kind, handler)
            for kind, apply in (updated_by or {}).items():
                self.subscribe(kind, cache.update_with(apply))
        return self._caches[namespace]

    # -- publishing --------------------------------------------------------------------------

    async def publish(self, kind: str, **payload: Any) -> None:
        event = {"kind": kind, **payload}
        self._dispatch(event)
        try:
            await self.redis.publish(self.channel, json.dumps({**event, "origin": self._origin}))
        except REDIS_DOWN_ERRORS:
            # The other processes lost their subscription too; they resync when it returns.
            logger.warning("could not publish %s", kind)

    async def invalidate(self, namespace: str) -> None:
        await self.publish(INVALIDATE, namespace=namespace)

    def _invalidate(self, event: Event) -> None:
        if cache := self._caches.get(str(event.get("namespace"))):
            cache.clear()

    def _dispatch(self, event: Event) -> None:
        for handler in self._handlers.get(str(event.get("kind")), ()):
            try:
                handler(event)
            except Exception:
                logger.exception("event handler failed for %s", event.get("kind"))

    # -- listening ---------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="event-bus")

    async def stop(self) -> None:
        task, self._task = self._task, None
        # Cancelled again until it ends: redis-py's pubsub can swallow a cancellation that
        # lands in its read (seen once: a test's teardown waited on it for good).
        while task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=STOP_RETRY_SECONDS)
        if task is not None and not task.cancelled():
            with contextlib.suppress(Exception):
                task.result()
        self._live.clear()

    async def wait_healthy(self, seconds: float = 5.0) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._live.wait(), seconds)
        return self.healthy

    async def _listen(self) -> None:
        delay = 0.5
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                await self._resync()
                self._live.set()
                delay = 0.5
                await self._pump(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("event bus subscription lost: %r", exc)
            finally:
                self._live.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def resync(self) -> None:
        """Drop local caches and reload mirrored state (after a reconnect, or a Redis flush)."""
        await self._resync()

    async def _resync(self) -> None:
        for cache in self._caches.values():
            cache.clear()
        for callback in self._resyncs:
            await callback()

    async def _pump(self, pubsub: Any) -> None:
        """Deliver messages; a silent connection (no message, no pong) counts as lost."""
        last_heard = time.monotonic()
        while True:
            message = await pubsub.get_message(timeout=self._ping_seconds)
            if message is None:
                if time.monotonic() - last_heard > 3 * self._ping_seconds:
                    raise TimeoutError("no pong from Redis")
                await pubsub.ping()
                continue
            last_heard = time.monotonic()
            if message.get("type") == "message":
                self._receive(message["data"])

    def _receive(self, data: bytes) -> None:
        try:
            event = json.loads(data)
        except ValueError:
            logger.warning("ignoring a malformed event")
            return
        if isinstance(event, dict) and event.pop("origin", None) != self._origin:
            self._dispatch(event)
