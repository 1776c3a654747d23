"""Messages on the sockets (JSON text frames)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from carteira.assets.schemas import Ticker
from carteira.core.types import DecimalStr

MAX_TICKERS = 50


class PriceMessage(BaseModel):
    type: Literal["price"] = "price"
    ticker: str
    price: DecimalStr
    change_pct: float | None
    currency: str
    as_of: datetime
    source: str
    stale: bool = False


class ClientAction(BaseModel):
    """What a client may send on /ws/prices."""

    action: Literal["subscribe", "unsubscribe"]
    tickers: list[Ticker] = Field(max_length=MAX_TICKERS)
