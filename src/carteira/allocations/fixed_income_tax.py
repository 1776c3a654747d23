"""What a redemption of renda fixa today would pay in IOF and income tax, lot by lot: the
gross value, the taxes and the net value a position of the regressive table shows.

One dated table (a table applies from its date until the next one's):

* IOF on the yield of a lot held under 30 days: Decreto 6.306/2007, art. 32, § 1º, and its
  Annex — a share of the yield falling from 96 % (1 day) to 3 % (29 days), none from 30 days.
  A lot bought today counts as 1 day.
* Income tax on the yield (Lei 11.033/2004, art. 1º, I-IV): 22.5 % up to 180 days held,
  20 % up to 360, 17.5 % up to 720, 15 % beyond — days counted from the purchase to today.
  Its base is the yield net of the IOF (Lei 8.981/1995, art. 65, § 1º: "a diferença positiva
  entre o valor da alienação, líquido do IOF, e o valor da aplicação"), so the IOF comes first.

Each lot is taxed on its own gain (its value at today's price minus its cost, fees included);
a lot at a loss pays nothing and offsets no other. Exempt products (LCI, LCA, CRI, CRA,
incentivized debentures) pay neither. Figures are kept unrounded; the API rounds what it shows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from carteira.allocations import valuation
from carteira.allocations.ledger import ZERO, Lot
from carteira.core.money import EXACT


@dataclass(frozen=True, slots=True)
class TaxTable:
    # (most days held, rate), the last without a bound (None)
    income_tax: tuple[tuple[int | None, Decimal], ...]
    iof: tuple[Decimal, ...]  # the share of the yield for 1, 2, ... 29 days held

    def income_tax_rate(self, days: int) -> Decimal:
        for most, rate in self.income_tax:
            if most is None or days <= most:
                return rate
        raise ValueError("the income-tax table has no open bracket")

    def iof_rate(self, days: int) -> Decimal:
        held = max(days, 1)
        return self.iof[held - 1] if held <= len(self.iof) else ZERO

    def withheld(self, gain: Decimal, days: int) -> tuple[Decimal, Decimal]:
        """The IOF on a yield held `days`, and the income tax on what the IOF leaves of it."""
        iof = gain * self.iof_rate(days)
        return iof, (gain - iof) * self.income_tax_rate(days)


def _shares(*percents: int) -> tuple[Decimal, ...]:
    return tuple(Decimal(p) / 100 for p in percents)


# Decreto 6.306/2007, Annex: the IOF's share (%) of the yield for 1, 2, ... 29 days held.
# fmt: off
_IOF_PERCENTS = (
    96, 93, 90, 86, 83, 80, 76, 73, 70, 66, 63, 60, 56, 53, 50,
    46, 43, 40, 36, 33, 30, 26, 23, 20, 16, 13, 10, 6, 3,
)
# fmt: on

TABLES: tuple[tuple[date, TaxTable], ...] = (
    (
        date(2005, 1, 1),  # Lei 11.033/2004 in force; Decreto 6.306/2007 kept the IOF table
        TaxTable(
            income_tax=(
                (180, Decimal("0.225")),
                (360, Decimal("0.20")),
                (720, Decimal("0.175")),
                (None, Decimal("0.15")),
            ),
            iof=_shares(*_IOF_PERCENTS),
        ),
    ),
)
_STARTS = [start for start, _ in TABLES]


def table_on(day: date) -> TaxTable:
    return TABLES[max(bisect_right(_STARTS, day) - 1, 0)][1]


@dataclass(frozen=True, slots=True)
class Redemption:
    """A position redeemed today: its value at market (gross), the IOF and the income tax."""

    gross: Decimal
    iof: Decimal
    income_tax: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.iof - self.income_tax


def redeemed(*, lots: Iterable[Lot], price: Decimal, on: date, exempt: bool) -> Redemption:
    """The open lots of a position redeemed on `on` at `price`."""
    table = table_on(on)
    gross = iof = income_tax = ZERO
    with localcontext(EXACT):  # exact products and sums
        for lot in lots:
            value = valuation.market_value(lot.quantity, price)
            gross += value
            gain = value - lot.cost
            if exempt or gain <= 0:
                continue
            lot_iof, lot_income_tax = table.withheld(gain, (on - lot.date).days)
            iof += lot_iof
            income_tax += lot_income_tax
    return Redemption(gross=gross, iof=iof, income_tax=income_tax)


@dataclass(frozen=True, slots=True)
class RedeemedPiece:
    """What a sale took of one lot: the lot's purchase date, the quantity and its cost."""

    bought: date
    quantity: Decimal
    cost: Decimal


class TaxedYield:
    """What a sale of renda fixa yielded (`income`) and kept of it (`net`), from its proceeds,
    the cost of the lots it took and the taxes withheld: the fields of the dataclasses that
    take it as their base."""

    __slots__ = ()
    proceeds: Decimal
    cost: Decimal
    iof: Decimal
    income_tax: Decimal

    @property
    def income(self) -> Decimal:
        """The yield redeemed: proceeds less cost."""
        return self.proceeds - self.cost

    @property
    def net(self) -> Decimal:
        """The yield less the IOF and the income tax withheld."""
        return self.income - self.iof - self.income_tax


@dataclass(frozen=True, slots=True)
class SaleTaxes(TaxedYield):
    """A sale (a redemption, a maturity) of renda fixa: its proceeds (net of fees), the cost
    of the lots it took, and the IOF and income tax withheld on their yield."""

    proceeds: Decimal
    cost: Decimal
    iof: Decimal
    income_tax: Decimal


def sale_taxes(
    *, pieces: Iterable[RedeemedPiece], proceeds: Decimal, on: date, exempt: bool
) -> SaleTaxes:
    """The taxes of a sale on `on` that took `pieces` of lots for `proceeds`: each piece gets
    its share of the proceeds by quantity (the fees shared alike) and is taxed on its own
    gain by its own days held, as `redeemed` does."""
    taken = list(pieces)
    table = table_on(on)
    cost = iof = income_tax = ZERO
    with localcontext(EXACT):
        sold = sum((piece.quantity for piece in taken), ZERO)
        for piece in taken:
            cost += piece.cost
            gain = proceeds * piece.quantity / sold - piece.cost
            if exempt or gain <= 0:
                continue
            piece_iof, piece_income_tax = table.withheld(gain, (on - piece.bought).days)
            iof += piece_iof
            income_tax += piece_income_tax
    return SaleTaxes(proceeds=proceeds, cost=cost, iof=iof, income_tax=income_tax)
