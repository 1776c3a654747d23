"""What the income-tax endpoints answer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from carteira.allocations.service import SaleCategory
from carteira.assets.schemas import AssetClass
from carteira.core.types import DecimalStr, Money
from carteira.tax.classes import Outside


class TaxFormat(StrEnum):
    """`?format=` of a client's tax answers: each format is one renderer (tax/exports.py,
    tax/pdf.py)."""

    JSON = "json"
    XLSX = "xlsx"
    PDF = "pdf"


class PoolMonthOut(BaseModel):
    """One pool (`comum`, `day_trade`, `fii`) in one month."""

    category: SaleCategory
    sales: Money = Field(description="the value of the month's sales (valor das alienações)")
    gains: Money = Field(description="the gains of the sales that gained")
    losses: Money = Field(description="the losses of the sales that lost")
    exempt_gains: Money = Field(
        description="stocks' swing gains of a month whose stock sales total R$ 20,000.00 or"
        " less (comum only): exempt"
    )
    loss_carried_in: Money = Field(description="losses of earlier months still to offset")
    loss_used: Money
    taxable: Money = Field(description="gains - losses - exempt_gains - loss_used, when positive")
    rate_pct: float
    tax: Money
    irrf: Money = Field(description="withheld at source on the month's sales of this pool")
    loss_carried_out: Money


class DarfOut(BaseModel):
    """The month's DARF: what the pools owe less the IRRF to deduct (this month's, and what
    earlier months of the year left), plus totals under R$ 10.00 carried from before."""

    code: str = Field(description="código da receita", examples=["6015"])
    period: date = Field(description="período de apuração: the month's last day")
    tax_due: Money
    irrf_deducted: Money
    carried_in: Money = Field(description="earlier months' totals under R$ 10.00, added here")
    amount: Money = Field(description="to pay; 0 when the total is under R$ 10.00")
    due_date: date | None = Field(
        description="the last business day of the next month (national banking days); null"
        " when nothing is paid"
    )
    carried_under_minimum: Money = Field(
        description="a total under R$ 10.00, carried to the next month (Lei 9.430/1996, art. 68)"
    )


class TaxMonthOut(BaseModel):
    month: str = Field(description="YYYY-MM", examples=["2026-03"])
    categories: list[PoolMonthOut]
    darf: DarfOut


class NotComputedOut(BaseModel):
    """An asset whose sales, income or holdings are left out, and why (never taxed by a rule
    that is not theirs)."""

    asset_id: int
    ticker: str
    reason: Outside
    detail: str


class TaxNoteOut(BaseModel):
    code: str
    detail: str
    tickers: list[str] = Field(default_factory=list)


class MonthlyTaxOut(BaseModel):
    """The monthly apuração of renda variável (IN RFB 1.585/2015): every month of the year up
    to the current one, every pool in each."""

    client_id: int
    year: int
    months: list[TaxMonthOut]
    irrf_left: Money = Field(
        description="IRRF withheld in the year and not deducted by its last month: the DIRPF"
        " claims it"
    )
    not_computed: list[NotComputedOut]
    notes: list[TaxNoteOut]


class HoldingOut(BaseModel):
    """A position at cost on 31/12 of the year before and of the year (bens e direitos)."""

    asset_id: int
    ticker: str
    name: str
    asset_class: AssetClass
    quantity_before: DecimalStr
    average_cost_before: DecimalStr | None
    cost_before: Money
    quantity: DecimalStr
    average_cost: DecimalStr | None
    cost: Money


class ClassTotalOut(BaseModel):
    asset_class: AssetClass
    cost_before: Money
    cost: Money


class IncomeOut(BaseModel):
    """Income of the year by kind and source: gross, withheld at source and net."""

    kind: Literal[
        "dividends",
        "fii_income",
        "exempt_stock_gains",
        "fixed_income_exempt",
        "jcp",
        "fixed_income",
    ] = Field(
        description="`fixed_income_exempt`: LCI, LCA, CRI, CRA and incentivized debentures"
        " redeemed in the year (proceeds less cost); `fixed_income`: the other renda fixa and"
        " Tesouro redeemed, taxed at source by the regressive table"
    )
    asset_id: int | None
    ticker: str | None
    gross: Money = Field(description="for renda fixa: the yield, proceeds less cost")
    iof: Money = Field(
        default=Decimal(0),
        description="IOF on a yield redeemed within 30 days (Decreto 6.306/2007)",
    )
    withheld: Money = Field(description="income tax withheld at source")
    net: Money = Field(description="gross - iof - withheld")


class AnnualTaxOut(BaseModel):
    """What the annual return (DIRPF) asks of renda variável."""

    client_id: int
    year: int
    holdings_dates: tuple[date, date] = Field(
        description="31/12 of the year before, and of the year"
    )
    holdings: list[HoldingOut]
    holdings_by_class: list[ClassTotalOut]
    exempt_income: list[IncomeOut] = Field(
        description="rendimentos isentos: dividends, FII income, stocks' exempt gains, LCI/LCA/"
        "CRI/CRA (and incentivized debentures) redeemed"
    )
    exempt_income_total: Money
    exclusive_taxation: list[IncomeOut] = Field(
        description="rendimentos sujeitos à tributação exclusiva: JCP, renda fixa and Tesouro"
        " redeemed (net is what is declared)"
    )
    exclusive_taxation_total: Money = Field(description="net")
    irrf_left: Money = Field(description="IRRF of the year's sales not deducted: claimed here")
    monthly: list[TaxMonthOut]
    not_computed: list[NotComputedOut]
    notes: list[TaxNoteOut]


class TaxDueOut(BaseModel):
    client_id: int
    name: str
    period: str = Field(description="the month of the apuração, YYYY-MM")
    amount: Money
    due_date: date


class TaxDueReportOut(BaseModel):
    """Every visible client with a DARF (code 6015) due in the month."""

    year: int
    month: int
    period: str = Field(description="the apuração the DARFs pay: the month before, YYYY-MM")
    due_date: date
    code: str
    count: int
    total: Money
    clients: list[TaxDueOut]
