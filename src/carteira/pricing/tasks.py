"""Market data's own jobs: exchange rates into the reporting currency, benchmark series (a new
or revised rate also schedules the closes of the instruments priced on it), Tesouro Direto's
and funds' prices from their published files."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from carteira.core import clock
from carteira.core.jobs import Context, job
from carteira.pricing import service
from carteira.pricing.service import MarketData, ProviderUnavailableError

logger = logging.getLogger(__name__)

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


@job(timeout_seconds=3600, max_tries=3, retry_delay_seconds=300)
async def refresh_published_prices(ctx: Context, start: str | None = None) -> dict[str, Any]:
    """Every registered treasury title's and fund's closes since `start` (the recent days by
    default): each published file downloaded once and read once for all of them. A file that
    cannot be used is reported (and its quotes marked stale), never a crash; when no source
    could be refreshed at all the job is tried again later."""
    today = clock.today()
    first = date.fromisoformat(start) if start else today - timedelta(days=RECENT_DAYS)
    reports = await service.refresh_published_prices(market=ctx["market"], start=first, end=today)
    if any(r.inserted or r.updated or r.redeemed for r in reports):
        await ctx["events"].publish(service.MARKET_DATA_STORED)
    if redeemed := [asset_id for r in reports for asset_id in r.redeemed]:
        await service.schedule_corporate_actions(jobs=ctx["jobs"], asset_ids=redeemed)
    failed = {r.source: r.failed for r in reports if r.failed}
    for source, files in failed.items():
        logger.warning("%s prices not refreshed: %s", source, files)
    if reports and all(r.nothing_read for r in reports):
        raise ProviderUnavailableError(f"no published prices could be refreshed: {failed}")
    return {
        "start": first.isoformat(),
        "end": today.isoformat(),
        **{r.source: r.as_result() for r in reports},
        "failed": failed,
    }


async def daily_published_prices(ctx: Context) -> dict[str, Any]:
    """The cron after the market closes: Tesouro Direto's and funds' recent prices."""
    result: dict[str, Any] = await refresh_published_prices(ctx)
    return result
