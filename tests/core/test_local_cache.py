"""A process's local cache holds what was used within its time to live, never more than its
bound: an hour's soak grew the API's memory while expired answers waited for eviction."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from carteira.core.events import EventBus, LocalCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def bus(redis) -> AsyncIterator[EventBus]:
    bus = EventBus(redis)
    bus.start()
    assert await bus.wait_healthy()
    yield bus
    await bus.stop()


async def test_expired_entries_leave_as_new_ones_come(bus, clock):
    cache = LocalCache(bus, ttl_seconds=60, max_entries=100, clock=clock)
    for n in range(10):
        cache.set(f"old-{n}", n, generation=cache.generation)
    clock.now += 30
    cache.set("recent", "r", generation=cache.generation)
    assert cache.size == 11
    clock.now += 31  # the first ten expired 1 s ago; "recent" has 29 s to live
    cache.set("new", "n", generation=cache.generation)
    assert cache.size == 2
    assert cache.get("recent") == "r"
    assert cache.get("new") == "n"
    assert cache.get("old-0") is None


async def test_a_replaced_entry_lives_from_its_replacement(bus, clock):
    cache = LocalCache(bus, ttl_seconds=60, max_entries=100, clock=clock)
    cache.set("a", 1, generation=cache.generation)
    cache.set("b", 2, generation=cache.generation)
    clock.now += 50
    cache.set("a", 3, generation=cache.generation)  # lives to 1110, behind "b" (1060)
    clock.now += 20
    cache.set("c", 4, generation=cache.generation)
    assert cache.size == 2
    assert cache.get("a") == 3
    assert cache.get("b") is None


async def test_the_bound_evicts_the_entry_that_expires_first(bus, clock):
    cache = LocalCache(bus, ttl_seconds=60, max_entries=3, clock=clock)
    for n in range(3):
        cache.set(str(n), n, generation=cache.generation)
        clock.now += 1
    cache.set("0", 0, generation=cache.generation)  # refreshed: now the last to expire
    cache.set("3", 3, generation=cache.generation)
    assert cache.size == 3
    assert [cache.get(key) for key in ("0", "1", "2", "3")] == [0, None, 2, 3]


async def test_the_bus_stops_even_when_its_listener_swallows_a_cancellation(redis):
    """Seen once in a full run: a test's teardown waited for good on a listener that
    redis-py's pubsub read had let a cancellation pass through without ending."""
    import asyncio

    bus = EventBus(redis)
    swallowed = []

    async def stubborn() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            swallowed.append(True)
            await asyncio.sleep(30)  # cancelled again by stop(), or the test times out

    listener = bus._task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    stopping = asyncio.create_task(bus.stop())
    done, _ = await asyncio.wait({stopping}, timeout=5)
    listener.cancel()  # without the fix: what stop() waits on
    await asyncio.wait({stopping})
    assert done == {stopping}
    assert swallowed == [True]
    assert not bus.healthy
