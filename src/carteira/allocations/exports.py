"""A client's positions and performance as CSV or Excel (the columns and the rows)."""

from __future__ import annotations

from fastapi.responses import StreamingResponse

from carteira.allocations.schemas import PerformanceOut, PositionsOut
from carteira.core.exports import Column, ExportRequest, Kind, export_response, iterate

POSITIONS = (
    Column("ticker", Kind.TEXT, 12),
    Column("name", Kind.TEXT, 32),
    Column("currency", Kind.TEXT, 9),
    Column("quantity", Kind.DECIMAL, 16),
    Column("average_cost", Kind.DECIMAL, 16),
    Column("cost", Kind.DECIMAL, 16, total=True),
    Column("price", Kind.DECIMAL, 14),
    Column("daily_change_pct", Kind.PERCENT, 12),
    Column("market_value", Kind.DECIMAL, 16, total=True),
    Column("unrealized_pnl", Kind.DECIMAL, 16, total=True),
    Column("realized_pnl", Kind.DECIMAL, 16, total=True),
    Column("income", Kind.DECIMAL, 16, total=True),
    Column("total_return", Kind.DECIMAL, 16, total=True),
    Column("weight_pct", Kind.PERCENT, 12),
)

PERFORMANCE = (
    Column("date", Kind.DATE, 12),
    Column("value", Kind.DECIMAL, 18),
    Column("invested", Kind.DECIMAL, 18),
    Column("cumulative_twr_pct", Kind.PERCENT, 16),
)


def positions_export(*, positions: PositionsOut, request: ExportRequest) -> StreamingResponse:
    rows = [
        (
            p.ticker,
            p.name,
            p.currency,
            p.quantity,
            p.average_cost,
            p.cost,
            p.current_price,
            p.daily_change_pct,
            p.market_value,
            p.unrealized_pnl,
            p.realized_pnl,
            p.income,
            p.total_return,
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
    rows = [(p.date, p.value, p.invested, p.cumulative_twr_pct) for p in performance.series]
    return export_response(
        request=request,
        what=f"client-{performance.client_id}-performance-{performance.currency.lower()}",
        columns=PERFORMANCE,
        rows=lambda: iterate(rows),
    )
