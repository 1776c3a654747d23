"""A download's reader pace, through the response's own ASGI calls: the client's slowness cuts
it, the server's own slowness (rows still being read) never does. The running-server attack is
tests/core/test_attacks_server.py::test_trickling_readers_give_their_export_slots_back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from starlette.types import Message

from carteira.core.exports import ExportResponse, ReaderPace

PACE = ReaderPace(min_bytes_per_second=10_000, window_seconds=0.3)
SCOPE = {"type": "http", "asgi": {"spec_version": "2.3"}, "method": "GET", "headers": []}


class Download:
    """An ExportResponse over `chunks`, sent to a client that takes `client_bytes_per_second`."""

    def __init__(self, chunks: AsyncIterator[bytes], *, client_bytes_per_second: float) -> None:
        self.released = 0
        self.closed = False
        self.received = 0
        self.rate = client_bytes_per_second
        self.response = ExportResponse(
            self._watched(chunks),
            release=self._release,
            deadline_seconds=60,
            pace=PACE,
            media_type="text/csv",
        )

    def _release(self) -> None:
        self.released += 1

    async def _watched(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        try:
            async for chunk in chunks:
                yield chunk
        finally:
            self.closed = True

    async def run(self) -> float:
        async def receive() -> Message:
            await asyncio.Event().wait()  # the client never disconnects by itself
            raise AssertionError

        async def send(message: Message) -> None:
            body = message.get("body", b"")
            await asyncio.sleep(len(body) / self.rate)  # the client taking the bytes
            self.received += len(body)

        started = time.monotonic()
        await self.response(SCOPE, receive, send)
        return time.monotonic() - started


async def chunks(count: int, size: int, *, pause: float = 0.0) -> AsyncIterator[bytes]:
    for _ in range(count):
        await asyncio.sleep(pause)  # the server reading rows
        yield b"x" * size


async def test_a_reader_under_the_pace_is_cut_within_a_window():
    download = Download(chunks(50, 100_000), client_bytes_per_second=2_000)
    elapsed = await download.run()
    assert elapsed < PACE.window_seconds + 0.5
    assert download.received < 5_000_000
    assert (download.released, download.closed) == (1, True)


async def test_a_reader_at_the_pace_gets_everything():
    download = Download(chunks(4, 5_000), client_bytes_per_second=20_000)  # twice the pace
    await download.run()
    assert download.received == 20_000
    assert (download.released, download.closed) == (1, True)


async def test_rows_slow_to_come_are_not_the_readers_fault():
    # Five pauses of a whole window each on the server's side, a fast reader: never cut.
    download = Download(chunks(5, 1_000, pause=PACE.window_seconds), client_bytes_per_second=1e7)
    elapsed = await download.run()
    assert elapsed >= 5 * PACE.window_seconds
    assert download.received == 5_000
    assert download.released == 1
