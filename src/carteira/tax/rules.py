"""The monthly apuração of renda variável as Receita Federal defines it, pure: realized sales
in, one row per month and pool, and the month's DARF, out.

Sources (docs/tax.md cites each):

* IN RFB 1.585/2015: the gain is the sale's value less the cost at the preço médio, the
  costs of the operation counted (art. 58); swing trade is taxed at 15 % and day trade at
  20 %; losses offset later gains without a time limit, day-trade losses only day-trade gains
  (art. 64); a day trade is a purchase and a sale of one asset on one day (art. 65).
* Lei 11.033/2004, art. 3, I (IN RFB 1.585/2015, art. 59): a month whose sales of stocks
  (units included) in the spot market total R$ 20,000.00 or less has those gains exempt; not
  ETFs, BDRs, FIIs, nor day trades. Its art. 2, § 1 withholds 0.005 % of each swing sale's
  value, none when the month's sum is R$ 1.00 or less (§ 2 and § 3).
* Lei 9.959/2000, art. 8 (IN RFB 1.585/2015, art. 65): 1 % withheld on each day's positive
  day-trade result, deducted from the month's tax, what is left from later months'.
* FII and Fiagro quotas (Lei 8.668/1993, art. 18): 20 %, their own pool of losses (the
  DIRPF's separate sheet, with its own IRRF), never exempt.
* DARF code 6015, due on the last business day of the following month; a total under
  R$ 10.00 is added to the next months' until it reaches it (Lei 9.430/1996, art. 68).

Money: gains and losses are kept unrounded; each pool's tax and each withholding are in
centavos (half up, what the DIRPF's program shows), and so is every figure of the DARF.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from carteira.allocations.service import SaleCategory

ZERO = Decimal(0)
CENTAVO = Decimal("0.01")
DARF_CODE = "6015"
RATES = {
    SaleCategory.COMUM: Decimal("0.15"),
    SaleCategory.DAY_TRADE: Decimal("0.20"),
    SaleCategory.FII: Decimal("0.20"),
}
CATEGORIES = tuple(RATES)
EXEMPT_SALES_LIMIT = Decimal("20000.00")
SWING_WITHHOLDING = Decimal("0.00005")  # 0.005 % of the sale's value
SWING_WITHHOLDING_FLOOR = Decimal("1.00")  # a month's sum up to this is not withheld
DAY_TRADE_WITHHOLDING = Decimal("0.01")  # 1 % of the day's positive result
DARF_MINIMUM = Decimal("10.00")
# The DIRPF's sheets: each deducts its own IRRF (stocks' comum and day trade; FII).
SHEETS = {
    SaleCategory.COMUM: "acoes",
    SaleCategory.DAY_TRADE: "acoes",
    SaleCategory.FII: "fii",
}
SHEET_NAMES = tuple(sorted(set(SHEETS.values())))

Month = tuple[int, int]  # (year, month)


def centavos(value: Decimal) -> Decimal:
    return value.quantize(CENTAVO, rounding=ROUND_HALF_UP)


def month_of(day: date) -> Month:
    return day.year, day.month


def next_month(month: Month) -> Month:
    year, number = month
    return (year + 1, 1) if number == 12 else (year, number + 1)


def last_day(month: Month) -> date:
    return date(month[0], month[1], calendar.monthrange(*month)[1])


@dataclass(frozen=True, slots=True)
class Sale:
    """A realized sale, or its day-trade or swing part, in the pool it falls in."""

    date: date
    category: SaleCategory
    day_trade: bool
    exemptable: bool  # a stock's (or unit's) swing sale: it counts toward the R$ 20,000
    sale_value: Decimal  # quantity x price (valor de alienação)
    gain: Decimal  # proceeds net of fees - cost


@dataclass(frozen=True, slots=True)
class PoolMonth:
    """One pool in one month."""

    category: SaleCategory
    sales: Decimal
    gains: Decimal
    losses: Decimal
    exempt_gains: Decimal
    loss_carried_in: Decimal
    loss_used: Decimal
    taxable: Decimal
    rate: Decimal
    tax: Decimal
    irrf: Decimal  # withheld in the month on this pool's sales
    loss_carried_out: Decimal


@dataclass(frozen=True, slots=True)
class Darf:
    period: date  # the período de apuração: the month's last day
    tax_due: Decimal  # the pools' tax
    irrf_deducted: Decimal  # of this month's IRRF and what earlier months of the year left
    carried_in: Decimal  # totals under the minimum of earlier months
    amount: Decimal  # to pay (0: under the minimum)
    due_date: date | None
    carried_under_minimum: Decimal  # under R$ 10.00: carried to the next month

    @property
    def code(self) -> str:
        return DARF_CODE


@dataclass(frozen=True, slots=True)
class MonthResult:
    month: Month
    pools: list[PoolMonth]
    darf: Darf
    irrf_left: Decimal  # IRRF not deducted yet (both sheets); it lapses into the DIRPF in December

    def pool(self, category: SaleCategory) -> PoolMonth:
        return next(p for p in self.pools if p.category is category)


@dataclass
class _Carry:
    losses: dict[SaleCategory, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    irrf: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    under_minimum: Decimal = ZERO


def apuracao(
    sales: Iterable[Sale], *, first: Month, last: Month, due_date: Callable[[Month], date]
) -> list[MonthResult]:
    """Every month from the earlier of `first` and the first sale's up to `last`, in order;
    `due_date(month)` is the DARF's due date for that month's apuração."""
    by_month: dict[Month, list[Sale]] = defaultdict(list)
    for sale in sales:
        by_month[month_of(sale.date)].append(sale)
    month = min([first, *by_month])
    carry = _Carry()
    results = []
    while month <= last:
        if month[1] == 1:
            carry.irrf.clear()  # what a year leaves is claimed in its DIRPF, not in the next
        results.append(_month(month, by_month.get(month, []), carry, due_date))
        month = next_month(month)
    return results


@dataclass(slots=True)
class _Tally:
    """A pool's sales of a month, added up in one pass."""

    sales: Decimal = ZERO
    gains: Decimal = ZERO
    losses: Decimal = ZERO
    swing_value: Decimal = ZERO  # the swing sales' value (0.005 % withheld on it)
    stocks: bool = False  # a stock's swing sale among them
    stock_value: Decimal = ZERO
    stock_net: Decimal = ZERO


def _month(
    month: Month, sales: Sequence[Sale], carry: _Carry, due_date: Callable[[Month], date]
) -> MonthResult:
    if not sales:
        return _quiet_month(month, carry)
    tallies = {category: _Tally() for category in CATEGORIES}
    day_trades: dict[tuple[date, SaleCategory], Decimal] = defaultdict(Decimal)
    for sale in sales:
        tally = tallies[sale.category]
        tally.sales += sale.sale_value
        if sale.gain > 0:
            tally.gains += sale.gain
        else:
            tally.losses -= sale.gain
        if sale.day_trade:
            day_trades[(sale.date, sale.category)] += sale.gain
        else:
            tally.swing_value += sale.sale_value
        if sale.exemptable:
            tally.stocks = True
            tally.stock_value += sale.sale_value
            tally.stock_net += sale.gain
    withheld = _withheld(tallies, day_trades)
    pools = []
    for category, tally in tallies.items():
        exempt = _exempt_gains(tally) if category is SaleCategory.COMUM else ZERO
        result = tally.gains - tally.losses - exempt
        carried_in = carry.losses[category]
        used = min(result, carried_in) if result > 0 else ZERO
        taxable = result - used if result > 0 else ZERO
        carry.losses[category] = carried_in - used + (-result if result < 0 else ZERO)
        rate = RATES[category]
        pools.append(
            PoolMonth(
                category=category,
                sales=tally.sales,
                gains=tally.gains,
                losses=tally.losses,
                exempt_gains=exempt,
                loss_carried_in=carried_in,
                loss_used=used,
                taxable=taxable,
                rate=rate,
                tax=centavos(taxable * rate),
                irrf=withheld[category],
                loss_carried_out=carry.losses[category],
            )
        )
    return MonthResult(
        month=month,
        pools=pools,
        darf=_darf(month, pools, carry, due_date),
        irrf_left=sum(carry.irrf.values(), ZERO),
    )


def _quiet_month(month: Month, carry: _Carry) -> MonthResult:
    """A month without a sale: nothing moves but what carries through it (a total under the
    minimum stays under it)."""
    pools = [
        PoolMonth(
            category=category,
            sales=ZERO,
            gains=ZERO,
            losses=ZERO,
            exempt_gains=ZERO,
            loss_carried_in=carry.losses[category],
            loss_used=ZERO,
            taxable=ZERO,
            rate=RATES[category],
            tax=ZERO,
            irrf=ZERO,
            loss_carried_out=carry.losses[category],
        )
        for category in CATEGORIES
    ]
    darf = Darf(
        period=last_day(month),
        tax_due=ZERO,
        irrf_deducted=ZERO,
        carried_in=carry.under_minimum,
        amount=ZERO,
        due_date=None,
        carried_under_minimum=carry.under_minimum,
    )
    return MonthResult(month, pools, darf, sum(carry.irrf.values(), ZERO))


def _exempt_gains(comum: _Tally) -> Decimal:
    """Stocks' swing gains of a month whose stock sales total R$ 20,000.00 or less: their net
    result when positive (a net loss still counts as a loss)."""
    exempt = comum.stocks and comum.stock_value <= EXEMPT_SALES_LIMIT and comum.stock_net > 0
    return comum.stock_net if exempt else ZERO


def _withheld(
    tallies: Mapping[SaleCategory, _Tally], day_trades: Mapping[tuple[date, SaleCategory], Decimal]
) -> dict[SaleCategory, Decimal]:
    """The IRRF the brokers withheld on the month's sales, per pool: 0.005 % of swing sales
    (none when the month's sum is R$ 1.00 or less), 1 % of each day's positive day-trade
    result."""
    withheld: dict[SaleCategory, Decimal] = defaultdict(Decimal)
    swing = {c: t.swing_value * SWING_WITHHOLDING for c, t in tallies.items() if t.swing_value}
    if sum(swing.values(), ZERO) > SWING_WITHHOLDING_FLOOR:
        for category, amount in swing.items():
            withheld[category] += centavos(amount)
    for (_, category), result in day_trades.items():
        if result > 0:
            withheld[category] += centavos(result * DAY_TRADE_WITHHOLDING)
    return withheld


def _darf(
    month: Month, pools: Sequence[PoolMonth], carry: _Carry, due_date: Callable[[Month], date]
) -> Darf:
    due, deducted = ZERO, ZERO
    for sheet in SHEET_NAMES:
        mine = [p for p in pools if SHEETS[p.category] == sheet]
        tax = sum((p.tax for p in mine), ZERO)
        available = carry.irrf[sheet] + sum((p.irrf for p in mine), ZERO)
        used = min(tax, available)
        carry.irrf[sheet] = available - used
        due += tax - used
        deducted += used
    carried_in = carry.under_minimum
    total = due + carried_in
    payable = total >= DARF_MINIMUM
    carry.under_minimum = ZERO if payable else total
    return Darf(
        period=last_day(month),
        tax_due=sum((p.tax for p in pools), ZERO),
        irrf_deducted=deducted,
        carried_in=carried_in,
        amount=total if payable else ZERO,
        due_date=due_date(month) if payable else None,
        carried_under_minimum=carry.under_minimum,
    )
