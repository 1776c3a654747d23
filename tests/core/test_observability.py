"""Traces (in-memory exporter, and a local OTLP receiver), metrics and log correlation."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import subprocess
import sys

import pytest
from aiohttp import web
from arq import Worker
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from carteira import __version__
from carteira.core.jobs import Context, job
from carteira.core.logging import JsonFormatter, request_id_var
from carteira.core.tracing import configure_tracing, instrument_app, tracer
from carteira.worker import worker_settings
from tests.factories import list_on_yahoo, make_allocation, make_asset, make_client
from tests.support import REPO, TEST_JWT_SECRET, free_port, process_env, run_jobs, wait_http


class Switch(SimpleSpanProcessor):
    """Records only while on: OpenTelemetry's provider is process-wide and cannot be removed."""

    on = True

    def on_end(self, span) -> None:
        if self.on:
            super().on_end(span)


@pytest.fixture(scope="module")
def exporter(app, settings):
    """Spans recorded in memory while this module runs; everything is switched off after."""
    from opentelemetry import trace
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    from carteira.core import tracing

    memory = InMemorySpanExporter()
    switch = Switch(memory)
    if hasattr(trace.get_tracer_provider(), "add_span_processor"):
        trace.get_tracer_provider().add_span_processor(switch)
        tracing._instrument_libraries()
    else:
        configure_tracing(settings, service_name="carteira-api", processor=switch)
    instrument_app(app)
    app.middleware_stack = None  # rebuilt with the tracing middleware on the next request
    yield memory
    switch.on = False
    memory.clear()
    FastAPIInstrumentor.uninstrument_app(app)
    app.middleware_stack = None
    for instrumentor in (AsyncPGInstrumentor(), RedisInstrumentor(), AioHttpClientInstrumentor()):
        instrumentor.uninstrument()
    tracing._instrumented = False


@contextlib.asynccontextmanager
async def traced_caller():
    """This process's aiohttp client is instrumented too: a call of its own, with no span
    around it, is dropped, and the server follows the caller's `traceparent` (not sampled)."""
    with tracer.start_as_current_span("test caller"):
        yield


def spans_of(exporter, trace_id):
    return [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]


async def test_a_request_traces_http_sql_redis_and_the_provider(exporter, as_admin, yahoo):
    list_on_yahoo("PETR4.SA")
    exporter.clear()
    r = await as_admin.post("/assets", json={"ticker": "PETR4.SA"})
    assert r.status_code == 201
    server = next(
        s
        for s in exporter.get_finished_spans()
        if s.kind is SpanKind.SERVER and s.name.startswith("POST /assets")
    )
    trace_spans = spans_of(exporter, server.context.trace_id)
    systems = {
        s.attributes.get("db.system") or s.attributes.get("db.system.name") for s in trace_spans
    }
    assert "postgresql" in systems
    assert "redis" in systems
    clients = [
        s
        for s in trace_spans
        if s.kind is SpanKind.CLIENT and "/v8/finance/chart/" in str(s.attributes)
    ]
    assert clients, "no outbound HTTP span to the provider"
    assert any(s.attributes.get("market.cache") == "miss" for s in trace_spans)
    assert any(s.attributes.get("market.upstream.outcome") == "ok" for s in trace_spans)


async def test_the_job_a_request_enqueues_joins_its_trace(exporter, as_admin, settings, yahoo):
    """Registering an asset enqueues its backfill: a PRODUCER span in the request's trace; the
    job, run by a real worker, is a CONSUMER span in that trace, linked to it."""
    list_on_yahoo("VALE3.SA")
    exporter.clear()
    r = await as_admin.post("/assets", json={"ticker": "VALE3.SA"})
    assert r.status_code == 201
    server = next(s for s in exporter.get_finished_spans() if s.kind is SpanKind.SERVER)
    producer = next(s for s in exporter.get_finished_spans() if s.kind is SpanKind.PRODUCER)
    assert producer.name == "enqueue backfill_asset"
    assert producer.context.trace_id == server.context.trace_id
    assert producer.attributes["messaging.message.id"] == f"backfill:{r.json()['id']}"
    await run_jobs(settings)
    job = next(s for s in exporter.get_finished_spans() if s.name == "job backfill_asset")
    assert job.kind is SpanKind.CONSUMER
    assert job.context.trace_id == server.context.trace_id
    assert job.parent.span_id == producer.context.span_id
    assert [link.context.span_id for link in job.links] == [producer.context.span_id]
    assert job.attributes["job.assets"] == 1


async def test_each_price_tick_is_a_trace_of_its_own(exporter, app, as_admin, yahoo):
    from carteira.core.events import EventBus
    from carteira.realtime.tasks import publish_tick

    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA")
    await make_allocation(as_admin, client["id"], asset_id=petr["id"])
    exporter.clear()
    with tracer.start_as_current_span("something before"):
        await publish_tick(
            {
                "market": app.state.market,
                "events": EventBus(app.state.redis),
                "redis": app.state.redis,
            }
        )
    tick = next(s for s in exporter.get_finished_spans() if s.name == "price tick")
    assert tick.parent is None
    assert tick.attributes["tickers"] == 1
    quotes = next(s for s in exporter.get_finished_spans() if s.name == "market.quotes")
    assert quotes.parent.span_id == tick.context.span_id


async def test_a_tick_with_nothing_to_quote_is_no_trace(exporter, app):
    from carteira.core.events import EventBus
    from carteira.realtime.tasks import publish_tick

    exporter.clear()
    context = {"market": app.state.market, "events": EventBus(app.state.redis)}
    assert await publish_tick({**context, "redis": app.state.redis}) == {"tickers": 0}
    assert exporter.get_finished_spans() == ()


async def test_an_idle_worker_sends_no_span(exporter, app, settings):
    """Measured before: arq polling Redis made a one-span trace per command (~243 a minute),
    and every tick a trace, with nothing to do."""
    exporter.clear()
    worker = Worker(
        **worker_settings(settings, manage_orm=False), handle_signals=False, poll_delay=0.5
    )
    running = asyncio.create_task(worker.main())
    try:
        # The tick at startup, then the next tick and outbox relay (every 5 s), ~10+ polls.
        deadline = asyncio.get_running_loop().time() + 15
        while worker.jobs_complete < 3 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
        # Stopped between jobs: arq's close cancels a job in flight and re-raises its
        # cancellation (a tick can start right after the third job).
        while any(not task.done() for task in worker.tasks.values()):
            await asyncio.sleep(0.05)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await worker.close()
    assert worker.jobs_complete >= 3  # the crons did run
    assert worker.jobs_failed == 0
    assert [s.name for s in exporter.get_finished_spans()] == []


async def test_requests_and_sockets_have_no_asgi_message_spans(
    exporter, as_admin, live_url, reader
):
    """The instrumentation's `http send`/`http receive` spans (and a `websocket send` per
    message) doubled every trace; the server span and its SQL and Redis children stay."""
    import aiohttp

    exporter.clear()
    r = await as_admin.post("/clients", json={"name": "Ana", "email": "ana@example.com"})
    assert r.status_code == 201
    async with aiohttp.ClientSession() as http, traced_caller():
        url = live_url.replace("http://", "ws://") + f"/ws/prices?token={reader.token}"
        async with http.ws_connect(url) as ws:
            await ws.send_json({"action": "subscribe", "tickers": []})
            await asyncio.sleep(0.2)
    for _ in range(50):  # the socket's span ends once the server has seen it close
        spans = exporter.get_finished_spans()
        if any(s.kind is SpanKind.SERVER and "/ws/prices" in s.name for s in spans):
            break
        await asyncio.sleep(0.1)
    server = next(
        s for s in spans if s.kind is SpanKind.SERVER and s.name.startswith("POST /clients")
    )
    children = [s for s in spans if s.parent and s.parent.span_id == server.context.span_id]
    systems = {
        s.attributes.get("db.system") or s.attributes.get("db.system.name") for s in children
    }
    assert {"postgresql", "redis"} <= systems
    assert any(s.kind is SpanKind.SERVER and "/ws/prices" in s.name for s in spans)
    noise = [s.name for s in spans if s.name.endswith((" send", " receive"))]
    assert noise == []


@job(timeout_seconds=5, max_tries=1, retry_delay_seconds=0)
async def say_hello(ctx: Context) -> str:
    logging.getLogger("carteira.test-job").warning("hello from a job")
    return "said"


@contextlib.contextmanager
def json_lines(*names: str):
    """What the named loggers write (INFO and up), one JSON object per line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(name) for name in names]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.removeHandler(handler)
            log.setLevel(level)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


async def test_job_log_lines_carry_the_job_and_trace_ids(exporter, app, settings):
    exporter.clear()
    job_id = await app.state.jobs.enqueue("say_hello")
    with json_lines("carteira.test-job", "arq.worker") as lines:
        await run_jobs(settings)
    span = next(s for s in exporter.get_finished_spans() if s.name == "job say_hello")
    hello = next(line for line in lines if line["message"] == "hello from a job")
    assert hello["job_id"] == job_id
    assert hello["trace_id"] == format(span.context.trace_id, "032x")
    assert hello["span_id"] == format(span.context.span_id, "016x")
    # arq's own lines about the job (started, finished) name it too.
    arq_lines = [
        line for line in lines if line["logger"] == "arq.worker" and job_id in line["message"]
    ]
    assert arq_lines
    assert {line.get("job_id") for line in arq_lines} == {job_id}


async def test_json_logs_hold_no_terminal_colours(settings):
    """uvicorn logs its start lines with a `color_message` (the message again, with escape
    codes): a real `carteira serve` writes plain JSON lines without it."""
    port = free_port()
    env = process_env(settings, LOG_FORMAT="json", LOG_LEVEL="INFO")
    process = subprocess.Popen(
        [sys.executable, "-m", "carteira", "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        await wait_http(f"http://127.0.0.1:{port}/health")
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    text = stderr.decode()
    lines = [json.loads(line) for line in text.splitlines()]
    assert any(line["message"].startswith("Uvicorn running on") for line in lines), text
    assert not any("color_message" in line for line in lines)
    assert "\x1b[" not in text


def test_logs_carry_request_and_trace_ids():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("carteira.test-correlation")
    log.addHandler(handler)
    log.propagate = False
    token = request_id_var.set("req-42")
    try:
        with tracer.start_as_current_span("work"):
            log.warning("hello", extra={"ticker": "PETR4.SA"})
    finally:
        request_id_var.reset(token)
        log.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["message"] == "hello"
    assert entry["request_id"] == "req-42"
    assert entry["ticker"] == "PETR4.SA"
    if entry.get("trace_id"):  # a real provider is installed once the exporter fixture ran
        assert len(entry["trace_id"]) == 32
        assert len(entry["span_id"]) == 16


class Collector:
    """A tiny OTLP/HTTP receiver: what it was sent, by path."""

    def __init__(self) -> None:
        self.received: dict[str, list[ExportTraceServiceRequest]] = {}
        self.port = 0

    async def _collect(self, request: web.Request) -> web.Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.read())
        self.received.setdefault(request.path, []).append(message)
        return web.Response(status=200)

    @contextlib.asynccontextmanager
    async def running(self):
        server = web.Application()
        server.router.add_post("/{path:.*}", self._collect)
        runner = web.AppRunner(server)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            yield self
        finally:
            await runner.cleanup()

    def spans(self, path: str = "/v1/traces") -> list[tuple[dict[str, str], object]]:
        """(resource attributes, span) of every span received on `path`."""
        return [
            ({a.key: a.value.string_value for a in resource.resource.attributes}, span)
            for message in self.received.get(path, [])
            for resource in message.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]


async def serve_docs_once(env: dict[str, str], settings_args: str = "") -> None:
    """A fresh process: the app (settings from `env`) answers GET /docs, then flushes its spans."""
    script = f"""
import asyncio, httpx
from opentelemetry import trace
from carteira.core.config import Settings
from carteira.main import create_app
app = create_app(Settings(_env_file=None, environment="test", jwt_secret="{TEST_JWT_SECRET}",
                          {settings_args}))
async def main():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        assert (await client.get("/docs")).status_code == 200
asyncio.run(main())
trace.get_tracer_provider().force_flush()
"""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        cwd=REPO,
        env={**os.environ, "LOG_LEVEL": "WARNING", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()


async def test_the_otlp_exporter_reaches_a_collector():
    """A fresh process with OTEL_EXPORTER_OTLP_ENDPOINT set sends the collector the spans of a
    request, tagged with its service name and version."""
    async with Collector().running() as collector:
        await serve_docs_once(
            {}, f'otel_exporter_otlp_endpoint="http://127.0.0.1:{collector.port}"'
        )
    spans = collector.spans()
    assert any(span.name == "GET /docs" for _, span in spans)
    assert {r["service.name"] for r, _ in spans} == {"carteira-api"}
    assert {r["service.version"] for r, _ in spans} == {__version__}


async def test_otel_service_name_and_traces_endpoint_are_honoured():
    """OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the full URL (it wins over the collector's base
    URL + /v1/traces); OTEL_SERVICE_NAME names the service."""
    async with Collector().running() as collector, Collector().running() as elsewhere:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{elsewhere.port}",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"http://127.0.0.1:{collector.port}/in/spans",
            "OTEL_SERVICE_NAME": "carteira-api-blue",
        }
        await serve_docs_once(env)
    assert elsewhere.received == {}
    spans = collector.spans("/in/spans")
    assert any(span.name == "GET /docs" for _, span in spans)
    assert {r["service.name"] for r, _ in spans} == {"carteira-api-blue"}
    assert {r["service.version"] for r, _ in spans} == {__version__}


# ---- metrics -------------------------------------------------------------------------------


def sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith((name + "{", name + " ")) and all(
            f'{k}="{v}"' in line for k, v in labels.items()
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_move_with_traffic(client, as_admin, settings, yahoo):
    before = (await client.get("/metrics")).text
    await make_client(as_admin)
    for _ in range(3):
        await as_admin.get("/clients")
    list_on_yahoo("ITUB4.SA")
    await as_admin.get("/quotes?tickers=ITUB4.SA")
    await as_admin.get("/quotes?tickers=ITUB4.SA")
    await as_admin.post("/assets", json={"ticker": "ITUB4.SA"})
    await run_jobs(settings)
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    after = r.text

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("carteira_http_requests_total", route="/clients", status="200", method="GET") == 3
    assert (
        moved("carteira_http_request_duration_seconds_count", route="/clients", method="GET") == 3
    )
    assert moved("carteira_market_cache_total", kind="quote", result="miss") >= 1
    assert moved("carteira_market_cache_total", kind="quote", result="hit") >= 1
    assert moved("carteira_market_upstream_requests_total", provider="yahoo", outcome="ok") >= 1
    assert moved("carteira_jobs_total", job="backfill_asset", outcome="complete") == 1
    assert "carteira_market_circuit_open" in after


async def test_collector_passes_are_timed_and_young_ones_are_rarer(client):
    import gc

    from carteira.main import GC_THRESHOLDS

    before = (await client.get("/metrics")).text
    gc.collect()
    after = (await client.get("/metrics")).text
    name = "carteira_gc_pause_seconds_count"
    assert sample(after, name, generation="2") == sample(before, name, generation="2") + 1
    assert sample(after, "carteira_gc_pause_seconds_sum", generation="2") > 0
    assert gc.get_threshold() == GC_THRESHOLDS
    assert GC_THRESHOLDS[0] > 700  # Python's default: a young pass every 700 allocations


async def test_the_worker_health_check_leaves_no_metrics_file(settings, redis, tmp_path):
    """Measured before: `arq carteira.worker.WorkerSettings --check` (the worker container's
    health check, every 30 s) left a file in PROMETHEUS_MULTIPROC_DIR per run, 2,880 a day."""
    env = process_env(settings, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    command = [sys.executable, "-m", "arq", "carteira.worker.WorkerSettings", "--check"]

    async def check() -> int:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return await asyncio.wait_for(process.wait(), 60)

    assert await check() == 1  # no worker has reported
    await redis.set("arq:queue:health-check", "j_complete=0 j_failed=0", ex=60)
    assert await check() == 0  # a worker reported
    assert sorted(p.name for p in tmp_path.iterdir()) == []


async def test_open_websockets_are_counted(client, live_url, reader):
    import aiohttp

    async with aiohttp.ClientSession() as http:
        url = live_url.replace("http://", "ws://") + f"/ws/prices?token={reader.token}"
        async with http.ws_connect(url):
            await asyncio.sleep(0.1)
            text = (await client.get("/metrics")).text
            assert sample(text, "carteira_websocket_connections", stream="prices") >= 1


async def test_socket_credentials_never_reach_a_span(exporter, live_url, client, reader):
    """Measured before: a `?token=` JWT was stored in the span attribute `http.url`."""
    import aiohttp

    ticket = (await client.post("/auth/ws-ticket", headers=reader.headers)).json()["ticket"]
    exporter.clear()
    base = live_url.replace("http://", "ws://")
    async with aiohttp.ClientSession() as http, traced_caller():
        for query in (f"token={reader.token}", f"ticket={ticket}"):
            ws = await http.ws_connect(f"{base}/ws/prices?{query}")
            await asyncio.sleep(0.1)
            await ws.close()
    await asyncio.sleep(0.3)
    # The server's spans (this test's own aiohttp client is instrumented too: its CLIENT spans
    # describe the URL it was given, in this process, not what the API records).
    values = [
        str(value)
        for span in exporter.get_finished_spans()
        if span.kind is not SpanKind.CLIENT
        for value in span.attributes.values()
    ]
    assert any("/ws/prices" in value for value in values)
    assert not any(reader.token in value or ticket in value for value in values)
    assert any("token=[redacted]" in value for value in values)
