"""Giving the C heap's free memory back to the system, so a long-lived process's RSS stays flat.

Python allocates small objects from its own arenas (returned once empty) and everything else
(request bodies, socket buffers, asyncpg's rows, pydantic-core's values) with the C library's
malloc. glibc returns heap memory to the system only from the heap's top: pages freed below a
live chunk stay resident. Under the soak (500 sockets, 100 requests a second) the API's
`[heap]` grew ~6 MB a minute with no plateau, and `malloc_trim(0)` called from a debugger
handed back 40 of its 104 MB: free memory, not a leak, but an RSS that an operator cannot tell
from one.

Two of glibc's own remedies:
- a fixed mmap threshold: by default it rises after each large free (up to 32 MiB), and the
  large buffers that follow land on the heap between small live chunks;
- `malloc_trim(0)` every `HEAP_TRIM_SECONDS`, in a thread (ctypes lets go of the GIL): it
  releases the free pages inside the heap, not only at its top.

Elsewhere (musl, macOS) the functions are missing and nothing is done.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import time

from carteira.core.metrics import HEAP_TRIM

logger = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's starting value, kept from moving


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)  # the process's own symbols: libc's included
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _glibc()


def fix_mmap_threshold() -> bool:
    """Large allocations from their own mappings, returned whole when freed."""
    return _LIBC is not None and bool(_LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))


def release_free_heap() -> bool:
    """Hand the heap's free pages back to the system; True when some were."""
    if _LIBC is None:
        return False
    started = time.perf_counter()
    released = bool(_LIBC.malloc_trim(0))
    HEAP_TRIM.observe(time.perf_counter() - started)
    return released


async def keep_heap_trimmed(seconds: float) -> None:
    """Release the heap's free pages every `seconds`, for as long as the task runs."""
    if _LIBC is None:
        logger.info("no glibc malloc_trim: the heap is left as the C library keeps it")
        return
    while True:
        await asyncio.sleep(seconds)
        await asyncio.to_thread(release_free_heap)


def start_trimming(seconds: float) -> asyncio.Task[None] | None:
    """The trimming task of a long-lived process (the API's, the worker's); None when off."""
    if seconds <= 0:
        return None
    fix_mmap_threshold()
    return asyncio.create_task(keep_heap_trimmed(seconds), name="heap-trim")
