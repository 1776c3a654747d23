"""Benchmarks: what a portfolio is measured against.

CDI and SELIC (Banco Central's SGS, % per business day), IPCA (SGS, % in the month),
IBOVESPA (the provider's `^BVSP` closes) and any registered asset (its stored closes). Each
becomes a growth curve: what one unit put in at a base day's close had become at a later day.

A daily rate accrues on B3 business days only: the rate published for a business day pays
from that day's close to the next business day's, so from day x to day y the growth is the
product of (1 + rate / 100) over the business days b with bd(x) <= b < bd(y), bd(d) being the
last business day on or before d. IPCA accrues pro rata by calendar day within its month. An
index or an asset grows as its close (the last close on or before the day).

Values are fetched when first needed (inline, bounded by `VALUATION_TIMEOUT_SECONDS`, else by
a job) and kept in `benchmark_rates`; a daily cron refreshes what is in use.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from carteira.assets import service as assets
from carteira.benchmarks.exceptions import TooManyBenchmarksError, UnknownBenchmarkError
from carteira.benchmarks.schemas import BenchmarkNote, BenchmarkOut
from carteira.core.calendar import business_days, is_business_day, previous_business_day
from carteira.core.errors import REDIS_DOWN_ERRORS, AppError
from carteira.core.events import EventBus
from carteira.core.jobs import JobQueue
from carteira.core.pagination import PageParams
from carteira.pricing import service as pricing
from carteira.pricing.service import MarketData

MAX_PER_REQUEST = 5
LOOKBACK = timedelta(days=15)  # a rate or close carried into a window starts before it
REFETCH_TAIL = timedelta(days=10)  # late publications and revisions
RETRY_INLINE_AFTER_SECONDS = 60  # after a failed inline fetch, leave it to the job meanwhile
STALE_AFTER = timedelta(days=7)


class Kind(StrEnum):
    DAILY_RATE = "daily_rate"  # % per business day
    MONTHLY_RATE = "monthly_rate"  # % in the month, dated the 1st
    INDEX = "index"  # a level (a close)
    ASSET = "asset"  # a registered asset's stored closes


@dataclass(frozen=True, slots=True)
class Benchmark:
    code: str
    name: str
    kind: Kind
    currency: str = "BRL"
    asset_id: int | None = None


BUILTIN: dict[str, Benchmark] = {
    "CDI": Benchmark("CDI", "CDI (Banco Central do Brasil, SGS 12)", Kind.DAILY_RATE),
    "SELIC": Benchmark("SELIC", "SELIC (Banco Central do Brasil, SGS 11)", Kind.DAILY_RATE),
    "IPCA": Benchmark("IPCA", "IPCA (Banco Central do Brasil, SGS 433)", Kind.MONTHLY_RATE),
    "IBOV": Benchmark("IBOV", "IBOVESPA (^BVSP)", Kind.INDEX),
}
VALID = ", ".join(BUILTIN)


async def resolve(*, codes: Sequence[str]) -> list[Benchmark]:
    """The benchmarks named by `codes` (case-insensitive, duplicates dropped): a built-in code
    or the ticker of a registered asset; anything else is a 422 naming the valid ones."""
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes if code.strip()))
    if len(wanted) > MAX_PER_REQUEST:
        raise TooManyBenchmarksError(f"At most {MAX_PER_REQUEST} benchmarks per request.")
    found = []
    for code in wanted:
        if code in BUILTIN:
            found.append(BUILTIN[code])
            continue
        info = await assets.info_by_ticker(ticker=code) if len(code) <= 32 else None
        if info is None:
            raise UnknownBenchmarkError(
                f"Unknown benchmark {code[:32]!r}. Valid: {VALID}, or the ticker of a"
                " registered asset (e.g. PETR4.SA)."
            )
        found.append(
            Benchmark(info.ticker, info.name, Kind.ASSET, currency=info.currency, asset_id=info.id)
        )
    return found


async def list_benchmarks(
    *, params: PageParams, market: MarketData
) -> tuple[list[BenchmarkOut], int]:
    """The built-ins first, then every registered asset by ticker."""
    covered = await pricing.covered_series()
    builtins = [
        BenchmarkOut(
            code=b.code,
            name=b.name,
            kind=b.kind.value,
            currency=b.currency,
            source=covered[b.code].source if b.code in covered else _source_of(b, market),
            first_date=covered[b.code].first if b.code in covered else None,
            last_date=covered[b.code].last if b.code in covered else None,
        )
        for b in BUILTIN.values()
    ]
    shown = builtins[params.offset : params.offset + params.limit]
    infos, registered = await assets.asset_infos(
        offset=max(0, params.offset - len(builtins)), limit=params.limit - len(shown)
    )
    shown += [
        BenchmarkOut(
            code=info.ticker,
            name=info.name,
            kind=Kind.ASSET.value,
            currency=info.currency,
            source="asset",
        )
        for info in infos
    ]
    return shown, len(builtins) + registered


def _source_of(benchmark: Benchmark, market: MarketData) -> str:
    return market.rates.source if benchmark.kind is not Kind.INDEX else market.provider.source


# ---- growth curves -----------------------------------------------------------------------------


@dataclass
class Curve:
    """A benchmark's level as a step function of the day, measured from a base day."""

    benchmark: Benchmark
    source: str
    days: list[date] = field(default_factory=list)  # where the level changes, oldest first
    levels: list[float] = field(default_factory=list)
    base: int | None = None  # index of the base step
    notes: list[BenchmarkNote] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.base is not None

    @property
    def base_day(self) -> date | None:
        return self.days[self.base] if self.base is not None else None

    def at(self, day: date) -> float | None:
        """Growth (a fraction) from the base to `day`; None before the base or without data."""
        if self.base is None:
            return None
        index = bisect.bisect_right(self.days, day) - 1
        if index < self.base:
            return None
        return self.levels[index] / self.levels[self.base] - 1

    def between(self, start: date, end: date) -> float | None:
        """Growth from `start`'s close to `end`'s (a start before the base counts from it)."""
        high = self.at(end)
        if high is None:
            return None
        low = self.at(start)
        return (1 + high) / (1 + low) - 1 if low is not None else high

    def measured_from(self, eve: date) -> None:
        """Base the curve at `eve` (the close before the portfolio's first day), or at its
        first value when it starts later (said in a note)."""
        if not self.days:
            return
        index = bisect.bisect_right(self.days, eve) - 1
        if index >= 0:
            self.base = index
            return
        self.base = 0
        code, first = self.benchmark.code, self.days[0]
        self.notes.append(
            BenchmarkNote(
                code="starts_later",
                detail=f"{code} starts on {first.isoformat()}: measured from then.",
                benchmark=code,
                date=first,
            )
        )


async def curves(
    *,
    benchmarks: Sequence[Benchmark],
    eve: date,
    last: date,
    market: MarketData,
    jobs: JobQueue,
    events: EventBus,
) -> list[Curve]:
    """Each benchmark's growth from `eve`'s close, for days up to `last`."""
    return [
        await _curve(benchmark, eve=eve, last=last, market=market, jobs=jobs, events=events)
        for benchmark in benchmarks
    ]


async def _curve(
    benchmark: Benchmark,
    *,
    eve: date,
    last: date,
    market: MarketData,
    jobs: JobQueue,
    events: EventBus,
) -> Curve:
    if benchmark.kind is Kind.ASSET:
        curve = await _asset_curve(benchmark, eve=eve, last=last)
    else:
        first = eve - LOOKBACK
        if benchmark.kind is Kind.MONTHLY_RATE:
            first = first.replace(day=1)
        problem = await _ensure(
            benchmark.code, first=first, last=last, market=market, jobs=jobs, events=events
        )
        covered = await pricing.benchmark_coverage(series=benchmark.code)
        values = await pricing.benchmark_values(series=benchmark.code, first=first, last=last)
        curve = Curve(
            benchmark, source=covered.source if covered else _source_of(benchmark, market)
        )
        if benchmark.kind is Kind.DAILY_RATE:
            _accrue_daily(curve, values, last=last)
        elif benchmark.kind is Kind.MONTHLY_RATE:
            _accrue_monthly(curve, values, last=last)
        else:
            _index(curve, values, last=last)
        if problem:
            curve.notes.append(problem)
    curve.measured_from(eve)
    if not curve.available:
        curve.notes.append(
            BenchmarkNote(
                code="unavailable",
                detail=f"{benchmark.code} is unavailable for this period.",
                benchmark=benchmark.code,
            )
        )
    return curve


def _accrue_daily(curve: Curve, values: Sequence[tuple[date, object]], *, last: date) -> None:
    """Levels on B3 business days: each day's rate pays to the next business day."""
    rates = {day: float(str(value)) for day, value in values if is_business_day(day)}
    if not rates:
        return
    published = sorted(rates)
    start = published[0]
    days = business_days(start, last)
    level, rate = 1.0, 0.0
    for index, day in enumerate(days):
        curve.days.append(day)
        curve.levels.append(level)
        if day in rates:
            rate = rates[day]
        elif day > published[-1]:
            rate = 0.0  # not published yet: no accrual is invented
        if index + 1 < len(days):
            level *= 1 + rate / 100
    latest = previous_business_day(last) if last > start else start
    if published[-1] < latest - STALE_AFTER:
        code = curve.benchmark.code
        curve.notes.append(
            BenchmarkNote(
                code="rates_published_through",
                detail=f"{code} rates are published through {published[-1].isoformat()}.",
                benchmark=code,
                date=published[-1],
            )
        )


def _accrue_monthly(curve: Curve, values: Sequence[tuple[date, object]], *, last: date) -> None:
    """Levels on calendar days: a month's rate accrues pro rata by day within it."""
    rates = {day.replace(day=1): float(str(value)) for day, value in values}
    if not rates:
        return
    start = min(rates)
    level_at_month = 1.0
    day = start
    while day <= last:
        month = day.replace(day=1)
        following = (month + timedelta(days=32)).replace(day=1)
        length = (following - month).days
        rate = rates.get(month)
        curve.days.append(day)
        if rate is None:
            curve.levels.append(level_at_month)  # not published yet: flat
        else:
            curve.levels.append(level_at_month * (1 + rate / 100) ** ((day - month).days / length))
        day += timedelta(days=1)
        if day == following and rate is not None:
            level_at_month *= 1 + rate / 100
    latest = max(rates)
    if latest < (last.replace(day=1) - timedelta(days=40)).replace(day=1):
        code, published = curve.benchmark.code, latest.strftime("%Y-%m")
        curve.notes.append(
            BenchmarkNote(
                code="rates_published_through_month",
                detail=f"{code} is published through {published}.",
                benchmark=code,
                month=published,
            )
        )


def _index(curve: Curve, values: Sequence[tuple[date, object]], *, last: date) -> None:
    for day, value in values:
        level = float(str(value))
        if level > 0:
            curve.days.append(day)
            curve.levels.append(level)
    if curve.days and curve.days[-1] < last - STALE_AFTER:
        code = curve.benchmark.code
        curve.notes.append(
            BenchmarkNote(
                code="closes_stored_through",
                detail=f"{code} closes are stored through {curve.days[-1].isoformat()}.",
                benchmark=code,
                date=curve.days[-1],
            )
        )


async def _asset_curve(benchmark: Benchmark, *, eve: date, last: date) -> Curve:
    assert benchmark.asset_id is not None
    window = await pricing.closes_window(asset_ids=[benchmark.asset_id], first=eve, last=last)
    values: list[tuple[date, object]] = []
    if benchmark.asset_id in window.opening:
        values.append((eve, window.opening[benchmark.asset_id]))
    values += [
        (day, closes[benchmark.asset_id])
        for day, closes in sorted(window.by_day.items())
        if benchmark.asset_id in closes
    ]
    curve = Curve(benchmark, source="asset")
    _index(curve, values, last=last)
    if benchmark.currency != "BRL":
        curve.notes.append(
            BenchmarkNote(
                code="unconverted",
                detail=f"{benchmark.code} is measured in {benchmark.currency}, unconverted.",
                benchmark=benchmark.code,
                currency=benchmark.currency,
            )
        )
    return curve


# ---- fetching ----------------------------------------------------------------------------------


async def _ensure(
    series: str, *, first: date, last: date, market: MarketData, jobs: JobQueue, events: EventBus
) -> BenchmarkNote | None:
    """The series' values over [first, last] fetched unless already asked for; when the
    source cannot answer now, a job will (and the note says so)."""
    covered = await pricing.benchmark_coverage(series=series)
    gaps: list[tuple[date, date]] = []
    if covered is None:
        gaps.append((first, last))
    else:
        if first < covered.first:
            gaps.append((first, covered.first))
        if covered.last < last:
            gaps.append((max(covered.first, covered.last - REFETCH_TAIL), last))
    if not gaps:
        return None
    failed_key = f"benchmarks:failed:{series}"
    if not await _recently_failed(market, failed_key):
        try:
            async with asyncio.timeout(market.settings.valuation_timeout_seconds):
                for start, end in gaps:
                    await pricing.refresh_benchmark(
                        market=market, jobs=jobs, series=series, start=start, end=end
                    )
        except (TimeoutError, AppError):
            with contextlib.suppress(*REDIS_DOWN_ERRORS):
                await market.redis.set(failed_key, 1, ex=RETRY_INLINE_AFTER_SECONDS)
        else:
            await events.publish(pricing.MARKET_DATA_STORED)
            return None
    for start, end in gaps:
        await pricing.schedule_benchmark(jobs=jobs, series=series, start=start, end=end)
    return BenchmarkNote(
        code="fetching",
        detail=f"{series} could not be fetched just now; the worker is fetching it.",
        benchmark=series,
    )


async def _recently_failed(market: MarketData, key: str) -> bool:
    """An inline fetch failed a moment ago (any process): leave it to the job meanwhile."""
    try:
        return bool(await market.redis.exists(key))
    except REDIS_DOWN_ERRORS:
        return False
