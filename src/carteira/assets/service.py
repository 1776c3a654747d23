"""The asset registry: one row per Yahoo symbol the firm's clients hold or watch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from carteira.assets.exceptions import (
    AssetHasTransactionsError,
    AssetNotFoundError,
    TickerTakenError,
    UnknownAssetError,
)
from carteira.assets.models import Asset, AssetType
from carteira.assets.schemas import AssetDetails, AssetPatch
from carteira.audit import service as audit
from carteira.core.calendar import previous_trading_day
from carteira.core.database import atomic, on_commit
from carteira.core.events import EventBus
from carteira.core.jobs import JobQueue
from carteira.core.pagination import PageParams, fetch_page
from carteira.pricing import service as pricing
from carteira.pricing.service import MarketData, PreviousSession, Refreshed

ENTITY = "asset"
# Published after an asset's row changed or went away: listings that embed assets drop caches.
ASSET_CHANGED = "asset.changed"
INFO_CACHE = "assets.info"
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
            asset = await audit.audited_create(
                row=Asset.create(ticker=ticker.upper(), **details.model_dump()),
                snapshot=_snapshot,
                entity=ENTITY,
                actor_id=actor_id,
            )
            await pricing.schedule_backfill(jobs=jobs, asset_id=asset.id, days=backfill_days)
    except IntegrityError as exc:
        raise TickerTakenError() from exc
    return asset


async def _announce_change(events: EventBus, asset_id: int) -> None:
    await on_commit(lambda: events.publish(ASSET_CHANGED, asset_id=asset_id))


async def update_asset(
    *, asset_id: int, data: AssetPatch, actor_id: int | None, events: EventBus
) -> Asset:
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "asset_type"):
        if required in changes and changes[required] is None:
            changes.pop(required)  # required: an explicit null leaves it as it is

    def change(asset: Asset) -> None:
        asset.update_from_dict(changes)

    async def saved(asset: Asset, _: dict[str, Any]) -> None:
        await _announce_change(events, asset.id)

    asset, _ = await audit.audited_update(
        query=Asset.filter(id=asset_id),
        missing=AssetNotFoundError,
        snapshot=_snapshot,
        change=change,
        entity=ENTITY,
        actor_id=actor_id,
        saved=saved,
    )
    return asset


async def delete_asset(*, asset_id: int, actor_id: int | None, events: EventBus) -> None:
    async def deleted(asset: Asset) -> None:
        await _announce_change(events, asset.id)

    try:
        await audit.audited_delete(
            query=Asset.filter(id=asset_id),
            missing=AssetNotFoundError,
            snapshot=_snapshot,
            entity=ENTITY,
            actor_id=actor_id,
            deleted=deleted,
        )
    except IntegrityError as exc:  # transactions reference it (ON DELETE RESTRICT)
        raise AssetHasTransactionsError() from exc


@dataclass(frozen=True, slots=True)
class AssetInfo:
    """What other modules need of an asset to show or value a holding of it."""

    id: int
    ticker: str
    name: str
    exchange: str
    currency: str
    asset_type: AssetType


_INFO_COLUMNS = ("id", "ticker", "name", "exchange", "currency", "asset_type")


async def describe(
    *, asset_ids: Iterable[int], events: EventBus | None = None
) -> dict[int, AssetInfo]:
    """The assets of these ids (unknown ids are left out). Kept in this process's memory
    until an asset changes anywhere (`asset.changed` on the event bus)."""
    wanted = sorted(set(asset_ids))
    cache = events.cache(INFO_CACHE, cleared_by=(ASSET_CHANGED,)) if events else None
    found: dict[int, AssetInfo] = {}
    missing = []
    for asset_id in wanted:
        hit = cache.get(str(asset_id)) if cache else None
        if hit is not None:
            found[asset_id] = hit
        else:
            missing.append(asset_id)
    if missing:
        generation = cache.generation if cache else 0
        rows = await Asset.filter(id__in=missing).values(*_INFO_COLUMNS)
        for row in rows:
            info = AssetInfo(**{**row, "asset_type": AssetType(row["asset_type"])})
            found[info.id] = info
            if cache:
                cache.set(str(info.id), info, generation=generation)
    return found


async def asset_infos(*, offset: int, limit: int) -> tuple[list[AssetInfo], int]:
    """A slice of the registry in ticker order, and its size."""
    rows = (
        await Asset.all().order_by("ticker").offset(offset).limit(limit).values(*_INFO_COLUMNS)
        if limit > 0
        else []
    )
    total = await Asset.all().count()
    return [AssetInfo(**{**row, "asset_type": AssetType(row["asset_type"])}) for row in rows], total


async def info_by_ticker(*, ticker: str) -> AssetInfo | None:
    rows = await Asset.filter(ticker=ticker.strip().upper()).values(*_INFO_COLUMNS)
    return (
        AssetInfo(**{**rows[0], "asset_type": AssetType(rows[0]["asset_type"])}) if rows else None
    )


def sessions_of(asset: Asset) -> PreviousSession:
    """The listing's trading calendar: the session before a given day."""
    every_day = asset.asset_type is AssetType.CRYPTOCURRENCY

    def previous(day: date) -> date:
        return previous_trading_day(
            day, exchange=asset.exchange, ticker=asset.ticker, every_day=every_day
        )

    return previous


async def store_history(*, market: MarketData, asset: Asset, start: date, end: date) -> Refreshed:
    """The asset's closes and corporate actions in [start, end], fetched and stored now."""
    return await pricing.refresh_closes(
        market=market,
        asset_id=asset.id,
        ticker=asset.ticker,
        start=start,
        end=end,
        previous_session=sessions_of(asset),
    )
