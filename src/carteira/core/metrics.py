"""Prometheus metrics (`GET /metrics`), multi-process safe.

With `PROMETHEUS_MULTIPROC_DIR` set (`carteira serve --workers N` sets it; a worker on the same
host can share it), every process writes its samples there and `/metrics` aggregates them.
"""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)

HTTP_REQUESTS = Counter(
    "carteira_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "carteira_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CACHE = Counter("carteira_market_cache_total", "Market-data cache lookups", ["kind", "result"])
UPSTREAM = Counter(
    "carteira_market_upstream_requests_total",
    "Calls to the market-data provider, by outcome",
    ["provider", "outcome"],
)
UPSTREAM_LATENCY = Histogram(
    "carteira_market_upstream_duration_seconds",
    "Time of one provider call (with its retries)",
    ["provider", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16),
)
CIRCUIT_OPEN = Gauge(
    "carteira_market_circuit_open",
    "1 while the provider's circuit breaker is open or half-open",
    ["provider"],
    multiprocess_mode="max",
)
WEBSOCKETS = Gauge(
    "carteira_websocket_connections",
    "Open WebSocket connections",
    ["stream"],
    multiprocess_mode="livesum",
)
TICKS = Counter("carteira_price_ticks_published_total", "Price ticks published")
JOBS = Counter("carteira_jobs_total", "Background job runs, by outcome", ["job", "outcome"])
JOB_DURATION = Histogram(
    "carteira_job_duration_seconds",
    "Background job run time",
    ["job"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800),
)
HEAP_TRIM = Histogram(
    "carteira_heap_trim_seconds",
    "Time to hand the C heap's free pages back to the system (malloc_trim)",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)
GC_PAUSE = Histogram(
    "carteira_gc_pause_seconds",
    "The event loop stopped for the cycle collector, by generation",
    ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)


_gc_started = 0.0


def _time_collection(phase: str, info: dict[str, Any]) -> None:
    global _gc_started
    if phase == "start":
        _gc_started = time.perf_counter()
    else:
        GC_PAUSE.labels(str(info["generation"])).observe(time.perf_counter() - _gc_started)


def watch_gc_pauses() -> None:
    """Time every collection: a full one over a process's warm caches stops every request."""
    if _time_collection not in gc.callbacks:
        gc.callbacks.append(_time_collection)


def serve_worker_metrics(port: int) -> None:
    """The worker has no HTTP API: when it runs in its own container, it serves its metrics
    (jobs, ticks, provider calls) on a port of its own for Prometheus to scrape."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        start_http_server(port, registry=registry)
    else:
        start_http_server(port)


def render() -> tuple[bytes, str]:
    """The exposition text: this process's registry, or every process's in multi-process mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def discard_process_files() -> None:
    """Remove this process's files from `PROMETHEUS_MULTIPROC_DIR`: for a process that loaded
    the metrics without ever recording any (the worker's health check), whose empty files would
    otherwise pile up there, one per run, and be read by every scrape."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    pid = os.getpid()
    multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]
    for path in Path(directory).glob(f"*_{pid}.db"):
        path.unlink(missing_ok=True)
