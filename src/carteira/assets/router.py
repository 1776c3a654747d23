from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from carteira.assets import service
from carteira.assets.exceptions import (
    AssetHasTransactionsError,
    AssetNotFoundError,
    TickerTakenError,
)
from carteira.assets.models import AssetType
from carteira.assets.schemas import AssetCreate, AssetOut, AssetPatch
from carteira.auth.dependencies import AdminUser, CurrentUser, WriterUser
from carteira.core import clock
from carteira.core.dependencies import EventsDep, JobsDep
from carteira.core.errors import InvalidInputError
from carteira.core.openapi import raises
from carteira.core.pagination import Page, Pagination
from carteira.core.responses import json_response
from carteira.core.types import CalendarDate, PathId
from carteira.pricing import service as pricing
from carteira.pricing.dependencies import MarketDep
from carteira.pricing.exceptions import TICKER_LOOKUP_ERRORS, UnknownTreasuryTitleError
from carteira.pricing.schemas import HistoryOut

router = APIRouter(prefix="/assets", tags=["assets"])

AssetPage = Page[AssetOut]


@router.get("", response_model=AssetPage)
async def assets_list(
    _: CurrentUser,
    params: Pagination,
    search: Annotated[str | None, Query(max_length=100, description="in ticker or name")] = None,
    asset_type: AssetType | None = None,
) -> Response:
    """The registry by ticker; search in ticker or name, filter by type."""
    rows, total = await service.list_assets(search=search, asset_type=asset_type, params=params)
    return json_response(AssetPage.build(rows, total=total, params=params))


@router.post("", response_model=AssetOut, status_code=HTTPStatus.CREATED)
@raises(TickerTakenError, UnknownTreasuryTitleError, *TICKER_LOOKUP_ERRORS)
async def assets_create(
    body: Annotated[AssetCreate, Body()],
    user: WriterUser,
    market: MarketDep,
    jobs: JobsDep,
    events: EventsDep,
    response: Response,
) -> AssetOut:
    """A listing (`kind` absent or `listed`): validated with the market-data provider, which
    fills name, exchange, currency and type. An instrument (`kind` `fixed_income`, `treasury`,
    `fund`): validated by its kind's terms; its ticker is generated (e.g.
    `CDB-BANCOX-110CDI-20290515`, `TD-SELIC-20290301`, `FI-<cnpj>`), its class and tax
    exemption set by the product. A backfill of its daily closes is queued (fixed income: from
    its issue)."""
    asset = await service.register(
        body=body, market=market, jobs=jobs, events=events, actor_id=user.id
    )
    response.headers["Location"] = f"/assets/{asset.id}"
    return AssetOut.model_validate(asset)


@router.get("/{asset_id}", response_model=AssetOut)
@raises(AssetNotFoundError)
async def assets_get(asset_id: PathId, _: CurrentUser) -> AssetOut:
    """One asset."""
    return AssetOut.model_validate(await service.get_asset(asset_id=asset_id))


@router.patch("/{asset_id}", response_model=AssetOut)
@raises(AssetNotFoundError)
async def assets_update(
    asset_id: PathId, body: AssetPatch, admin: AdminUser, events: EventsDep
) -> AssetOut:
    """Rename it, set its sector, correct its type (e.g. `FII`), its class or its tax
    exemption (admins)."""
    asset = await service.update_asset(
        asset_id=asset_id, data=body, actor_id=admin.id, events=events
    )
    return AssetOut.model_validate(asset)


@router.delete("/{asset_id}", status_code=HTTPStatus.NO_CONTENT)
@raises(AssetNotFoundError, AssetHasTransactionsError)
async def assets_delete(asset_id: PathId, admin: AdminUser, events: EventsDep) -> Response:
    """Remove it (admins; refused while a ledger refers to it)."""
    await service.delete_asset(asset_id=asset_id, actor_id=admin.id, events=events)
    return Response(status_code=HTTPStatus.NO_CONTENT)


MAX_HISTORY_DAYS = 3660


@router.get("/{asset_id}/history", response_model=HistoryOut)
@raises(AssetNotFoundError, InvalidInputError)
async def assets_history(
    asset_id: PathId,
    _: CurrentUser,
    start: CalendarDate | None = None,
    end: CalendarDate | None = None,
) -> HistoryOut:
    """Stored daily closes and returns (`daily_returns`); the last year by default, at most ten."""
    asset = await service.get_asset(asset_id=asset_id)
    last = end or clock.today()
    first = start or last - timedelta(days=365)
    if first > last:
        raise InvalidInputError("start must not be after end.")
    if (last - first).days > MAX_HISTORY_DAYS:
        raise InvalidInputError(f"at most {MAX_HISTORY_DAYS} days per request.")
    items = await pricing.daily_history(asset_id=asset.id, start=first, end=last)
    return HistoryOut(asset_id=asset.id, ticker=asset.ticker, start=first, end=last, items=items)
