"""The tracer provider's resource and sampler, without installing it (the provider is
process-wide; tests/integration/test_observability.py records real spans)."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

from carteira import __version__
from carteira.core.config import Settings
from carteira.core.tracing import SAMPLER, tracer_provider


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
