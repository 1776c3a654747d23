from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from carteira.core.types import DecimalStr, Money
from carteira.pricing.instruments import AssetClass, AssetType
from carteira.reports.examples import INFLOWS


class FlowFigures(BaseModel):
    """Captação: money in (deposits, externally settled buys), money out (withdrawals,
    externally settled sales' net proceeds), and the difference. Null when a flow in another
    currency has no exchange rate for its date (see `fx_missing`)."""

    inflows: Money | None
    outflows: Money | None
    net: Money | None
    total: Money | None = Field(description="the same as net")
    count: int = Field(description="entries that moved money")


class InflowsByClient(FlowFigures):
    client_id: int
    name: str


class InflowsByDay(FlowFigures):
    date: date


class InflowsByCurrency(FlowFigures):
    currency: str


class InflowsByAdvisor(FlowFigures):
    advisor_id: int | None = Field(description="null: clients not assigned to an advisor")
    advisor: str | None = Field(description="the advisor's email")


class FxMissing(BaseModel):
    currency: str
    dates: list[date]


class InflowsOut(FlowFigures):
    """Net new money (captação líquida) in the period, in `currency`: consolidated in the
    reporting currency (foreign flows at their date's exchange close), or one currency
    unconverted when asked (`?currency=`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [INFLOWS]})

    start: date
    end: date
    year: int | None
    month: int | None
    currency: str
    consolidated: bool
    by_client: list[InflowsByClient]
    by_day: list[InflowsByDay]
    by_advisor: list[InflowsByAdvisor] = Field(
        default_factory=list, description="an advisor sees only their own row"
    )
    by_currency: list[InflowsByCurrency] = Field(description="every currency, unconverted")
    fx_missing: list[FxMissing] = Field(default_factory=list)


class AumByAssetType(BaseModel):
    asset_type: AssetType | None = Field(description="null: cash")
    value: Money


class AumByClass(BaseModel):
    asset_class: AssetClass = Field(description="`caixa`: cash")
    value: Money


class AumByCurrency(BaseModel):
    currency: str
    market_value: Money
    cash: Money
    rate: DecimalStr | None = Field(description="today's rate into the reporting currency")


class AumByAdvisor(BaseModel):
    advisor_id: int | None = Field(description="null: clients not assigned to an advisor")
    advisor: str | None = Field(description="the advisor's email")
    value: Money
    clients: int = Field(description="clients holding anything")


class StalePriceOut(BaseModel):
    name: str = Field(description="the ticker, or the currency")
    price: DecimalStr = Field(description="the last stored close or rate")
    as_of: date


class AumOut(BaseModel):
    """Assets under management now: positions at market plus cash, consolidated in the
    reporting currency at today's rates."""

    currency: str
    value: Money = Field(
        description="never blank: what has no price or rate at all is left out and listed"
    )
    market_value: Money
    cash: Money
    clients: int = Field(description="clients holding anything")
    by_asset_type: list[AumByAssetType]
    by_class: list[AumByClass] = Field(
        description="per asset class (the office's grouping: pós-fixado, prefixado, inflação,"
        " fundos, ações, FIIs, ETFs, exterior, cripto), cash as `caixa`"
    )
    by_currency: list[AumByCurrency]
    by_advisor: list[AumByAdvisor] = Field(
        default_factory=list, description="an advisor sees only their own row"
    )
    prices_stale: list[StalePriceOut] = Field(
        default_factory=list,
        description="positions without a live quote, valued at their last stored close",
    )
    fx_stale: list[StalePriceOut] = Field(
        default_factory=list,
        description="currencies without a live rate, converted at their last stored one",
    )
    prices_missing: list[str] = Field(
        description="tickers with no price at all: left out of the totals"
    )
    fx_missing: list[str] = Field(description="currencies with no rate at all: left out")
