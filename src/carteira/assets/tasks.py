"""The registry's jobs: each asset's daily closes, fetched and stored through the pricing
service — a backfill per new asset, a refresh on demand, a daily cron, and the closes of the
fixed-income instruments on a rate series when new values of it are stored."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import Any

from opentelemetry import trace

from carteira.assets.models import Asset, AssetKind
from carteira.assets.service import store_history
from carteira.core import clock
from carteira.core.errors import AppError
from carteira.core.jobs import Context, job, report_progress
from carteira.pricing import service as pricing
from carteira.pricing.instruments import FixedIncomeTerms, parse_terms
from carteira.pricing.service import MarketData, ProviderUnavailableError

logger = logging.getLogger(__name__)

RECENT_DAYS = 7  # the daily job's window: covers weekends and holidays


def today() -> date:
    return clock.today()


async def _refresh(ctx: Context, *, assets: list[Asset], start: date, end: date) -> dict[str, Any]:
    """Fetch and store each asset's closes; one failing ticker does not fail the others."""
    market: MarketData = ctx["market"]
    limit = asyncio.Semaphore(market.settings.yahoo_concurrency)
    done = 0
    inserted = updated = events = 0
    failed: dict[str, str] = {}
    with_events: list[int] = []
    await report_progress(ctx, done=0, total=len(assets))

    async def one(asset: Asset) -> None:
        nonlocal done, inserted, updated, events
        async with limit:
            try:
                refreshed = await store_history(market=market, asset=asset, start=start, end=end)
            except AppError as exc:
                failed[asset.ticker] = exc.detail
                refreshed = None
        if refreshed is not None:
            inserted += refreshed.closes.inserted
            updated += refreshed.closes.updated
            stored = refreshed.events
            added = stored.dividends + stored.splits + stored.redemptions
            events += added
            if added:
                with_events.append(asset.id)
        done += 1
        await report_progress(ctx, done=done, total=len(assets))

    trace.get_current_span().set_attribute("job.assets", len(assets))
    await asyncio.gather(*(one(asset) for asset in assets))
    if with_events:  # the ledgers of those who held them get their entries, in one job
        await pricing.schedule_corporate_actions(jobs=ctx["jobs"], asset_ids=with_events)
    if inserted or updated or events:
        await ctx["events"].publish(pricing.MARKET_DATA_STORED)
    trace.get_current_span().set_attribute("job.rows_inserted", inserted)
    if failed and len(failed) == len(assets):
        # Nothing worked: most likely an outage; the job is retried later.
        raise ProviderUnavailableError(f"no asset could be refreshed: {failed}")
    return {
        "assets": len(assets),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "inserted": inserted,
        "updated": updated,
        "events": events,
        "failed": failed,
    }


@job(timeout_seconds=900, max_tries=5, retry_delay_seconds=15)
async def backfill_asset(
    ctx: Context, asset_id: int, days: int, start: str | None = None
) -> dict[str, Any]:
    """The history of a newly registered asset (`days` back), or from `start` (a holding
    dated before the stored history begins)."""
    asset = await Asset.get_or_none(id=asset_id)
    if asset is None:
        return {"assets": 0, "skipped": "asset no longer exists"}
    end = today()
    first = date.fromisoformat(start) if start else end - timedelta(days=days)
    return await _refresh(ctx, assets=[asset], start=first, end=end)


@job(timeout_seconds=1800, max_tries=3, retry_delay_seconds=30)
async def refresh_daily_returns(
    ctx: Context, asset_id: int | None = None, start: str | None = None, end: str | None = None
) -> dict[str, Any]:
    """Recent closes of one asset or of every registered asset (idempotent)."""
    last = date.fromisoformat(end) if end else today()
    first = date.fromisoformat(start) if start else last - timedelta(days=RECENT_DAYS)
    # Every asset, but the kinds whose published files the daily_published_prices cron reads
    # once for all of them (one by one, each would read the whole file again).
    query = (
        Asset.filter(id=asset_id)
        if asset_id is not None
        else Asset.exclude(kind__in=(AssetKind.TREASURY, AssetKind.FUND))
    )
    assets = await query.order_by("id")
    return await _refresh(ctx, assets=assets, start=first, end=last)


@job(timeout_seconds=1800, max_tries=3, retry_delay_seconds=30)
async def refresh_curve_closes(ctx: Context, series: str, since: str) -> dict[str, Any]:
    """New or revised values of a rate series (CDI, SELIC, IPCA) from `since` on: the closes
    of the fixed-income instruments priced on it, computed again from then."""
    start = date.fromisoformat(since)
    end = today()
    candidates = await Asset.filter(kind=AssetKind.FIXED_INCOME).order_by("id")
    on_series = [asset for asset in candidates if _accrues_on(asset, series, start, end)]
    return await _refresh(ctx, assets=on_series, start=start, end=end)


def _accrues_on(asset: Asset, series: str, start: date, end: date) -> bool:
    """Whether the instrument is priced on `series` at some day of [start, end]."""
    terms = parse_terms(asset.terms)
    return (
        isinstance(terms, FixedIncomeTerms)
        and terms.indexer.value == series
        and terms.issue_date <= end
        and terms.maturity_date >= start
    )


async def daily_closes(ctx: Context) -> dict[str, Any]:
    """The cron after the market closes: every asset's recent closes."""
    result: dict[str, Any] = await refresh_daily_returns(ctx)
    return result
