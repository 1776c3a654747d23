"""Hand-computed vectors: CDI accrued over B3 business days, IPCA pro rata, drawdown and
volatility on known series, a time-weighted return across a month boundary."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from carteira.allocations.returns import growth_between, max_drawdown, volatility
from carteira.allocations.schemas import PerformancePoint
from carteira.allocations.statement import statement
from carteira.benchmarks.service import BUILTIN, Curve, _accrue_daily, _accrue_monthly, _index

FEB = {  # published CDI, % per business day; Carnival (16-17 February 2026) has none
    date(2026, 2, 11): Decimal("0.040"),
    date(2026, 2, 12): Decimal("0.041"),
    date(2026, 2, 13): Decimal("0.042"),
    date(2026, 2, 18): Decimal("0.043"),
    date(2026, 2, 19): Decimal("0.044"),
    date(2026, 2, 20): Decimal("0.045"),
}


def cdi_curve() -> Curve:
    curve = Curve(BUILTIN["CDI"], source="bcb")
    _accrue_daily(curve, sorted(FEB.items()), last=date(2026, 2, 20))
    curve.measured_from(date(2026, 2, 11))
    return curve


def test_cdi_accrues_each_business_days_rate_to_the_next_business_day():
    curve = cdi_curve()
    # From 12 Feb's close to 19 Feb's: the rates of 12, 13 and 18 February (Carnival skipped).
    assert curve.between(date(2026, 2, 12), date(2026, 2, 19)) == pytest.approx(
        1.00041 * 1.00042 * 1.00043 - 1, rel=1e-12
    )
    # Over the holiday nothing accrues but Friday's rate, which pays until Wednesday.
    assert curve.between(date(2026, 2, 14), date(2026, 2, 18)) == pytest.approx(0.00042)
    assert curve.between(date(2026, 2, 16), date(2026, 2, 17)) == 0.0
    # From the base (11 Feb) to the last day: five rates.
    assert curve.at(date(2026, 2, 20)) == pytest.approx(
        1.0004 * 1.00041 * 1.00042 * 1.00043 * 1.00044 - 1, rel=1e-12
    )
    assert curve.at(date(2026, 2, 10)) is None  # before the base


def test_a_missing_rate_inside_the_series_carries_the_last_one():
    holes = {day: rate for day, rate in FEB.items() if day != date(2026, 2, 18)}
    curve = Curve(BUILTIN["CDI"], source="bcb")
    _accrue_daily(curve, sorted(holes.items()), last=date(2026, 2, 20))
    curve.measured_from(date(2026, 2, 13))
    assert curve.at(date(2026, 2, 20)) == pytest.approx(1.00042 * 1.00042 * 1.00044 - 1)


def test_ipca_accrues_pro_rata_by_calendar_day_within_its_month():
    curve = Curve(BUILTIN["IPCA"], source="bcb")
    monthly = [(date(2026, 1, 1), Decimal("0.5")), (date(2026, 2, 1), Decimal("0.3"))]
    _accrue_monthly(curve, monthly, last=date(2026, 3, 10))
    curve.measured_from(date(2026, 1, 1))
    assert curve.at(date(2026, 2, 1)) == pytest.approx(0.005)
    assert curve.at(date(2026, 2, 15)) == pytest.approx(1.005 * 1.003 ** (14 / 28) - 1)
    # March is not published yet: flat from 1 March, never an invented rate.
    assert curve.at(date(2026, 3, 10)) == pytest.approx(1.005 * 1.003 - 1)


def test_an_index_grows_as_its_last_close():
    curve = Curve(BUILTIN["IBOV"], source="yahoo")
    _index(
        curve,
        [(date(2026, 2, 11), Decimal(100)), (date(2026, 2, 13), Decimal(110))],
        last=date(2026, 2, 16),
    )
    curve.measured_from(date(2026, 2, 12))
    assert curve.at(date(2026, 2, 16)) == pytest.approx(0.10)


KNOWN = [
    (date(2026, 1, 1), 0.0),
    (date(2026, 1, 2), 0.10),
    (date(2026, 1, 5), -0.01),
    (date(2026, 1, 6), 0.05),
    (date(2026, 1, 7), 0.20),
]


def test_drawdown_on_a_known_series():
    drawdown = max_drawdown(KNOWN)
    assert drawdown is not None
    assert drawdown.fraction == pytest.approx(0.99 / 1.10 - 1)  # -10 %
    assert (drawdown.peak, drawdown.trough) == (date(2026, 1, 2), date(2026, 1, 5))
    rising = max_drawdown([(date(2026, 1, 1), 0.0), (date(2026, 1, 2), 0.1)])
    assert rising is not None
    assert rising.fraction == 0.0


def test_volatility_on_a_known_series():
    curve = [(date(2026, 1, 1), 0.0), (date(2026, 1, 2), 0.01)]
    curve += [(date(2026, 1, 5), 1.01 * 0.99 - 1), (date(2026, 1, 6), 1.01 * 0.99 * 1.02 - 1)]
    # Returns 1 %, -1 %, 2 %: mean 0.6667 %, sample variance 2.3333e-4, x sqrt(252).
    assert volatility(curve) == pytest.approx(math.sqrt(2.3333333e-4) * math.sqrt(252), rel=1e-6)
    assert volatility(curve[:2]) is None  # one return has no deviation


def test_growth_between_counts_from_the_last_point_on_or_before_the_start():
    assert growth_between(KNOWN, date(2026, 1, 3)) == pytest.approx(1.2 / 1.1 - 1)
    assert growth_between(KNOWN, date(2025, 12, 1)) == pytest.approx(0.2)


def test_twr_across_a_month_boundary_links_the_months():
    eve = date(2026, 1, 28)
    series = [
        PerformancePoint(
            date=date(2026, 1, 29), value=None, invested=Decimal(0), cumulative_twr_pct=2.0
        ),
        PerformancePoint(
            date=date(2026, 1, 30), value=None, invested=Decimal(0), cumulative_twr_pct=5.0
        ),
        PerformancePoint(
            date=date(2026, 2, 2), value=None, invested=Decimal(0), cumulative_twr_pct=2.9
        ),
        PerformancePoint(
            date=date(2026, 2, 3), value=None, invested=Decimal(0), cumulative_twr_pct=8.045
        ),
    ]
    figures = statement(
        series=series, eve=eve, last=date(2026, 2, 3), as_of=date(2026, 2, 3), cut=False, curves=[]
    )
    january, february = figures.monthly
    assert (january.month, february.month) == ("2026-01", "2026-02")
    assert january.portfolio_pct == pytest.approx(5.0)
    assert february.portfolio_pct == pytest.approx((1.08045 / 1.05 - 1) * 100)
    assert figures.periods["month"] == pytest.approx(february.portfolio_pct)
    assert figures.periods["inception"] == pytest.approx(8.045)


def test_a_curve_that_stops_gives_no_figure_past_it():
    series = [
        PerformancePoint(
            date=date(2026, 1, 29), value=None, invested=Decimal(0), cumulative_twr_pct=2.0
        ),
        PerformancePoint(
            date=date(2026, 2, 2), value=None, invested=Decimal(0), cumulative_twr_pct=None
        ),
    ]
    figures = statement(
        series=series,
        eve=date(2026, 1, 28),
        last=date(2026, 2, 2),
        as_of=date(2026, 2, 2),
        cut=False,
        curves=[],
    )
    assert [m.portfolio_pct for m in figures.monthly] == [pytest.approx(2.0), None]
    assert figures.periods["inception"] is None
