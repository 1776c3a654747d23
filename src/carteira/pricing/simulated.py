"""Deterministic prices for offline demos; every answer says `source: "simulated"`.

A price is a pure function of (ticker, day) for closes and (ticker, tick time) for the
live quote, so demos, tests and screenshots are reproducible and need no network.
"""

from __future__ import annotations

import hashlib
import math
import time
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from carteira.assets.models import AssetType
from carteira.pricing.provider import change_pct
from carteira.pricing.schemas import DailyClose, PriceHistory, Quote, SearchHit

CENTS = Decimal("0.01")

# (name, exchange, currency, type, typical price) for the demo universe; any other well-formed
# ticker is simulated too, as a generic equity.
CATALOG: dict[str, tuple[str, str, str, AssetType, float]] = {
    "PETR4.SA": ("Petróleo Brasileiro S.A. - Petrobras", "SAO", "BRL", AssetType.EQUITY, 37.5),
    "VALE3.SA": ("Vale S.A.", "SAO", "BRL", AssetType.EQUITY, 61.2),
    "ITUB4.SA": ("Itaú Unibanco Holding S.A.", "SAO", "BRL", AssetType.EQUITY, 33.1),
    "BOVA11.SA": ("iShares Ibovespa Fundo de Índice", "SAO", "BRL", AssetType.ETF, 124.8),
    "AAPL": ("Apple Inc.", "NMS", "USD", AssetType.EQUITY, 189.9),
    "BTC-USD": ("Bitcoin USD", "CCC", "USD", AssetType.CRYPTOCURRENCY, 61250.0),
    "^BVSP": ("IBOVESPA", "SAO", "BRL", AssetType.INDEX, 128000.0),
}


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _describe(ticker: str) -> tuple[str, str, str, AssetType, float]:
    if ticker in CATALOG:
        return CATALOG[ticker]
    currency = "BRL" if ticker.endswith(".SA") else "USD"
    exchange = "SAO" if currency == "BRL" else "NMS"
    return f"{ticker} (simulated)", exchange, currency, AssetType.EQUITY, 10 + 190 * _unit(ticker)


def _close(ticker: str, day: date, typical: float) -> Decimal:
    # A slow wave plus a small daily wiggle: plausible charts, bounded far from zero.
    n = day.toordinal()
    phase = 2 * math.pi * _unit(ticker, "phase")
    level = typical * (1 + 0.18 * math.sin(n / 45 + phase) + 0.06 * math.sin(n / 9 + 2 * phase))
    wiggle = 1 + 0.02 * (_unit(ticker, n) - 0.5)
    return Decimal(str(level * wiggle)).quantize(CENTS, ROUND_HALF_EVEN)


class SimulatedProvider:
    source = "simulated"

    def __init__(self, *, tick_seconds: int = 5) -> None:
        self._tick_seconds = tick_seconds

    async def quote(self, ticker: str) -> Quote:
        name, exchange, currency, kind, typical = _describe(ticker)
        now = datetime.now(UTC)
        previous = _close(ticker, now.date() - timedelta(days=1), typical)
        tick = int(time.time()) // self._tick_seconds
        drift = 1 + 0.03 * (_unit(ticker, now.date()) - 0.5) + 0.004 * (_unit(ticker, tick) - 0.5)
        price = (previous * Decimal(str(drift))).quantize(CENTS, ROUND_HALF_EVEN)
        return Quote(
            ticker=ticker,
            price=price,
            previous_close=previous,
            change_pct=change_pct(price, previous),
            currency=currency,
            exchange=exchange,
            asset_type=kind,
            name=name,
            as_of=now.replace(microsecond=0),
            source="simulated",
        )

    async def history(self, ticker: str, *, start: date, end: date) -> PriceHistory:
        _, _, currency, _, typical = _describe(ticker)
        days = (start + timedelta(days=n) for n in range((end - start).days + 1))
        closes = [
            DailyClose(date=day, close=_close(ticker, day, typical))
            for day in days
            if day.weekday() < 5  # markets close on weekends
        ]
        return PriceHistory(closes=closes, currency=currency)

    async def search(self, query: str, *, limit: int) -> list[SearchHit]:
        needle = query.strip().upper()
        found = [
            SearchHit(ticker=t, name=n, exchange=e, asset_type=k, source="simulated")
            for t, (n, e, _, k, _) in CATALOG.items()
            if needle in t or needle in n.upper()
        ]
        return found[:limit]

    async def close(self) -> None:
        return None
