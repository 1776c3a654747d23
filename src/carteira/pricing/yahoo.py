"""Yahoo Finance over aiohttp: v8 chart for quotes and history, v1 search.

Prices are parsed as Decimal straight from the JSON text (never through float). Transient
failures (429, 5xx, timeouts, connection errors) are retried by `backoff` with full jitter,
honouring `Retry-After`, within bounded tries and total time; a circuit breaker stops
calling after repeated failures and probes again after a cool-down.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Generator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import backoff
from opentelemetry import trace
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from carteira.core.config import Settings
from carteira.core.metrics import CIRCUIT_OPEN, UPSTREAM, UPSTREAM_LATENCY
from carteira.pricing.circuit import CircuitBreaker, CircuitState
from carteira.pricing.exceptions import (
    ProviderError,
    ProviderUnavailableError,
    UnknownTickerError,
)
from carteira.pricing.provider import asset_type, change_pct
from carteira.pricing.schemas import DailyClose, Quote, SearchHit

logger = logging.getLogger(__name__)

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


class RetryableError(Exception):
    """A failure worth another try; `retry_after` is the server's own hint, in seconds."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def retry_waits(*, base: float = 0.2, cap: float = 4.0) -> Generator[float, Any, None]:
    """backoff wait generator: full-jitter exponential, or the server's Retry-After when given.

    backoff sends the raised exception into the generator, so it can read the hint.
    """
    failure = yield 0.0  # priming value, discarded by backoff
    attempt = 0
    while True:
        hint = getattr(failure, "retry_after", None)
        failure = yield hint if hint is not None else random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311
        attempt += 1


def _retry_after(header: str | None) -> float | None:
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(header) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


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


class YahooProvider:
    source = "yahoo"

    def __init__(self, settings: Settings, *, circuit: CircuitBreaker | None = None) -> None:
        self._settings = settings
        self._chart_url = settings.yahoo_query1_url.rstrip("/") + "/v8/finance/chart/"
        self._search_url = settings.yahoo_query2_url.rstrip("/") + "/v1/finance/search"
        self.circuit = circuit or CircuitBreaker()
        self._session: aiohttp.ClientSession | None = None
        self._request = backoff.on_exception(
            retry_waits,
            RetryableError,
            max_tries=settings.yahoo_max_tries,
            max_time=settings.yahoo_max_retry_seconds,
            jitter=None,  # retry_waits jitters itself (a Retry-After is honoured as given)
            logger=None,
        )(self._request_once)

    @property
    def session(self) -> aiohttp.ClientSession:
        # One shared session per process; created lazily inside the running loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(
                    total=self._settings.yahoo_timeout_seconds, connect=2.0
                ),
                connector=aiohttp.TCPConnector(
                    limit=self._settings.yahoo_concurrency * 2, ttl_dns_cache=300
                ),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- HTTP ---------------------------------------------------------------------------------

    async def _get(self, url: str, params: dict[str, str]) -> Any:
        if not self.circuit.allow():
            UPSTREAM.labels(self.source, "circuit_open").inc()
            raise ProviderUnavailableError("Market data provider paused after repeated failures.")
        started = time.perf_counter()
        outcome = "ok"
        span = trace.get_current_span()
        try:
            payload = await self._request(url, params)
        except RetryableError as exc:
            outcome = "unavailable"
            self.circuit.record_failure()
            raise ProviderUnavailableError(f"Market data provider unavailable ({exc}).") from exc
        except ProviderError:
            outcome = "bad_answer"
            self.circuit.record_failure()
            raise
        except UnknownTickerError:
            outcome = "unknown_ticker"
            self.circuit.record_success()  # a clear answer: the provider is healthy
            raise
        else:
            self.circuit.record_success()
            return payload
        finally:
            UPSTREAM.labels(self.source, outcome).inc()
            UPSTREAM_LATENCY.labels(self.source, outcome).observe(time.perf_counter() - started)
            CIRCUIT_OPEN.labels(self.source).set(self.circuit.state is not CircuitState.CLOSED)
            span.set_attribute("market.upstream.outcome", outcome)

    async def _request_once(self, url: str, params: dict[str, str]) -> Any:
        try:
            async with self.session.get(url, params=params) as response:
                body = await response.read()
                status = response.status
                retry_after = _retry_after(response.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RetryableError(type(exc).__name__) from exc
        if status == 429 or status >= 500:
            raise RetryableError(f"HTTP {status}", retry_after=retry_after)
        if status == 404:
            raise UnknownTickerError()
        if status != 200:
            raise ProviderError(f"Market data provider answered HTTP {status}.")
        try:
            return json.loads(body, parse_float=Decimal)
        except ValueError as exc:
            raise ProviderError("Market data provider sent a body that is not JSON.") from exc

    async def _chart(self, ticker: str, params: dict[str, str]) -> _ChartResult:
        payload = await self._get(self._chart_url + ticker, {"interval": "1d", **params})
        try:
            return _ChartEnvelope.model_validate(payload).chart.result[0]
        except ValidationError as exc:
            raise ProviderError(
                "Market data provider sent a chart of an unexpected shape."
            ) from exc

    # -- contract -----------------------------------------------------------------------------

    async def quote(self, ticker: str) -> Quote:
        meta = (await self._chart(ticker, {"range": "1d"})).meta
        previous = meta.previous_close or meta.chart_previous_close
        as_of = (
            datetime.fromtimestamp(meta.regular_market_time, UTC)
            if meta.regular_market_time
            else datetime.now(UTC)
        )
        return Quote(
            ticker=ticker,
            price=meta.regular_market_price,
            previous_close=previous,
            change_pct=change_pct(meta.regular_market_price, previous),
            currency=(meta.currency or "").upper(),
            exchange=meta.exchange_name or "",
            asset_type=asset_type(meta.instrument_type),
            name=meta.long_name or meta.short_name or ticker,
            as_of=as_of,
            source="yahoo",
        )

    async def history(self, ticker: str, *, start: date, end: date) -> list[DailyClose]:
        period1 = int(datetime.combine(start, datetime.min.time(), UTC).timestamp())
        period2 = int(
            datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC).timestamp()
        )
        result = await self._chart(ticker, {"period1": str(period1), "period2": str(period2)})
        closes = result.indicators.quote[0].close if result.indicators.quote else []
        by_day: dict[date, Decimal] = {}
        offset = result.meta.gmtoffset
        for stamp, close in zip(result.timestamp, closes, strict=False):
            if close is None or not close.is_finite() or close <= 0:
                continue  # Yahoo leaves holes (null closes) on days without trading data
            # A bar is stamped at the session's open: its trading date is the exchange's.
            day = datetime.fromtimestamp(stamp + offset, UTC).date()
            if start <= day <= end:
                by_day[day] = close
        return [DailyClose(date=day, close=close) for day, close in sorted(by_day.items())]

    async def search(self, query: str, *, limit: int) -> list[SearchHit]:
        payload = await self._get(
            self._search_url, {"q": query, "quotesCount": str(limit), "newsCount": "0"}
        )
        try:
            quotes = _SearchEnvelope.model_validate(payload).quotes
        except ValidationError as exc:
            raise ProviderError(
                "Market data provider sent search results of an unexpected shape."
            ) from exc
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
