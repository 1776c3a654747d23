"""Renda fixa "na curva": a fixed-income instrument's unit price on a day, from its terms and
the rates published for its index. Pure: no database, no clock.

The unit price on day d is face_value x the factor from `issue_date` to d (to the maturity,
when d is past it):

* `pct_of_index` (110 % do CDI): the product, over the index's *published* daily rates r_t with
  issue_date <= t < d, of (1 + r_t/100 x rate/100). The data defines the business days: a day
  without a published rate (a holiday) accrues nothing, and a day whose rate is not published
  yet accrues nothing either (it does once the rate is stored).
* `index_plus` on CDI or SELIC (CDI + 1.5 %): the same product with the index at 100 %, times
  (1 + rate/100)^(1/252) for each published day.
* `fixed` (prefixado 12.5 % a.a.): (1 + rate/100)^(du/252), du being the ANBIMA business days
  in [issue_date, d).
* `index_plus` on IPCA (IPCA + 6 %): each month's IPCA pro rata by business days within the
  month, (1 + IPCA_m/100)^(du_m/DU_m) with du_m the month's business days in [issue_date, d)
  and DU_m all of the month's, times (1 + rate/100)^(du/252). A month whose IPCA is not
  published yet accrues at the last published rate, and the price is `estimated`.

Factors are computed with 40 significant digits; a unit price is rounded to 8 places (the
precision closes are stored with).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from carteira.core.calendar import Market, business_days, is_business_day, next_business_day
from carteira.core.calendar import previous_business_day as previous_banking_day
from carteira.pricing.instruments import FixedIncomeTerms, Indexer, RateMode

CALENDAR: Market = "ANBIMA"
PRECISION = 40
EIGHT_PLACES = Decimal("1E-8")
HUNDRED = Decimal(100)
YEAR = Decimal(252)
ONE = Decimal(1)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class UnitPrice:
    date: date
    price: Decimal
    estimated: bool = False


@dataclass(frozen=True)
class Rates:
    """The index's published values: daily rates (% per day) oldest first, or monthly IPCA
    (% in the month) by the month's first day."""

    daily: Sequence[tuple[date, Decimal]] = ()
    monthly: Mapping[date, Decimal] = field(default_factory=dict)


def uses_daily_rates(terms: FixedIncomeTerms) -> bool:
    return terms.indexer in (Indexer.CDI, Indexer.SELIC)


def previous_business_day(day: date) -> date:
    return previous_banking_day(day, market=CALENDAR)


def prices(terms: FixedIncomeTerms, days: Iterable[date], rates: Rates) -> list[UnitPrice]:
    """The unit price on each of `days` (any days, in any order; answered oldest first)."""
    wanted = sorted(set(days))
    if not wanted:
        return []
    with localcontext() as context:
        context.prec = PRECISION
        if uses_daily_rates(terms):
            return _daily(terms, wanted, rates.daily)
        if terms.indexer is Indexer.IPCA:
            return _ipca(terms, wanted, rates.monthly)
        return _fixed(terms, wanted)


def close_days(terms: FixedIncomeTerms, rates: Rates, *, first: date, last: date) -> list[date]:
    """The days in [first, last] an instrument has a close, from its issue to its maturity.
    Indexed to daily rates: the days a rate was published, the issue date, the business day
    after the last published rate (whose price that rate completes) and the maturity once every
    rate before it is published. Otherwise: the ANBIMA business days and the maturity."""
    issue, maturity = terms.issue_date, terms.maturity_date
    if uses_daily_rates(terms):
        accruing = [day for day, _ in rates.daily if issue <= day < maturity]
        days = set(accruing)
        if is_business_day(issue, market=CALENDAR):
            days.add(issue)
        if accruing:
            days.add(next_business_day(accruing[-1], market=CALENDAR))
        if _complete(terms, rates):
            days.add(maturity)
    else:
        days = set(business_days(issue, min(last, maturity), market=CALENDAR))
        days.add(maturity)
    end = min(last, maturity)
    return sorted(day for day in days if first <= day <= end)


def redemption(terms: FixedIncomeTerms, rates: Rates) -> UnitPrice | None:
    """The final unit price at maturity, once it is known: every daily rate up to the maturity
    published, every IPCA month published (never an estimate)."""
    if uses_daily_rates(terms) and not _complete(terms, rates):
        return None
    final = prices(terms, [terms.maturity_date], rates)[0]
    return None if final.estimated else final


def _complete(terms: FixedIncomeTerms, rates: Rates) -> bool:
    """Every daily rate that accrues before the maturity is published."""
    needed = previous_business_day(terms.maturity_date)
    if needed < terms.issue_date:
        return True
    published = [day for day, _ in rates.daily if terms.issue_date <= day < terms.maturity_date]
    return bool(published) and published[-1] >= needed


# ---- the factors ---------------------------------------------------------------------------


def _unit(terms: FixedIncomeTerms, day: date, factor: Decimal, estimated: bool) -> UnitPrice:
    price = (terms.face_value * factor).quantize(EIGHT_PLACES, ROUND_HALF_EVEN)
    return UnitPrice(date=day, price=price, estimated=estimated)


def _daily(
    terms: FixedIncomeTerms, days: Sequence[date], daily: Sequence[tuple[date, Decimal]]
) -> list[UnitPrice]:
    share = terms.rate / HUNDRED
    spread_per_day = (ONE + terms.rate / HUNDRED) ** (ONE / YEAR)
    accrued = [
        (day, rate)
        for day, rate in daily
        if terms.issue_date <= day < terms.maturity_date and rate.is_finite()
    ]
    answer = []
    factor, index = ONE, 0
    for day in days:
        cutoff = min(day, terms.maturity_date)
        while index < len(accrued) and accrued[index][0] < cutoff:
            rate = accrued[index][1] / HUNDRED
            if terms.rate_mode is RateMode.PCT_OF_INDEX:
                factor *= ONE + rate * share
            else:
                factor *= (ONE + rate) * spread_per_day
            index += 1
        answer.append(_unit(terms, day, factor, estimated=False))
    return answer


class _BusinessDays:
    """ANBIMA business days from a month's start on, counted by bisection."""

    def __init__(self, start: date, end: date) -> None:
        self.days = business_days(start, end, market=CALENDAR)

    def between(self, first: date, before: date) -> int:
        """How many in [first, before)."""
        if before <= first:
            return 0
        return bisect.bisect_left(self.days, before) - bisect.bisect_left(self.days, first)


def _fixed(terms: FixedIncomeTerms, days: Sequence[date]) -> list[UnitPrice]:
    counted = _BusinessDays(terms.issue_date, min(days[-1], terms.maturity_date))
    yearly = ONE + terms.rate / HUNDRED
    answer = []
    for day in days:
        du = counted.between(terms.issue_date, min(day, terms.maturity_date))
        answer.append(_unit(terms, day, yearly ** (Decimal(du) / YEAR), estimated=False))
    return answer


def _month_after(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


class _Ipca:
    """IPCA by month: the published rate, or the last published one before it (an estimate)."""

    def __init__(self, monthly: Mapping[date, Decimal]) -> None:
        self.by_month = {day.replace(day=1): value for day, value in monthly.items()}
        self.months = sorted(self.by_month)

    def rate(self, month: date) -> tuple[Decimal, bool]:
        if month in self.by_month:
            return self.by_month[month], False
        index = bisect.bisect_right(self.months, month) - 1
        return (self.by_month[self.months[index]] if index >= 0 else ZERO), True


def _ipca(
    terms: FixedIncomeTerms, days: Sequence[date], monthly: Mapping[date, Decimal]
) -> list[UnitPrice]:
    issue = terms.issue_date
    last = min(days[-1], terms.maturity_date)
    counted = _BusinessDays(issue.replace(day=1), _month_after(last) - timedelta(days=1))
    ipca = _Ipca(monthly)
    spread = ONE + terms.rate / HUNDRED

    def month_share(month: date, before: date) -> tuple[Decimal, bool]:
        """(1 + IPCA)^(du_m/DU_m) over the month's business days in [issue, before)."""
        du = counted.between(max(issue, month), min(before, _month_after(month)))
        if du == 0:
            return ONE, False
        rate, estimated = ipca.rate(month)
        whole = counted.between(month, _month_after(month))
        return (ONE + rate / HUNDRED) ** (Decimal(du) / Decimal(whole)), estimated

    answer = []
    folded, folded_estimated = ONE, False  # the months wholly before `month`
    month = issue.replace(day=1)
    for day in days:
        cutoff = min(day, terms.maturity_date)
        current = cutoff.replace(day=1)
        while month < current:
            share, estimated = month_share(month, current)
            folded *= share
            folded_estimated = folded_estimated or estimated
            month = _month_after(month)
        share, estimated = month_share(month, cutoff) if cutoff > issue else (ONE, False)
        du = counted.between(issue, cutoff)
        factor = folded * share * spread ** (Decimal(du) / YEAR)
        answer.append(_unit(terms, day, factor, estimated=folded_estimated or estimated))
    return answer
