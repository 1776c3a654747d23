from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from carteira.auth.dependencies import CurrentUser
from carteira.clients.dependencies import Scope
from carteira.core.dependencies import EventsDep, SettingsDep, export_request
from carteira.core.exports import (
    EXPORT_RESPONSES,
    CsvDialect,
    ExportFormat,
    OutputFormat,
    TooManyExportsError,
)
from carteira.core.openapi import raises
from carteira.core.responses import json_response
from carteira.core.types import MAX_ID, CalendarDate, CurrencyQuery
from carteira.pricing.dependencies import MarketDep
from carteira.reports import documents, service
from carteira.reports.exceptions import InvalidPeriodError
from carteira.reports.schemas import AumOut, InflowsOut

router = APIRouter(prefix="/reports", tags=["reports"])
AdvisorQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="one advisor's book")]


@router.get("/inflows", response_model=InflowsOut, responses=EXPORT_RESPONSES)
@raises(InvalidPeriodError, TooManyExportsError)
async def reports_inflows(
    request: Request,
    user: CurrentUser,
    scope: Scope,
    settings: SettingsDep,
    events: EventsDep,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    month: Annotated[int | None, Query(ge=1, le=12)] = None,
    start: CalendarDate | None = None,
    end: CalendarDate | None = None,
    currency: CurrencyQuery = None,
    advisor_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="one advisor's book")
    ] = None,
    format: OutputFormat = OutputFormat.JSON,
    dialect: CsvDialect = CsvDialect.STANDARD,
) -> Response:
    """Captação líquida: inflows (deposits, externally settled buys), outflows (withdrawals,
    externally settled sales) and net, by client, day and currency, for a month (`year`,
    `month`; the current one by default) or `start`..`end` (at most five years).
    Consolidated in the reporting currency (foreign flows at their date's rate), or one
    currency unconverted (`currency=`). `format=csv|xlsx` exports the entries themselves."""
    first, last = service.period(year=year, month=month, start=start, end=end)
    scope = scope.narrowed(advisor_id)
    chosen = currency.upper() if currency else None
    reporting = settings.reporting_currency
    if format is not OutputFormat.JSON:
        return documents.inflows_export(
            start=first,
            end=last,
            currency=chosen,
            reporting=reporting,
            request=export_request(
                request, user_id=user.id, export_format=ExportFormat(format.value), dialect=dialect
            ),
            scope=scope,
        )
    text = await service.inflows_json(
        start=first, end=last, currency=chosen, reporting=reporting, events=events, scope=scope
    )
    return Response(text, media_type="application/json")


@router.get("/aum", response_model=AumOut)
async def reports_aum(scope: Scope, market: MarketDep) -> Response:
    """Assets under management now: positions at market plus cash, consolidated in the
    reporting currency at today's rates, by asset type, currency and advisor (an advisor:
    their own clients only)."""
    return json_response(await service.aum(market=market, scope=scope))


@router.get("/clients", response_class=Response, responses=EXPORT_RESPONSES)
@raises(TooManyExportsError)
async def reports_clients(
    request: Request,
    user: CurrentUser,
    scope: Scope,
    market: MarketDep,
    format: ExportFormat = ExportFormat.CSV,
    dialect: CsvDialect = CsvDialect.STANDARD,
) -> Response:
    """Every client with status, lots, cost and market value (one row per currency held)."""
    return documents.clients_export(
        market=market,
        request=export_request(request, user_id=user.id, export_format=format, dialect=dialect),
        scope=scope,
    )
