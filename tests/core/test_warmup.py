from __future__ import annotations

import asyncio

from carteira.core.warmup import WarmUp


async def test_a_step_that_fails_is_tried_again_until_every_step_has_run():
    calls = {"flaky": 0, "steady": 0}

    async def flaky() -> None:
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            raise ConnectionRefusedError("PostgreSQL is not there yet")

    async def steady() -> None:
        calls["steady"] += 1

    warm_up = WarmUp([("flaky", flaky), ("steady", steady)], retry_seconds=0.01)
    running = asyncio.create_task(warm_up.run())
    assert await warm_up.first_attempt() is False  # the process may listen, not ready yet
    assert not warm_up.done
    await asyncio.wait_for(running, 5)
    assert warm_up.done
    assert calls == {"flaky": 3, "steady": 1}  # a step that succeeded is not run again


async def test_the_first_attempt_says_so_when_every_step_succeeded():
    async def step() -> None:
        pass

    warm_up = WarmUp([("one", step), ("two", step)])
    running = asyncio.create_task(warm_up.run())
    assert await warm_up.first_attempt() is True
    await running
    assert warm_up.done
