"""IOF and income tax of renda fixa redeemed today, lot by lot (issue #30, point 6). Every
figure is worked out by hand in the comments: the rates are Decreto 6.306/2007's Annex (IOF)
and Lei 11.033/2004, art. 1º (income tax), the base of the income tax net of the IOF (Lei
8.981/1995, art. 65, § 1º)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from carteira.allocations.fixed_income_tax import Redemption, redeemed
from carteira.allocations.ledger import Lot

TODAY = date(2026, 12, 7)


def lot(bought: date, quantity: str, cost: str, entry_id: int = 1) -> Lot:
    return Lot(entry_id=entry_id, date=bought, quantity=Decimal(quantity), cost=Decimal(cost))


def redeemed_today(price: str, *lots: Lot, exempt: bool = False) -> Redemption:
    """The lots redeemed at `price` on TODAY."""
    return redeemed(lots=list(lots), price=Decimal(price), on=TODAY, exempt=exempt)


def figures(taxes: Redemption) -> tuple[Decimal, ...]:
    return (taxes.gross, taxes.iof, taxes.income_tax, taxes.net)


def amounts(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(value) for value in values)


def test_a_lot_under_30_days_pays_iof_first_then_income_tax_on_the_rest():
    # Bought 10 days ago: 10 x 1002.00 = 10020.00, a gain of 20.00.
    # IOF at 10 days: 66 % of 20.00 = 13.20. Income tax at 22.5 % of 20.00 - 13.20 = 6.80:
    # 1.53. Net: 10020.00 - 13.20 - 1.53 = 10005.27.
    taxes = redeemed_today("1002", lot(date(2026, 11, 27), "10", "10000"))
    assert figures(taxes) == amounts("10020.00", "13.20", "1.53", "10005.27")


def test_each_lot_at_the_rate_of_its_own_days():
    # Lot 1 as above (10 days): IOF 13.20, income tax 1.53.
    # Lot 2 bought 2025-06-01, 554 days ago (365 to 2026-06-01, 183 to 2026-12-01, 6 more):
    # 5 x 1002.00 = 5010.00 over a cost of 4500.00, a gain of 510.00; no IOF; 17.5 %: 89.25.
    # A lot at a loss (bought at 1010.00 a week ago) pays nothing and offsets nothing.
    # Gross 10020.00 + 5010.00 + 1002.00 = 16032.00; IOF 13.20; income tax 1.53 + 89.25 =
    # 90.78; net 16032.00 - 13.20 - 90.78 = 15928.02.
    taxes = redeemed_today(
        "1002",
        lot(date(2025, 6, 1), "5", "4500", entry_id=1),
        lot(date(2026, 11, 27), "10", "10000", entry_id=2),
        lot(date(2026, 11, 30), "1", "1010", entry_id=3),
    )
    assert figures(taxes) == amounts("16032.00", "13.20", "90.78", "15928.02")


@pytest.mark.parametrize(
    ("days", "income_tax"),
    [
        # A gain of 100.00 held long enough to pay no IOF (from 30 days).
        (30, "22.500"),
        (180, "22.500"),
        (181, "20.00"),
        (360, "20.00"),
        (361, "17.500"),
        (720, "17.500"),
        (721, "15.00"),
    ],
)
def test_the_income_tax_falls_with_the_days_held(days, income_tax):
    taxes = redeemed_today("1100", lot(TODAY - timedelta(days=days), "1", "1000"))
    assert (taxes.iof, taxes.income_tax) == (Decimal(0), Decimal(income_tax))


@pytest.mark.parametrize(
    ("days", "iof"),
    [
        # A gain of 100.00: the Annex's share of it, then 22.5 % of what is left.
        (0, "96.00"),  # bought today: counted as 1 day
        (1, "96.00"),
        (2, "93.00"),
        (15, "50.00"),
        (29, "3.00"),
        (30, "0"),
    ],
)
def test_the_iof_follows_the_decree_table(days, iof):
    taxes = redeemed_today("1100", lot(TODAY - timedelta(days=days), "1", "1000"))
    assert taxes.iof == Decimal(iof)
    # e.g. 15 days: (100.00 - 50.00) x 22.5 % = 11.25
    assert taxes.income_tax == (Decimal(100) - Decimal(iof)) * Decimal("0.225")


def test_exempt_products_pay_neither():
    taxes = redeemed_today("1002", lot(date(2026, 11, 27), "10", "10000"), exempt=True)
    assert figures(taxes) == amounts("10020.00", "0", "0", "10020.00")
