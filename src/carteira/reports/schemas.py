from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from carteira.core.types import DecimalStr
from carteira.pricing.instruments import AssetType
from carteira.reports.examples import INFLOWS


class FlowFigures(BaseModel):
    """Captação: money in (deposits, externally settled buys), money out (withdrawals,
    externally settled sales' net proceeds), and the difference. Null when a flow in another
    currency has no exchange rate for its date (see `fx_missing`)."""

    inflows: DecimalStr | None
    outflows: DecimalStr | None
    net: DecimalStr | None
    total: DecimalStr | None = Field(description="the same as net")
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
    value: DecimalStr | None


class AumByCurrency(BaseModel):
    currency: str
    market_value: DecimalStr | None
    cash: DecimalStr
    rate: DecimalStr | None = Field(description="today's rate into the reporting currency")


class AumByAdvisor(BaseModel):
    advisor_id: int | None = Field(description="null: clients not assigned to an advisor")
    advisor: str | None = Field(description="the advisor's email")
    value: DecimalStr | None
    clients: int = Field(description="clients holding anything")


class AumOut(BaseModel):
    """Assets under management now: positions at market plus cash, consolidated in the
    reporting currency at today's rates."""

    currency: str
    value: DecimalStr | None
    market_value: DecimalStr | None
    cash: DecimalStr | None
    clients: int = Field(description="clients holding anything")
    by_asset_type: list[AumByAssetType]
    by_currency: list[AumByCurrency]
    by_advisor: list[AumByAdvisor] = Field(
        default_factory=list, description="an advisor sees only their own row"
    )
    prices_missing: list[str] = Field(description="tickers without a price: their value is null")
    fx_missing: list[str] = Field(description="currencies without a rate")
