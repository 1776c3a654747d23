"""core.memory: the C heap's free pages go back to the system, in the API and the worker.

Measured before: under the soak the API's `[heap]` grew ~6 MB a minute, and malloc_trim(0)
called from a debugger gave back 40 of its 104 MB. The heap is fragmented here on purpose, in
a fresh interpreter: many 4 KB buffers (malloc's, not Python's small-object arenas), every
64th kept alive so that no free page sits at the heap's top.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import aiohttp
from prometheus_client import REGISTRY

from carteira.worker import worker_settings
from tests.support import carteira_process, free_port, process_env, wait_http

FRAGMENT = """
import json, psutil
from carteira.core import memory

def rss_mb():
    return psutil.Process().memory_info().rss / 2**20

{setup}
kept, freed = [], []
for n in range(25_000):  # 4 KB each: ~100 MB
    (kept if n % 64 == 0 else freed).append(bytes(4000))
del freed
before = rss_mb()
{act}
print(json.dumps({{"before": before, "after": rss_mb()}}))
"""


def _fragmented(setup: str = "", act: str = "") -> dict[str, float]:
    code = FRAGMENT.format(setup=setup, act=act)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_heaps_free_pages_go_back_to_the_system() -> None:
    left = _fragmented()
    trimmed = _fragmented(act="assert memory.release_free_heap()")
    # ~98 MB of buffers were freed; without the trim the pages stay resident.
    assert left["before"] - left["after"] < 10
    assert trimmed["before"] - trimmed["after"] > 60


def test_large_buffers_stay_off_the_heap_after_a_large_free() -> None:
    """glibc raises its mmap threshold after a large free (here 4 MiB): the 512 KiB buffers
    that follow land on the heap between live chunks and stay resident once freed."""
    code = """
import json, psutil
from carteira.core import memory

def rss_mb():
    return psutil.Process().memory_info().rss / 2**20

if {fixed}:
    assert memory.fix_mmap_threshold()
bytearray(4 * 2**20)  # allocated and freed: the threshold moves unless fixed
kept, large = [], []
for _ in range(100):  # 50 MiB
    large.append(bytearray(512 * 1024))
    kept.append(bytes(2000))
before = rss_mb()
del large
print(json.dumps({{"before": before, "after": rss_mb()}}))
"""
    sizes = {}
    for fixed in (False, True):
        done = subprocess.run(
            [sys.executable, "-c", code.format(fixed=fixed)],
            capture_output=True,
            text=True,
            check=True,
        )
        sizes[fixed] = json.loads(done.stdout)
    assert sizes[False]["before"] - sizes[False]["after"] < 10  # the moved threshold's heap
    assert sizes[True]["before"] - sizes[True]["after"] > 40  # unmapped as they are freed


def _trims() -> float:
    return REGISTRY.get_sample_value("carteira_heap_trim_seconds_count") or 0.0


async def test_the_worker_trims_its_heap_while_it_runs(app, settings) -> None:
    hooks = worker_settings(
        settings.model_copy(update={"heap_trim_seconds": 0.05}), manage_orm=False
    )
    ctx = {"redis": app.state.redis}
    before = _trims()
    await hooks["on_startup"](ctx)
    try:
        await asyncio.sleep(0.5)
        assert _trims() - before >= 3
    finally:
        await hooks["on_shutdown"](ctx)
    await asyncio.sleep(0)
    assert ctx["heap_trim"].cancelled()


async def test_the_served_api_trims_its_heap_and_says_so_in_its_metrics(settings) -> None:
    port = free_port()
    env = process_env(settings, HEAP_TRIM_SECONDS="0.2")
    with carteira_process("serve", "--port", str(port), env=env):
        await wait_http(f"http://127.0.0.1:{port}/ready")
        await asyncio.sleep(1.0)
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/metrics") as r,
        ):
            assert r.status == 200
            exposition = await r.text()
    counts = [
        float(line.split()[-1])
        for line in exposition.splitlines()
        if line.startswith("carteira_heap_trim_seconds_count")
    ]
    assert len(counts) == 1
    assert counts[0] >= 3
