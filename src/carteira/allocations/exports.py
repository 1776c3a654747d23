"""A client's positions and performance as CSV or Excel (the columns and the rows)."""

from __future__ import annotations

from fastapi.responses import StreamingResponse

from carteira.allocations.schemas import PerformanceOut, PositionsOut
from carteira.core.exports import (
    Column,
    ExportRequest,
    ExtraSheet,
    Kind,
    export_response,
    iterate,
)

POSITIONS = (
    Column("ticker", Kind.TEXT, 12),
    Column("name", Kind.TEXT, 32),
    Column("currency", Kind.TEXT, 9),
    Column("quantity", Kind.DECIMAL, 16),
    Column("average_cost", Kind.DECIMAL, 16),
    Column("cost", Kind.MONEY, 16, total=True),
    Column("price", Kind.DECIMAL, 14),
    Column("daily_change_pct", Kind.PERCENT, 12),
    Column("market_value", Kind.MONEY, 16, total=True),
    Column("unrealized_pnl", Kind.MONEY, 16, total=True),
    Column("realized_pnl", Kind.MONEY, 16, total=True),
    Column("income", Kind.MONEY, 16, total=True),
    Column("total_return", Kind.MONEY, 16, total=True),
    Column("weight_pct", Kind.PERCENT, 12),
)

PERFORMANCE = (
    Column("date", Kind.DATE, 12),
    Column("value", Kind.MONEY, 18),
    Column("invested", Kind.MONEY, 18),
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
    """The daily curve with each benchmark's beside it; workbooks add the monthly table."""
    codes = [b.code for b in performance.benchmarks]
    columns = (
        *PERFORMANCE,
        *(Column(f"{code}_cumulative_pct", Kind.PERCENT, 16) for code in codes),
    )
    beside = [b.series for b in performance.benchmarks]
    rows = [
        (p.date, p.value, p.invested, p.cumulative_twr_pct, *(s[i].cumulative_pct for s in beside))
        for i, p in enumerate(performance.series)
    ]
    monthly_columns = (
        Column("month", Kind.TEXT, 10),
        Column("portfolio_pct", Kind.PERCENT, 14),
        *(Column(f"{code}_pct", Kind.PERCENT, 14) for code in codes),
        *((Column("pct_of_cdi", Kind.PERCENT, 12),) if "CDI" in codes else ()),
    )
    monthly = [
        (
            m.month,
            m.portfolio_pct,
            *(m.benchmarks.get(code) for code in codes),
            *((m.pct_of_cdi,) if "CDI" in codes else ()),
        )
        for m in performance.monthly
    ]
    return export_response(
        request=request,
        what=f"client-{performance.client_id}-performance-{performance.currency.lower()}",
        columns=columns,
        rows=lambda: iterate(rows),
        extra_sheets=[ExtraSheet("monthly", monthly_columns, monthly)],
    )
