"""Pure performance math: money-weighted (XIRR) and time-weighted (TWR) returns.

Conventions:

* Every return is a float *fraction* (0.05 means 5 %); callers scale to percent.
* Cash flows are seen from the investor: negative = money put in (a purchase),
  positive = money taken out or the final market value.
* XIRR is annualized with ACT/365 (fixed) and computed by ``pyxirr``.
* TWR follows the quota method of Brazilian platforms (the "cota" of a fund): chain-linked
  daily, each flow entering at the price paid. A day splits in two: what was held at the
  previous close is carried to this close (sales at the price received), then the day's
  purchases earn from the price paid to the close on the money after the flows:
  ``1 + r_t = (V_t - in_t + out_t - G_t) / V_{t-1}  x  V_t / (V_t - G_t)``, ``G_t`` being the
  purchases' gain from their price (fees included) to the close. A purchase at the close has
  no such gain, so a fully invested client earns exactly its asset's return; with no flow and
  no purchase the day is ``V_t / V_{t-1}``. Before the first day the portfolio is worth 0,
  so the first factor is 1 and day 0 earns from the price paid to the close.
* Inputs are Decimal (money); the returns are computed in float since they are
  analytics, never booked amounts.
"""

from __future__ import annotations

import bisect
import datetime
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Literal

import pyxirr

_ZERO = Decimal(0)

XirrNoteCode = Literal[
    "needs_purchase_and_value",
    "same_sign",
    "same_date",
    "not_converged",
    "prices_missing",
    "rates_missing",
]


@dataclass(frozen=True, slots=True)
class Undefined:
    """Why XIRR is undefined: a machine code and the English sentence."""

    code: XirrNoteCode
    detail: str


NEEDS_PURCHASE_AND_VALUE = Undefined(
    "needs_purchase_and_value", "needs at least one purchase and a later value"
)
SAME_SIGN = Undefined("same_sign", "all cash flows have the same sign")
SAME_DATE = Undefined("same_date", "all cash flows are on the same date")
NOT_CONVERGED = Undefined("not_converged", "did not converge")


@dataclass(frozen=True, slots=True)
class CashFlow:
    on: datetime.date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class XirrResult:
    """An XIRR fraction, or None with the reason why it is undefined."""

    value: float | None
    reason: Undefined | None = None


@dataclass(frozen=True, slots=True)
class ValuationDay:
    on: datetime.date
    value: Decimal  # market value at that day's close
    inflow: Decimal = _ZERO
    outflow: Decimal = _ZERO
    purchase_gain: Decimal = _ZERO  # the day's purchases at the close minus what they cost


def xirr_result(flows: Sequence[CashFlow]) -> XirrResult:
    """Annualized money-weighted return of ``flows``, or why it cannot be computed."""
    reason = _undefined_xirr_reason(flows)
    if reason is not None:
        return XirrResult(None, reason)
    dates = [flow.on for flow in flows]
    amounts = [float(flow.amount) for flow in flows]
    try:
        value = pyxirr.xirr(dates, amounts, silent=True)
    except (pyxirr.InvalidPaymentsError, ValueError, OverflowError):
        return XirrResult(None, NOT_CONVERGED)
    if value is None or not math.isfinite(value):
        return XirrResult(None, NOT_CONVERGED)
    return XirrResult(float(value))


def xirr(flows: Sequence[CashFlow]) -> float | None:
    """Annualized money-weighted return as a fraction; None when undefined."""
    return xirr_result(flows).value


def _undefined_xirr_reason(flows: Sequence[CashFlow]) -> Undefined | None:
    has_purchase = any(flow.amount < 0 for flow in flows)
    has_value = any(flow.amount > 0 for flow in flows)
    if len(flows) < 2 or not (has_purchase or has_value):
        return NEEDS_PURCHASE_AND_VALUE
    if not (has_purchase and has_value):
        return SAME_SIGN
    if len({flow.on for flow in flows}) == 1:
        return SAME_DATE
    return None


def twr_series(days: Sequence[ValuationDay]) -> list[float]:
    """Cumulative time-weighted return (fraction) at the close of every day.

    Each point depends only on the days up to it, so appending later days
    (e.g. a new purchase) never changes earlier points.
    """
    _require_increasing_dates(days)
    series: list[float] = []
    growth = 1.0
    previous_value = 0.0
    for day in days:
        growth *= 1.0 + _daily_return(previous_value, day)
        series.append(growth - 1.0)
        previous_value = float(day.value)
    return series


def twr(days: Sequence[ValuationDay]) -> float | None:
    """Cumulative time-weighted return over ``days``; None if nothing was ever invested."""
    if not any(day.value > 0 or day.inflow > 0 for day in days):
        return None
    return twr_series(days)[-1]


def annualize(total_return: float, days: int) -> float:
    """Turn a total return over ``days`` into a yearly rate: (1 + R)^(365 / days) - 1."""
    if days <= 0:
        raise ValueError("days must be positive")
    growth = 1.0 + total_return
    # A total loss stays a total loss; a negative base has no real fractional power.
    if growth <= 0:
        return -1.0
    return math.pow(growth, 365 / days) - 1.0


def _daily_return(previous_value: float, day: ValuationDay) -> float:
    value, gain = float(day.value), float(day.purchase_gain)
    # What was held at the previous close, at this close (sales at their price); nothing
    # held (before the first investment) earns nothing.
    carried = value - float(day.inflow) + float(day.outflow) - gain
    held = carried / previous_value if previous_value > 0 else 1.0
    # The day's purchases, from the price paid to the close.
    after_flows = value - gain
    bought = value / after_flows if after_flows > 0 else 1.0
    return held * bought - 1.0


def _require_increasing_dates(days: Sequence[ValuationDay]) -> None:
    for earlier, later in pairwise(days):
        if later.on <= earlier.on:
            raise ValueError(f"valuation days must be strictly increasing: {later.on}")


# ---- statement figures over a cumulative curve ---------------------------------------------------

TRADING_DAYS_PER_YEAR = 252


@dataclass(frozen=True, slots=True)
class Drawdown:
    fraction: float  # the fall from the peak, negative (0.0: never below a previous peak)
    peak: datetime.date
    trough: datetime.date


def growth_between(curve: Sequence[tuple[datetime.date, float]], start: datetime.date) -> float:
    """Growth (fraction) from `start`'s close to the curve's last point. `curve` holds the
    cumulative growth at each date, oldest first, beginning with its base (0.0); a start
    before the curve counts from its base."""
    index = bisect.bisect_right([day for day, _ in curve], start) - 1
    low = curve[index][1] if index >= 0 else 0.0
    return (1 + curve[-1][1]) / (1 + low) - 1


def volatility(curve: Sequence[tuple[datetime.date, float]]) -> float | None:
    """Annualized volatility (fraction): the sample standard deviation of the returns from
    point to point, times the square root of 252; None with fewer than two returns."""
    returns = [(1 + b) / (1 + a) - 1 for (_, a), (_, b) in pairwise(curve) if 1 + a > 0]
    if len(returns) < 2:
        return None
    return statistics.stdev(returns) * math.sqrt(TRADING_DAYS_PER_YEAR)


def max_drawdown(curve: Sequence[tuple[datetime.date, float]]) -> Drawdown | None:
    """The largest fall of the growth index from a running peak to a later trough."""
    if not curve:
        return None
    peak_day, peak = curve[0][0], 1 + curve[0][1]
    worst = Drawdown(0.0, peak_day, peak_day)
    for day, cumulative in curve:
        level = 1 + cumulative
        if level > peak:
            peak_day, peak = day, level
        elif peak > 0 and level / peak - 1 < worst.fraction:
            worst = Drawdown(level / peak - 1, peak_day, day)
    return worst
