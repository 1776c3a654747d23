"""The market-data and benchmark-rate provider contracts, and what the providers share."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from carteira.pricing.instruments import AssetType
from carteira.pricing.schemas import PriceHistory, Quote, RatePoint, SearchHit

PERCENT = Decimal(100)


class MarketDataProvider(Protocol):
    source: str

    async def quote(self, ticker: str) -> Quote:
        """The latest quote; UnknownTickerError, ProviderError or ProviderUnavailableError."""
        ...

    async def search(self, query: str, *, limit: int) -> list[SearchHit]: ...

    async def history(self, ticker: str, *, start: date, end: date) -> PriceHistory:
        """Daily closes, dividends and splits in [start, end], oldest first; days without a
        close are left out, and so are events that make no sense (listed in `skipped`)."""
        ...

    async def close(self) -> None: ...


class RatesProvider(Protocol):
    """Benchmark rate series by Banco Central SGS code (12 CDI, 11 SELIC, 433 IPCA)."""

    source: str

    async def series(self, code: int, *, start: date, end: date) -> list[RatePoint]:
        """The published points in [start, end], oldest first (none for an empty window)."""
        ...

    async def close(self) -> None: ...


def change_pct(price: Decimal, previous_close: Decimal | None) -> float | None:
    if not previous_close:
        return None
    return round(float((price / previous_close - 1) * PERCENT), 6)


_TYPES = {member.value: member for member in AssetType}


def asset_type(instrument_type: str | None) -> AssetType:
    return _TYPES.get((instrument_type or "").upper(), AssetType.OTHER)
