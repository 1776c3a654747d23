"""Deterministic market data for offline demos; every answer says `source: "simulated"`.

A price is a pure function of (ticker, day) for closes and (ticker, tick time) for the
live quote, so demos, tests and screenshots are reproducible and need no network. It knows a
fixed catalog (the demo's assets, well-known B3, US, crypto and index symbols, and the pairs of
nine currencies) and, like Yahoo, answers "unknown ticker" for anything else. Two tickers
pay dividends (PETR4.SA quarterly, ITUB4.SA monthly), BOVA11.SA splits every June (2:1 in even
years, a 1:2 reverse split in odd ones), and `SimulatedRates` stands in for Banco Central's
benchmark series.

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
from carteira.pricing.exceptions import UnknownSeriesError, UnknownTickerError
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

EQUITY, ETF = AssetType.EQUITY, AssetType.ETF
CRYPTO, INDEX = AssetType.CRYPTOCURRENCY, AssetType.INDEX

# (name, exchange, currency, type, typical price) of what the simulated provider knows: the
# demo's assets and well-known B3, US, crypto and index symbols. Like Yahoo, it answers
# "unknown ticker" for anything else (a typo must not become an asset).
INSTRUMENTS: dict[str, tuple[str, str, str, AssetType, float]] = {
    # The demo's (seed-demo, make run).
    "PETR4.SA": ("Petróleo Brasileiro S.A. - Petrobras", "SAO", "BRL", EQUITY, 37.5),
    "VALE3.SA": ("Vale S.A.", "SAO", "BRL", EQUITY, 61.2),
    "ITUB4.SA": ("Itaú Unibanco Holding S.A.", "SAO", "BRL", EQUITY, 33.1),
    "BOVA11.SA": ("iShares Ibovespa Fundo de Índice", "SAO", "BRL", ETF, 124.8),
    "AAPL": ("Apple Inc.", "NMS", "USD", EQUITY, 189.9),
    "BTC-USD": ("Bitcoin USD", "CCC", "USD", CRYPTO, 61250.0),
    "^BVSP": ("IBOVESPA", "SAO", "BRL", INDEX, 128000.0),
    # B3: shares, units and real-estate funds (FIIs).
    "BBDC4.SA": ("Banco Bradesco S.A.", "SAO", "BRL", EQUITY, 14.5),
    "BBAS3.SA": ("Banco do Brasil S.A.", "SAO", "BRL", EQUITY, 27.0),
    "ITSA4.SA": ("Itaúsa S.A.", "SAO", "BRL", EQUITY, 10.5),
    "SANB11.SA": ("Banco Santander (Brasil) S.A.", "SAO", "BRL", EQUITY, 28.0),
    "BPAC11.SA": ("Banco BTG Pactual S.A.", "SAO", "BRL", EQUITY, 35.0),
    "B3SA3.SA": ("B3 S.A. - Brasil, Bolsa, Balcão", "SAO", "BRL", EQUITY, 12.5),
    "ABEV3.SA": ("Ambev S.A.", "SAO", "BRL", EQUITY, 13.2),
    "WEGE3.SA": ("WEG S.A.", "SAO", "BRL", EQUITY, 45.0),
    "ELET3.SA": ("Centrais Elétricas Brasileiras S.A. - Eletrobras", "SAO", "BRL", EQUITY, 40.0),
    "EGIE3.SA": ("Engie Brasil Energia S.A.", "SAO", "BRL", EQUITY, 40.0),
    "TAEE11.SA": ("Transmissora Aliança de Energia Elétrica S.A.", "SAO", "BRL", EQUITY, 36.0),
    "SUZB3.SA": ("Suzano S.A.", "SAO", "BRL", EQUITY, 55.0),
    "KLBN11.SA": ("Klabin S.A.", "SAO", "BRL", EQUITY, 20.0),
    "GGBR4.SA": ("Gerdau S.A.", "SAO", "BRL", EQUITY, 18.0),
    "PRIO3.SA": ("PRIO S.A.", "SAO", "BRL", EQUITY, 42.0),
    "RENT3.SA": ("Localiza Rent a Car S.A.", "SAO", "BRL", EQUITY, 45.0),
    "EMBR3.SA": ("Embraer S.A.", "SAO", "BRL", EQUITY, 60.0),
    "JBSS3.SA": ("JBS S.A.", "SAO", "BRL", EQUITY, 35.0),
    "RADL3.SA": ("Raia Drogasil S.A.", "SAO", "BRL", EQUITY, 25.0),
    "LREN3.SA": ("Lojas Renner S.A.", "SAO", "BRL", EQUITY, 15.0),
    "MGLU3.SA": ("Magazine Luiza S.A.", "SAO", "BRL", EQUITY, 9.0),
    "VIVT3.SA": ("Telefônica Brasil S.A.", "SAO", "BRL", EQUITY, 50.0),
    "HGLG11.SA": ("CSHG Logística Fundo de Investimento Imobiliário", "SAO", "BRL", EQUITY, 160.0),
    "KNRI11.SA": (
        "Kinea Renda Imobiliária Fundo de Investimento Imobiliário",
        "SAO",
        "BRL",
        EQUITY,
        150.0,
    ),
    "MXRF11.SA": ("Maxi Renda Fundo de Investimento Imobiliário", "SAO", "BRL", EQUITY, 10.0),
    "XPML11.SA": ("XP Malls Fundo de Investimento Imobiliário", "SAO", "BRL", EQUITY, 105.0),
    # B3 ETFs.
    "IVVB11.SA": ("iShares S&P 500 Fundo de Investimento em Cotas", "SAO", "BRL", ETF, 330.0),
    "SMAL11.SA": ("iShares BM&FBovespa Small Cap Fundo de Índice", "SAO", "BRL", ETF, 100.0),
    "HASH11.SA": ("Hashdex Nasdaq Crypto Index Fundo de Índice", "SAO", "BRL", ETF, 60.0),
    # United States: shares, ADRs and ETFs.
    "MSFT": ("Microsoft Corporation", "NMS", "USD", EQUITY, 420.0),
    "GOOGL": ("Alphabet Inc.", "NMS", "USD", EQUITY, 170.0),
    "AMZN": ("Amazon.com, Inc.", "NMS", "USD", EQUITY, 185.0),
    "NVDA": ("NVIDIA Corporation", "NMS", "USD", EQUITY, 120.0),
    "META": ("Meta Platforms, Inc.", "NMS", "USD", EQUITY, 500.0),
    "TSLA": ("Tesla, Inc.", "NMS", "USD", EQUITY, 220.0),
    "NFLX": ("Netflix, Inc.", "NMS", "USD", EQUITY, 650.0),
    "BRK-B": ("Berkshire Hathaway Inc.", "NYQ", "USD", EQUITY, 420.0),
    "JPM": ("JPMorgan Chase & Co.", "NYQ", "USD", EQUITY, 200.0),
    "V": ("Visa Inc.", "NYQ", "USD", EQUITY, 275.0),
    "KO": ("The Coca-Cola Company", "NYQ", "USD", EQUITY, 62.0),
    "JNJ": ("Johnson & Johnson", "NYQ", "USD", EQUITY, 155.0),
    "WMT": ("Walmart Inc.", "NYQ", "USD", EQUITY, 70.0),
    "VALE": ("Vale S.A. ADR", "NYQ", "USD", EQUITY, 11.0),
    "ITUB": ("Itaú Unibanco Holding S.A. ADR", "NYQ", "USD", EQUITY, 6.5),
    "SPY": ("SPDR S&P 500 ETF Trust", "PCX", "USD", ETF, 550.0),
    "IVV": ("iShares Core S&P 500 ETF", "PCX", "USD", ETF, 550.0),
    "VOO": ("Vanguard S&P 500 ETF", "PCX", "USD", ETF, 505.0),
    "QQQ": ("Invesco QQQ Trust", "NMS", "USD", ETF, 480.0),
    # Crypto and indexes.
    "ETH-USD": ("Ethereum USD", "CCC", "USD", CRYPTO, 3000.0),
    "SOL-USD": ("Solana USD", "CCC", "USD", CRYPTO, 150.0),
    "^GSPC": ("S&P 500", "SNP", "USD", INDEX, 5500.0),
    "^IXIC": ("NASDAQ Composite", "NIM", "USD", INDEX, 17500.0),
    "^DJI": ("Dow Jones Industrial Average", "DJI", "USD", INDEX, 40000.0),
}

# Currencies whose pairs it quotes (`USDBRL=X`, `EURUSD=X`, any two of these), by their value in
# reais; pairs into BRL come first (searching "USD" finds USDBRL=X before USDEUR=X).
CURRENCY_VALUES: dict[str, float] = {
    "BRL": 1.0,
    "USD": 5.05,
    "EUR": 5.55,
    "GBP": 6.4,
    "CHF": 5.75,
    "JPY": 0.0335,
    "CAD": 3.7,
    "AUD": 3.3,
    "CNY": 0.7,
}
FX_PAIRS: dict[str, tuple[str, str, str, AssetType, float]] = {
    f"{base}{quote}=X": (
        f"{base}/{quote}",
        "CCY",
        quote,
        AssetType.CURRENCY,
        CURRENCY_VALUES[base] / CURRENCY_VALUES[quote],
    )
    for quote in CURRENCY_VALUES
    for base in CURRENCY_VALUES
    if base != quote
}

CATALOG = {**INSTRUMENTS, **FX_PAIRS}

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
    try:
        return CATALOG[ticker]
    except KeyError:
        raise UnknownTickerError() from None


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


def _search_rank(needle: str, ticker: str, name: str) -> int | None:
    """0: the symbol itself, 1: a symbol starting with the query, 2: one containing it, 3: a
    name containing it; None: no match."""
    if ticker == needle:
        return 0
    if ticker.startswith(needle):
        return 1
    if needle in ticker:
        return 2
    return 3 if needle in name.upper() else None


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
        currency = _describe(ticker)[2]
        return PriceHistory(
            closes=[
                DailyClose(date=day, close=_close(ticker, day)) for day in _weekdays(start, end)
            ],
            dividends=_dividends(ticker, start, end),
            splits=_splits(ticker, start, end),
            currency=currency,
        )

    async def search(self, query: str, *, limit: int) -> list[SearchHit]:
        """Known tickers only: the symbol itself first, then symbols starting with the query,
        then symbols and names containing it."""
        needle = query.strip().upper()
        ranked = sorted(
            (rank, position, ticker)
            for position, (ticker, (name, *_)) in enumerate(CATALOG.items())
            if (rank := _search_rank(needle, ticker, name)) is not None
        )
        hits = []
        for *_, ticker in ranked[:limit]:
            name, exchange, _, kind, _ = CATALOG[ticker]
            hits.append(
                SearchHit(
                    ticker=ticker, name=name, exchange=exchange, asset_type=kind, source="simulated"
                )
            )
        return hits

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
