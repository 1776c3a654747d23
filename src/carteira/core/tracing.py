"""OpenTelemetry: traces to an OTLP/HTTP collector (Jaeger) when `OTEL_EXPORTER_OTLP_ENDPOINT`
(or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; nothing at all otherwise.

Requests, SQL (asyncpg), Redis and outbound HTTP (aiohttp) are instrumented; services add
spans where they matter; a job carries the W3C trace context of the request that enqueued it.

What is not recorded: a client call (SQL, Redis, HTTP) made outside any traced operation (arq
polling Redis several times a second, the outbox relay's query, a probe excluded from tracing)
would be a one-span trace of its own, hundreds a minute, pushing real traces out of Jaeger's
memory; and the ASGI `send`/`receive` spans of every response and socket message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.sdk import trace as sdk_trace
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, Span, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

from carteira import __version__
from carteira.core.config import Settings
from carteira.core.logging import redact

logger = logging.getLogger(__name__)

tracer = trace.get_tracer("carteira")

_instrumented = False


def configure_tracing(
    settings: Settings, *, service_name: str, processor: SpanProcessor | None = None
) -> TracerProvider | None:
    """Install a tracer provider and the library instrumentations. `processor` replaces the
    OTLP exporter (tests record spans in memory with it)."""
    if processor is None:
        endpoint = settings.otlp_traces_url
        if not endpoint:
            return None
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint))
    provider = tracer_provider(settings, service_name=service_name)
    provider.add_span_processor(RedactingSpanProcessor(processor))
    trace.set_tracer_provider(provider)
    _instrument_libraries()
    logger.info("tracing on: %s", provider.resource.attributes[SERVICE_NAME])
    return provider


def tracer_provider(settings: Settings, *, service_name: str) -> TracerProvider:
    """A provider (not installed) whose spans name the service (`OTEL_SERVICE_NAME`, else
    `service_name`) and this release, sampled by `SAMPLER`."""
    resource = Resource.create(
        {
            SERVICE_NAME: settings.otel_service_name or service_name,
            SERVICE_VERSION: __version__,
        }
    )
    return TracerProvider(resource=resource, sampler=SAMPLER)


class RedactingSpanProcessor(SpanProcessor):
    """Hands `inner` (the exporter's processor) each ended span without credentials: every
    string attribute, the span's and its events', goes through `redact`."""

    def __init__(self, inner: SpanProcessor) -> None:
        self._inner = inner

    def on_start(self, span: sdk_trace.Span, parent_context: context.Context | None = None) -> None:
        self._inner.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        self._inner.on_end(_redacted(span))

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Sequence):  # an attribute may be a list of strings
        return tuple(redact(item) if isinstance(item, str) else item for item in value)
    return value


def _clean(attributes: Attributes) -> Attributes:
    if not attributes:
        return attributes
    return {name: _clean_value(value) for name, value in attributes.items()}


def _redacted(span: ReadableSpan) -> ReadableSpan:
    attributes = _clean(span.attributes)
    events = [Event(e.name, _clean(e.attributes), e.timestamp) for e in span.events]
    if attributes == span.attributes and all(
        new.attributes == old.attributes for new, old in zip(events, span.events, strict=True)
    ):
        return span
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class DropParentlessClientSpans(Sampler):
    """The root sampler: a client call with no operation around it is not recorded.

    SQL, Redis and outbound HTTP spans matter as children of a request, a job or a price tick;
    alone they are arq's polling, the relay's query or a health probe's ping: noise."""

    def should_sample(
        self,
        parent_context: context.Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if kind is SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        return "DropParentlessClientSpans"


# A child follows its parent's decision (a dropped parent drops its children); a root span is
# recorded unless it is a client call.
SAMPLER = ParentBased(root=DropParentlessClientSpans())


def _instrument_libraries() -> None:
    global _instrumented
    if _instrumented:
        return
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    AsyncPGInstrumentor().instrument()  # type: ignore[no-untyped-call]
    RedisInstrumentor().instrument()
    AioHttpClientInstrumentor().instrument()
    _instrumented = True


_URL_ATTRIBUTES = ("http.url", "http.target", "url.full", "url.query")


def _redact_url_attributes(span: Span, scope: dict[str, Any]) -> None:
    """A WebSocket's `?token=`/`?ticket=` must not end up in Jaeger: the URL attributes the
    instrumentation set are rewritten before the span ends."""
    if not span.is_recording() or not scope.get("query_string"):
        return
    attributes = getattr(span, "attributes", None) or {}
    for name in _URL_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str):
            span.set_attribute(name, redact(value))


def instrument_app(app: Any) -> None:
    """HTTP and WebSocket server spans for the app (probes and scrapes excluded), without a
    span per ASGI message sent or received."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls="health,ready,metrics",
        server_request_hook=_redact_url_attributes,
        exclude_spans=["send", "receive"],
    )


def current_carrier() -> dict[str, str]:
    """The current trace context as W3C headers (`traceparent`), to travel with a job."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from(carrier: Mapping[str, str] | None) -> context.Context:
    return propagate.extract(dict(carrier or {}))
