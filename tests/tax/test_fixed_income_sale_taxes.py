"""The taxes withheld on a sale of renda fixa, lot by lot (IN RFB 1.585/2015, art. 46;
Decreto 6.306/2007, Annex). Figures by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from carteira.allocations.fixed_income_tax import RedeemedPiece, sale_taxes


def test_each_lot_by_its_own_days_and_the_fees_shared_by_quantity():
    # 3 sold on 02/01/2026 for 3 x 1200 - 30 = 3570 (1190 each): a lot of 2 bought on
    # 02/01/2025 (365 days: 17.5 %) for 2000, gain 380, income tax 66.50; a unit bought on
    # 03/12/2025 (30 days: no IOF; 22.5 %) for 1100, gain 90, income tax 20.25.
    taxes = sale_taxes(
        pieces=[
            RedeemedPiece(date(2025, 1, 2), Decimal(2), Decimal(2000)),
            RedeemedPiece(date(2025, 12, 3), Decimal(1), Decimal(1100)),
        ],
        proceeds=Decimal(3570),
        on=date(2026, 1, 2),
        exempt=False,
    )
    assert (taxes.cost, taxes.income, taxes.iof, taxes.income_tax) == (
        Decimal(3100),
        Decimal(470),
        Decimal(0),
        Decimal("86.75"),
    )
    assert taxes.net == Decimal("383.25")  # 470 - 86.75


def test_iof_first_a_lot_at_a_loss_pays_nothing_and_exempt_pays_neither():
    # Held 29 days: IOF 3 % of the 100 gained = 3; income tax 22.5 % of 97 = 21.825. The other
    # lot loses 50: no tax, and it offsets nothing.
    pieces = [
        RedeemedPiece(date(2026, 3, 2), Decimal(1), Decimal(1000)),
        RedeemedPiece(date(2026, 3, 2), Decimal(1), Decimal(1150)),
    ]
    taxes = sale_taxes(pieces=pieces, proceeds=Decimal(2200), on=date(2026, 3, 31), exempt=False)
    assert (taxes.income, taxes.iof, taxes.income_tax) == (50, 3, Decimal("21.825"))
    exempt = sale_taxes(pieces=pieces, proceeds=Decimal(2200), on=date(2026, 3, 31), exempt=True)
    assert (exempt.income, exempt.iof, exempt.income_tax, exempt.net) == (50, 0, 0, 50)
