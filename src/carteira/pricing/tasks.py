"""Market data's own jobs: exchange rates into the reporting currency, benchmark series (a new
or revised rate also schedules the closes of the instruments priced on it)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from carteira.core import clock
from carteira.core.jobs import Context, job
from carteira.pricing import service
from carteira.pricing.service import MarketData

RECENT_DAYS = 10  # the daily refresh's window: late publications and revisions included


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
    await ctx["events"].publish(service.MARKET_DATA_STORED)
    return {"currency": currency, "rates": stored}


@job(timeout_seconds=900, max_tries=5, retry_delay_seconds=30)
async def backfill_benchmark(ctx: Context, series: str, start: str, end: str) -> dict[str, Any]:
    """A benchmark's values over a window (its first use, when the source was slow then)."""
    stored = await service.refresh_benchmark(
        market=ctx["market"],
        jobs=ctx["jobs"],
        series=series,
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
    )
    await ctx["events"].publish(service.MARKET_DATA_STORED)
    return {"series": series, "values": stored}


async def daily_benchmarks(ctx: Context) -> dict[str, Any]:
    """The cron after the market closes: the recent values of every benchmark in use."""
    today = clock.today()
    stored = {}
    for series, covered in (await service.covered_series()).items():
        start = max(covered.first, min(covered.last, today) - timedelta(days=RECENT_DAYS))
        stored[series] = await service.refresh_benchmark(
            market=ctx["market"], jobs=ctx["jobs"], series=series, start=start, end=today
        )
    if stored:
        await ctx["events"].publish(service.MARKET_DATA_STORED)
    return {"values": stored}
