"""The price tick: one producer per cluster (an arq cron with a unique id per run)."""

from __future__ import annotations

import time
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context

from carteira.allocations import service as allocations
from carteira.core.events import EventBus
from carteira.core.jobs import Context as JobContext
from carteira.core.metrics import TICKS
from carteira.core.tracing import tracer
from carteira.pricing.service import MarketData
from carteira.realtime.service import TICK, subscribed_tickers


async def publish_tick(ctx: JobContext) -> dict[str, Any]:
    """Quote every held or subscribed ticker in one batch (through the cache: a tick costs at
    most one provider call per ticker, whatever the number of sockets) and publish them."""
    started = time.time_ns()
    market: MarketData = ctx["market"]
    held = await allocations.held_tickers()
    watched = [t for t in await subscribed_tickers(ctx["redis"]) if t not in set(held)]
    # Held tickers first; what sockets watch fills the rest of a bounded tick.
    tickers = sorted([*held, *watched][: market.settings.tick_max_tickers])
    if not tickers:
        # Nothing to quote: no trace either (an idle cluster would send one every tick).
        return {"tickers": 0}
    # Each tick is a trace of its own (a new root), not a child of whatever ran before; it
    # starts when the tick did, the lookup of its tickers included.
    span = tracer.start_span("price tick", context=Context(), start_time=started)
    with trace.use_span(span, end_on_exit=True):
        result = await _tick(ctx, held=held, tickers=tickers)
        span.set_attributes({k: v for k, v in result.items() if isinstance(v, int)})
        return result


async def _tick(ctx: JobContext, *, held: list[str], tickers: list[str]) -> dict[str, Any]:
    market: MarketData = ctx["market"]
    events: EventBus = ctx["events"]
    # A quote from the last tick is fetched again: one waiting for its TTL to run out would
    # expire under the API's readers first, and they would all wait on this fetch.
    batch = await market.quotes(
        tickers,
        wait_seconds=market.settings.tick_seconds * 0.8,
        fresh_for=max(1, market.settings.tick_seconds // 2),
    )
    TICKS.inc()
    await events.publish(
        TICK,
        published_at=time.time(),
        held=held,
        quotes=[quote.model_dump(mode="json") for quote in batch.quotes.values()],
        unavailable=sorted(batch.errors),
    )
    return {"tickers": len(tickers), "quotes": len(batch.quotes)}
