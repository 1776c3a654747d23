"""What each export contains: its columns and where its rows come from."""

from __future__ import annotations

from datetime import date

from fastapi.responses import StreamingResponse

from carteira.allocations.schemas import PerformanceOut, PositionsOut
from carteira.core.exports import Column, ExportRequest, Kind, export_response, iterate
from carteira.pricing.service import MarketData
from carteira.reports import service

CLIENTS = (
    Column("client_id", Kind.INTEGER, 10),
    Column("name", Kind.TEXT, 32),
    Column("email", Kind.TEXT, 32),
    Column("status", Kind.TEXT, 10),
    Column("currency", Kind.TEXT, 9),
    Column("lots", Kind.INTEGER, 8, total=True),
    Column("cost", Kind.DECIMAL, 16),
    Column("market_value", Kind.DECIMAL, 16),
)

INFLOWS = (
    Column("date", Kind.DATE, 12),
    Column("client_id", Kind.INTEGER, 10),
    Column("client", Kind.TEXT, 32),
    Column("ticker", Kind.TEXT, 12),
    Column("currency", Kind.TEXT, 9),
    Column("quantity", Kind.DECIMAL, 16),
    Column("buy_price", Kind.DECIMAL, 16),
    Column("cost", Kind.DECIMAL, 18, total=True),
)

POSITIONS = (
    Column("ticker", Kind.TEXT, 12),
    Column("name", Kind.TEXT, 32),
    Column("currency", Kind.TEXT, 9),
    Column("lots", Kind.INTEGER, 8),
    Column("quantity", Kind.DECIMAL, 16),
    Column("average_cost", Kind.DECIMAL, 16),
    Column("cost", Kind.DECIMAL, 16, total=True),
    Column("price", Kind.DECIMAL, 14),
    Column("daily_change_pct", Kind.PERCENT, 12),
    Column("market_value", Kind.DECIMAL, 16, total=True),
    Column("pnl", Kind.DECIMAL, 16, total=True),
    Column("accumulated_return_pct", Kind.PERCENT, 14),
    Column("weight_pct", Kind.PERCENT, 12),
)

PERFORMANCE = (
    Column("date", Kind.DATE, 12),
    Column("market_value", Kind.DECIMAL, 18),
    Column("invested", Kind.DECIMAL, 18),
    Column("cumulative_twr_pct", Kind.PERCENT, 16),
)


def clients_export(*, market: MarketData, request: ExportRequest) -> StreamingResponse:
    return export_response(
        request=request,
        what="clients",
        columns=CLIENTS,
        rows=lambda: service.client_report_rows(
            market=market, idle_seconds=request.deadline_seconds
        ),
        currency_column="currency",
    )


def inflows_export(
    *, start: date, end: date, currency: str, request: ExportRequest
) -> StreamingResponse:
    return export_response(
        request=request,
        what=f"inflows-{currency.lower()}-{start.isoformat()}-{end.isoformat()}",
        columns=INFLOWS,
        rows=lambda: service.inflow_lot_rows(
            start=start, end=end, currency=currency, idle_seconds=request.deadline_seconds
        ),
        currency_column="currency",
    )


def positions_export(*, positions: PositionsOut, request: ExportRequest) -> StreamingResponse:
    rows = [
        (
            p.ticker,
            p.name,
            p.currency,
            p.lots,
            p.quantity,
            p.average_cost,
            p.cost,
            p.current_price,
            p.daily_change_pct,
            p.market_value,
            p.pnl,
            p.accumulated_return_pct,
            p.weight_pct,
        )
        for p in positions.positions
    ]
    return export_response(
        request=request,
        what=f"client-{positions.client_id}-positions",
        columns=POSITIONS,
        rows=lambda: iterate(rows),
        currency_column="currency",
    )


def performance_export(*, performance: PerformanceOut, request: ExportRequest) -> StreamingResponse:
    rows = [(p.date, p.market_value, p.invested, p.cumulative_twr_pct) for p in performance.series]
    return export_response(
        request=request,
        what=f"client-{performance.client_id}-performance-{performance.currency.lower()}",
        columns=PERFORMANCE,
        rows=lambda: iterate(rows),
    )
