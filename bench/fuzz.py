"""Issue #9: the long fuzzing profile (schemathesis), beyond the bounded one in `make test`.

    .venv/bin/python -m bench.fuzz [--examples 300] [--seed 1] [--stateful]

A throw-away database, one API process on the simulated market data, one admin and one
reader. Every operation of the OpenAPI document is fuzzed as each role with the same checks as
tests/core/test_fuzz.py (no 5xx; status codes, content types, headers and bodies as
documented), `--examples` cases per operation and phase. Prints a markdown table; the JSON
reports land in bench/results/.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time

from tests.fuzzing import st_command

from bench.common import (
    REPO,
    bench_database,
    login,
    print_table,
    serve_api,
)

ACCOUNTS = (("admin@bench.example", "admin"), ("reader@bench.example", "reader"))


def fuzz(base: str, token: str, *, examples: int, seed: int, phases: str, role: str) -> dict:
    report = REPO / "bench" / "results" / f"fuzz-{role}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    command = st_command(base, token, report, examples=examples, seed=seed, phases=phases)
    started = time.monotonic()
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    result = json.loads(report.read_text())
    if completed.returncode != 0:
        print(completed.stdout[-8000:])
    return {
        "role": role,
        "operations": result["operations"]["tested"],
        "cases": result["test_cases"]["generated"],
        "failures": len(result["failures"]),
        "errors": len(result["errors"]),
        "seconds": time.monotonic() - started,
        "exit": completed.returncode,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stateful", action="store_true", help="also the stateful phase")
    args = parser.parse_args()
    phases = "examples,coverage,fuzzing" + (",stateful" if args.stateful else "")
    rows = []
    quiet = {"MARKET_DATA_PROVIDER": "simulated", "LOG_LEVEL": "CRITICAL"}
    with (
        bench_database("carteira_fuzz", users=ACCOUNTS, **quiet) as (_, env),
        serve_api(env) as (base, _),
    ):
        for email, role in reversed(ACCOUNTS):  # the reader first: admin writes come last
            token = login(base, email)
            rows.append(
                fuzz(
                    base,
                    token,
                    examples=args.examples,
                    seed=args.seed,
                    phases=phases,
                    role=role,
                )
            )
    print_table(
        rows,
        {
            "role": "role",
            "operations": "operations",
            "cases": "cases",
            "failures": "failures",
            "errors": "errors",
            "seconds": "seconds",
        },
    )
    raise SystemExit(max(row["exit"] for row in rows))


if __name__ == "__main__":
    main()
