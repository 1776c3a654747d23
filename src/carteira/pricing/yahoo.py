"""Yahoo Finance over aiohttp: v8 chart for quotes, history and corporate actions, v1 search.

Prices are parsed as Decimal straight from the JSON text (never through float) and reported in
the currency's major unit (London's pence become pounds). Retries, the circuit breaker and the
metrics are the shared upstream discipline (`pricing.upstream`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from carteira.core.config import Settings
from carteira.core.money import EXACT
from carteira.pricing.circuit import CircuitBreaker
from carteira.pricing.exceptions import ProviderError, UnknownTickerError
from carteira.pricing.provider import asset_type, change_pct
from carteira.pricing.schemas import (
    DailyClose,
    DividendEvent,
    PriceHistory,
    Quote,
    SearchHit,
    SplitEvent,
)
from carteira.pricing.upstream import Upstream, UpstreamLimits

logger = logging.getLogger(__name__)

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
LABEL = "Market data provider"
T = TypeVar("T")


# -- currencies quoted in their minor unit ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CurrencyUnit:
    currency: str  # the major currency, e.g. GBP
    per_major: Decimal  # how many of Yahoo's units make one major unit

    def to_major(self, value: Decimal) -> Decimal:
        return value if self.per_major == 1 else EXACT.divide(value, self.per_major)


# Yahoo quotes London in pence, Johannesburg in cents and Tel Aviv in agorot. The codes differ
# from the major ones only in case (GBp/GBP), so they are matched exactly, never upper-cased.
MINOR_UNITS = {
    "GBp": CurrencyUnit("GBP", Decimal(100)),
    "ZAc": CurrencyUnit("ZAR", Decimal(100)),
    "ILA": CurrencyUnit("ILS", Decimal(100)),
}


def currency_unit(code: str | None) -> CurrencyUnit:
    """The major currency of a Yahoo currency code and the divisor that converts to it."""
    code = code or ""
    return MINOR_UNITS.get(code) or CurrencyUnit(code.upper(), Decimal(1))


# -- the parts of Yahoo's answers we rely on (validated, so a changed shape is a clear error) --


class _Meta(BaseModel):
    model_config = ConfigDict(extra="ignore")

    symbol: str
    currency: str | None = None
    exchange_name: str | None = Field(None, alias="exchangeName")
    instrument_type: str | None = Field(None, alias="instrumentType")
    regular_market_price: Decimal = Field(alias="regularMarketPrice", gt=0, allow_inf_nan=False)
    regular_market_time: int | None = Field(None, alias="regularMarketTime")
    previous_close: Decimal | None = Field(None, alias="previousClose")
    chart_previous_close: Decimal | None = Field(None, alias="chartPreviousClose")
    long_name: str | None = Field(None, alias="longName")
    short_name: str | None = Field(None, alias="shortName")
    gmtoffset: int = 0  # the exchange's offset from UTC, in seconds


class _QuoteSeries(BaseModel):
    close: list[Decimal | None] = []


class _Indicators(BaseModel):
    quote: list[_QuoteSeries] = []


class _ChartResult(BaseModel):
    meta: _Meta
    timestamp: list[int] = []
    # Read leniently, one event at a time: a bad event is dropped, never the whole chart.
    events: Any = None
    indicators: _Indicators = _Indicators()


class _Chart(BaseModel):
    result: list[_ChartResult] = Field(min_length=1)


class _ChartEnvelope(BaseModel):
    chart: _Chart


class _SearchQuote(BaseModel):
    model_config = ConfigDict(extra="ignore")

    symbol: str
    shortname: str | None = None
    longname: str | None = None
    exchange: str | None = None
    quote_type: str | None = Field(None, alias="quoteType")


class _SearchEnvelope(BaseModel):
    quotes: list[_SearchQuote] = []


# -- corporate actions in the chart's `events` -----------------------------------------------


@dataclass(frozen=True, slots=True)
class _EventContext:
    start: date
    end: date
    gmtoffset: int
    unit: CurrencyUnit
    skipped: list[str]


def _local_date(stamp: int, gmtoffset: int) -> date:
    # Bars and events are stamped at the session's open: their date is the exchange's.
    return datetime.fromtimestamp(stamp + gmtoffset, UTC).date()


def _positive(value: object) -> Decimal | None:
    """A JSON number (parsed as int or Decimal) that is finite and > 0; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    number = Decimal(value)
    return number if number.is_finite() and number > 0 else None


def _entries(
    raw: object, kind: str, context: _EventContext
) -> Iterator[tuple[date, dict[Any, Any]]]:
    """The events of one kind inside the window, each with its ex date; malformed ones are
    noted in `context.skipped`."""
    if raw is None:
        return
    if not isinstance(raw, dict):
        context.skipped.append(f"{kind}s: not an object of events ({type(raw).__name__})")
        return
    for key, event in raw.items():
        if not isinstance(event, dict):
            context.skipped.append(f"{kind} {key}: not an object ({event!r})")
            continue
        stamp = event.get("date")
        if isinstance(stamp, bool) or not isinstance(stamp, int):
            context.skipped.append(f"{kind} {key}: no usable date ({stamp!r})")
            continue
        day = _local_date(stamp, context.gmtoffset)
        if context.start <= day <= context.end:
            yield day, event


def _one_per_day(
    kind: str,
    by_day: dict[date, list[T]],
    context: _EventContext,
    *,
    identity: Callable[[T], Hashable],
) -> Iterator[tuple[date, T]]:
    """One event per ex date: repeats of the same event collapse into one; different events
    on the same date are all dropped, since nothing says which one is right."""
    for day, events in sorted(by_day.items()):
        if len({identity(event) for event in events}) > 1:
            context.skipped.append(f"{kind} on {day}: {len(events)} conflicting events, none kept")
            continue
        if len(events) > 1:
            context.skipped.append(f"{kind} on {day}: {len(events) - 1} duplicate(s) dropped")
        yield day, events[0]


def _dividends(raw: object, context: _EventContext) -> list[DividendEvent]:
    by_day: dict[date, list[Decimal]] = defaultdict(list)
    for day, event in _entries(raw, "dividend", context):
        amount = _positive(event.get("amount"))
        if amount is None:
            context.skipped.append(
                f"dividend on {day}: amount {event.get('amount')!r} is not a positive number"
            )
            continue
        by_day[day].append(context.unit.to_major(amount))
    return [
        DividendEvent(ex_date=day, amount=amount)
        for day, amount in _one_per_day("dividend", by_day, context, identity=lambda a: a)
    ]


def _splits(raw: object, context: _EventContext) -> list[SplitEvent]:
    by_day: dict[date, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for day, event in _entries(raw, "split", context):
        numerator = _positive(event.get("numerator"))
        denominator = _positive(event.get("denominator"))
        if numerator is None or denominator is None:
            context.skipped.append(
                f"split on {day}: ratio {event.get('numerator')!r}:{event.get('denominator')!r}"
                " is not two positive numbers"
            )
            continue
        by_day[day].append((numerator, denominator))
    return [
        SplitEvent(ex_date=day, numerator=numerator, denominator=denominator)
        for day, (numerator, denominator) in _one_per_day(
            "split", by_day, context, identity=lambda ratio: Fraction(ratio[0]) / Fraction(ratio[1])
        )
    ]


def _events(
    result: _ChartResult, context: _EventContext
) -> tuple[list[DividendEvent], list[SplitEvent]]:
    events = result.events
    if events is None:
        return [], []
    if not isinstance(events, dict):
        context.skipped.append(f"events: not an object ({type(events).__name__})")
        return [], []
    return _dividends(events.get("dividends"), context), _splits(events.get("splits"), context)


def _closes(result: _ChartResult, context: _EventContext) -> list[DailyClose]:
    closes = result.indicators.quote[0].close if result.indicators.quote else []
    by_day: dict[date, Decimal] = {}
    for stamp, close in zip(result.timestamp, closes, strict=False):
        if close is None or not close.is_finite() or close <= 0:
            continue  # Yahoo leaves holes (null closes) on days without trading data
        day = _local_date(stamp, context.gmtoffset)
        if context.start <= day <= context.end:
            by_day[day] = context.unit.to_major(close)
    return [DailyClose(date=day, close=close) for day, close in sorted(by_day.items())]


def _chart_result(payload: Any) -> _ChartResult:
    try:
        return _ChartEnvelope.model_validate(payload).chart.result[0]
    except ValidationError as exc:
        raise ProviderError(f"{LABEL} sent a chart of an unexpected shape.") from exc


def _search_quotes(payload: Any) -> list[_SearchQuote]:
    try:
        return _SearchEnvelope.model_validate(payload).quotes
    except ValidationError as exc:
        raise ProviderError(f"{LABEL} sent search results of an unexpected shape.") from exc


def _yahoo_status(status: int, body: bytes) -> NoReturn:
    if status == 404:
        raise UnknownTickerError()
    raise ProviderError(f"{LABEL} answered HTTP {status}.")


class YahooProvider:
    source = "yahoo"

    def __init__(self, settings: Settings, *, circuit: CircuitBreaker | None = None) -> None:
        self._chart_url = settings.yahoo_query1_url.rstrip("/") + "/v8/finance/chart/"
        self._search_url = settings.yahoo_query2_url.rstrip("/") + "/v1/finance/search"
        self._http = Upstream(
            source=self.source,
            label=LABEL,
            limits=yahoo_limits(settings),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            circuit=circuit,
            on_status=_yahoo_status,
        )

    @property
    def circuit(self) -> CircuitBreaker:
        return self._http.circuit

    async def close(self) -> None:
        await self._http.close()

    async def _chart(self, ticker: str, params: dict[str, str]) -> _ChartResult:
        return await self._http.get_json(
            self._chart_url + ticker, {"interval": "1d", **params}, parse=_chart_result
        )

    # -- contract -----------------------------------------------------------------------------

    async def quote(self, ticker: str) -> Quote:
        meta = (await self._chart(ticker, {"range": "1d"})).meta
        unit = currency_unit(meta.currency)
        price = unit.to_major(meta.regular_market_price)
        previous = meta.previous_close or meta.chart_previous_close
        previous = unit.to_major(previous) if previous is not None else None
        as_of = (
            datetime.fromtimestamp(meta.regular_market_time, UTC)
            if meta.regular_market_time
            else datetime.now(UTC)
        )
        return Quote(
            ticker=ticker,
            price=price,
            previous_close=previous,
            change_pct=change_pct(price, previous),
            currency=unit.currency,
            exchange=meta.exchange_name or "",
            asset_type=asset_type(meta.instrument_type),
            name=meta.long_name or meta.short_name or ticker,
            as_of=as_of,
            source="yahoo",
        )

    async def history(self, ticker: str, *, start: date, end: date) -> PriceHistory:
        period1 = int(datetime.combine(start, datetime.min.time(), UTC).timestamp())
        period2 = int(
            datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC).timestamp()
        )
        result = await self._chart(
            ticker,
            {"period1": str(period1), "period2": str(period2), "events": "div,split"},
        )
        unit = currency_unit(result.meta.currency)
        context = _EventContext(start, end, result.meta.gmtoffset, unit, skipped=[])
        dividends, splits = _events(result, context)
        for reason in context.skipped:
            logger.warning("%s history: skipped %s", ticker, reason)
        return PriceHistory(
            closes=_closes(result, context),
            dividends=dividends,
            splits=splits,
            currency=unit.currency,
            skipped=context.skipped,
        )

    async def search(self, query: str, *, limit: int) -> list[SearchHit]:
        quotes = await self._http.get_json(
            self._search_url,
            {"q": query, "quotesCount": str(limit), "newsCount": "0"},
            parse=_search_quotes,
        )
        return [
            SearchHit(
                ticker=hit.symbol.upper(),
                name=hit.longname or hit.shortname or hit.symbol,
                exchange=hit.exchange or "",
                asset_type=asset_type(hit.quote_type),
                source="yahoo",
            )
            for hit in quotes[:limit]
        ]


def yahoo_limits(settings: Settings) -> UpstreamLimits:
    return UpstreamLimits(
        timeout_seconds=settings.yahoo_timeout_seconds,
        max_tries=settings.yahoo_max_tries,
        max_retry_seconds=settings.yahoo_max_retry_seconds,
        connections=settings.yahoo_concurrency * 2,
    )
