from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from carteira.assets.models import AssetType
from carteira.assets.schemas import Ticker
from carteira.core import clock
from carteira.core.types import EARLIEST_DATE, DecimalStr, Id, PositiveAmount


def _plausible_buy_date(value: date) -> date:
    # The firm's date: from 21:00 in São Paulo, UTC already says tomorrow.
    if value > clock.today():
        raise ValueError("buy_date cannot be in the future")
    if value < EARLIEST_DATE:
        raise ValueError(f"buy_date cannot be before {EARLIEST_DATE}")
    return value


BuyDate = Annotated[date, AfterValidator(_plausible_buy_date)]


class AllocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    asset_id: Id | None = None
    ticker: Ticker | None = None
    quantity: PositiveAmount
    buy_price: PositiveAmount
    buy_date: BuyDate

    @model_validator(mode="after")
    def _one_asset_reference(self) -> Self:
        if (self.asset_id is None) == (self.ticker is None):
            raise ValueError("give exactly one of asset_id or ticker")
        return self


class AllocationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: PositiveAmount | None = None
    buy_price: PositiveAmount | None = None
    buy_date: BuyDate | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for field in self.model_fields_set:
            if getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self


class AllocationOut(BaseModel):
    id: int
    client_id: int
    asset_id: int
    ticker: str
    asset_name: str
    currency: str
    quantity: DecimalStr
    buy_price: DecimalStr
    buy_date: date
    cost: DecimalStr
    current_price: DecimalStr | None = None
    daily_change_pct: float | None = None
    market_value: DecimalStr | None = None
    pnl: DecimalStr | None = None
    accumulated_return_pct: float | None = None
    created_at: datetime
    updated_at: datetime


class AllocationPage(BaseModel):
    items: list[AllocationOut]
    total: int
    page: int
    page_size: int
    pages: int
    prices_unavailable: bool = False


class PositionOut(BaseModel):
    """`weight_pct` is the position's share of the market value in its own currency."""

    asset_id: int
    ticker: str
    name: str
    currency: str
    asset_type: AssetType
    lots: int
    quantity: DecimalStr
    average_cost: DecimalStr
    cost: DecimalStr
    current_price: DecimalStr | None = None
    daily_change_pct: float | None = None
    market_value: DecimalStr | None = None
    pnl: DecimalStr | None = None
    accumulated_return_pct: float | None = None
    weight_pct: float | None = None


class CurrencyTotals(BaseModel):
    currency: str
    cost: DecimalStr
    market_value: DecimalStr | None = None
    pnl: DecimalStr | None = None
    accumulated_return_pct: float | None = None


class PositionsOut(BaseModel):
    client_id: int
    positions: list[PositionOut]
    totals: list[CurrencyTotals] = Field(description="per currency: amounts are never converted")
    prices_unavailable: bool = False


class PerformancePoint(BaseModel):
    date: date
    market_value: DecimalStr | None = Field(description="null when a holding had no price")
    invested: DecimalStr = Field(description="cost of the lots bought up to this day")
    cumulative_twr_pct: float | None


class PerformanceTotals(BaseModel):
    cost: DecimalStr
    market_value: DecimalStr | None
    pnl: DecimalStr | None
    accumulated_return_pct: float | None = None
    day_change: DecimalStr | None
    day_change_pct: float | None = None


class PriceGap(BaseModel):
    """A holding without any price (no stored close on or before these days, no quote)."""

    ticker: str
    start: date
    end: date


class PerformanceOut(BaseModel):
    """Returns are in percent. One currency at a time (`currency`, default: the largest)."""

    client_id: int
    currency: str
    currencies: list[str]
    start: date
    end: date
    totals: PerformanceTotals
    xirr_pct: float | None = Field(description="annualized, money-weighted (ACT/365)")
    xirr_note: str | None = Field(description="why xirr_pct is null, when it is")
    twr_pct: float | None = Field(description="time-weighted, chain-linked daily")
    twr_annualized_pct: float | None = Field(description="when the span exceeds a year")
    series: list[PerformancePoint]
    prices_unavailable: bool = Field(
        False, description="a live quote was missing; the last stored close stood in"
    )
    prices_missing: list[PriceGap] = Field(
        default_factory=list,
        description="holdings with no price at all on these dates: the figures that depend "
        "on them are null, never computed at cost",
    )
