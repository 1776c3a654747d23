from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from carteira.auth.dependencies import CurrentUser
from carteira.core.dependencies import SettingsDep, export_request
from carteira.core.exports import EXPORT_RESPONSES, CsvDialect, ExportFormat, OutputFormat
from carteira.core.responses import json_response
from carteira.core.types import CalendarDate, CurrencyQuery
from carteira.pricing.dependencies import MarketDep
from carteira.reports import documents, service
from carteira.reports.schemas import InflowsOut

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("/inflows", response_model=InflowsOut, responses=EXPORT_RESPONSES)
async def inflows(
    request: Request,
    user: CurrentUser,
    settings: SettingsDep,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    month: Annotated[int | None, Query(ge=1, le=12)] = None,
    start: CalendarDate | None = None,
    end: CalendarDate | None = None,
    currency: CurrencyQuery = None,
    format: OutputFormat = OutputFormat.JSON,
    dialect: CsvDialect = CsvDialect.STANDARD,
) -> Response:
    """Net inflows ("captado"): the cost of the lots bought in a month (`year`, `month`; the
    current one by default) or in `start`..`end` (at most five years), in one currency, by
    client and by day. `format=csv|xlsx` exports the lots themselves."""
    first, last = service.period(year=year, month=month, start=start, end=end)
    chosen = (currency or settings.reporting_currency).upper()
    if format is not OutputFormat.JSON:
        return documents.inflows_export(
            start=first,
            end=last,
            currency=chosen,
            request=export_request(
                request, user_id=user.id, export_format=ExportFormat(format.value), dialect=dialect
            ),
        )
    result = await service.inflows(start=first, end=last, currency=chosen)
    return json_response(result)


@router.get("/clients", response_class=Response, responses=EXPORT_RESPONSES)
async def clients_report(
    request: Request,
    user: CurrentUser,
    market: MarketDep,
    format: ExportFormat = ExportFormat.CSV,
    dialect: CsvDialect = CsvDialect.STANDARD,
) -> Response:
    """Every client with status, lots, cost and market value (one row per currency held)."""
    return documents.clients_export(
        market=market,
        request=export_request(request, user_id=user.id, export_format=format, dialect=dialect),
    )
