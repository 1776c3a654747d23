"""What each firm-wide export contains: its columns and where its rows come from."""

from __future__ import annotations

from datetime import date

from fastapi.responses import StreamingResponse

from carteira.clients.service import ClientScope
from carteira.core.exports import Column, ExportRequest, Kind, export_response
from carteira.pricing.service import MarketData
from carteira.reports import service

CLIENTS = (
    Column("client_id", Kind.INTEGER, 10, pt="Código do cliente"),
    Column("name", Kind.TEXT, 32, pt="Nome"),
    Column("email", Kind.TEXT, 32, pt="E-mail"),
    Column("status", Kind.TEXT, 10, pt="Situação"),
    Column("currency", Kind.TEXT, 9, pt="Moeda"),
    Column("positions", Kind.INTEGER, 10, total=True, pt="Posições"),
    Column("cost", Kind.MONEY, 16, total=True, pt="Custo"),
    Column("market_value", Kind.MONEY, 16, total=True, pt="Valor de mercado"),
)

INFLOWS = (
    Column("date", Kind.DATE, 12, pt="Data"),
    Column("client_id", Kind.INTEGER, 10, pt="Código do cliente"),
    Column("client", Kind.TEXT, 32, pt="Cliente"),
    Column("kind", Kind.TEXT, 11, pt="Tipo"),
    Column("ticker", Kind.TEXT, 12, pt="Ativo"),
    Column("currency", Kind.TEXT, 9, pt="Moeda"),
    Column("inflow", Kind.MONEY, 16, total=True, pt="Entrada"),
    Column("outflow", Kind.MONEY, 16, total=True, pt="Saída"),
    Column("net", Kind.MONEY, 16, total=True, pt="Líquido"),
    Column("rate", Kind.DECIMAL, 12, pt="Câmbio"),
    Column("net_report_currency", Kind.MONEY, 18, pt="Líquido na moeda do relatório"),
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
