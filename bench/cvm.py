"""Issue #30: a month of CVM's daily report of funds — 500,000 rows — read for 50 CNPJs.

    .venv/bin/python -m bench.cvm [--rows 500000] [--funds 50] [--runs 3]

The month's zip is generated locally in CVM's shape (`inf_diario_fi_202611.zip`: one
Latin-1 CSV, `;`, the current columns `TP_FUNDO_CLASSE;CNPJ_FUNDO_CLASSE;ID_SUBCLASSE;...`),
`--rows` rows over November 2026's 19 business days — some 26,000 funds a day, like CVM's —
of which `--funds` CNPJs are the registered ones. The test suite's fake CVM
(`tests/fakes/cvm.py`) serves it over HTTP from this process. Each run is a fresh process
(`--child`) that does what the daily refresh does with a month: `CvmSource.read` downloads the
zip (streamed to disk) and reads its CSV out of it for the registered CNPJs; it then reads the
downloaded file once more (the day's copy: the pass alone). Measured in the child: wall time
of the first read (download + pass) and of the second (pass), and its peak RSS
(`ru_maxrss`), beside its RSS once Carteira is imported, before any work. Medians of `--runs`.

Targets (issue #30): ≤ 5 s and ≤ 100 MB peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from datetime import date
from pathlib import Path

from tests.fakes.cvm import FakeCvm, formatted, header_of

from bench.common import PYTHON

MONTH = (2026, 11)
BUSINESS_DAYS = [
    date(2026, 11, d)
    for d in range(1, 31)
    if date(2026, 11, d).weekday() < 5 and d not in (2, 20)  # Finados, Consciência Negra
]


def registered(funds: int) -> list[str]:
    return [f"{10_000_000 + i * 7919:08d}0001{i % 100:02d}" for i in range(funds)]


def quota(fund: int, day: date) -> str:
    return f"{1 + fund / 10_000 + day.day / 100_000:.12f}"


def generate(path: Path, *, rows: int, funds: int) -> int:
    """The month's zip, `rows` rows; returns how many are of the registered CNPJs. Figures
    vary from row to row like CVM's, so that the zip compresses like theirs."""
    ours = [formatted(cnpj) for cnpj in registered(funds)]
    per_day = -(-rows // len(BUSINESS_DAYS))
    header = header_of(MONTH)
    draw = random.Random(30)
    wanted = written = 0
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(f"inf_diario_fi_{MONTH[0]}{MONTH[1]:02d}.csv", "w") as member,
    ):
        member.write((";".join(header) + "\r\n").encode("latin-1"))
        for day in BUSINESS_DAYS:
            lines = []
            for fund in range(min(per_day, rows - written)):
                if fund < funds:
                    cnpj, wanted = ours[fund], wanted + 1
                else:
                    cnpj = formatted(f"{20_000_000 + fund:08d}0001{fund % 100:02d}")
                total = draw.uniform(1e5, 5e9)
                lines.append(
                    f"CLASSES - FIF;{cnpj};;{day.isoformat()};{total:.2f};{quota(fund, day)};"
                    f"{total * 0.998:.2f};{draw.uniform(0, 1e6):.2f};{draw.uniform(0, 1e6):.2f};"
                    f"{draw.randint(1, 90_000)}"
                )
            written += len(lines)
            member.write(("\r\n".join(lines) + "\r\n").encode("latin-1"))
    return wanted


# -- the measured process -------------------------------------------------------------------------


def _cpu_seconds() -> float:
    """This process's CPU time (all threads): what the pass costs, whatever else runs."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_now_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def _child(base_url: str, funds: int) -> dict[str, object]:
    from redis.asyncio import Redis

    from carteira.core.config import Settings
    from carteira.pricing.funds import CvmSource

    settings = Settings(_env_file=None, cvm_data_url=base_url)  # type: ignore[call-arg]
    imported = _rss_now_mb()
    redis = Redis.from_url("redis://127.0.0.1:6379/15")  # never used by a read
    source = CvmSource(settings, redis=redis)
    cnpjs = registered(funds)
    first, last = date(*MONTH, 1), date(*MONTH, 30)
    try:
        started, cpu = time.perf_counter(), _cpu_seconds()
        found = await source.read(cnpjs, start=first, end=last)
        with_download, download_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        started, cpu = time.perf_counter(), _cpu_seconds()
        again = await source.read(cnpjs, start=first, end=last)
        pass_only, pass_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    finally:
        await source.close()
        await redis.aclose()
    quotas = sum(len(found.series(c)[0]) for c in cnpjs)
    assert quotas == sum(len(again.series(c)[0]) for c in cnpjs)
    return {
        "seconds": round(with_download, 3),
        "cpu_seconds": round(download_cpu, 3),
        "pass_seconds": round(pass_only, 3),
        "pass_cpu_seconds": round(pass_cpu, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "imported_rss_mb": round(imported, 1),
        "quotas": quotas,
        "unreadable": found.unreadable.count,
    }


# -- the benchmark --------------------------------------------------------------------------------


def _serve(cvm: FakeCvm, ready: threading.Event, stop: threading.Event) -> None:
    async def main() -> None:
        await cvm.start()
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.05)
        await cvm.stop()

    asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--funds", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # the fake's base URL
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_child(args.child, args.funds))))
        return

    with tempfile.TemporaryDirectory(prefix="bench-cvm-") as directory:
        path = Path(directory) / f"inf_diario_fi_{MONTH[0]}{MONTH[1]:02d}.zip"
        started = time.perf_counter()
        wanted = generate(path, rows=args.rows, funds=args.funds)
        print(
            f"generated {args.rows:,} rows ({path.stat().st_size / 2**20:.1f} MB zipped) in"
            f" {time.perf_counter() - started:.1f} s; {wanted} of them of the {args.funds}"
            " registered CNPJs"
        )
        cvm = FakeCvm()
        cvm.serve_file(path.name, path)
        ready, stop = threading.Event(), threading.Event()
        server = threading.Thread(target=_serve, args=(cvm, ready, stop), daemon=True)
        server.start()
        ready.wait(10)
        results = []
        load_before = os.getloadavg()
        try:
            for run in range(args.runs):
                out = subprocess.run(
                    [
                        PYTHON,
                        "-m",
                        "bench.cvm",
                        "--child",
                        cvm.base_url,
                        "--funds",
                        str(args.funds),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                result = json.loads(out.stdout.strip().splitlines()[-1])
                if result["quotas"] != wanted or result["unreadable"]:
                    sys.exit(f"run {run + 1}: read {result['quotas']} quotas, expected {wanted}")
                results.append(result)
                print(f"run {run + 1}: {json.dumps(result)}")
        finally:
            stop.set()
            server.join(10)
        load_after = os.getloadavg()

    def median(key: str) -> float:
        return statistics.median(float(r[key]) for r in results)

    print(
        f"\nmedian of {args.runs}: {median('seconds'):.2f} s, {median('cpu_seconds'):.2f} s of"
        f" CPU (download + pass; the pass alone {median('pass_seconds'):.2f} s,"
        f" {median('pass_cpu_seconds'):.2f} s of CPU), peak RSS {median('peak_rss_mb'):.1f} MB"
        f" ({median('imported_rss_mb'):.1f} MB once imported) — targets ≤ 5 s, ≤ 100 MB"
    )
    print(
        f"load average (1, 5, 15 min) before: {', '.join(f'{v:.2f}' for v in load_before)};"
        f" after: {', '.join(f'{v:.2f}' for v in load_after)}; {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
