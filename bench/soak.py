"""Issue #9 soak: mixed REST load at a fixed rate for 10 minutes with 500 WebSockets attached.

    .venv/bin/python -m bench.soak [--minutes 10] [--rate 100] [--sockets 500] [--workers 1]
                                   [--warmup-seconds 30] [--census 5,30,60]
                                   [--undo-writes-after SECONDS]

The portfolio benchmark's data (10,000 clients, 50,000 lots on 200 tickers), one API process,
one worker (price tick every 5 s, for every held ticker, from the fake Yahoo), and a client
process holding the sockets (4 in 5 on `/ws/prices` with three tickers each, the rest on
`/ws/dashboard`). This process sends requests open-loop at `--rate` per second (a request
leaves on schedule whether or not the earlier ones have answered), reads and writes mixed as
below (ledger writes included: buys, deposits and withdrawals). Reports errors and p50/p99
per route, the messages the sockets received, and the RSS of the API and the worker after the
warm-up, after the first minute, at half-time and at the end, and over time (every 5 s, in
bench/results/soak-rss.csv).

The worker starts first and ticks once (the held quotes are in Redis), as in a running
deployment; the API process then starts fresh, the sockets connect once its `/ready` says
200, and the requests begin once every socket has its snapshot: the first 5-second window is
what a new replica's first requests meet. `--census` takes a
tracemalloc census of the API at those minutes of the measured run (bench/census.py) and
prints what grew between them.

The mix writes ~9 ledger entries a second: an hour adds ~32,000, three to each client's
ledger of five, and the API's bounded caches (replayed ledgers, answers, the captação kept
per client and day) hold those longer ledgers, so its memory follows the office's data.
`--undo-writes-after` deletes each entry the mix wrote that many seconds later (the deletes
reported as a route of their own): the data keeps its size and what the memory still gains
is what the process keeps.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import random
import signal
import statistics
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing.synchronize import Event as EventType

import aiohttp

from bench.common import (
    PYTHON,
    REPO,
    WORKER,
    bench_database,
    dump,
    free_port,
    login,
    print_table,
    process,
)
from bench.fake_market import FakeMarket
from bench.portfolio import ASSETS, CLIENTS, LAST_NAMES, seed
from carteira.core import clock

TICKERS = [f"BNCH{n:03d}.SA" for n in range(ASSETS)]
ACCOUNTS = (("reader@bench.example", "reader"), ("admin@bench.example", "admin"))
# route label -> share of the requests
MIX = {
    "GET /clients": 30,
    "GET /clients?search=": 10,
    "GET /clients/{id}/allocations": 25,
    "GET /quotes": 15,
    "GET /clients/{id}/positions": 5,
    "GET /reports/inflows": 3,
    "POST /clients/{id}/allocations": 5,
    "POST /clients/{id}/transactions": 4,
    "PATCH /clients/{id}": 3,
}


def request_for(route: str, rng: random.Random) -> tuple[str, str, dict | None, int]:
    """method, path, JSON body, expected status."""
    client = rng.randint(1, CLIENTS)
    if route == "GET /clients":
        return "GET", f"/clients?page={rng.randint(1, 50)}&page_size=20", None, 200
    if route == "GET /clients?search=":
        return "GET", f"/clients?search={rng.choice(LAST_NAMES).lower()}", None, 200
    if route == "GET /clients/{id}/allocations":
        return "GET", f"/clients/{client}/allocations?page_size=20", None, 200
    if route == "GET /quotes":
        return "GET", "/quotes?tickers=" + ",".join(rng.sample(TICKERS, 3)), None, 200
    if route == "GET /clients/{id}/positions":
        return "GET", f"/clients/{client}/positions", None, 200
    if route == "POST /clients/{id}/allocations":
        body = {
            "asset_id": rng.randint(1, ASSETS),
            "quantity": str(rng.randint(1, 500)),
            "buy_price": f"{rng.randint(100, 9000) / 100:.2f}",
            "buy_date": (clock.today() - timedelta(days=rng.randint(0, 400))).isoformat(),
        }
        return "POST", f"/clients/{client}/allocations", body, 201
    if route == "GET /reports/inflows":
        return "GET", "/reports/inflows", None, 200
    if route == "POST /clients/{id}/transactions":
        kind = rng.choice(("deposit", "deposit", "withdrawal"))
        amount = f"{rng.randint(100, 99900) / 100:.2f}"
        body = {"kind": kind, "date": clock.today().isoformat(), "amount": amount}
        return "POST", f"/clients/{client}/transactions", body, 201
    body = {"phone": f"+55 11 9{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"}
    return "PATCH", f"/clients/{client}", body, 200


@dataclass
class RouteStats:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0


WINDOW_SECONDS = 5  # the timeline's resolution
CENSUS_DIR = REPO / "bench" / "results" / "soak-census"


def wait_for_tick(redis_url: str, seconds: float = 120) -> None:
    """Until the worker's first tick has put the held quotes in Redis."""
    from redis import Redis

    deadline = time.monotonic() + seconds
    with Redis.from_url(redis_url) as redis:
        while not redis.exists(f"md:quote:{TICKERS[-1]}"):
            if time.monotonic() > deadline:
                raise TimeoutError("the worker did not tick")
            time.sleep(0.5)


UNDO_ROUTE = "DELETE (undo of a write)"
UNDOABLE = {
    "POST /clients/{id}/allocations": "allocations",
    "POST /clients/{id}/transactions": "transactions",
}


async def drive(
    base: str,
    tokens: dict[str, str],
    *,
    rate: int,
    seconds: int,
    warmup: int = 0,
    undo_after: float = 0,
) -> dict:
    """`warmup` seconds of the same load first (not counted: the process's caches, pools and
    first price fetches fill then), then `seconds` measured. With `undo_after`, each ledger
    entry the mix writes is deleted that many seconds later (the deletes counted apart)."""
    rng = random.Random(7)
    written: deque[tuple[float, str]] = deque()  # (when to delete, path)
    routes = list(MIX)
    weights = list(MIX.values())
    stats: dict[str, RouteStats] = defaultdict(RouteStats)
    windows: dict[int, list[float]] = defaultdict(list)  # every request's latency by window
    samples: list[str] = []

    async def one(http: aiohttp.ClientSession, route: str, *, counted: bool) -> None:
        """`counted`: sent after the warm-up (a warm-up request answered later is not)."""
        method, path, body, expected = request_for(route, rng)
        token = tokens["admin" if method != "GET" else "reader"]
        started = time.perf_counter()
        try:
            async with http.request(
                method, base + path, json=body, headers={"Authorization": f"Bearer {token}"}
            ) as r:
                answer = await r.read()
                ok = r.status == expected
                if not ok and len(samples) < 20:
                    samples.append(f"{method} {path} -> {r.status} {(await r.text())[:200]}")
                if ok and undo_after and route in UNDOABLE:
                    entry = f"{path}/{json.loads(answer)['id']}"
                    written.append((time.monotonic() + undo_after, entry))
        except (aiohttp.ClientError, TimeoutError) as exc:
            ok = False
            if len(samples) < 20:
                samples.append(f"{method} {path} -> {exc!r}")
        latency_ms = (time.perf_counter() - started) * 1000
        windows[int((time.monotonic() - began) // WINDOW_SECONDS)].append(latency_ms)
        if counted:
            stats[route].latencies_ms.append(latency_ms)
            if not ok:
                stats[route].errors += 1

    async def undo(http: aiohttp.ClientSession, path: str, *, counted: bool) -> None:
        headers = {"Authorization": f"Bearer {tokens['admin']}"}
        started = time.perf_counter()
        try:
            async with http.delete(base + path, headers=headers) as r:
                await r.read()
                ok = r.status in {200, 204}
                if not ok and len(samples) < 20:
                    samples.append(f"DELETE {path} -> {r.status} {(await r.text())[:200]}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            ok = False
            if len(samples) < 20:
                samples.append(f"DELETE {path} -> {exc!r}")
        if counted:
            stats[UNDO_ROUTE].latencies_ms.append((time.perf_counter() - started) * 1000)
            stats[UNDO_ROUTE].errors += not ok

    began = time.monotonic() + warmup  # windows before it (negative) are the warm-up's
    connector = aiohttp.TCPConnector(limit=128)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        pending: set[asyncio.Task[None]] = set()
        for n in range(-rate * warmup, rate * seconds):
            await asyncio.sleep(max(0.0, began + n / rate - time.monotonic()))
            task = asyncio.create_task(one(http, rng.choices(routes, weights)[0], counted=n >= 0))
            pending.add(task)
            task.add_done_callback(pending.discard)
            while written and written[0][0] <= time.monotonic():
                task = asyncio.create_task(undo(http, written.popleft()[1], counted=n >= 0))
                pending.add(task)
                task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
    return {"stats": stats, "windows": windows, "samples": samples}


def hold_sockets(
    base: str,
    token: str,
    count: int,
    seconds: float,
    warmup: float,
    out: multiprocessing.Queue,
    connected: EventType,
):
    """Child process: `count` sockets for `seconds`; sets `connected` once every socket has had
    its first message (or failed); reports messages and unexpected closes, those of the first
    `warmup` seconds after that apart."""

    async def run() -> dict[str, object]:
        rng = random.Random(11)
        measured_from = math.inf
        arrived = 0
        ws_base = base.replace("http://", "ws://")
        received, dropped = 0, 0
        errors: dict[str, int] = defaultdict(int)  # what the error messages and closes said

        def arrive() -> None:
            nonlocal arrived, measured_from
            arrived += 1
            if arrived == count:
                measured_from = time.monotonic() + warmup
                connected.set()

        def take(ws: aiohttp.ClientWebSocketResponse, message: aiohttp.WSMessage) -> bool:
            """Counts a message; False when it says the socket closed."""
            nonlocal received, dropped
            phase = "" if time.monotonic() >= measured_from else "(warm-up) "
            if message.type != aiohttp.WSMsgType.TEXT:
                dropped += 1
                errors[f"{phase}closed: {message.type.name} {ws.close_code}"] += 1
                return False
            received += 1
            data = json.loads(message.data)
            if data.get("type") == "error":
                dropped += 1
                errors[f"{phase}{data.get('code')}: {data.get('detail')}"[:120]] += 1
            return True

        # No connection limit: aiohttp's default (100) would queue the other sockets.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

            async def socket(n: int) -> None:
                if n % 5 == 4:
                    query = "/ws/dashboard?"
                else:
                    query = "/ws/prices?tickers=" + ",".join(rng.sample(TICKERS, 3)) + "&"
                first = True
                try:
                    async with http.ws_connect(f"{ws_base}{query}token={token}") as ws:
                        deadline = time.monotonic() + seconds
                        while (left := deadline - time.monotonic()) > 0:
                            try:
                                message = await ws.receive(timeout=left)
                            except TimeoutError:
                                break
                            if first:
                                first = False
                                arrive()
                            if not take(ws, message):
                                return
                finally:
                    if first:
                        arrive()

            outcomes = await asyncio.gather(
                *(socket(n) for n in range(count)), return_exceptions=True
            )
        failed = sum(isinstance(outcome, BaseException) for outcome in outcomes)
        return {
            "messages": received,
            "dropped": dropped,
            "failed_to_connect": failed,
            "errors": dict(errors),
        }

    out.put(asyncio.run(run()))


def gc_pauses(base: str) -> list[dict[str, object]]:
    """The API's cycle-collector pauses over the run (its `/metrics`), by generation."""
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"{base}/metrics") as response:
        text = response.read().decode()
    found: dict[tuple[str, str, str], float] = {}  # (sample, generation, le) -> value
    for family in text_string_to_metric_families(text):
        if family.name == "carteira_gc_pause_seconds":
            for sample in family.samples:
                key = (sample.name, sample.labels["generation"], sample.labels.get("le", ""))
                found[key] = sample.value
    rows = []
    for generation in ("0", "1", "2"):
        count = found.get(("carteira_gc_pause_seconds_count", generation, ""), 0.0)

        def over(bound: str, generation: str = generation, count: float = count) -> int:
            within = found.get(("carteira_gc_pause_seconds_bucket", generation, bound), 0.0)
            return int(count - within)

        rows.append(
            {
                "generation": generation,
                "collections": int(count),
                "total_ms": 1000 * found.get(("carteira_gc_pause_seconds_sum", generation, ""), 0),
                "over_50_ms": over("0.05"),
                "over_100_ms": over("0.1"),
            }
        )
    return rows


def print_censuses(count: int) -> None:
    """Each census (bench/census.py took them) by line, and what grew since the one before."""
    from bench.census import summarize

    earlier = None
    for number in range(1, count + 1):
        path = CENSUS_DIR / f"census-{number}.snapshot"
        text = summarize(path, earlier)
        (CENSUS_DIR / f"census-{number}.txt").write_text(text + "\n")
        print("\n" + text)
        earlier = path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1, help="API processes (serve --workers)")
    parser.add_argument(
        "--warmup-seconds", type=int, default=30, help="load before measuring (reported apart)"
    )
    parser.add_argument(
        "--undo-writes-after",
        type=float,
        default=0,
        help="delete each ledger entry the mix writes this many seconds later: the office's"
        " data stays its size, so what the API's memory gains is what it keeps (0: never)",
    )
    parser.add_argument(
        "--census",
        default="",
        help="minutes (of the measured run) at which to take a tracemalloc census of the API,"
        " e.g. 5,30,60 (one API process; see bench/census.py)",
    )
    args = parser.parse_args()
    seconds = int(args.minutes * 60)
    census_minutes = [float(m) for m in args.census.split(",") if m]
    if census_minutes and args.workers > 1:
        parser.error("--census takes one API process")
    with (
        FakeMarket(TICKERS) as market,
        bench_database(
            "carteira_soak",
            users=ACCOUNTS,
            TICK_SECONDS="5",
            # One sign-in for the whole run: an hour's soak outlives the default token.
            JWT_EXPIRE_MINUTES=str(24 * 60),
            **market.env(),
        ) as (
            db,
            env,
        ),
    ):
        redis_url = env["REDIS_URL"]
        asyncio.run(seed(db.url))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serve = [PYTHON, "-m", "carteira", "serve", "--port", str(port)]
        serve += ["--workers", str(args.workers)] if args.workers > 1 else []
        if census_minutes:
            serve = [PYTHON, "-m", "bench.census", str(CENSUS_DIR), "--port", str(port)]
            for old in CENSUS_DIR.glob("census-*"):
                old.unlink()
        # A fresh API process joining a running deployment: the worker has ticked (the held
        # quotes are in Redis) before the API starts; the API answers once it is warm.
        with contextlib.ExitStack() as running:
            worker = running.enter_context(process(WORKER, env))
            wait_for_tick(redis_url)
            started = time.monotonic()
            # Under tracemalloc (--census) the start-up takes several times longer.
            api = running.enter_context(process(serve, env, f"{base}/ready", timeout=180))
            print(f"API ready {time.monotonic() - started:.1f} s after its start", flush=True)
            tokens = {role: login(base, email) for email, role in ACCOUNTS}
            results: multiprocessing.Queue = multiprocessing.Queue()
            connected = multiprocessing.Event()
            holder = multiprocessing.Process(
                target=hold_sockets,
                args=(
                    base,
                    tokens["reader"],
                    args.sockets,
                    args.warmup_seconds + seconds + 60,
                    args.warmup_seconds,
                    results,
                    connected,
                ),
            )
            holder.start()
            # The sockets first (a burst of handshakes and snapshots is load, not a cold
            # process), then the requests.
            opening = time.monotonic()
            if not connected.wait(300):
                raise TimeoutError("the sockets did not all connect")
            print(f"{args.sockets} sockets connected in {time.monotonic() - opening:.1f} s")
            rss: dict[str, list[float]] = {"api": [], "worker": []}

            async def sample_rss() -> None:
                while True:
                    for name, proc in (("api", api), ("worker", worker)):
                        tree = [proc, *proc.children(recursive=True)]
                        rss[name].append(sum(p.memory_info().rss for p in tree) / 2**20)
                    await asyncio.sleep(5)

            async def take_censuses() -> None:
                measured_from = time.monotonic() + args.warmup_seconds
                for number, minute in enumerate(census_minutes, start=1):
                    await asyncio.sleep(max(0.0, measured_from + minute * 60 - time.monotonic()))
                    api.send_signal(signal.SIGUSR1)
                    written = CENSUS_DIR / f"census-{number}.snapshot"
                    while not written.exists():
                        await asyncio.sleep(1)
                    print(f"census {number} at {minute:g} min: {written}", flush=True)

            async def run() -> dict:
                sampler = asyncio.create_task(sample_rss())
                censuses = asyncio.create_task(take_censuses())
                try:
                    return await drive(
                        base,
                        tokens,
                        rate=args.rate,
                        seconds=seconds,
                        warmup=args.warmup_seconds,
                        undo_after=args.undo_writes_after,
                    )
                finally:
                    sampler.cancel()
                    await censuses

            outcome = asyncio.run(run())
            collections = gc_pauses(base)
            sockets = results.get(timeout=120)
            holder.join(30)
            cpu = {name: sum(p.cpu_times()[:2]) for name, p in (("api", api), ("worker", worker))}
    rows = [
        {
            "route": route,
            "requests": len(s.latencies_ms),
            "errors": s.errors,
            "p50_ms": statistics.median(s.latencies_ms),
            "p99_ms": statistics.quantiles(s.latencies_ms, n=100)[98],
        }
        for route, s in sorted(outcome["stats"].items())
    ]
    print_table(
        rows,
        {
            "route": "route",
            "requests": "requests",
            "errors": "errors",
            "p50_ms": "p50 ms",
            "p99_ms": "p99 ms",
        },
    )
    # When the slow requests happened: every route together, window by window.
    timeline = [
        {
            "window": f"{n * WINDOW_SECONDS}-{(n + 1) * WINDOW_SECONDS} s"
            + (" (warm-up)" if n < 0 else ""),
            "requests": len(latencies),
            "p50_ms": statistics.median(latencies),
            "p99_ms": statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else 0,
            "max_ms": max(latencies),
        }
        for n, latencies in sorted(outcome["windows"].items())
    ]
    print()
    shown = timeline
    if len(timeline) > 200:  # an hour: the fresh process's first windows, then the worst ones
        worst = sorted(timeline[6:], key=lambda window: -window["p99_ms"])[:10]
        shown = timeline[:6] + sorted(worst, key=timeline.index)
        print(f"(the first 6 and the 10 worst of {len(timeline)} windows; all in soak.json)")
    print_table(
        shown,
        {
            "window": "window",
            "requests": "requests",
            "p50_ms": "p50 ms",
            "p99_ms": "p99 ms",
            "max_ms": "max ms",
        },
    )
    steady = statistics.median(w["p99_ms"] for w in timeline if "warm-up" not in w["window"])
    first = timeline[0]["p99_ms"]
    print(
        f"\nthe fresh process's first {WINDOW_SECONDS}-second window: p99 {first:.1f} ms;"
        f" the median window's p99 after the warm-up: {steady:.1f} ms ({first / steady:.2f} x)"
    )
    # Sampled every 5 s from the start of the warm-up. Bounded caches fill for the first
    # minutes of random traffic, so the growth over the run's second half is reported too.
    measured_from = args.warmup_seconds // 5
    minute, half = measured_from + 12, measured_from + (seconds // 5) // 2

    def at(values: list[float], index: int) -> float:
        return values[min(index, len(values) - 1)]

    memory = [
        {
            "process": name,
            "rss_warm_mb": at(values, measured_from),
            "rss_start_mb": at(values, minute),
            "rss_half_mb": at(values, half),
            "rss_end_mb": values[-1],
            "change_pct": 100 * (values[-1] - at(values, minute)) / at(values, minute),
            "half_change_pct": 100 * (values[-1] - at(values, half)) / at(values, half),
            "rss_max_mb": max(values),
            "cpu_s": cpu[name],
        }
        for name, values in rss.items()
    ]
    print()
    print_table(
        memory,
        {
            "process": "process",
            "rss_warm_mb": "RSS after warm-up MB",
            "rss_start_mb": "at 1 min MB",
            "rss_half_mb": "at half-time MB",
            "rss_end_mb": "at end MB",
            "change_pct": "1 min to end %",
            "half_change_pct": "second half %",
            "rss_max_mb": "max MB",
            "cpu_s": "CPU s",
        },
    )
    print(
        f"\nsockets: {args.sockets}, messages received: {sockets['messages']}, "
        f"dropped or errored: {sockets['dropped']}, "
        f"failed to connect: {sockets['failed_to_connect']}"
    )
    print()
    print_table(
        collections,
        {
            "generation": "GC generation",
            "collections": "collections",
            "total_ms": "total ms",
            "over_50_ms": "> 50 ms",
            "over_100_ms": "> 100 ms",
        },
    )
    for what, count in sorted(sockets["errors"].items(), key=lambda item: -item[1])[:10]:
        print(f"socket error x{count}: {what}")
    for sample in outcome["samples"]:
        print("error:", sample)
    rss_by_minute = [
        {
            "minute": f"{index * 5 / 60:.0f}",
            "api_mb": rss["api"][index],
            "worker_mb": rss["worker"][index],
        }
        for index in range(0, len(rss["api"]), 12 if seconds <= 900 else 60)
    ]
    print("\nRSS from the start of the warm-up (every 5 s in soak-rss.csv):")
    print_table(rss_by_minute, {"minute": "minute", "api_mb": "API MB", "worker_mb": "worker MB"})
    csv = ["seconds,api_mb,worker_mb"] + [
        f"{index * 5},{api_mb:.1f},{worker_mb:.1f}"
        for index, (api_mb, worker_mb) in enumerate(zip(rss["api"], rss["worker"], strict=False))
    ]
    rss_file = REPO / "bench" / "results" / "soak-rss.csv"
    rss_file.parent.mkdir(parents=True, exist_ok=True)
    rss_file.write_text("\n".join(csv) + "\n")
    if census_minutes:
        print_censuses(len(census_minutes))
    dump(
        REPO / "bench" / "results" / "soak.json",
        {
            "routes": rows,
            "timeline": timeline,
            "gc_pauses": collections,
            "memory": memory,
            "sockets": sockets,
            "samples": outcome["samples"],
            "rss_series": rss,
            "rate": args.rate,
            "seconds": seconds,
            "warmup_seconds": args.warmup_seconds,
        },
    )


if __name__ == "__main__":
    main()
