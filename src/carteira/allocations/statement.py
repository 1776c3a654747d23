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

from carteira.allocations.returns import Drawdown, growth_between, max_drawdown, volatility
from carteira.allocations.schemas import (
    BenchmarkPoint,
    BenchmarkResult,
    MonthlyReturn,
    PerformancePoint,
    PeriodName,
)
from carteira.benchmarks.service import Curve
from carteira.pricing.bcb import add_years

HUNDRED = 100.0
CDI = "CDI"


def pct(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * HUNDRED, 6)


@dataclass(frozen=True)
class Statement:
    periods: dict[PeriodName, float | None]
    monthly: list[MonthlyReturn]
    volatility_pct: float | None
    drawdown: Drawdown | None
    benchmarks: list[BenchmarkResult]
    pct_of_cdi: float | None


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
    cut: bool,
    curves: Sequence[Curve],
) -> Statement:
    """`cut`: the window starts after the client's first entry (`start=`), so a period
    reaching further back cannot be measured; otherwise a period longer than the history
    counts from its beginning (nothing was invested before)."""
    curve = _Curve.of(series, eve)
    starts = period_starts(last, eve)

    def measurable(start: date) -> bool:
        return not (cut and start < eve)

    periods: dict[PeriodName, float | None] = {
        name: pct(curve.between(start, last)) if measurable(start) else None
        for name, start in starts.items()
    }
    months = _months(eve, last)
    cdi = next((c for c in curves if c.benchmark.code == CDI), None)
    monthly = []
    for label, start, end in months:
        portfolio = curve.between(start, end)
        beside = {c.benchmark.code: c.between(start, end) for c in curves}
        monthly.append(
            MonthlyReturn(
                month=label,
                portfolio_pct=pct(portfolio),
                benchmarks={code: pct(value) for code, value in beside.items()},
                pct_of_cdi=_share(portfolio, beside.get(CDI)) if cdi else None,
            )
        )
    results = [
        BenchmarkResult(
            code=c.benchmark.code,
            name=c.benchmark.name,
            source=c.source,
            currency=c.benchmark.currency,
            available=c.available,
            twr_pct=pct(c.at(last)),
            periods={
                name: pct(c.between(start, last)) if measurable(start) else None
                for name, start in starts.items()
            },
            series=[BenchmarkPoint(date=p.date, cumulative_pct=pct(c.at(p.date))) for p in series],
            notes=c.notes,
        )
        for c in curves
    ]
    twr = curve.between(eve, last)
    return Statement(
        periods=periods,
        monthly=monthly,
        volatility_pct=pct(volatility(curve.points)),
        drawdown=max_drawdown(curve.points) if len(curve.points) > 1 else None,
        benchmarks=results,
        pct_of_cdi=_share(twr, cdi.at(last)) if cdi else None,
    )


def _share(portfolio: float | None, cdi: float | None) -> float | None:
    """The portfolio's return as a percentage of the CDI's over the same days."""
    if portfolio is None or cdi is None or cdi <= 0:
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
