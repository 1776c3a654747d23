"""What the ledger endpoints read and write."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from carteira.allocations import examples
from carteira.allocations.ledger import Kind as Kind  # published: imports name entry kinds
from carteira.allocations.ledger import Settlement
from carteira.allocations.models import Source
from carteira.allocations.realized import SaleCategory
from carteira.allocations.returns import XirrNoteCode
from carteira.allocations.withholding import jcp_rate
from carteira.assets.schemas import AssetClass, Ticker
from carteira.benchmarks.schemas import BenchmarkNote
from carteira.clients import schemas as clients_schemas
from carteira.core import clock
from carteira.core.pagination import Page
from carteira.core.types import (
    EARLIEST_DATE,
    CurrencyCode,
    DecimalStr,
    Id,
    Money,
    PositiveAmount,
)
from carteira.core.validators import invalid
from carteira.pricing.instruments import AssetType

# ---- input ----------------------------------------------------------------------------------


def _plausible_date(value: date) -> date:
    # The firm's date: from 21:00 in São Paulo, UTC already says tomorrow.
    if value > clock.today():
        raise invalid("date_in_future", "the date cannot be in the future")
    if value < EARLIEST_DATE:
        raise invalid(
            "date_too_early", "the date cannot be before {earliest}", earliest=str(EARLIEST_DATE)
        )
    return value


TradeDate = Annotated[date, AfterValidator(_plausible_date)]
NonNegativeAmount = Annotated[
    Decimal, Field(ge=0, max_digits=24, decimal_places=8, allow_inf_nan=False)
]
Note = Annotated[str, StringConstraints(max_length=500)]
RATIO = r"^\s*\d{1,12}(\.\d{1,8})?\s*:\s*\d{1,12}(\.\d{1,8})?\s*$"


def _positive_ratio(value: str) -> str:
    new, old = (Decimal(part) for part in value.split(":"))
    if new <= 0 or old <= 0:
        raise invalid(
            "ratio_not_positive", 'both sides of a ratio must be positive, e.g. "2:1" or "1:10"'
        )
    return f"{new.normalize():f}:{old.normalize():f}"


Ratio = Annotated[
    str,
    StringConstraints(pattern=RATIO),
    AfterValidator(_positive_ratio),
    Field(description='new shares for old ones: "2:1" doubles, "1:10" groups ten into one'),
]


def parse_ratio(ratio: str) -> tuple[Decimal, Decimal]:
    new, old = ratio.split(":")
    return Decimal(new), Decimal(old)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: TradeDate
    note: Note | None = None


class _AssetRef(_Input):
    asset_id: Id | None = None
    ticker: Ticker | None = None

    @model_validator(mode="after")
    def _one_asset_reference(self) -> Self:
        if (self.asset_id is None) == (self.ticker is None):
            raise invalid("asset_reference_missing", "give exactly one of asset_id or ticker")
        return self


class _OptionalAssetRef(_Input):
    asset_id: Id | None = None
    ticker: Ticker | None = None

    @model_validator(mode="after")
    def _at_most_one_asset_reference(self) -> Self:
        if self.asset_id is not None and self.ticker is not None:
            raise invalid("asset_reference_twice", "give at most one of asset_id or ticker")
        return self


class TradeIn(_AssetRef):
    """`quantity` at `price`, or an `amount` of money: the quantity is the amount over the unit
    price (`price`, else the asset's close of the date). `external` (default): the money came
    from, or went to, outside the portfolio (net new money); `cash`: it used or fed the
    client's cash balance."""

    kind: Literal["buy", "sell"]
    quantity: PositiveAmount | None = None
    price: PositiveAmount | None = Field(
        None, description="the unit price; with `amount`, default the asset's close of the date"
    )
    amount: PositiveAmount | None = Field(
        None, description="instead of `quantity`: the money bought or sold for"
    )
    fees: NonNegativeAmount = Decimal(0)
    settlement: Settlement = Settlement.EXTERNAL

    @model_validator(mode="after")
    def _quantity_or_amount(self) -> Self:
        if (self.quantity is None) == (self.amount is None):
            raise invalid("quantity_or_amount", "give exactly one of quantity or amount")
        if self.quantity is not None and self.price is None:
            raise invalid("price_missing", "a quantity needs its price")
        return self


class ProventoIn(_AssetRef):
    """A dividend or JCP: the gross amount; `tax` withheld (JCP: unless given, the rate in
    force on its date: 15 % until 2025-12-31, 17.5 % from 2026-01-01)."""

    kind: Literal["dividend", "jcp"]
    amount: PositiveAmount
    tax: NonNegativeAmount | None = None

    @model_validator(mode="after")
    def _withholding(self) -> Self:
        if self.tax is None:
            self.tax = (
                (self.amount * jcp_rate(self.date)).quantize(Decimal("0.01"))
                if self.kind == "jcp"
                else Decimal(0)
            )
        if self.tax > self.amount:
            raise invalid("tax_exceeds_amount", "tax cannot exceed the amount")
        return self


class InterestIn(_OptionalAssetRef):
    kind: Literal["interest"]
    amount: PositiveAmount
    tax: NonNegativeAmount = Decimal(0)
    currency: CurrencyCode | None = Field(
        None, description="without an asset; default REPORTING_CURRENCY"
    )


class CostIn(_OptionalAssetRef):
    kind: Literal["fee", "tax"]
    amount: PositiveAmount
    currency: CurrencyCode | None = Field(
        None, description="without an asset; default REPORTING_CURRENCY"
    )


class SplitIn(_AssetRef):
    kind: Literal["split"]
    ratio: Ratio


class BonusIn(_AssetRef):
    """Bonificação: shares received; `amount` is the cost attributed to them."""

    kind: Literal["bonus"]
    quantity: PositiveAmount
    amount: NonNegativeAmount = Decimal(0)


class CashIn(_Input):
    kind: Literal["deposit", "withdrawal"]
    amount: PositiveAmount
    currency: CurrencyCode | None = Field(None, description="default REPORTING_CURRENCY")


TransactionIn = Annotated[
    TradeIn | ProventoIn | InterestIn | CostIn | SplitIn | BonusIn | CashIn,
    Field(discriminator="kind"),
]
MODELS_BY_KIND: dict[Kind, type[_Input]] = {
    Kind.BUY: TradeIn,
    Kind.SELL: TradeIn,
    Kind.DIVIDEND: ProventoIn,
    Kind.JCP: ProventoIn,
    Kind.INTEREST: InterestIn,
    Kind.FEE: CostIn,
    Kind.TAX: CostIn,
    Kind.SPLIT: SplitIn,
    Kind.BONUS: BonusIn,
    Kind.DEPOSIT: CashIn,
    Kind.WITHDRAWAL: CashIn,
}


class TransactionPatch(BaseModel):
    """Only the fields sent change; the result must still be a valid entry of its kind (the
    kind and the asset are fixed: delete and record anew to change them)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: TradeDate | None = None
    quantity: PositiveAmount | None = None
    price: PositiveAmount | None = None
    amount: PositiveAmount | None = None
    fees: NonNegativeAmount | None = None
    tax: NonNegativeAmount | None = None
    ratio: Ratio | None = None
    settlement: Settlement | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for name in self.model_fields_set - {"note"}:
            if getattr(self, name) is None:
                raise invalid("field_null", "{field} cannot be null", field=name)
        return self


class TransactionQuery(BaseModel):
    kind: Kind | None = None
    asset_id: Id | None = None
    needs_review: bool | None = Field(
        None, description="only the edited provider entries whose provider figure moved"
    )
    start: date | None = None
    end: date | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=100)


# ---- output --------------------------------------------------------------------------------


class TransactionOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.TRANSACTION]})

    id: int
    client_id: int
    kind: Kind
    date: date
    asset_id: int | None
    ticker: str | None
    asset_name: str | None
    currency: str
    quantity: DecimalStr | None
    price: DecimalStr | None
    amount: DecimalStr | None
    fees: DecimalStr
    tax: DecimalStr
    ratio: str | None
    settlement: Settlement
    source: Source
    external_ref: str | None
    edited: bool = Field(description="a provider-made entry whose figures a user changed")
    needs_review: bool = Field(
        description="edited by a user, and the provider's figure (`provider_amount`) has moved"
        " away from theirs since: accept it with POST .../accept-provider"
    )
    provider_amount: DecimalStr | None = Field(
        description="a provider-made entry's figure from the ledger as it stands: a dividend's"
        " amount, a redemption's (a `sell` at maturity) quantity; 0 when nothing was held the"
        " day before its ex date (accepting removes it)"
    )
    note: str | None
    created_at: datetime
    updated_at: datetime


TransactionPage = Page[TransactionOut]


class ProviderChangeOut(BaseModel):
    """A provider-made entry a write changed: `created`, `updated` (its amount follows the
    quantity held the day before its ex date), `removed` (nothing held, or a hand entry of the
    same asset and date supersedes it), or, for one a user edited, `flagged` (the provider's
    figure, `new_amount`, differs from theirs, `old_amount`, which is kept) and `refigured`
    (the provider's figure moved and agrees with theirs). For a redemption at maturity (a
    `sell`) the amounts are its quantity."""

    id: int
    change: Literal["created", "updated", "removed", "flagged", "refigured"]
    kind: Kind
    date: date
    asset_id: int
    old_amount: DecimalStr | None
    new_amount: DecimalStr | None
    needs_review: bool


class TransactionWritten(TransactionOut):
    """The entry as written, and what the write did to the provider-made entries."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.TRANSACTION_WRITTEN]})

    provider_changes: list[ProviderChangeOut]


class LedgerWriteOut(BaseModel):
    """A write that leaves no entry to show (a deletion, an accepted removal): which entry,
    and what the write did to the provider-made entries."""

    id: int
    provider_changes: list[ProviderChangeOut]


# ---- the client list, with each client's figures ---------------------------------------------

FigureSort = Literal["aum", "-aum", "month_return", "-month_return"]


class ClientListQuery(clients_schemas.ClientFilters):
    """`GET /clients`: the clients' own filters and sorts, plus their figures."""

    sort: clients_schemas.ClientSort | FigureSort = Field(
        "name",
        description="aum / month_return (`-` for largest first) sort every matching client by"
        " that figure, clients without one last",
    )
    figures: bool = Field(
        False, description="add `aum` and `month_return_pct` to each client (a figure sort does)"
    )


class ClientListed(clients_schemas.ClientOut):
    aum: Money | None = Field(
        description="positions at market plus cash, in the page's `currency`, as the client's"
        " positions total it (null: a price or an exchange rate is missing)"
    )
    month_return_pct: float | None = Field(
        description="the month's time-weighted return, as the client's performance `periods.month`"
    )


class ClientFiguresPage(Page[ClientListed]):
    currency: str = Field(description="the currency of every `aum`")


# -- compatibility: allocations are buy transactions, listed as their open lots ---------------


class AllocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    asset_id: Id | None = None
    ticker: Ticker | None = None
    quantity: PositiveAmount
    buy_price: PositiveAmount
    buy_date: TradeDate

    @model_validator(mode="after")
    def _one_asset_reference(self) -> Self:
        if (self.asset_id is None) == (self.ticker is None):
            raise invalid("asset_reference_missing", "give exactly one of asset_id or ticker")
        return self


class AllocationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: PositiveAmount | None = None
    buy_price: PositiveAmount | None = None
    buy_date: TradeDate | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for field in self.model_fields_set:
            if getattr(self, field) is None:
                raise invalid("field_null", "{field} cannot be null", field=field)
        return self


class AllocationOut(BaseModel):
    """An open lot: what remains of a purchase (first in, first out), on today's split basis."""

    id: int
    client_id: int
    asset_id: int
    ticker: str
    asset_name: str
    currency: str
    quantity: DecimalStr
    buy_price: DecimalStr
    buy_date: date
    cost: Money
    current_price: DecimalStr | None = None
    daily_change_pct: float | None = None
    market_value: Money | None = None
    pnl: Money | None = None
    accumulated_return_pct: float | None = None
    created_at: datetime
    updated_at: datetime


class AllocationPage(Page[AllocationOut]):
    prices_unavailable: bool = False


# -- positions --------------------------------------------------------------------------------


class PositionOut(BaseModel):
    """Per asset. `weight_pct`: the position's share of the client's consolidated patrimônio
    (every currency at today's rate, cash included)."""

    asset_id: int
    ticker: str
    name: str
    currency: str
    asset_type: AssetType
    lots: int
    quantity: DecimalStr
    average_cost: DecimalStr | None = Field(description="preço médio, fees included")
    cost: Money = Field(description="quantity x average cost")
    current_price: DecimalStr | None = None
    daily_change_pct: float | None = None
    market_value: Money | None = None
    unrealized_pnl: Money | None = None
    realized_pnl: Money
    income: Money = Field(description="dividends, JCP and interest, net of withheld tax")
    total_return: Money | None = Field(None, description="unrealized + realized + income")
    weight_pct: float | None = None
    fx_rate: DecimalStr | None = Field(
        None, description="today's rate into the reporting currency (1 for that currency)"
    )
    market_value_reporting: Money | None = Field(
        None, description="the market value in the reporting currency, at `fx_rate`"
    )
    asset_class: AssetClass = Field(description="how the office groups money")
    price_as_of: datetime | None = Field(
        None,
        description="when the price is of (a fund's quota: the date CVM published it for)",
    )
    price_stale: bool = Field(
        False,
        description="the price is the last known one: its source failed or is behind",
    )
    gross_value: Money | None = Field(
        None,
        description="renda fixa, Tesouro and funds: the value at market, before taxes",
    )
    iof: Money | None = Field(
        None,
        description="renda fixa and Tesouro: the IOF a redemption today would pay (lots held"
        " under 30 days, Decreto 6.306/2007's table on their yield); 0 when exempt",
    )
    income_tax: Money | None = Field(
        None,
        description="renda fixa and Tesouro: the income tax a redemption today would withhold"
        " (each lot's yield net of IOF at 22.5/20/17.5/15 % by days held); 0 when exempt",
    )
    net_value: Money | None = Field(
        None, description="renda fixa and Tesouro: gross value - IOF - income tax"
    )


class ClassTotal(BaseModel):
    """A class of assets (cash is `caixa`), in the reporting currency at today's rates."""

    asset_class: AssetClass
    market_value: Money | None = Field(description="null when a price or rate is missing")
    weight_pct: float | None = Field(description="its share of the consolidated patrimônio")


class PositionsNote(BaseModel):
    code: Literal["come_cotas_not_modelled"]
    detail: str


class CashOut(BaseModel):
    currency: str
    balance: Money = Field(description="may be negative (shown as such)")


class CurrencyTotals(BaseModel):
    currency: str
    cost: Money
    market_value: Money | None = None
    cash: Money
    value: Money | None = Field(None, description="market value + cash: gross of taxes")
    unrealized_pnl: Money | None = None
    realized_pnl: Money
    income: Money
    total_return: Money | None = None
    iof: Money = Field(description="what redeeming the renda fixa today would pay in IOF")
    income_tax: Money = Field(description="... and in income tax")
    net_value: Money | None = Field(None, description="value - IOF - income tax")


class ConsolidatedTotals(BaseModel):
    """Everything in the reporting currency at today's rates (null when a rate is missing)."""

    currency: str
    market_value: Money | None
    cash: Money | None
    value: Money | None = Field(description="market value + cash: gross of taxes")
    iof: Money | None = None
    income_tax: Money | None = None
    net_value: Money | None = Field(None, description="value - IOF - income tax")
    fx_rates: dict[str, DecimalStr] = Field(description="currency -> rate used")
    fx_missing: list[str] = Field(description="currencies without a rate: nothing invented")
    fx_stale: bool = Field(description="a rate is the last known one (the provider failed)")


class PositionsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.POSITIONS]})

    client_id: int
    positions: list[PositionOut]
    cash: list[CashOut]
    totals: list[CurrencyTotals] = Field(description="per currency: amounts are never added up")
    consolidated: ConsolidatedTotals
    by_class: list[ClassTotal] = Field(
        default=[], description="the consolidated patrimônio per asset class, cash as `caixa`"
    )
    prices_unavailable: bool = False
    prices_stale: list[str] = Field(
        default=[], description="the tickers valued at their last known price (`price_stale`)"
    )
    notes: list[PositionsNote] = Field(
        default=[],
        description="what the figures leave out: a fund's come-cotas (the semiannual income"
        " tax on funds) is not modelled, so a fund shows its gross value only",
    )


# -- realized ---------------------------------------------------------------------------------


class RealizedSale(BaseModel):
    """A sale, or one part of it: a sale on a day the asset was also bought is a day trade
    for the day's smaller quantity (IN RFB 1.585/2015, art. 65), split from the rest in the
    day's proportion; that part costs the day's average purchase cost, the rest the preço
    médio."""

    transaction_id: int
    date: date
    asset_id: int
    ticker: str
    asset_type: AssetType
    currency: str
    day_trade: bool
    category: SaleCategory | None = Field(
        description="the pool of the monthly income-tax apuração: `comum` (swing trade),"
        " `day_trade` or `fii` (every FII/Fiagro sale); null outside it (foreign-currency"
        " assets, crypto)"
    )
    quantity: DecimalStr
    sale_value: Money = Field(description="quantity x price (valor de alienação)")
    proceeds: Money = Field(description="quantity x price - fees")
    cost: Money = Field(
        description="quantity x average cost at the sale (a day trade: the day's average"
        " purchase cost, fees included)"
    )
    gain: Money


class RealizedSum(BaseModel):
    currency: str
    sales: int
    sale_value: Money
    proceeds: Money
    cost: Money
    gain: Money


class RealizedMonth(RealizedSum):
    month: str = Field(description="YYYY-MM")


class RealizedByType(RealizedSum):
    asset_type: AssetType


class RealizedByCategory(RealizedSum):
    category: SaleCategory


class RealizedOut(BaseModel):
    client_id: int
    start: date | None
    end: date | None
    sales: list[RealizedSale]
    by_month: list[RealizedMonth]
    by_asset_type: list[RealizedByType]
    by_category: list[RealizedByCategory]


# -- performance ------------------------------------------------------------------------------


class PerformancePoint(BaseModel):
    date: date
    value: Money | None = Field(description="positions at market + cash; null without prices")
    invested: Money | None = Field(
        description="net new money up to this day; null once a flow had no exchange rate"
    )
    cumulative_twr_pct: float | None


class PerformanceTotals(BaseModel):
    market_value: Money | None = Field(description="positions at market")
    cash: Money | None
    value: Money | None = Field(description="market value + cash")
    cost: Money = Field(description="cost basis of the open positions")
    invested: Money | None = Field(
        description="net new money: inflows - outflows; null when a flow had no exchange rate"
    )
    pnl: Money | None = Field(description="value - invested: capital_gain + income")
    income: Money | None = Field(
        None, description="proventos and interest received, net of withheld tax"
    )
    capital_gain: Money | None = Field(None, description="pnl - income")
    accumulated_return_pct: float | None = None
    day_change: Money | None
    day_change_pct: float | None = None
    fx_rates: dict[str, DecimalStr] = Field(
        default_factory=dict, description="today's rate of each currency into the reporting one"
    )


class FxGap(BaseModel):
    """A currency without an exchange rate into the reporting one on these dates."""

    currency: str
    start: date
    end: date


class PriceGap(BaseModel):
    """A holding without any price (no stored close on or before these days, no quote)."""

    ticker: str
    start: date
    end: date


PeriodName = Literal["month", "ytd", "12m", "inception"]


class BenchmarkPoint(BaseModel):
    date: date
    cumulative_pct: float | None


class BenchmarkResult(BaseModel):
    """A benchmark over the portfolio's days, measured from the same base."""

    code: str
    name: str
    source: str = Field(description="bcb | yahoo | simulated | asset")
    currency: str
    available: bool = Field(description="false: no value for this period (see notes)")
    twr_pct: float | None = Field(description="accumulated over the portfolio's span")
    periods: dict[PeriodName, float | None]
    series: list[BenchmarkPoint] = Field(description="on the portfolio's dates")
    notes: list[BenchmarkNote] = Field(default_factory=list)


class MonthlyReturn(BaseModel):
    """One row of the month x year table of an advisory statement."""

    month: str = Field(description="YYYY-MM", examples=["2026-03"])
    portfolio_pct: float | None
    benchmarks: dict[str, float | None] = Field(default_factory=dict)
    pct_of_cdi: float | None = Field(None, description="when CDI is asked for")


class YearlyReturn(BaseModel):
    """The total row of a year in the month x year table."""

    year: int
    portfolio_pct: float | None
    benchmarks: dict[str, float | None] = Field(default_factory=dict)
    pct_of_cdi: float | None = Field(None, description="when CDI is asked for")


class IncomeFigures(BaseModel):
    """Proventos and interest received in a period, in the answer's currency."""

    gross: Money | None
    withheld: Money | None = Field(description="tax withheld at source (IRRF)")
    net: Money | None


class PerformanceOut(BaseModel):
    """Returns are in percent. Consolidated in the reporting currency, or one currency
    unconverted (`currency=`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.PERFORMANCE]})

    client_id: int
    currency: str = Field(description="the currency of every amount")
    consolidated: bool = Field(description="every holding, converted at each day's rate")
    currencies: list[str]
    start: date
    end: date
    as_of: date | None = Field(
        None,
        description="the last close the curve, the periods and the benchmarks use (null: no"
        " close yet); `totals` are live",
    )
    totals: PerformanceTotals
    xirr_pct: float | None = Field(description="annualized, money-weighted (ACT/365)")
    xirr_period_pct: float | None = Field(None, description="the same, not annualized")
    xirr_note: str | None = Field(description="why xirr_pct is null, when it is")
    xirr_note_code: XirrNoteCode | None = Field(None, description="xirr_note as a machine code")
    twr_pct: float | None = Field(description="time-weighted, chain-linked daily")
    twr_annualized_pct: float | None = Field(description="when the span exceeds a year")
    periods: dict[PeriodName, float | None] = Field(
        default_factory=dict,
        description="TWR over the month, the year to date, 12 months and since inception, each"
        " ending at `end`; null when `start` cuts the window short of the period",
    )
    monthly: list[MonthlyReturn] = Field(default_factory=list)
    yearly: list[YearlyReturn] = Field(default_factory=list)
    volatility_pct: float | None = Field(None, description="annualized: sqrt(252) x stdev")
    max_drawdown_pct: float | None = Field(
        None, description="the largest fall from a peak of the TWR index (negative or 0)"
    )
    max_drawdown_peak: date | None = None
    max_drawdown_trough: date | None = None
    benchmarks: list[BenchmarkResult] = Field(default_factory=list)
    pct_of_cdi: float | None = Field(
        None,
        description="twr_pct / CDI accumulated over the same days x 100; null when either is"
        " not positive",
    )
    pct_of_cdi_periods: dict[PeriodName, float | None] = Field(
        default_factory=dict, description="% do CDI over each of `periods` (when CDI is asked for)"
    )
    income: dict[PeriodName, IncomeFigures] = Field(
        default_factory=dict, description="proventos received in each of `periods`"
    )
    series: list[PerformancePoint]
    prices_unavailable: bool = Field(
        False, description="a live quote was missing; the last stored close stood in"
    )
    prices_missing: list[PriceGap] = Field(
        default_factory=list,
        description="holdings with no price at all on these dates: the figures that depend "
        "on them are null, never computed at cost",
    )
    fx_missing: list[FxGap] = Field(
        default_factory=list,
        description="currencies without a rate on these dates: the figures that depend on them "
        "are null, never converted at 1",
    )
