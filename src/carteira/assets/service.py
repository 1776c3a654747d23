"""The asset registry: one row per Yahoo symbol the firm's clients hold or watch."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from carteira.assets.exceptions import (
    AssetHasAllocationsError,
    AssetNotFoundError,
    TickerTakenError,
    UnknownAssetError,
)
from carteira.assets.models import Asset, AssetType
from carteira.assets.schemas import AssetDetails, AssetPatch
from carteira.audit import service as audit
from carteira.core.database import atomic, db, on_commit
from carteira.core.events import EventBus
from carteira.core.jobs import JobQueue
from carteira.core.pagination import PageParams, fetch_page
from carteira.pricing import service as pricing
from carteira.pricing.service import MarketData

ENTITY = "asset"
# Published after an asset's row changed or went away: listings that embed assets drop caches.
ASSET_CHANGED = "asset.changed"
FIELDS = ("ticker", "name", "exchange", "currency", "asset_type", "sector")
LIST_COLUMNS = ("id", *FIELDS, "created_at")


def _snapshot(asset: Asset) -> dict[str, Any]:
    return {field: getattr(asset, field) for field in FIELDS}


async def list_assets(
    *, search: str | None, asset_type: AssetType | None, params: PageParams
) -> tuple[list[dict[str, Any]], int]:
    query = Asset.all()
    if search:
        query = query.filter(Q(ticker__icontains=search) | Q(name__icontains=search))
    if asset_type is not None:
        query = query.filter(asset_type=asset_type)
    return await fetch_page(query, order_by=("ticker",), columns=LIST_COLUMNS, params=params)


async def held_tickers() -> list[str]:
    """Every ticker some allocation holds (what the price tick streams)."""
    rows = await db().execute_query_dict(
        "SELECT DISTINCT s.ticker FROM assets s JOIN allocations a ON a.asset_id = s.id"
    )
    return sorted(row["ticker"] for row in rows)


async def registered_tickers(*, tickers: Iterable[str]) -> set[str]:
    """Which of `tickers` are registered assets."""
    wanted = sorted(set(tickers))
    if not wanted:
        return set()
    found = await Asset.filter(ticker__in=wanted).values_list("ticker", flat=True)
    return {str(ticker) for ticker in found}


async def get_asset(*, asset_id: int) -> Asset:
    asset = await Asset.get_or_none(id=asset_id)
    if asset is None:
        raise AssetNotFoundError()
    return asset


async def find_by_ticker(*, ticker: str) -> Asset | None:
    return await Asset.get_or_none(ticker=ticker.strip().upper())


async def resolve(
    *,
    asset_id: int | None,
    ticker: str | None,
    market: MarketData,
    jobs: JobQueue,
    actor_id: int | None,
) -> Asset:
    """The asset an allocation refers to: by id (422 when unknown), or by ticker, registering
    it on the fly after the provider validated it."""
    if asset_id is not None:
        asset = await Asset.get_or_none(id=asset_id)
        if asset is None:
            raise UnknownAssetError(f"No registered asset with id {asset_id}.")
        return asset
    symbol = (ticker or "").upper()
    if (asset := await find_by_ticker(ticker=symbol)) is not None:
        return asset
    try:
        return await register_asset(ticker=symbol, market=market, jobs=jobs, actor_id=actor_id)
    except TickerTakenError:  # registered concurrently by another request
        return await Asset.get(ticker=symbol)


async def register_asset(
    *,
    ticker: str,
    market: MarketData,
    jobs: JobQueue,
    actor_id: int | None,
    sector: str | None = None,
) -> Asset:
    """Validate the ticker with the market-data provider, which also names and classifies it;
    its price history is backfilled in the background."""
    if await Asset.exists(ticker=ticker):
        raise TickerTakenError()
    details = await market.describe(ticker)
    if sector is not None:
        details = details.model_copy(update={"sector": sector})
    return await register_known_asset(
        ticker=ticker,
        details=details,
        jobs=jobs,
        backfill_days=market.settings.backfill_days,
        actor_id=actor_id,
    )


async def register_known_asset(
    *,
    ticker: str,
    details: AssetDetails,
    jobs: JobQueue,
    backfill_days: int,
    actor_id: int | None,
) -> Asset:
    """Register with details given by trusted code (demo data, the provider's answer)."""
    try:
        async with atomic():
            asset = await Asset.create(ticker=ticker.upper(), **details.model_dump())
            await pricing.schedule_backfill(jobs=jobs, asset_id=asset.id, days=backfill_days)
            await audit.record(
                actor_id=actor_id,
                action=audit.Action.CREATE,
                entity=ENTITY,
                entity_id=asset.id,
                changes=_snapshot(asset),
            )
    except IntegrityError as exc:
        raise TickerTakenError() from exc
    return asset


async def _announce_change(events: EventBus, asset_id: int) -> None:
    await on_commit(lambda: events.publish(ASSET_CHANGED, asset_id=asset_id))


async def update_asset(
    *, asset_id: int, data: AssetPatch, actor_id: int | None, events: EventBus
) -> Asset:
    changes = data.model_dump(exclude_unset=True)
    if changes.get("name", "") is None:
        changes.pop("name")  # the name is required; an explicit null leaves it as it is
    async with atomic():
        asset = await Asset.select_for_update().get_or_none(id=asset_id)
        if asset is None:
            raise AssetNotFoundError()
        before = _snapshot(asset)
        asset.update_from_dict(changes)
        trail = audit.diff(before, _snapshot(asset))
        if trail:
            await asset.save()
            await _announce_change(events, asset.id)
            await audit.record(
                actor_id=actor_id,
                action=audit.Action.UPDATE,
                entity=ENTITY,
                entity_id=asset.id,
                changes=trail,
            )
    return asset


async def delete_asset(*, asset_id: int, actor_id: int | None, events: EventBus) -> None:
    try:
        async with atomic():
            asset = await Asset.select_for_update().get_or_none(id=asset_id)
            if asset is None:
                raise AssetNotFoundError()
            await audit.record(
                actor_id=actor_id,
                action=audit.Action.DELETE,
                entity=ENTITY,
                entity_id=asset.id,
                changes=_snapshot(asset),
            )
            await asset.delete()
            await _announce_change(events, asset.id)
    except IntegrityError as exc:  # allocations reference it (ON DELETE RESTRICT)
        raise AssetHasAllocationsError() from exc
