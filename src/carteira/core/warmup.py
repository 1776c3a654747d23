"""A fresh process's warm-up: what its first requests need, done before it serves them.

Measured under the soak: a fresh process answered its first requests several times slower than
the same requests a minute later; the soak's first seconds had a p99 of seconds. The first
requests opened the database pool one connection at a time, computed the kept answers every
dashboard and list page shares, and read every held quote from Redis.

The API process runs its steps before it starts listening (with several processes on one
port, the kernel gives a process connections only once it listens), and `/ready` answers 503
until they have all succeeded. When a step fails (PostgreSQL or Redis down at start), the
process listens anyway after the first attempt, so that `/ready` can say what is missing, and
tries again until every step has run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

logger = logging.getLogger(__name__)

Step = tuple[str, Callable[[], Awaitable[object]]]  # (what it warms, how)


class WarmUp:
    def __init__(
        self, steps: Sequence[Step], *, retry_seconds: float = 1.0, max_retry_seconds: float = 10.0
    ) -> None:
        self._steps = list(steps)
        self._retry_seconds = retry_seconds
        self._max_retry_seconds = max_retry_seconds
        self._tried = asyncio.Event()  # every step has been attempted once
        self._done = asyncio.Event()  # every step has succeeded

    @property
    def done(self) -> bool:
        return self._done.is_set()

    async def first_attempt(self) -> bool:
        """Once every step has been tried; True when they all succeeded."""
        await self._tried.wait()
        return self.done

    async def run(self) -> None:
        started = time.perf_counter()
        pending = list(self._steps)
        delay = self._retry_seconds
        while True:
            for step in list(pending):
                name, warm = step
                try:
                    await warm()
                except Exception as exc:  # a dependency down: tried again below
                    logger.warning("warm-up of %s failed (%r): trying again", name, exc)
                else:
                    pending.remove(step)
            if not pending:
                self._done.set()
            self._tried.set()
            if not pending:
                logger.info("warm in %.2f s", time.perf_counter() - started)
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_retry_seconds)
