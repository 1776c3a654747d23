from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from carteira.core.types import DecimalStr
from carteira.pricing.instruments import AssetType

# Where a price comes from: a listing's provider, the curve of a fixed-income instrument,
# Tesouro Transparente's daily file of Tesouro Direto prices, CVM's daily report of funds' quotas.
Source = Literal["yahoo", "simulated", "curve", "tesouro", "cvm"]


class Quote(BaseModel):
    ticker: str
    price: DecimalStr
    previous_close: DecimalStr | None
    change_pct: float | None
    currency: str
    exchange: str = ""
    asset_type: AssetType = AssetType.OTHER
    name: str = ""
    as_of: datetime
    source: Source
    stale: bool = False
    estimated: bool = Field(
        default=False,
        description="the price leans on an estimate: an IPCA+ instrument's months whose IPCA"
        " is not published yet accrue at the last published rate",
    )


class QuoteError(BaseModel):
    ticker: str
    code: str
    detail: str


class QuotesOut(BaseModel):
    items: list[Quote]
    errors: list[QuoteError]


class SearchHit(BaseModel):
    ticker: str
    name: str
    exchange: str
    asset_type: AssetType
    source: Source


class SearchOut(BaseModel):
    items: list[SearchHit]


class DailyClose(BaseModel):
    date: date
    close: DecimalStr


# A positive, finite Decimal (a dividend per share, a split's side).
PositiveDecimal = Annotated[DecimalStr, Field(gt=0, allow_inf_nan=False)]


class DividendEvent(BaseModel):
    ex_date: date
    # per share, split-adjusted like the closes, in the major unit of the history's currency
    amount: PositiveDecimal


class SplitEvent(BaseModel):
    """`numerator` new shares for every `denominator` old ones ("2:1"; reverse "1:10")."""

    ex_date: date
    numerator: PositiveDecimal
    denominator: PositiveDecimal


class RedemptionEvent(BaseModel):
    """An instrument redeemed at maturity, at its final unit price."""

    date: date
    amount: PositiveDecimal


class PriceHistory(BaseModel):
    """What a provider knows of a ticker over a window: closes and corporate actions, oldest
    first, in `currency` (always a major unit: GBP, never pence)."""

    closes: list[DailyClose]
    dividends: list[DividendEvent] = []
    splits: list[SplitEvent] = []
    redemptions: list[RedemptionEvent] = []
    currency: str
    skipped: list[str] = []  # events the provider sent but that were dropped, and why


class RatePoint(BaseModel):
    """One value of a benchmark series (CDI: % per day; IPCA: % in the month), as published."""

    date: date
    value: DecimalStr


class DailyReturnOut(BaseModel):
    date: date
    close: DecimalStr
    return_pct: float | None


class HistoryOut(BaseModel):
    asset_id: int
    ticker: str
    start: date
    end: date
    items: list[DailyReturnOut]
