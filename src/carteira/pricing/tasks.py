"""Market data's own jobs: exchange rates into the reporting currency."""

from __future__ import annotations

from datetime import date
from typing import Any

from carteira.core import clock
from carteira.core.jobs import Context, job
from carteira.pricing import service
from carteira.pricing.service import MarketData


@job(timeout_seconds=900, max_tries=5, retry_delay_seconds=15)
async def backfill_fx(ctx: Context, currency: str, start: str) -> dict[str, Any]:
    """A currency's daily rates into the reporting one, from `start` (a holding's first day)."""
    market: MarketData = ctx["market"]
    stored = await service.refresh_fx(
        market=market,
        currency=currency,
        reporting=market.settings.reporting_currency,
        start=date.fromisoformat(start),
        end=clock.today(),
    )
    return {"currency": currency, "rates": stored}
