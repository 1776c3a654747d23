"""Long loops that share the event loop with requests in flight."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import TypeVar

T = TypeVar("T")


async def in_turns(items: Iterable[T], *, per_turn: int) -> AsyncIterator[T]:
    """`items` one by one, handing the event loop back after every `per_turn` of them: a loop
    over thousands of sockets or clients would otherwise stop every request for its length."""
    for done, item in enumerate(items, start=1):
        yield item
        if done % per_turn == 0:
            await asyncio.sleep(0)
