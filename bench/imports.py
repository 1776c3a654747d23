"""Issue #31: a client's history from a 5,000-row B3 negociação extract.

    .venv/bin/python -m bench.imports [--runs 3] [--rows 5000]

One throw-away database, one `carteira serve` process (a single worker) on the fake Yahoo,
which knows the extract's 20 tickers (none registered beforehand). The extract is an XLSX as
B3 exports it (a title row above the header, date cells, numeric cells, a totals footer):
`--rows` trades over ten years on the 20 tickers, a sale never more than what is held, every
row new. Each run, for a new client, over one keep-alive connection, timed from the client:

1. POST /clients/{id}/imports — the preview (the file read, every row validated, references
   and duplicates, tickers checked with the provider, the rows tried against the ledger);
2. POST /clients/{id}/imports/{import_id}/commit — every row written in one transaction
   (the first run also registers the 20 tickers through the provider);
3. GET /clients/{id}/positions right after the commit (its cache cold), then again (warm).

Targets: preview ≤ 3 s, commit ≤ 5 s (medians of the runs); positions within the ledger's
targets (bench/README.md, issue #15).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from tests import b3_files
from tests.b3_files import NEGOCIACAO, Mess, trade

from bench.common import (
    bench_database,
    dump,
    login,
    print_table,
    serve_api,
)
from bench.fake_market import FakeMarket
from bench.ledger import ADMIN, TODAY, Client

CODES = [f"BN{chr(65 + n // 26)}{chr(65 + n % 26)}3" for n in range(20)]  # BNAA3 ... BNAT3
PREVIEW_TARGET_S, COMMIT_TARGET_S = 3.0, 5.0


def extract(rows: int, seed: int = 31) -> bytes:
    """`rows` trades over ten years, oldest first: buys, and sales of at most half of what
    is held (so every row is new and none goes short)."""
    rng = random.Random(seed)
    start = TODAY - timedelta(days=3650)
    days = sorted(start + timedelta(days=rng.randrange(3640)) for _ in range(rows))
    held = dict.fromkeys(CODES, 0)
    trades = []
    for day in days:
        if day.weekday() >= 5:
            day -= timedelta(days=day.weekday() - 4)
        code = rng.choice(CODES)
        price = f"{rng.uniform(5, 120):.2f}"
        if held[code] >= 2 and rng.random() < 0.35:
            quantity = rng.randint(1, held[code] // 2)
            held[code] -= quantity
            trades.append(trade(day, "Venda", code, str(quantity), price))
        else:
            quantity = rng.randint(1, 500)
            held[code] += quantity
            odd = quantity % 100
            market = "Mercado Fracionário" if odd and quantity < 100 else "Mercado à Vista"
            suffix = "F" if market == "Mercado Fracionário" else ""
            trades.append(trade(day, "Compra", code + suffix, str(quantity), price, market=market))
    return b3_files.xlsx(NEGOCIACAO, trades, mess=Mess(title_rows=1, footer=True))


def multipart(data: bytes, name: str, fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    for key, value in fields.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode())
        body.write(f"{value}\r\n".encode())
    body.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    body.write(data)
    body.write(f"\r\n--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


def upload(admin: Client, path: str, data: bytes) -> tuple[float, dict]:
    body, kind = multipart(data, "negociacao.xlsx", {"format": "b3_negociacao"})
    started = time.perf_counter()
    admin.connection.request(
        "POST", path, body=body, headers={**admin.headers, "Content-Type": kind}
    )
    response = admin.connection.getresponse()
    answer = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 201:
        raise RuntimeError(f"POST {path}: {response.status} {answer[:300]!r}")
    return elapsed, json.loads(answer)


def measure(admin: Client, data: bytes, rows: int, runs: int) -> list[dict[str, object]]:
    measured = []
    for run in range(1, runs + 1):
        _, created = admin.request(
            "POST", "/clients", {"name": f"Import {run}", "email": f"import{run}@bench.example"}
        )
        client = json.loads(created)["id"]
        preview_s, shown = upload(admin, f"/clients/{client}/imports", data)
        assert shown["counts"]["new"] == rows, shown["counts"]
        commit_s, done = admin.request("POST", f"/clients/{client}/imports/{shown['id']}/commit")
        assert json.loads(done)["written"]["created"] == rows
        cold_s, positions = admin.request("GET", f"/clients/{client}/positions")
        warm_s, _ = admin.request("GET", f"/clients/{client}/positions")
        measured.append(
            {
                "run": run,
                "preview_s": round(preview_s, 2),
                "commit_s": round(commit_s, 2),
                "positions_cold_ms": round(1000 * cold_s, 1),
                "positions_warm_ms": round(1000 * warm_s, 1),
                "positions": len(json.loads(positions)["positions"]),
                "load_1m": round(os.getloadavg()[0], 2),
            }
        )
        print(measured[-1], flush=True)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="imports measured (one client each)")
    parser.add_argument("--rows", type=int, default=5000, help="trades in the extract")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args()
    data = extract(args.rows)
    print(f"the extract: {args.rows} trades, {len(data) / 1024:.0f} KB of XLSX")
    print(f"load before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (1, 5, 15 min)")
    with (
        FakeMarket([code + ".SA" for code in CODES]) as market,
        bench_database(users=((ADMIN, "admin"),), **market.env()) as (_, env),
        serve_api(env) as (api, _),
    ):
        admin = Client(api, login(api, ADMIN))
        measured = measure(admin, data, args.rows, args.runs)
    print(f"load after: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (1, 5, 15 min)")
    print_table(
        measured,
        {
            "run": "run",
            "preview_s": "preview s",
            "commit_s": "commit s",
            "positions_cold_ms": "positions after, ms",
            "positions_warm_ms": "again, ms",
            "positions": "positions",
            "load_1m": "load (1 min)",
        },
    )
    preview = statistics.median(float(str(m["preview_s"])) for m in measured)
    commit = statistics.median(float(str(m["commit_s"])) for m in measured)
    print(
        f"medians: preview {preview:.2f} s (target {PREVIEW_TARGET_S} s),"
        f" commit {commit:.2f} s (target {COMMIT_TARGET_S} s)"
    )
    if args.out:
        dump(args.out, {"date": date.today().isoformat(), "rows": args.rows, "runs": measured})


if __name__ == "__main__":
    main()
