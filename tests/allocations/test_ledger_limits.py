"""Every figure a ledger derives stays below 10^16 (what one entry can state): the engine says
which one would reach it, so that the write is refused before the derived tables are."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carteira.allocations.ledger import Kind, OutOfRange, Settlement, check_limits, replay
from tests.factories import tx

PETR = 1  # an asset id

LARGEST = "9999999999999999.99999999"  # the largest amount an entry holds: below 10^16


def _beyond(*entries) -> OutOfRange:
    book = replay(entries)
    with pytest.raises(OutOfRange) as refused:
        check_limits(book)
    return refused.value


def test_figures_just_below_the_limit_are_kept():
    book = replay(
        [
            tx(Kind.DEPOSIT, "2026-03-02", amount=LARGEST),
            tx(
                Kind.BUY,
                "2026-03-02",
                asset_id=PETR,
                quantity=LARGEST,
                price=1,
                settlement=Settlement.CASH,
            ),
        ]
    )
    check_limits(book)
    assert book.positions[PETR].cost == Decimal(LARGEST)
    assert book.cash["BRL"] == 0


def test_cash_reaching_the_limit_either_way():
    deposit = tx(Kind.DEPOSIT, "2026-03-02", amount="9990000000000000")
    refused = _beyond(deposit, tx(Kind.DEPOSIT, "2026-03-03", amount="10000000000000"))
    assert (refused.figure, refused.currency, refused.asset_id) == ("cash", "BRL", None)
    # 10^16 overdrawn is as far out of range as 10^16 held.
    fees = [tx(Kind.FEE, "2026-03-02", amount="5000000000000000") for _ in range(2)]
    assert _beyond(*fees).figure == "cash"


def test_a_positions_cost_with_its_fees():
    # 1 x 1 + 9,999,999,999,999,999 of fees = 10^16.
    buy = tx(Kind.BUY, "2026-03-02", asset_id=PETR, quantity=1, price=1, fees="9999999999999999")
    refused = _beyond(buy)
    assert (refused.figure, refused.asset_id) == ("cost", PETR)


def test_a_split_that_multiplies_the_quantity_beyond():
    buy = tx(Kind.BUY, "2026-03-02", asset_id=PETR, quantity="1000000000000000", price="0.01")
    # 10^15 x 100 = 10^17 shares.
    split = tx(Kind.SPLIT, "2026-03-03", asset_id=PETR, ratio=100)
    assert _beyond(buy, split).figure == "quantity"


def test_realized_gains_and_income_add_up_to_the_limit():
    buy = tx(Kind.BUY, "2026-03-02", asset_id=PETR, quantity=2, price=1)
    spent = tx(Kind.WITHDRAWAL, "2026-03-04", amount="9000000000000000")

    def sale(price: str):
        return tx(
            Kind.SELL,
            "2026-03-03",
            asset_id=PETR,
            quantity=2,
            price=price,
            settlement=Settlement.CASH,
        )

    # 2 x 5e15 - 2 = 9,999,999,999,999,998 realized: kept (the cash left is 10^16 - 9e15);
    # selling at 5e15 + 1 realizes 10^16.
    check_limits(replay([buy, sale("5000000000000000"), spent]))
    assert _beyond(buy, sale("5000000000000001"), spent).figure == "realized"
    dividends = [
        tx(Kind.DIVIDEND, f"2026-03-0{day}", asset_id=PETR, amount="5000000000000000")
        for day in (3, 4)
    ]
    # The cash is spent (10^16 - 9e15 left), but the position's income reached 10^16.
    assert _beyond(buy, *dividends, spent).figure == "income"


def test_a_days_flows_in_a_currency():
    deposits = [tx(Kind.DEPOSIT, "2026-03-02", amount="5000000000000000") for _ in range(2)]
    withdrawal = tx(Kind.WITHDRAWAL, "2026-03-02", amount="9000000000000000")
    # Cash 10^16 - 9e15 = 10^15, but the day brought 10^16 in.
    refused = _beyond(*deposits, withdrawal)
    assert (refused.figure, refused.currency) == ("flows", "BRL")
    # The same deposits on two days are kept.
    two_days = [
        tx(Kind.DEPOSIT, day, amount="5000000000000000") for day in ("2026-03-02", "2026-03-03")
    ]
    check_limits(replay([*two_days, withdrawal]))
