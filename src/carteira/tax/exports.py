"""The income-tax answers as files: each format a renderer of the answer the JSON gives (a new
format is one more function here and one more `TaxFormat`)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.responses import StreamingResponse

from carteira.core.exports import Column, ExportRequest, ExtraSheet, Kind, Row, rows_export
from carteira.tax.schemas import (
    AnnualTaxOut,
    IncomeOut,
    MonthlyTaxOut,
    NotComputedOut,
    TaxDueReportOut,
    TaxMonthOut,
)

POOLS = (
    Column("month", Kind.TEXT, 9, pt="Mês"),
    Column("category", Kind.TEXT, 11, pt="Categoria"),
    Column("sales", Kind.MONEY, 16, total=True, pt="Vendas"),
    Column("gains", Kind.MONEY, 14, total=True, pt="Ganhos"),
    Column("losses", Kind.MONEY, 14, total=True, pt="Perdas"),
    Column("exempt_gains", Kind.MONEY, 14, total=True, pt="Ganhos isentos"),
    Column("loss_carried_in", Kind.MONEY, 16, pt="Prejuízo a compensar"),
    Column("loss_used", Kind.MONEY, 14, total=True, pt="Prejuízo compensado"),
    Column("taxable", Kind.MONEY, 14, total=True, pt="Base de cálculo"),
    Column("rate_pct", Kind.PERCENT, 9, pt="Alíquota (%)"),
    Column("tax", Kind.MONEY, 12, total=True, pt="Imposto devido"),
    Column("irrf", Kind.MONEY, 12, total=True, pt="IRRF"),
    Column("loss_carried_out", Kind.MONEY, 16, pt="Prejuízo a compensar no fim do mês"),
)

DARFS = (
    Column("month", Kind.TEXT, 9, pt="Mês"),
    Column("code", Kind.TEXT, 8, pt="Código da receita"),
    Column("period", Kind.DATE, 12, pt="Período de apuração"),
    Column("tax_due", Kind.MONEY, 14, total=True, pt="Imposto devido"),
    Column("irrf_deducted", Kind.MONEY, 14, total=True, pt="IRRF deduzido"),
    Column("carried_in", Kind.MONEY, 14, pt="Saldo abaixo do mínimo recebido"),
    Column("amount", Kind.MONEY, 14, total=True, pt="Valor do DARF"),
    Column("due_date", Kind.DATE, 12, pt="Vencimento"),
    Column("carried_under_minimum", Kind.MONEY, 16, pt="Abaixo de R$ 10,00 (a somar)"),
)

NOT_COMPUTED = (
    Column("ticker", Kind.TEXT, 12, pt="Ativo"),
    Column("reason", Kind.TEXT, 14, pt="Motivo"),
    Column("detail", Kind.TEXT, 80, pt="Detalhe"),
)

HOLDINGS = (
    Column("ticker", Kind.TEXT, 12, pt="Ativo"),
    Column("name", Kind.TEXT, 32, pt="Nome"),
    Column("asset_class", Kind.TEXT, 10, pt="Classe"),
    Column("quantity_before", Kind.DECIMAL, 14, pt="Quantidade no ano anterior"),
    Column("average_cost_before", Kind.DECIMAL, 14, pt="Preço médio no ano anterior"),
    Column("cost_before", Kind.MONEY, 16, total=True, pt="Situação no ano anterior (R$)"),
    Column("quantity", Kind.DECIMAL, 14, pt="Quantidade"),
    Column("average_cost", Kind.DECIMAL, 14, pt="Preço médio"),
    Column("cost", Kind.MONEY, 16, total=True, pt="Situação no ano (R$)"),
)

INCOME = (
    Column("kind", Kind.TEXT, 18, pt="Tipo"),
    Column("ticker", Kind.TEXT, 12, pt="Ativo"),
    Column("gross", Kind.MONEY, 14, total=True, pt="Bruto"),
    Column("withheld", Kind.MONEY, 14, total=True, pt="Retido na fonte"),
    Column("net", Kind.MONEY, 14, total=True, pt="Líquido"),
)

DUES = (
    Column("client_id", Kind.INTEGER, 10, pt="Código do cliente"),
    Column("name", Kind.TEXT, 32, pt="Cliente"),
    Column("code", Kind.TEXT, 8, pt="Código da receita"),
    Column("period", Kind.TEXT, 10, pt="Período de apuração"),
    Column("amount", Kind.MONEY, 14, total=True, pt="Valor"),
    Column("due_date", Kind.DATE, 12, pt="Vencimento"),
)


def _pool_rows(months: Sequence[TaxMonthOut]) -> list[Row]:
    return [
        (
            m.month,
            p.category.value,
            p.sales,
            p.gains,
            p.losses,
            p.exempt_gains,
            p.loss_carried_in,
            p.loss_used,
            p.taxable,
            p.rate_pct,
            p.tax,
            p.irrf,
            p.loss_carried_out,
        )
        for m in months
        for p in m.categories
    ]


def _darf_rows(months: Sequence[TaxMonthOut]) -> list[Row]:
    return [
        (
            m.month,
            m.darf.code,
            m.darf.period,
            m.darf.tax_due,
            m.darf.irrf_deducted,
            m.darf.carried_in,
            m.darf.amount,
            m.darf.due_date,
            m.darf.carried_under_minimum,
        )
        for m in months
    ]


def _not_computed_rows(listed: Sequence[NotComputedOut]) -> list[Row]:
    return [(n.ticker, n.reason.value, n.detail) for n in listed]


def _income_rows(lines: Sequence[IncomeOut]) -> list[Row]:
    return [(i.kind, i.ticker, i.gross, i.withheld, i.net) for i in lines]


def monthly_xlsx(*, answer: MonthlyTaxOut, request: ExportRequest) -> StreamingResponse:
    return rows_export(
        request=request,
        what=f"client-{answer.client_id}-tax-monthly-{answer.year}",
        columns=POOLS,
        rows=_pool_rows(answer.months),
        extra_sheets=[
            ExtraSheet("darf", DARFS, _darf_rows(answer.months)),
            ExtraSheet("not_computed", NOT_COMPUTED, _not_computed_rows(answer.not_computed)),
        ],
    )


def annual_xlsx(*, answer: AnnualTaxOut, request: ExportRequest) -> StreamingResponse:
    holdings: list[Row] = [
        (
            h.ticker,
            h.name,
            h.asset_class.value,
            h.quantity_before,
            h.average_cost_before,
            h.cost_before,
            h.quantity,
            h.average_cost,
            h.cost,
        )
        for h in answer.holdings
    ]
    return rows_export(
        request=request,
        what=f"client-{answer.client_id}-tax-annual-{answer.year}",
        columns=HOLDINGS,
        rows=holdings,
        extra_sheets=[
            ExtraSheet("exempt_income", INCOME, _income_rows(answer.exempt_income)),
            ExtraSheet("exclusive_taxation", INCOME, _income_rows(answer.exclusive_taxation)),
            ExtraSheet("monthly", POOLS, _pool_rows(answer.monthly)),
            ExtraSheet("darf", DARFS, _darf_rows(answer.monthly)),
            ExtraSheet("not_computed", NOT_COMPUTED, _not_computed_rows(answer.not_computed)),
        ],
    )


def dues_export(*, report: TaxDueReportOut, request: ExportRequest) -> StreamingResponse:
    return rows_export(
        request=request,
        what=f"tax-darfs-{report.year:04d}-{report.month:02d}",
        columns=DUES,
        rows=[
            (c.client_id, c.name, report.code, c.period, c.amount, c.due_date)
            for c in report.clients
        ],
    )
