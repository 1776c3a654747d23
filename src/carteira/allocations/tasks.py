"""The ledger's jobs: corporate actions, once the provider's events are stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from carteira.allocations import service
from carteira.core import clock
from carteira.core.jobs import Context, job
from carteira.pricing import service as pricing

RECENT_DAYS = 7


@job(timeout_seconds=1800, max_tries=3, retry_delay_seconds=30)
async def apply_corporate_actions(ctx: Context, asset_ids: list[int] | int) -> dict[str, Any]:
    """The assets' dividends and splits in the ledgers of those who held them (idempotent)."""
    wanted = [asset_ids] if isinstance(asset_ids, int) else asset_ids  # one, before 0.6
    made = await service.apply_corporate_actions(
        asset_ids=wanted,
        services=service.Services(
            events=ctx["events"],
            market=ctx["market"],
            jobs=ctx["jobs"],
            reporting_currency=ctx["settings"].reporting_currency,
        ),
    )
    return {"assets": len(wanted), "entries": made}


async def daily_fx(ctx: Context) -> dict[str, Any]:
    """The cron after the market closes: the recent rates of every currency clients hold."""
    market = ctx["market"]
    reporting = ctx["settings"].reporting_currency
    today = clock.today()
    refreshed = {}
    for currency, first in sorted((await service.currencies_held()).items()):
        if currency == reporting:
            continue
        start = max(first, today - timedelta(days=RECENT_DAYS))
        refreshed[currency] = await pricing.refresh_fx(
            market=market, currency=currency, reporting=reporting, start=start, end=today
        )
    if refreshed:
        await ctx["events"].publish(pricing.MARKET_DATA_STORED)
    return {"rates": refreshed}
