from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Query, Response

from carteira.assets import service
from carteira.assets.models import AssetType
from carteira.assets.schemas import AssetCreate, AssetOut, AssetPatch
from carteira.auth.dependencies import AdminUser, CurrentUser
from carteira.core.dependencies import EventsDep
from carteira.core.pagination import Page, Pagination
from carteira.core.responses import json_response
from carteira.core.types import PathId
from carteira.pricing.dependencies import MarketDep

router = APIRouter(prefix="/assets", tags=["assets"])

AssetPage = Page[AssetOut]


@router.get("", response_model=AssetPage)
async def list_assets(
    _: CurrentUser,
    params: Pagination,
    search: Annotated[str | None, Query(max_length=100, description="in ticker or name")] = None,
    asset_type: AssetType | None = None,
) -> Response:
    rows, total = await service.list_assets(search=search, asset_type=asset_type, params=params)
    return json_response(AssetPage.build(rows, total=total, params=params))


@router.post("", response_model=AssetOut, status_code=HTTPStatus.CREATED)
async def register_asset(body: AssetCreate, admin: AdminUser, market: MarketDep) -> AssetOut:
    asset = await service.register_asset(
        ticker=body.ticker, market=market, actor_id=admin.id, sector=body.sector
    )
    return AssetOut.model_validate(asset)


@router.get("/{asset_id}", response_model=AssetOut)
async def get_asset(asset_id: PathId, _: CurrentUser) -> AssetOut:
    return AssetOut.model_validate(await service.get_asset(asset_id=asset_id))


@router.patch("/{asset_id}", response_model=AssetOut)
async def update_asset(
    asset_id: PathId, body: AssetPatch, admin: AdminUser, events: EventsDep
) -> AssetOut:
    asset = await service.update_asset(
        asset_id=asset_id, data=body, actor_id=admin.id, events=events
    )
    return AssetOut.model_validate(asset)


@router.delete("/{asset_id}", status_code=HTTPStatus.NO_CONTENT)
async def delete_asset(asset_id: PathId, admin: AdminUser, events: EventsDep) -> Response:
    await service.delete_asset(asset_id=asset_id, actor_id=admin.id, events=events)
    return Response(status_code=HTTPStatus.NO_CONTENT)
