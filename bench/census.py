"""`carteira serve` under tracemalloc, for the soak's memory census (benchmarks only).

    .venv/bin/python -m bench.census DIR [serve options...]

One API process, as `carteira serve` runs it, tracing with tracemalloc every allocation made
once its modules are imported (`CENSUS_FRAMES` frames each, 1 by default). On SIGUSR1 it writes
`DIR/census-<n>.snapshot` (for `tracemalloc.Snapshot.load`), how many entries each local
cache of the process holds against its bound (`census-<n>.caches.json`), and what garbage in
reference cycles was waiting for the collector (`census-<n>.garbage.json`: a full collection
that keeps what it finds, counted by type and, for frames, by function), nothing else:
grouping millions of traces takes minutes, during which the process would serve nobody, so
the soak reads the snapshots once the run is over, in its own process (`summarize`).
tracemalloc costs memory of its own per live allocation, so an RSS measured with it on is
larger than without.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType
from typing import Any

from fastapi import FastAPI

from carteira import cli

# Frames kept per allocation: 1 by default (the line that allocated); each frame more slows
# every allocation (at 8, the soak's load no longer fitted in one process on two cores).
FRAMES = int(os.environ.get("CENSUS_FRAMES", "1"))
TOP = 30


def summarize(path: Path, earlier: Path | None) -> str:
    """A census as text: the live memory by line, what grew since `earlier` by line, and the
    call paths of the lines that grew most."""
    snapshot = tracemalloc.Snapshot.load(str(path))
    lines = [f"{path.name}: {sum(t.size for t in snapshot.traces) / 2**20:.1f} MB traced", ""]
    garbage = path.with_suffix(".garbage.json")
    if garbage.exists():
        found = json.loads(garbage.read_text())
        lines.append(f"garbage in cycles waiting for the collector: {found['objects']} objects")
        lines += [f"  {count:9d}  {kind}" for kind, count in found["by_type"].items()]
        lines += [f"  {count:9d}  frame of {where}" for where, count in found["frames"].items()]
        lines.append("")
    sizes = path.with_suffix(".caches.json")
    if sizes.exists():
        lines.append("local caches, entries / bound:")
        for name, (entries, bound) in sorted(json.loads(sizes.read_text()).items()):
            lines.append(f"  {name:32s} {entries:7d} / {bound}")
        lines.append("")
    lines.append(f"top {TOP} by line:")
    for stat in snapshot.statistics("lineno")[:TOP]:
        lines.append(f"  {stat.size / 2**20:8.2f} MB {stat.count:9d} blocks  {stat.traceback[0]}")
    if earlier is None:
        return "\n".join(lines)
    before = tracemalloc.Snapshot.load(str(earlier))
    grown = [s for s in snapshot.compare_to(before, "lineno") if s.size_diff > 0][:TOP]
    lines += ["", f"grown since {earlier.name}, by line:"]
    for stat in grown:
        lines.append(
            f"  {stat.size_diff / 2**20:+8.2f} MB (now {stat.size / 2**20:7.2f} MB,"
            f" {stat.count_diff:+9d} blocks)  {stat.traceback[0]}"
        )
    for stat in grown[:5] if FRAMES > 1 else ():
        frame = stat.traceback[0]
        only = snapshot.filter_traces([tracemalloc.Filter(True, frame.filename, frame.lineno)])
        lines += ["", f"call paths allocating at {frame} (innermost last):"]
        for path_stat in only.statistics("traceback")[:3]:
            lines.append(f"  {path_stat.size / 2**20:8.2f} MB {path_stat.count:9d} blocks")
            lines += [f"      {line}" for line in path_stat.traceback.format()[::2][-FRAMES:]]
    return "\n".join(lines)


def garbage_census() -> dict[str, Any]:
    """The objects a full collection finds unreachable, by type, and the functions whose
    frames are among them (a cycle through a frame: an exception kept with its traceback)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    by_type: dict[str, int] = {}
    frames: dict[str, int] = {}
    for obj in found:
        kind = f"{type(obj).__module__}.{type(obj).__qualname__}"
        by_type[kind] = by_type.get(kind, 0) + 1
        if isinstance(obj, FrameType):
            code = obj.f_code
            where = f"{code.co_filename}:{code.co_firstlineno} {code.co_qualname}"
            frames[where] = frames.get(where, 0) + 1
    del found
    gc.collect()  # what was kept for counting, freed
    top = sorted(by_type.items(), key=lambda item: -item[1])[:TOP]
    return {
        "objects": sum(by_type.values()),
        "by_type": dict(top),
        "frames": dict(sorted(frames.items(), key=lambda item: -item[1])[:TOP]),
    }


def main() -> int:
    directory = Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    taken = 0

    def census(_signum: int, _frame: FrameType | None) -> None:
        nonlocal taken
        taken += 1
        snapshot = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__),)
        )
        scratch = directory / f"census-{taken}.snapshot.tmp"
        caches = served[0].state.events.caches if served else {}
        sizes = {name: (cache.size, cache.max_entries) for name, cache in caches.items()}
        (directory / f"census-{taken}.caches.json").write_text(json.dumps(sizes))
        (directory / f"census-{taken}.garbage.json").write_text(json.dumps(garbage_census()))
        snapshot.dump(str(scratch))
        scratch.rename(directory / f"census-{taken}.snapshot")  # whole, once it is there

    # The modules are imported before tracing starts: the census is about what the running
    # process keeps, and tracing the imports made start-up minutes long.
    main_module = importlib.import_module("carteira.main")
    # The app uvicorn serves, for its caches' sizes (the factory is looked up by name).
    served: list[FastAPI] = []
    create_app = main_module.create_app

    def create_and_keep_app(*args: Any, **kwargs: Any) -> FastAPI:
        served.append(create_app(*args, **kwargs))
        return served[-1]

    main_module.create_app = create_and_keep_app
    tracemalloc.start(FRAMES)
    signal.signal(signal.SIGUSR1, census)
    return cli.main(["serve", *sys.argv[2:]])


if __name__ == "__main__":
    sys.exit(main())
