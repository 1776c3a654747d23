"""What each firm-wide export contains: its columns and where its rows come from."""

from __future__ import annotations

from datetime import date

from fastapi.responses import StreamingResponse

from carteira.clients.service import ClientScope
from carteira.core.exports import Column, ExportRequest, Kind, export_response
from carteira.pricing.service import MarketData
from carteira.reports import service

CLIENTS = (
    Column("client_id", Kind.INTEGER, 10),
    Column("name", Kind.TEXT, 32),
    Column("email", Kind.TEXT, 32),
    Column("status", Kind.TEXT, 10),
    Column("currency", Kind.TEXT, 9),
    Column("positions", Kind.INTEGER, 10, total=True),
    Column("cost", Kind.MONEY, 16, total=True),
    Column("market_value", Kind.MONEY, 16, total=True),
)

INFLOWS = (
    Column("date", Kind.DATE, 12),
    Column("client_id", Kind.INTEGER, 10),
    Column("client", Kind.TEXT, 32),
    Column("kind", Kind.TEXT, 11),
    Column("ticker", Kind.TEXT, 12),
    Column("currency", Kind.TEXT, 9),
    Column("inflow", Kind.MONEY, 16, total=True),
    Column("outflow", Kind.MONEY, 16, total=True),
    Column("net", Kind.MONEY, 16, total=True),
    Column("rate", Kind.DECIMAL, 12),
    Column("net_report_currency", Kind.MONEY, 18),
)


def clients_export(
    *, market: MarketData, request: ExportRequest, scope: ClientScope
) -> StreamingResponse:
    return export_response(
        request=request,
        what="clients",
        columns=CLIENTS,
        rows=lambda: service.client_report_rows(
            market=market, idle_seconds=request.deadline_seconds, scope=scope
        ),
        currency_column="currency",
    )


def inflows_export(
    *,
    start: date,
    end: date,
    currency: str | None,
    reporting: str,
    request: ExportRequest,
    scope: ClientScope,
) -> StreamingResponse:
    label = currency.lower() if currency else f"consolidated-{reporting.lower()}"
    return export_response(
        request=request,
        what=f"inflows-{label}-{start.isoformat()}-{end.isoformat()}",
        columns=INFLOWS,
        rows=lambda: service.inflow_entry_rows(
            start=start,
            end=end,
            currency=currency,
            reporting=reporting,
            idle_seconds=request.deadline_seconds,
            scope=scope,
        ),
        currency_column="currency",
    )
