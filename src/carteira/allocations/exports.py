"""A client's positions and performance as CSV or Excel (the columns and the rows)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from fastapi.responses import StreamingResponse

from carteira.allocations.schemas import PerformanceOut, PositionsOut
from carteira.core.exports import (
    Column,
    ExportRequest,
    ExtraSheet,
    Kind,
    Row,
    export_response,
    rows_export,
)

POSITIONS = (
    Column("ticker", Kind.TEXT, 12, pt="Ativo"),
    Column("name", Kind.TEXT, 32, pt="Nome"),
    Column("currency", Kind.TEXT, 9, pt="Moeda"),
    Column("quantity", Kind.DECIMAL, 16, pt="Quantidade"),
    Column("average_cost", Kind.DECIMAL, 16, pt="Preço médio"),
    Column("cost", Kind.MONEY, 16, total=True, pt="Custo"),
    Column("price", Kind.DECIMAL, 14, pt="Cotação"),
    Column("daily_change_pct", Kind.PERCENT, 12, pt="Variação no dia (%)"),
    Column("market_value", Kind.MONEY, 16, total=True, pt="Valor de mercado"),
    Column("unrealized_pnl", Kind.MONEY, 16, total=True, pt="Resultado não realizado"),
    Column("realized_pnl", Kind.MONEY, 16, total=True, pt="Resultado realizado"),
    Column("income", Kind.MONEY, 16, total=True, pt="Proventos"),
    Column("total_return", Kind.MONEY, 16, total=True, pt="Retorno total"),
    Column("weight_pct", Kind.PERCENT, 12, pt="Peso (%)"),
    Column("asset_class", Kind.TEXT, 14, pt="Classe"),
    Column("gross_value", Kind.MONEY, 16, total=True, pt="Valor bruto"),
    Column("iof", Kind.MONEY, 12, total=True, pt="IOF"),
    Column("income_tax", Kind.MONEY, 14, total=True, pt="IR"),
    Column("net_value", Kind.MONEY, 16, total=True, pt="Valor líquido"),
)

PERFORMANCE = (
    Column("date", Kind.DATE, 12, pt="Data"),
    Column("value", Kind.MONEY, 18, pt="Patrimônio"),
    Column("invested", Kind.MONEY, 18, pt="Aportes líquidos"),
    Column("cumulative_twr_pct", Kind.PERCENT, 16, pt="Rentabilidade acumulada (%)"),
)


# The ledger as entered (figures at their own precision, exact): what `carteira_csv` imports.
LEDGER = (
    Column("date", Kind.DATE, 12, pt="Data"),
    Column("kind", Kind.TEXT, 12, pt="Tipo"),
    Column("ticker", Kind.TEXT, 14, pt="Ativo"),
    Column("quantity", Kind.DECIMAL, 16, pt="Quantidade"),
    Column("price", Kind.DECIMAL, 14, pt="Preço"),
    Column("amount", Kind.DECIMAL, 16, pt="Valor"),
    Column("fees", Kind.DECIMAL, 12, pt="Taxas"),
    Column("tax", Kind.DECIMAL, 12, pt="Imposto"),
    Column("ratio", Kind.TEXT, 10, pt="Proporção"),
    Column("currency", Kind.TEXT, 9, pt="Moeda"),
    Column("settlement", Kind.TEXT, 11, pt="Liquidação"),
    Column("source", Kind.TEXT, 10, pt="Origem"),
    Column("note", Kind.TEXT, 32, pt="Nota"),
    Column("id", Kind.INTEGER, 10, pt="Id"),
)


def ledger_export(
    *, client_id: int, rows: Callable[[], AsyncIterator[Row]], request: ExportRequest
) -> StreamingResponse:
    """The client's entries, oldest first, in the `LEDGER` columns."""
    return export_response(
        request=request, what=f"client-{client_id}-transactions", columns=LEDGER, rows=rows
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
            p.asset_class.value,
            p.gross_value,
            p.iof,
            p.income_tax,
            p.net_value,
        )
        for p in positions.positions
    ]
    return rows_export(
        request=request,
        what=f"client-{positions.client_id}-positions",
        columns=POSITIONS,
        rows=rows,
        currency_column="currency",
    )


def performance_export(*, performance: PerformanceOut, request: ExportRequest) -> StreamingResponse:
    """The daily curve with each benchmark's beside it; workbooks add the monthly table."""
    codes = [b.code for b in performance.benchmarks]
    columns = (
        *PERFORMANCE,
        *(
            Column(f"{code}_cumulative_pct", Kind.PERCENT, 16, pt=f"{code} acumulado (%)")
            for code in codes
        ),
    )
    beside = [b.series for b in performance.benchmarks]
    rows = [
        (p.date, p.value, p.invested, p.cumulative_twr_pct, *(s[i].cumulative_pct for s in beside))
        for i, p in enumerate(performance.series)
    ]
    monthly_columns = (
        Column("month", Kind.TEXT, 10, pt="Mês"),
        Column("portfolio_pct", Kind.PERCENT, 14, pt="Carteira (%)"),
        *(Column(f"{code}_pct", Kind.PERCENT, 14, pt=f"{code} (%)") for code in codes),
        *((Column("pct_of_cdi", Kind.PERCENT, 12, pt="% do CDI"),) if "CDI" in codes else ()),
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
    return rows_export(
        request=request,
        what=f"client-{performance.client_id}-performance-{performance.currency.lower()}",
        columns=columns,
        rows=rows,
        extra_sheets=[ExtraSheet("monthly", monthly_columns, monthly)],
    )
