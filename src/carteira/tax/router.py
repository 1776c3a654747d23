from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from carteira.auth.dependencies import CurrentUser
from carteira.clients.dependencies import Scope, client_router
from carteira.core import clock
from carteira.core.dependencies import EventsDep, export_request
from carteira.core.events import EventBus
from carteira.core.exports import (
    EXPORT_RESPONSES,
    XLSX_TYPE,
    CsvDialect,
    ExportFormat,
    OutputFormat,
    TooManyExportsError,
)
from carteira.core.openapi import raises
from carteira.core.responses import json_response
from carteira.core.types import PathId
from carteira.tax import exports, service
from carteira.tax.exceptions import TaxPeriodInFutureError
from carteira.tax.schemas import AnnualTaxOut, MonthlyTaxOut, TaxDueReportOut, TaxFormat

router = client_router(tags=["tax"], prefix="/tax")
reports_router = APIRouter(prefix="/reports", tags=["reports"])

Year = Annotated[
    int | None, Query(ge=1900, le=2200, description="the calendar year; the current by default")
]
Renderer = Callable[..., StreamingResponse]


@dataclass(frozen=True)
class _TaxAnswer:
    """One of a client's tax answers: how it is worked out, printed as a PDF, and rendered in
    the other file formats it comes in besides JSON."""

    which: str  # in the file's name
    compute: Callable[..., Awaitable[MonthlyTaxOut | AnnualTaxOut]]
    pdf: Callable[..., Awaitable[bytes]]
    files: dict[TaxFormat, tuple[ExportFormat, Renderer]]


_MONTHLY = _TaxAnswer(
    "monthly",
    service.monthly,
    service.monthly_pdf,
    {TaxFormat.XLSX: (ExportFormat.XLSX, exports.monthly_xlsx)},
)
_ANNUAL = _TaxAnswer(
    "annual",
    service.annual,
    service.annual_pdf,
    {TaxFormat.XLSX: (ExportFormat.XLSX, exports.annual_xlsx)},
)
PDF_TYPE = "application/pdf"
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {XLSX_TYPE: {}, PDF_TYPE: {}},
        "headers": {
            "Content-Disposition": {
                "description": "attachment; filename=carteira-client-<id>-tax-<which>-<year>-"
                "<date>.<xlsx|pdf>",
                "schema": {"type": "string"},
            }
        },
    }
}


async def _answer(
    kind: _TaxAnswer,
    *,
    request: Request,
    client_id: int,
    user_id: int,
    events: EventBus,
    year: int | None,
    format: TaxFormat,
) -> Response:
    """The answer for `year` (the current by default) in `format`."""
    year = year or clock.today().year
    if format is TaxFormat.PDF:
        content = await kind.pdf(client_id=client_id, year=year, events=events)
        filename = (
            f"carteira-client-{client_id}-tax-{kind.which}-{year}-{clock.today().isoformat()}.pdf"
        )
        return Response(
            content,
            media_type=PDF_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    answer = await kind.compute(client_id=client_id, year=year, events=events)
    if format is TaxFormat.JSON:
        return json_response(answer)
    export_format, render = kind.files[format]
    exported = export_request(request, user_id=user_id, export_format=export_format)
    return render(answer=answer, request=exported)


@router.get("/monthly", response_model=MonthlyTaxOut, responses=FILE_RESPONSES)
@raises(TaxPeriodInFutureError, TooManyExportsError)
async def tax_monthly(
    request: Request,
    client_id: PathId,
    user: CurrentUser,
    events: EventsDep,
    year: Year = None,
    format: TaxFormat = TaxFormat.JSON,
) -> Response:
    """The monthly apuração of renda variável (IN RFB 1.585/2015): every month of the year up
    to the current one, with its pools (`comum` 15 %, `day_trade` 20 %, `fii` 20 %), the
    R$ 20,000 exemption of stocks, losses carried, IRRF, and the DARF (code 6015) with its due
    date. Foreign-currency assets and crypto are listed as not computed. `format=xlsx` for a
    workbook, `format=pdf` for a PDF in Portuguese with each DARF's fields."""
    return await _answer(
        _MONTHLY,
        request=request,
        client_id=client_id,
        user_id=user.id,
        events=events,
        year=year,
        format=format,
    )


@router.get("/annual", response_model=AnnualTaxOut, responses=FILE_RESPONSES)
@raises(TaxPeriodInFutureError, TooManyExportsError)
async def tax_annual(
    request: Request,
    client_id: PathId,
    user: CurrentUser,
    events: EventsDep,
    year: Year = None,
    format: TaxFormat = TaxFormat.JSON,
) -> Response:
    """What the annual return (DIRPF) asks of renda variável: positions at cost on 31/12 of the
    year before and of the year, by class; exempt income (dividends, FII income, stocks'
    exempt gains, LCI/LCA/CRI/CRA and incentivized debentures redeemed); exclusively taxed
    income (JCP, renda fixa and Tesouro redeemed, net of IOF and income tax); the IRRF left;
    the monthly table. `format=xlsx` for a workbook, `format=pdf` for a PDF in Portuguese."""
    return await _answer(
        _ANNUAL,
        request=request,
        client_id=client_id,
        user_id=user.id,
        events=events,
        year=year,
        format=format,
    )


@reports_router.get("/tax", response_model=TaxDueReportOut, responses=EXPORT_RESPONSES)
@raises(TaxPeriodInFutureError, TooManyExportsError)
async def reports_tax(
    request: Request,
    user: CurrentUser,
    scope: Scope,
    events: EventsDep,
    year: Year = None,
    month: Annotated[
        int | None, Query(ge=1, le=12, description="the month the DARFs are due; current")
    ] = None,
    format: OutputFormat = OutputFormat.JSON,
    dialect: CsvDialect = CsvDialect.STANDARD,
) -> Response:
    """Every client (an advisor: their own) with a DARF (code 6015) due in the month — the
    apuração of the month before —, its amount and due date. `format=csv|xlsx` to export."""
    report = await service.dues(year=year, month=month, scope=scope, events=events)
    if format is OutputFormat.JSON:
        return json_response(report)
    return exports.dues_export(
        report=report,
        request=export_request(
            request, user_id=user.id, export_format=ExportFormat(format.value), dialect=dialect
        ),
    )
