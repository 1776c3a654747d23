"""The tracer provider's resource and sampler, without installing it (the provider is
process-wide; tests/core/test_observability.py records real spans)."""

from __future__ import annotations

import json
import logging

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

from carteira import __version__
from carteira.core.config import Settings
from carteira.core.logging import JsonFormatter, redact
from carteira.core.tracing import SAMPLER, RedactingSpanProcessor, tracer_provider

# A JWT's shape (header.claims.signature); the signature is what must never be seen.
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
SIGNATURE = JWT.rsplit(".", 1)[1]


def resource_of(service_name: str, **settings: str) -> dict[str, object]:
    provider = tracer_provider(Settings(_env_file=None, **settings), service_name=service_name)
    return dict(provider.resource.attributes)


def test_each_process_names_its_service_and_version():
    api = resource_of("carteira-api")
    assert api["service.name"] == "carteira-api"
    assert api["service.version"] == __version__
    assert resource_of("carteira-worker")["service.name"] == "carteira-worker"


def test_otel_service_name_wins(monkeypatch):
    monkeypatch.setenv("OTEL_SERVICE_NAME", "carteira-blue")
    worker = resource_of("carteira-worker")
    assert worker["service.name"] == "carteira-blue"
    assert worker["service.version"] == __version__


def parent(*, sampled: bool, remote: bool = False):
    context = SpanContext(
        trace_id=1,
        span_id=2,
        is_remote=remote,
        trace_flags=TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT),
    )
    return trace.set_span_in_context(NonRecordingSpan(context))


def decision(kind: SpanKind, context=None) -> Decision:
    return SAMPLER.should_sample(context, 1, "span", kind=kind).decision


def test_a_client_call_is_recorded_only_inside_an_operation():
    assert decision(SpanKind.CLIENT) is Decision.DROP  # arq polling Redis, alone
    assert decision(SpanKind.CLIENT, parent(sampled=True)) is Decision.RECORD_AND_SAMPLE
    assert decision(SpanKind.CLIENT, parent(sampled=False)) is Decision.DROP


def test_operations_start_traces_and_follow_a_caller():
    for kind in (SpanKind.SERVER, SpanKind.CONSUMER, SpanKind.INTERNAL, SpanKind.PRODUCER):
        assert decision(kind) is Decision.RECORD_AND_SAMPLE
    caller = parent(sampled=True, remote=True)
    assert decision(SpanKind.SERVER, caller) is Decision.RECORD_AND_SAMPLE
    assert decision(SpanKind.SERVER, parent(sampled=False, remote=True)) is Decision.DROP


@pytest.mark.parametrize(
    "line",
    [
        f'"WebSocket /ws/prices?token={JWT}" [accepted]',
        f'"WebSocket /ws/prices?tok%65n={JWT}" [accepted]',  # the server decodes the name
        f"/ws/prices?tickers=PETR4.SA&%74oken={JWT}",
        f"/ws/prices?TOKEN={JWT}",
        f"/ws/dashboard?Access_Token={JWT}",
        f"/x?note={JWT}",  # any JWT, whatever the parameter
        f"/x?note=%65{JWT[1:]}",  # percent-encoded
        f"/x?note={JWT.replace('.', '%2E')}",
        f"refused the token {JWT} for user 42",  # not in a URL at all
    ],
)
def test_no_jwt_survives_redaction(line):
    assert SIGNATURE not in redact(line)
    assert "[redacted]" in redact(line)


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        (
            "/ws/prices?ticket=abc123&tickers=VALE3.SA",
            "/ws/prices?ticket=[redacted]&tickers=VALE3.SA",
        ),
        ("/ws/prices?tick%65t=abc123", "/ws/prices?tick%65t=[redacted]"),
        ("/ws/prices?refresh%5Ftoken=r1", "/ws/prices?refresh%5Ftoken=[redacted]"),
        ("/ws/prices?tickers=PETR4.SA&csrf_token=c1", "/ws/prices?tickers=PETR4.SA&csrf_token=c1"),
        ("tick_seconds=5 tickers=3", "tick_seconds=5 tickers=3"),
    ],
)
def test_credential_parameters_are_redacted_by_their_decoded_name_only(line, redacted):
    assert redact(line) == redacted


def test_a_json_log_line_stays_json_once_redacted():
    # uvicorn's handshake line: the query sits between quotes, escaped in the JSON line.
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5000", f"/ws/prices?tok%65n={JWT}"),
        None,
    )
    entry = json.loads(JsonFormatter().format(record))
    assert (
        entry["message"] == '127.0.0.1:5000 - "WebSocket /ws/prices?tok%65n=[redacted]" [accepted]'
    )


def test_no_span_attribute_or_event_carries_a_jwt():
    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(RedactingSpanProcessor(SimpleSpanProcessor(exported)))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("GET /ws/prices") as span:
        span.set_attribute("http.target", f"/ws/prices?tok%65n={JWT}")
        span.set_attribute("anything", f"Bearer {JWT}")
        span.set_attribute("many", [f"a {JWT}", "plain"])
        span.set_attribute("count", 3)
        span.add_event("exception", {"exception.message": f"bad token {JWT}"})
    with tracer.start_as_current_span("clean") as span:
        span.set_attribute("http.target", "/clients?page=2")
    redacted, clean = exported.get_finished_spans()
    assert redacted.attributes is not None
    assert redacted.attributes["http.target"] == "/ws/prices?tok%65n=[redacted]"
    assert redacted.attributes["anything"] == "Bearer [redacted]"
    assert redacted.attributes["many"] == ("a [redacted]", "plain")
    assert redacted.attributes["count"] == 3
    assert redacted.events[0].attributes == {"exception.message": "bad token [redacted]"}
    assert redacted.name == "GET /ws/prices"
    assert dict(clean.attributes or {}) == {"http.target": "/clients?page=2"}
