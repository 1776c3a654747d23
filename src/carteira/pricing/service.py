"""Market data for the rest of the app: quotes, search, history, benchmark rates and ticker
validation.

`MarketData` is built once per process (API lifespan, worker startup) around the configured
providers (prices, benchmark rates), the cache, and the `InstrumentLookup` the application wires
in (which tickers are instruments of another kind than a listing, with their terms); the other
modules receive it and call these methods. A quote or a history of an instrument is answered by
its kind's `PriceSource` (fixed income: the curve), of any other ticker by the provider — with
the same cache, single flight and stale answers for every kind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import TypeAdapter
from redis.asyncio import Redis

from carteira.core.config import Settings
from carteira.core.currencies import is_currency
from carteira.core.errors import REDIS_DOWN_ERRORS, AppError
from carteira.core.jobs import JobQueue
from carteira.core.tracing import tracer
from carteira.pricing.bcb import BcbProvider, bcb_limits
from carteira.pricing.benchmark_rates import INDEX_SERIES as INDEX_SERIES
from carteira.pricing.benchmark_rates import RATE_SERIES as RATE_SERIES
from carteira.pricing.benchmark_rates import Coverage as Coverage
from carteira.pricing.benchmark_rates import StoredValues, store_benchmark_values
from carteira.pricing.benchmark_rates import benchmark_coverage as benchmark_coverage
from carteira.pricing.benchmark_rates import benchmark_values as benchmark_values
from carteira.pricing.benchmark_rates import covered_series as covered_series
from carteira.pricing.cache import Cached, MarketCache, Missing
from carteira.pricing.closes import ClosesWindow as ClosesWindow
from carteira.pricing.closes import PreviousSession as PreviousSession
from carteira.pricing.closes import Stored as Stored
from carteira.pricing.closes import close_on_day, first_close_date, store_closes, stored_history
from carteira.pricing.closes import closes_window as closes_window
from carteira.pricing.closes import last_closes as last_closes
from carteira.pricing.corporate import DIVIDEND as DIVIDEND
from carteira.pricing.corporate import REDEMPTION as REDEMPTION
from carteira.pricing.corporate import SPLIT as SPLIT
from carteira.pricing.corporate import AssetEventInfo as AssetEventInfo
from carteira.pricing.corporate import FxWindow as FxWindow
from carteira.pricing.corporate import StoredEvents, fx_series, fx_ticker, store_events, store_rates
from carteira.pricing.corporate import asset_events as asset_events
from carteira.pricing.corporate import first_rate_date as first_rate_date
from carteira.pricing.corporate import fx_window as fx_window
from carteira.pricing.corporate import last_rates as last_rates
from carteira.pricing.exceptions import (
    ProviderBudgetError,
    ProviderError,
    UnknownSeriesError,
    UnknownTickerError,
    UnsupportedCurrencyError,
)
from carteira.pricing.exceptions import ProviderUnavailableError as ProviderUnavailableError
from carteira.pricing.exceptions import UnknownTreasuryTitleError as UnknownTreasuryTitleError
from carteira.pricing.files import BatchReport
from carteira.pricing.fixed_income import FixedIncomeSource
from carteira.pricing.funds import CvmSource
from carteira.pricing.instruments import AssetDetails, AssetKind
from carteira.pricing.provider import MarketDataProvider, RatesProvider
from carteira.pricing.published import (
    PublishedSource,
    SimulatedCvm,
    SimulatedTesouro,
    TreasurySource,
)
from carteira.pricing.schemas import (
    DailyReturnOut,
    PriceHistory,
    Quote,
    QuoteError,
    RatePoint,
    SearchHit,
)
from carteira.pricing.simulated import SimulatedProvider, SimulatedRates
from carteira.pricing.sources import Instrument, InstrumentLookup, NoInstruments, PriceSource
from carteira.pricing.treasury import TesouroSource, TreasuryBond, TreasuryCatalog
from carteira.pricing.treasury import unknown_title as unknown_treasury_title
from carteira.pricing.yahoo import YahooProvider, yahoo_limits

logger = logging.getLogger(__name__)
T = TypeVar("T")

LISTED_KEY = "md:listed"
LISTED_SECONDS = 24 * 3600
# A rate series whose stored window ends longer ago than this is brought up to date before an
# instrument is priced on it (the daily cron normally keeps it current).
RATES_STALE_AFTER = timedelta(days=7)
RATES_REFETCH_TAIL = timedelta(days=10)  # late publications and revisions

_QUOTE = TypeAdapter(Quote)
_HITS = TypeAdapter(list[SearchHit])
_HISTORY = TypeAdapter(PriceHistory)
_RATES = TypeAdapter(list[RatePoint])


@dataclass
class QuoteBatch:
    quotes: dict[str, Quote] = field(default_factory=dict)
    errors: dict[str, AppError] = field(default_factory=dict)

    def error_list(self) -> list[QuoteError]:
        return [
            QuoteError(ticker=ticker, code=error.code, detail=error.detail)
            for ticker, error in self.errors.items()
        ]


@dataclass(frozen=True)
class CallBudget:
    """Provider calls one user's requests may cause per minute (cache hits are free): a
    caller asking for random tickers cannot turn the API into an amplifier against Yahoo."""

    redis: Redis
    user_id: int
    per_minute: int

    async def spend(self) -> None:
        key = f"md:budget:{self.user_id}:{int(time.time() // 60)}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, 120)
                spent, _ = await pipe.execute()
        except REDIS_DOWN_ERRORS:
            return  # without Redis there is no shared count; the circuit still bounds calls
        if int(spent) > self.per_minute:
            raise ProviderBudgetError(retry_after=60 - int(time.time()) % 60)


class MarketData:
    def __init__(
        self,
        *,
        provider: MarketDataProvider,
        redis: Redis,
        settings: Settings,
        rates: RatesProvider | None = None,
        instruments: InstrumentLookup | None = None,
    ) -> None:
        self.provider = provider
        self.rates = rates if rates is not None else rates_provider(settings)
        # Which tickers are instruments (the asset registry, wired in at start-up)...
        self.instruments: InstrumentLookup = (
            instruments if instruments is not None else NoInstruments()
        )
        # ...and the price source of each kind; the sources of published files also refresh
        # every registered instrument at once (`refresh_published_prices`); anything else is
        # asked of `provider`.
        self.treasury: TreasurySource
        self.funds: PublishedSource
        if settings.market_data_provider == "simulated":  # offline: no published file either
            self.treasury, self.funds = SimulatedTesouro(), SimulatedCvm()
        else:
            self.treasury = TesouroSource(settings, redis=redis)
            self.funds = CvmSource(settings, redis=redis)
        self.sources: dict[AssetKind, PriceSource] = {
            AssetKind.FIXED_INCOME: FixedIncomeSource(self),
            AssetKind.TREASURY: self.treasury,
            AssetKind.FUND: self.funds,
        }
        self.settings = settings
        self.redis = redis
        self.cache = MarketCache(
            redis,
            stale_seconds=settings.stale_cache_seconds,
            # Long enough for one full provider call with its retries.
            lock_seconds=max(
                yahoo_limits(settings).longest_call_seconds,
                bcb_limits(settings).longest_call_seconds,
            ),
            negative_seconds=settings.negative_cache_seconds,
        )
        self._limit = asyncio.Semaphore(settings.yahoo_concurrency)

    def budget_for(self, user_id: int) -> CallBudget:
        return CallBudget(self.redis, user_id, self.settings.provider_calls_per_user_per_minute)

    async def close(self) -> None:
        await self.cache.aclose()
        await self.provider.close()
        await self.rates.close()
        await self.treasury.close()
        await self.funds.close()

    # -- quotes -------------------------------------------------------------------------------

    @staticmethod
    def quote_key(ticker: str) -> str:
        return f"md:quote:{ticker}"

    def source_of(self, instrument: Instrument) -> PriceSource:
        source = self.sources.get(instrument.kind)
        if source is None:
            raise ProviderUnavailableError(
                f"{instrument.ticker}: no price source for {instrument.kind.value} instruments."
            )
        return source

    async def instrument(self, ticker: str) -> Instrument | None:
        """The instrument a ticker names (None: a listed symbol, asked of the provider)."""
        return (await self.instruments.instruments([ticker])).get(ticker)

    async def _fetch_quote(
        self, ticker: str, budget: CallBudget | None, known: dict[str, Instrument] | None
    ) -> Quote:
        found = known if known is not None else await self.instruments.instruments([ticker])
        if (instrument := found.get(ticker)) is not None:
            return await self.source_of(instrument).quote(instrument)
        if budget is not None:
            await budget.spend()
        async with self._limit:  # bounded concurrency towards the provider
            return await self.provider.quote(ticker)

    async def quote(
        self, ticker: str, *, budget: CallBudget | None = None, fresh_for: int | None = None
    ) -> Quote:
        return await self._quote(ticker, budget=budget, fresh_for=fresh_for, known=None)

    async def _quote(
        self,
        ticker: str,
        *,
        budget: CallBudget | None,
        fresh_for: int | None,
        known: dict[str, Instrument] | None,
    ) -> Quote:
        """`known`: the instruments among a batch's tickers, looked up once for all of them."""
        try:
            cached = await self.cache.get(
                self.quote_key(ticker),
                ttl=fresh_for or self.settings.quote_cache_ttl_seconds,
                fetch=lambda: self._fetch_quote(ticker, budget, known),
                adapter=_QUOTE,
                remember=(UnknownTickerError,),
            )
        except Missing as exc:
            raise UnknownTickerError() from exc
        return cached.value.model_copy(update={"stale": True}) if cached.stale else cached.value

    async def quotes(
        self,
        tickers: Sequence[str],
        *,
        wait_seconds: float | None = None,
        budget: CallBudget | None = None,
        fresh_for: int | None = None,
    ) -> QuoteBatch:
        """Quotes for many tickers: cached ones in one round trip, the rest fetched
        concurrently (bounded, and within the caller's `budget` of provider calls). Tickers
        still pending after `wait_seconds` are reported as unavailable, while their fetches go
        on to fill the cache. `fresh_for`: fetch again what is older than that (at most the
        quote TTL), for a caller that keeps the cache ahead of its readers."""
        unique = list(dict.fromkeys(tickers))
        ttl = self.settings.quote_cache_ttl_seconds
        if fresh_for is not None:
            ttl = min(ttl, fresh_for)
        with tracer.start_as_current_span(
            "market.quotes", attributes={"market.tickers": len(unique)}
        ):
            return await self._quotes(unique, wait_seconds, budget, ttl)

    async def _quotes(
        self, unique: list[str], wait_seconds: float | None, budget: CallBudget | None, ttl: int
    ) -> QuoteBatch:
        keys = {self.quote_key(t): t for t in unique}
        fresh = await self.cache.fresh_values(list(keys), ttl=ttl, adapter=_QUOTE)
        batch = QuoteBatch(quotes={keys[key]: quote for key, quote in fresh.items()})
        missing = [t for t in unique if t not in batch.quotes]
        if not missing:
            return batch
        known = await self.instruments.instruments(missing)
        tasks = {
            asyncio.ensure_future(self._quote(t, budget=budget, fresh_for=ttl, known=known)): t
            for t in missing
        }
        done, pending = await asyncio.wait(tasks, timeout=wait_seconds)
        for task in done:
            ticker = tasks[task]
            if (error := task.exception()) is None:
                batch.quotes[ticker] = task.result()
            elif isinstance(error, AppError):
                batch.errors[ticker] = error
            else:
                raise error
        for task in pending:
            task.add_done_callback(_consume)
            batch.errors[tasks[task]] = ProviderUnavailableError("Quote not available in time.")
        return batch

    # -- search, history, validation ----------------------------------------------------------

    async def search(
        self, query: str, *, limit: int, budget: CallBudget | None = None
    ) -> Cached[list[SearchHit]]:
        normalized = " ".join(query.lower().split())

        async def fetch() -> list[SearchHit]:
            if budget is not None:
                await budget.spend()
            return await self.provider.search(normalized, limit=limit)

        cached = await self.cache.get(
            f"md:search:{limit}:{normalized}",
            ttl=self.settings.search_cache_ttl_seconds,
            fetch=fetch,
            adapter=_HITS,
        )
        await self._remember_listed(hit.ticker for hit in cached.value)
        return cached

    # -- tickers worth quoting in the tick ------------------------------------------------------

    async def _remember_listed(self, tickers: Iterable[str]) -> None:
        """Symbols a search returned: a socket may watch them before they are registered."""
        expires = time.time() + LISTED_SECONDS
        wanted = dict.fromkeys(tickers, expires)
        if wanted:
            with contextlib.suppress(*REDIS_DOWN_ERRORS):
                await self.redis.zadd(LISTED_KEY, wanted)

    async def recently_listed(self, tickers: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(tickers))
        if not wanted:
            return set()
        try:
            scores = await self.redis.zmscore(LISTED_KEY, wanted)
        except REDIS_DOWN_ERRORS:
            return set()
        now = time.time()
        return {t for t, score in zip(wanted, scores, strict=True) if score and score > now}

    async def history(
        self, ticker: str, *, start: date, end: date, fresh: bool = False
    ) -> PriceHistory:
        """Closes, dividends and splits. `fresh` asks the provider even when the cache holds
        the window (and refreshes the cache): a daily-close job must never store a bar that
        was cached while the session was still trading."""

        async def fetch() -> PriceHistory:
            if (instrument := await self.instrument(ticker)) is not None:
                return await self.source_of(instrument).history(instrument, start=start, end=end)
            return await self.provider.history(ticker, start=start, end=end)

        # v2: the entry became a PriceHistory; older entries (bare lists) are never read.
        return await self._history_like(
            f"md:history:v2:{ticker}:{start}:{end}", fetch=fetch, adapter=_HISTORY, fresh=fresh
        )

    async def source_name(self, ticker: str) -> str:
        """Who prices the ticker: its instrument's source, else the provider."""
        instrument = await self.instrument(ticker)
        return self.source_of(instrument).source if instrument else self.provider.source

    async def benchmark_series(
        self, code: int, *, start: date, end: date, fresh: bool = False
    ) -> list[RatePoint]:
        """A benchmark rate series by SGS code (12 CDI, 11 SELIC, 433 IPCA), cached like
        history: single flight, an expired value when the source fails, `fresh` to bypass."""
        return await self._history_like(
            f"md:rates:{code}:{start}:{end}",
            fetch=lambda: self.rates.series(code, start=start, end=end),
            adapter=_RATES,
            fresh=fresh,
        )

    async def rate_values(
        self, series: str, *, first: date, last: date
    ) -> list[tuple[date, Decimal]]:
        """A rate series' stored values in [first, last] and the last one before `first`, the
        window fetched from the rates provider first where it was never asked for (or where
        the stored window ends long ago): what an instrument on that index is priced with."""
        covered = await benchmark_coverage(series=series)
        gaps: list[tuple[date, date]] = []
        if covered is None:
            gaps.append((first, last))
        else:
            if first < covered.first:
                gaps.append((first, covered.first))
            if covered.last < last - RATES_STALE_AFTER:
                gaps.append((max(covered.first, covered.last - RATES_REFETCH_TAIL), last))
        for start, end in gaps:
            if start <= end:
                await store_benchmark(market=self, series=series, start=start, end=end)
        return await benchmark_values(series=series, first=first, last=last)

    async def _history_like(
        self,
        key: str,
        *,
        fetch: Callable[[], Awaitable[T]],
        adapter: TypeAdapter[T],
        fresh: bool,
    ) -> T:
        read = self.cache.refresh if fresh else self.cache.get
        cached = await read(
            key, ttl=self.settings.history_cache_ttl_seconds, fetch=fetch, adapter=adapter
        )
        return cached.value

    async def describe(self, ticker: str) -> AssetDetails:
        """What the provider says the ticker is; UnknownTickerError when it does not know it,
        UnsupportedCurrencyError when it quotes it in no ISO 4217 currency (minor units such
        as London's pence are already converted to their currency)."""
        quote = await self.quote(ticker)
        if not is_currency(quote.currency):
            raise UnsupportedCurrencyError(
                f"The market-data provider quotes {ticker} in {quote.currency[:16]!r}, which is"
                " not an ISO 4217 currency: the asset cannot be registered."
            )
        return AssetDetails(
            name=quote.name or ticker,
            exchange=quote.exchange,
            currency=quote.currency,
            asset_type=quote.asset_type,
        )


# ---- daily closes ------------------------------------------------------------------------

BACKFILL_JOB = "backfill_asset"
REFRESH_JOB = "refresh_daily_returns"


async def schedule_backfill(*, jobs: JobQueue, asset_id: int, days: int) -> str:
    """After the current transaction commits; one backfill per asset at a time."""
    return await jobs.enqueue(BACKFILL_JOB, asset_id, days, job_id=f"backfill:{asset_id}")


@dataclass(frozen=True)
class Refreshed:
    closes: Stored
    events: StoredEvents


async def refresh_closes(
    *,
    market: MarketData,
    asset_id: int,
    ticker: str,
    start: date,
    end: date,
    previous_session: PreviousSession,
) -> Refreshed:
    """The daily closes and events (corporate actions, a redemption at maturity) of an asset in
    [start, end], stored (idempotent). Fresh from the source: a history cached during the
    session would hold an intraday bar. The provider's closes are split-adjusted: when a split
    is seen for the first time, the closes stored before it are fetched again, so that every
    stored close is on the same basis."""
    history = await market.history(ticker, start=start, end=end, fresh=True)
    for reason in history.skipped:
        logger.warning("%s: provider event skipped: %s", ticker, reason)
    events = await store_events(
        asset_id=asset_id,
        dividends=history.dividends,
        splits=history.splits,
        redemptions=history.redemptions,
        source=await market.source_name(ticker),
    )
    first = await first_close_date(asset_id=asset_id)
    if events.splits and first is not None and first < start:
        history = await market.history(ticker, start=first, end=end, fresh=True)
    stored = await store_closes(
        asset_id=asset_id, closes=history.closes, previous_session=previous_session
    )
    return Refreshed(closes=stored, events=events)


async def refresh_fx(
    *, market: MarketData, currency: str, reporting: str, start: date, end: date
) -> int:
    """Daily closes of a currency into the reporting one (`USDBRL=X`), stored (idempotent)."""
    history = await market.history(fx_ticker(currency, reporting), start=start, end=end, fresh=True)
    return await store_rates(series=fx_series(currency, reporting), closes=history.closes)


@dataclass(frozen=True)
class LiveRate:
    rate: Decimal
    stale: bool


async def live_rates(
    *, market: MarketData, currencies: Iterable[str], reporting: str
) -> dict[str, LiveRate]:
    """Today's rate of each currency into the reporting one, from the pair's live quote
    (through the cache); a currency the provider cannot answer is left out."""
    foreign = sorted({c for c in currencies if c != reporting})
    rates = {reporting: LiveRate(Decimal(1), stale=False)}
    if not foreign:
        return rates
    tickers = {fx_ticker(c, reporting): c for c in foreign}
    batch = await market.quotes(
        list(tickers), wait_seconds=market.settings.valuation_timeout_seconds
    )
    for ticker, quote in batch.quotes.items():
        rates[tickers[ticker]] = LiveRate(quote.price, stale=quote.stale)
    return rates


async def ensure_history_from(*, jobs: JobQueue, asset_id: int, start: date) -> str | None:
    """A holding dated `start` needs closes from then on: when the stored history begins later
    (or not at all), a backfill from `start` is scheduled (one job per asset and date)."""
    first = await first_close_date(asset_id=asset_id)
    if first is not None and first <= start:
        return None
    return await jobs.enqueue(
        BACKFILL_JOB, asset_id, 0, start=start.isoformat(), job_id=f"backfill:{asset_id}:{start}"
    )


CORPORATE_ACTIONS_JOB = "apply_corporate_actions"


async def schedule_corporate_actions(*, jobs: JobQueue, asset_ids: Sequence[int]) -> str:
    """New events of some assets reach the ledgers of those who held them (a job of the
    ledger's owner, named here so that pricing never imports it)."""
    return await jobs.enqueue(
        CORPORATE_ACTIONS_JOB, sorted(asset_ids), job_id=f"corporate:{uuid.uuid4().hex}"
    )


FX_BACKFILL_JOB = "backfill_fx"


async def ensure_fx_from(
    *, jobs: JobQueue, currency: str, reporting: str, start: date
) -> str | None:
    """A holding in `currency` from `start` needs that currency's rates from then on: when
    the stored ones begin later (or not at all), a backfill is scheduled."""
    if currency == reporting:
        return None
    first = await first_rate_date(series=fx_series(currency, reporting))
    if first is not None and first <= start:
        return None
    return await jobs.enqueue(
        FX_BACKFILL_JOB, currency, start.isoformat(), job_id=f"fx:{currency}:{start}"
    )


# Published after closes, corporate actions, exchange rates or benchmark values were stored:
# whatever was computed from them (performance snapshots) is computed again.
MARKET_DATA_STORED = "market.stored"
BENCHMARK_JOB = "backfill_benchmark"


async def refresh_benchmark(
    *, market: MarketData, jobs: JobQueue, series: str, start: date, end: date
) -> int:
    """A benchmark's values in [start, end] from its source, stored (idempotent): CDI, SELIC
    and IPCA from the rates provider, IBOV's closes from the market-data provider. When a rate
    is new or revised, the closes of the instruments priced on it follow (a job)."""
    stored = await store_benchmark(market=market, series=series, start=start, end=end)
    if stored.first_changed is not None and series in RATE_SERIES:
        await schedule_curve_refresh(jobs=jobs, series=series, since=stored.first_changed)
    return stored.count


async def store_benchmark(
    *, market: MarketData, series: str, start: date, end: date
) -> StoredValues:
    """A benchmark's values in [start, end] from its source, stored (idempotent)."""
    if series in RATE_SERIES:
        points = await market.benchmark_series(
            RATE_SERIES[series], start=start, end=end, fresh=True
        )
        values = [(p.date, p.value) for p in points if p.value.is_finite()]
        source = market.rates.source
    elif series in INDEX_SERIES:
        history = await market.history(INDEX_SERIES[series], start=start, end=end, fresh=True)
        values = [(c.date, c.close) for c in history.closes if c.close > 0]
        source = market.provider.source
    else:
        raise UnknownSeriesError(f"No benchmark series {series!r}.")
    return await store_benchmark_values(
        series=series, values=values, first=start, last=end, source=source
    )


CURVE_JOB = "refresh_curve_closes"


async def schedule_curve_refresh(*, jobs: JobQueue, series: str, since: date) -> str:
    """The closes of the instruments priced on a rate series, from `since` (its earliest new
    or revised value) on, computed again (a job of the registry's, named here so that pricing
    never imports it)."""
    return await jobs.enqueue(
        CURVE_JOB, series, since.isoformat(), job_id=f"curve:{series}:{uuid.uuid4().hex}"
    )


async def schedule_benchmark(*, jobs: JobQueue, series: str, start: date, end: date) -> str:
    """A benchmark's values fetched by the worker (one job per series and window)."""
    return await jobs.enqueue(
        BENCHMARK_JOB,
        series,
        start.isoformat(),
        end.isoformat(),
        job_id=f"benchmark:{series}:{start}:{end}",
    )


async def schedule_refresh(
    *, jobs: JobQueue, asset_id: int | None, start: date | None, end: date | None
) -> str:
    return await jobs.enqueue(
        REFRESH_JOB,
        asset_id=asset_id,
        start=start.isoformat() if start else None,
        end=end.isoformat() if end else None,
    )


async def unit_price_on(
    *, market: MarketData, asset_id: int, ticker: str, day: date
) -> Decimal | None:
    """An asset's close of `day`: the stored one, else its source's (a listing's provider, an
    instrument's curve); None when it has none that day (a weekend, a holiday)."""
    stored = await close_on_day(asset_id=asset_id, day=day)
    if stored is not None:
        return stored
    history = await market.history(ticker, start=day, end=day)
    return next((c.close for c in history.closes if c.date == day), None)


# ---- Tesouro Direto and funds: prices from published files ------------------------------------


async def treasury_titles(*, market: MarketData) -> TreasuryCatalog:
    """The Tesouro Direto titles and maturities Tesouro Transparente's price file has (today's
    download): what a treasury asset may be registered as."""
    return await market.treasury.catalog()


async def ensure_treasury_title(
    *, market: MarketData, title: str, maturity_date: date
) -> TreasuryBond:
    """The title and maturity as the file names them; UnknownTreasuryTitleError (422, listing
    the titles the file prices now) when it has no such pair."""
    catalog = await treasury_titles(market=market)
    bond = catalog.find(title=title, maturity_date=maturity_date)
    if bond is None:
        raise unknown_treasury_title(catalog, title=title, maturity_date=maturity_date)
    return bond


async def refresh_published_prices(
    *, market: MarketData, start: date, end: date
) -> list[BatchReport]:
    """Every registered treasury title's and fund's closes in [start, end]: Tesouro
    Transparente's file and each of CVM's monthly files downloaded once and read once for
    all of them. A file that cannot be used is in its report (and makes its quotes stale)."""
    reports = []
    treasury = await market.instruments.of_kind(AssetKind.TREASURY)
    if treasury:
        reports.append(await market.treasury.refresh(treasury, start=start, end=end))
    funds = await market.instruments.of_kind(AssetKind.FUND)
    if funds:
        reports.append(await market.funds.refresh(funds, start=start, end=end))
    return reports


async def daily_history(*, asset_id: int, start: date, end: date) -> list[DailyReturnOut]:
    rows = await stored_history(asset_id=asset_id, start=start, end=end)
    return [DailyReturnOut.model_validate(row) for row in rows]


def _consume(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: no "never retrieved" warning for an abandoned wait


def rates_provider(settings: Settings) -> RatesProvider:
    """Banco Central's SGS, or simulated rates when the prices are simulated (offline demos)."""
    if settings.market_data_provider == "simulated":
        return SimulatedRates()
    return BcbProvider(settings)


def create_market_data(
    settings: Settings, redis: Redis, *, instruments: InstrumentLookup | None = None
) -> MarketData:
    """`instruments`: the registry of instruments (the application's asset registry); without
    it every ticker is a listing."""
    provider: MarketDataProvider = (
        SimulatedProvider(tick_seconds=settings.tick_seconds)
        if settings.market_data_provider == "simulated"
        else YahooProvider(settings)
    )
    return MarketData(
        provider=provider,
        redis=redis,
        settings=settings,
        rates=rates_provider(settings),
        instruments=instruments,
    )


async def provider_problem(market: MarketData, *, probe_ticker: str = "AAPL") -> str | None:
    """None when the configured provider answers a quote, else a plain-language reason."""
    return await _quote_problem(market.provider, probe_ticker)


async def yahoo_problem(settings: Settings, *, probe_ticker: str = "AAPL") -> str | None:
    """Whether Yahoo answers from here, asked before anything else runs (no cache, no Redis):
    None when it quotes, else a plain-language reason."""
    provider = YahooProvider(settings)
    try:
        return await _quote_problem(provider, probe_ticker)
    finally:
        await provider.close()


async def _quote_problem(provider: MarketDataProvider, probe_ticker: str) -> str | None:
    try:
        await asyncio.wait_for(provider.quote(probe_ticker), 8)
    except (ProviderUnavailableError, ProviderError, UnknownTickerError) as exc:
        return exc.detail
    except TimeoutError:
        return "no answer within 8 seconds"
    return None
