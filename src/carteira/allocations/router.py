from __future__ import annotations

from http import HTTPStatus

from fastapi import APIRouter, Request, Response

from carteira.allocations import performance, service
from carteira.allocations.schemas import (
    AllocationCreate,
    AllocationOut,
    AllocationPage,
    AllocationPatch,
    PerformanceOut,
    PositionsOut,
)
from carteira.auth.dependencies import AdminUser, CurrentUser
from carteira.core.dependencies import EventsDep, JobsDep, SettingsDep, export_request
from carteira.core.exports import EXPORT_RESPONSES, CsvDialect, ExportFormat, OutputFormat
from carteira.core.pagination import Pagination
from carteira.core.responses import json_response
from carteira.core.types import CalendarDate, CurrencyQuery, PathId
from carteira.pricing.dependencies import MarketDep
from carteira.reports import documents

router = APIRouter(prefix="/clients/{client_id}", tags=["allocations"])


@router.get("/allocations", response_model=AllocationPage)
async def list_allocations(
    client_id: PathId, _: CurrentUser, params: Pagination, events: EventsDep, market: MarketDep
) -> Response:
    page = await service.list_allocations(
        client_id=client_id, params=params, events=events, market=market
    )
    return json_response(page)


@router.post("/allocations", response_model=AllocationOut, status_code=HTTPStatus.CREATED)
async def create_allocation(
    client_id: PathId,
    body: AllocationCreate,
    admin: AdminUser,
    events: EventsDep,
    market: MarketDep,
    jobs: JobsDep,
    settings: SettingsDep,
) -> AllocationOut:
    return await service.create_allocation(
        client_id=client_id,
        data=body,
        actor_id=admin.id,
        events=events,
        market=market,
        jobs=jobs,
        reporting_currency=settings.reporting_currency,
    )


@router.patch("/allocations/{allocation_id}", response_model=AllocationOut)
async def update_allocation(
    client_id: PathId,
    allocation_id: PathId,
    body: AllocationPatch,
    admin: AdminUser,
    events: EventsDep,
    jobs: JobsDep,
    settings: SettingsDep,
) -> AllocationOut:
    return await service.update_allocation(
        client_id=client_id,
        allocation_id=allocation_id,
        data=body,
        actor_id=admin.id,
        events=events,
        jobs=jobs,
        reporting_currency=settings.reporting_currency,
    )


@router.delete("/allocations/{allocation_id}", status_code=HTTPStatus.NO_CONTENT)
async def delete_allocation(
    client_id: PathId,
    allocation_id: PathId,
    admin: AdminUser,
    events: EventsDep,
    settings: SettingsDep,
) -> Response:
    await service.delete_allocation(
        client_id=client_id,
        allocation_id=allocation_id,
        actor_id=admin.id,
        events=events,
        reporting_currency=settings.reporting_currency,
    )
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.get("/positions", response_model=PositionsOut, responses=EXPORT_RESPONSES)
async def client_positions(
    request: Request,
    client_id: PathId,
    user: CurrentUser,
    market: MarketDep,
    format: OutputFormat = OutputFormat.JSON,
    dialect: CsvDialect = CsvDialect.STANDARD,
) -> Response:
    """Per asset: quantity, average cost, market value, pnl, weight (`format=csv|xlsx`
    to export)."""
    positions = await service.client_positions(client_id=client_id, market=market)
    if format is not OutputFormat.JSON:
        return documents.positions_export(
            positions=positions,
            request=export_request(
                request, user_id=user.id, export_format=ExportFormat(format.value), dialect=dialect
            ),
        )
    return json_response(positions)


@router.get("/performance", response_model=PerformanceOut, responses=EXPORT_RESPONSES)
async def client_performance(
    request: Request,
    client_id: PathId,
    user: CurrentUser,
    market: MarketDep,
    start: CalendarDate | None = None,
    end: CalendarDate | None = None,
    currency: CurrencyQuery = None,
    format: OutputFormat = OutputFormat.JSON,
    dialect: CsvDialect = CsvDialect.STANDARD,
) -> Response:
    """Totals, XIRR, TWR and the daily curve from stored closes (`format=csv|xlsx` exports
    the curve)."""
    result = await performance.client_performance(
        client_id=client_id, start=start, end=end, currency=currency, market=market
    )
    if format is not OutputFormat.JSON:
        return documents.performance_export(
            performance=result,
            request=export_request(
                request, user_id=user.id, export_format=ExportFormat(format.value), dialect=dialect
            ),
        )
    return json_response(result)
