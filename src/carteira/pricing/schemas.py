from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from carteira.assets.models import AssetType
from carteira.core.types import DecimalStr

Source = Literal["yahoo", "simulated"]


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
