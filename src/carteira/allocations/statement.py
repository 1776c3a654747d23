"""What an advisory statement shows beside the curve: period returns, the month x year table,
volatility, the worst drawdown, and the benchmarks measured over the same days.

Everything is read off the time-weighted curve (cumulative growth from the close before the
first day, the base), so money coming in or going out never reads as a return. A curve that
stops (a day without prices or rates) gives figures up to where it stops and none after.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from carteira.allocations.returns import Drawdown, growth_between, max_drawdown, volatility
from carteira.allocations.schemas import (
    BenchmarkPoint,
    BenchmarkResult,
    IncomeFigures,
    MonthlyReturn,
    PerformancePoint,
    PeriodName,
    YearlyReturn,
)
from carteira.benchmarks.service import Curve
from carteira.core.calendar import is_business_day
from carteira.pricing.bcb import add_years

HUNDRED = 100.0
CDI = "CDI"


def pct(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * HUNDRED, 6)


@dataclass(frozen=True, slots=True)
class Income:
    """A provento received, in the view's currency (None: no rate on its date)."""

    on: date
    gross: Decimal | None
    withheld: Decimal | None


@dataclass(frozen=True)
class Statement:
    periods: dict[PeriodName, float | None]
    monthly: list[MonthlyReturn]
    yearly: list[YearlyReturn]
    volatility_pct: float | None
    drawdown: Drawdown | None
    benchmarks: list[BenchmarkResult]
    pct_of_cdi: dict[PeriodName, float | None]
    income: dict[PeriodName, IncomeFigures]


def period_starts(last: date, eve: date) -> dict[PeriodName, date]:
    """The close each period is measured from, for periods ending at `last`."""
    return {
        "month": last.replace(day=1) - timedelta(days=1),
        "ytd": date(last.year - 1, 12, 31),
        "12m": add_years(last, -1),
        "inception": eve,
    }


@dataclass(frozen=True)
class _Curve:
    """The portfolio's cumulative growth, from its base, as far as it goes."""

    points: list[tuple[date, float]]
    stops: date | None  # the first day without a figure

    @classmethod
    def of(cls, series: Sequence[PerformancePoint], eve: date) -> _Curve:
        points = [(eve, 0.0)]
        for point in series:
            if point.cumulative_twr_pct is None:
                return cls(points, stops=point.date)
            points.append((point.date, point.cumulative_twr_pct / HUNDRED))
        return cls(points, stops=None)

    def between(self, start: date, end: date) -> float | None:
        """Growth from `start`'s close to `end`'s; None from where the curve stops."""
        if self.stops is not None and end >= self.stops:
            return None
        days = [day for day, _ in self.points]
        upto = self.points[: bisect.bisect_right(days, end)]
        return growth_between(upto, start) if upto else None


def statement(
    *,
    series: Sequence[PerformancePoint],
    eve: date,
    last: date,
    as_of: date | None,
    cut: bool,
    curves: Sequence[Curve],
    income: Sequence[Income] = (),
) -> Statement:
    """`cut`: the window starts after the client's first entry (`start=`), so a period
    reaching further back cannot be measured; otherwise a period longer than the history
    counts from its beginning (nothing was invested before). Periods are the calendar's of
    `last` and measured up to `as_of`, the last close the figures use."""
    curve = _Curve.of(series, eve)
    starts = period_starts(last, eve)
    through = as_of or eve
    side = _SideBySide(curve, curves, eve=eve, cut=cut)
    periods: dict[PeriodName, float | None] = {}
    shares: dict[PeriodName, float | None] = {}
    for name, start in starts.items():
        portfolio, _, share = (
            side.row(start, through) if side.measurable(start) else (None, {}, None)
        )
        periods[name] = pct(portfolio)
        shares[name] = share
    monthly = [
        MonthlyReturn(month=label, **_returns(*side.row(start, end)))
        for label, start, end in _months(eve, through)
    ]
    yearly = [
        YearlyReturn(year=year, **_returns(*side.row(start, end)))
        for year, start, end in _years(eve, through)
    ]
    results = [
        _benchmark_result(
            c,
            periods={
                name: pct(c.between(start, through)) if side.measurable(start) else None
                for name, start in starts.items()
            },
            through=through,
            series=series,
        )
        for c in curves
    ]
    # A weekend's flat day (a deposit on a Saturday) is not a return: business days only.
    business = [curve.points[0], *(p for p in curve.points[1:] if is_business_day(p[0]))]
    return Statement(
        periods=periods,
        monthly=monthly,
        yearly=yearly,
        volatility_pct=pct(volatility(business)),
        drawdown=max_drawdown(curve.points) if len(curve.points) > 1 else None,
        benchmarks=results,
        pct_of_cdi=shares if side.has_cdi else {},
        income={name: _income_since(income, start, last) for name, start in starts.items()},
    )


@dataclass(frozen=True)
class _SideBySide:
    """The portfolio's curve beside the benchmarks' over the same days. `cut`: the window
    starts after the client's first entry, so nothing before `eve` can be measured."""

    curve: _Curve
    curves: Sequence[Curve]
    eve: date
    cut: bool

    @property
    def has_cdi(self) -> bool:
        return any(c.benchmark.code == CDI for c in self.curves)

    def measurable(self, start: date) -> bool:
        return not (self.cut and start < self.eve)

    def row(
        self, start: date, end: date
    ) -> tuple[float | None, dict[str, float | None], float | None]:
        """The portfolio, each benchmark and % do CDI from `start`'s close to `end`'s."""
        portfolio = self.curve.between(start, end)
        beside = {c.benchmark.code: c.between(start, end) for c in self.curves}
        share = _share(portfolio, beside.get(CDI)) if self.has_cdi else None
        return portfolio, beside, share


def _returns(
    portfolio: float | None, beside: dict[str, float | None], share: float | None
) -> dict[str, Any]:
    """A month's or a year's figures: the portfolio's, each benchmark's, % do CDI."""
    return {
        "portfolio_pct": pct(portfolio),
        "benchmarks": {code: pct(value) for code, value in beside.items()},
        "pct_of_cdi": share,
    }


def _benchmark_result(
    curve: Curve,
    *,
    periods: dict[PeriodName, float | None],
    through: date,
    series: Sequence[PerformancePoint],
) -> BenchmarkResult:
    """A benchmark over the window, beside the portfolio's series (day by day)."""
    return BenchmarkResult(
        code=curve.benchmark.code,
        name=curve.benchmark.name,
        source=curve.source,
        currency=curve.benchmark.currency,
        available=curve.available,
        twr_pct=pct(curve.at(through)),
        periods=periods,
        series=[BenchmarkPoint(date=p.date, cumulative_pct=pct(curve.at(p.date))) for p in series],
        notes=curve.notes,
    )


def _income_since(income: Sequence[Income], start: date, last: date) -> IncomeFigures:
    """Proventos received after `start` up to `last`: gross, withheld and net."""
    gross = withheld = Decimal(0)
    for item in income:
        if start < item.on <= last:
            if item.gross is None or item.withheld is None:
                return IncomeFigures(gross=None, withheld=None, net=None)
            gross += item.gross
            withheld += item.withheld
    return IncomeFigures(gross=gross, withheld=withheld, net=gross - withheld)


def _share(portfolio: float | None, cdi: float | None) -> float | None:
    """The portfolio's return as a percentage of the CDI's over the same days; none when the
    ratio means nothing (a loss, or a CDI that did not grow), as statements print "—"."""
    if portfolio is None or cdi is None or cdi <= 0 or portfolio < 0:
        return None
    return round(portfolio / cdi * HUNDRED, 4)


def _months(eve: date, last: date) -> list[tuple[str, date, date]]:
    """(YYYY-MM, the close before it, its last day up to `last`) for each month after `eve`."""
    months = []
    month = (eve + timedelta(days=1)).replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        months.append(
            (
                month.strftime("%Y-%m"),
                max(eve, month - timedelta(days=1)),
                min(last, following - timedelta(days=1)),
            )
        )
        month = following
    return months


def _years(eve: date, last: date) -> list[tuple[int, date, date]]:
    """(year, the close before it, its last day up to `last`) for each year after `eve`."""
    return [
        (year, max(eve, date(year - 1, 12, 31)), min(last, date(year, 12, 31)))
        for year in range((eve + timedelta(days=1)).year, last.year + 1)
    ]
