"""Deterministic market data for offline demos; every answer says `source: "simulated"`.

A price is a pure function of (ticker, day) for closes and (ticker, tick time) for the
live quote, so demos, tests and screenshots are reproducible and need no network. Two tickers
pay dividends (PETR4.SA quarterly, ITUB4.SA monthly), BOVA11.SA splits every June (2:1 in even
years, a 1:2 reverse split in odd ones), two FX pairs are quoted (USDBRL=X, EURBRL=X), and
`SimulatedRates` stands in for Banco Central's benchmark series.

Like Yahoo, closes and dividend amounts are split-adjusted: on the basis of today's shares.
"""

from __future__ import annotations

import hashlib
import math
import time
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from carteira.core import clock
from carteira.core.calendar import business_days
from carteira.pricing.bcb import CDI, IPCA, SELIC
from carteira.pricing.exceptions import UnknownSeriesError
from carteira.pricing.instruments import AssetType
from carteira.pricing.provider import change_pct
from carteira.pricing.schemas import (
    DailyClose,
    DividendEvent,
    PriceHistory,
    Quote,
    RatePoint,
    SearchHit,
    SplitEvent,
)

CENTS = Decimal("0.01")
FX_QUANTUM = Decimal("0.0001")  # FX pairs are quoted to four places
DIVIDEND_QUANTUM = Decimal("0.000001")

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
    "USDBRL=X": ("USD/BRL", "CCY", "BRL", AssetType.CURRENCY, 5.05),
    "EURBRL=X": ("EUR/BRL", "CCY", "BRL", AssetType.CURRENCY, 5.55),
}

# ticker -> (months with an ex date, share of that day's close paid per share)
DIVIDENDS: dict[str, tuple[frozenset[int], Decimal]] = {
    "PETR4.SA": (frozenset({3, 6, 9, 12}), Decimal("0.025")),  # quarterly
    "ITUB4.SA": (frozenset(range(1, 13)), Decimal("0.0005")),  # monthly, like its JCP
}
DIVIDEND_DAY = 10  # ex date: the first weekday on or after the 10th

SPLITTING = frozenset({"BOVA11.SA"})
SPLIT_MONTH, SPLIT_DAY = 6, 15  # ex date: the first weekday on or after June 15th


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


def _close(ticker: str, day: date) -> Decimal:
    """The split-adjusted close: a slow wave plus a small daily wiggle (plausible charts,
    bounded far from zero), in today's shares."""
    _, _, _, kind, typical = _describe(ticker)
    swing = 0.25 if kind is AssetType.CURRENCY else 1.0  # currencies move far less than stocks
    n = day.toordinal()
    phase = 2 * math.pi * _unit(ticker, "phase")
    level = typical * (
        1 + swing * (0.18 * math.sin(n / 45 + phase) + 0.06 * math.sin(n / 9 + 2 * phase))
    )
    wiggle = 1 + swing * 0.02 * (_unit(ticker, n) - 0.5)
    value = Decimal(str(level * wiggle)) / _shares_per_original(ticker, clock.today())
    return value.quantize(_quantum(kind), ROUND_HALF_EVEN)


def _quantum(kind: AssetType) -> Decimal:
    return FX_QUANTUM if kind is AssetType.CURRENCY else CENTS


def _weekdays(start: date, end: date) -> list[date]:
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [day for day in days if day.weekday() < 5]  # markets close on weekends


def _ex_date(year: int, month: int, day_of_month: int = DIVIDEND_DAY) -> date:
    day = date(year, month, day_of_month)
    return day + timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day


def _split_ratio(year: int) -> tuple[Decimal, Decimal]:
    """(new shares, old shares) of the year's June event."""
    return (Decimal(2), Decimal(1)) if year % 2 == 0 else (Decimal(1), Decimal(2))


def _shares_per_original(ticker: str, day: date) -> Decimal:
    """Shares on `day` per share held before the splits began: 2 after an even year's split,
    1 again after the next year's reverse split."""
    if ticker not in SPLITTING:
        return Decimal(1)
    year = day.year if day >= _ex_date(day.year, SPLIT_MONTH, SPLIT_DAY) else day.year - 1
    numerator, denominator = _split_ratio(year)
    return numerator / denominator if numerator > denominator else Decimal(1)


def _splits(ticker: str, start: date, end: date) -> list[SplitEvent]:
    if ticker not in SPLITTING:
        return []
    events = []
    for year in range(start.year, end.year + 1):
        ex_date = _ex_date(year, SPLIT_MONTH, SPLIT_DAY)
        if start <= ex_date <= end:
            numerator, denominator = _split_ratio(year)
            events.append(SplitEvent(ex_date=ex_date, numerator=numerator, denominator=denominator))
    return events


def _dividends(ticker: str, start: date, end: date) -> list[DividendEvent]:
    if ticker not in DIVIDENDS:
        return []
    months, share = DIVIDENDS[ticker]
    events = []
    for year in range(start.year, end.year + 1):
        for month in sorted(months):
            ex_date = _ex_date(year, month)
            if start <= ex_date <= end:
                amount = (_close(ticker, ex_date) * share).quantize(DIVIDEND_QUANTUM)
                events.append(DividendEvent(ex_date=ex_date, amount=amount))
    return events


class SimulatedProvider:
    source = "simulated"

    def __init__(self, *, tick_seconds: int = 5) -> None:
        self._tick_seconds = tick_seconds

    async def quote(self, ticker: str) -> Quote:
        name, exchange, currency, kind, _ = _describe(ticker)
        now = datetime.now(UTC)
        previous = _close(ticker, now.date() - timedelta(days=1))
        tick = int(time.time()) // self._tick_seconds
        drift = 1 + 0.03 * (_unit(ticker, now.date()) - 0.5) + 0.004 * (_unit(ticker, tick) - 0.5)
        price = (previous * Decimal(str(drift))).quantize(_quantum(kind), ROUND_HALF_EVEN)
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
        return PriceHistory(
            closes=[
                DailyClose(date=day, close=_close(ticker, day)) for day in _weekdays(start, end)
            ],
            dividends=_dividends(ticker, start, end),
            splits=_splits(ticker, start, end),
            currency=_describe(ticker)[2],
        )

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


# -- benchmark rates ---------------------------------------------------------------------------

RATE_QUANTUM = Decimal("0.000001")  # SGS publishes daily rates to six places
IPCA_QUANTUM = Decimal("0.01")
SELIC_OVER_CDI = Decimal("0.000350")  # SELIC runs a little above CDI, ~0.1 pp a year


def _cdi(day: date) -> Decimal:
    # ~0.04 % a business day (about 10.6 % a year), changing month to month like the policy rate.
    level = 0.040 + 0.006 * (_unit("CDI", day.year, day.month) - 0.5)
    return Decimal(str(level)).quantize(RATE_QUANTUM)


def _ipca(month: date) -> Decimal:
    # ~0.4 % a month, between 0.1 % and 0.7 %.
    level = 0.40 + 0.6 * (_unit("IPCA", month.year, month.month) - 0.5)
    return Decimal(str(level)).quantize(IPCA_QUANTUM)


def _month_starts(start: date, end: date) -> list[date]:
    month = date(start.year, start.month, 1)
    months = []
    while month <= end:
        if month >= start:
            months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


class SimulatedRates:
    """Benchmark series shaped like Banco Central's: CDI and SELIC on B3 business days (% per
    day), IPCA monthly (% in the month, dated the 1st)."""

    source = "simulated"

    async def series(self, code: int, *, start: date, end: date) -> list[RatePoint]:
        if code == CDI:
            return [RatePoint(date=d, value=_cdi(d)) for d in business_days(start, end)]
        if code == SELIC:
            return [
                RatePoint(date=d, value=_cdi(d) + SELIC_OVER_CDI) for d in business_days(start, end)
            ]
        if code == IPCA:
            return [RatePoint(date=m, value=_ipca(m)) for m in _month_starts(start, end)]
        raise UnknownSeriesError(f"No simulated benchmark series with code {code}.")

    async def close(self) -> None:
        return None
