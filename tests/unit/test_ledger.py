"""The positions engine, pure: transactions in, positions, cash, realized gains and flows out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from carteira.allocations.ledger import (
    Entry,
    InsufficientQuantity,
    Kind,
    Settlement,
    flow_of,
    replay,
)

D = Decimal
PETR, VALE = 1, 2
_ids = iter(range(1, 10_000))


AMOUNTS = ("quantity", "price", "amount", "fees", "tax", "ratio")


def tx(kind: Kind, day: str, **fields: object) -> Entry:
    """An entry, amounts given as ints or strings (exact)."""
    trade = kind in (Kind.BUY, Kind.SELL)
    values = {k: D(str(v)) if k in AMOUNTS else v for k, v in fields.items()}
    values.setdefault("settlement", Settlement.EXTERNAL if trade else Settlement.CASH)
    values.setdefault("currency", "BRL")
    return Entry(id=next(_ids), kind=kind, date=date.fromisoformat(day), **values)


def test_preco_medio_is_weighted_with_fees_and_unchanged_by_sales():
    book = replay(
        [
            tx(Kind.BUY, "2024-01-02", asset_id=PETR, quantity=100, price=10, fees=5),
            tx(Kind.BUY, "2024-02-01", asset_id=PETR, quantity=50, price=16, fees=5),
            tx(Kind.SELL, "2024-03-01", asset_id=PETR, quantity=30, price=20, fees=6),
        ]
    )
    position = book.positions[PETR]
    # (1000 + 5 + 800 + 5) / 150 = 12.0666...; the sale leaves the average where it was.
    assert position.quantity == 120
    assert position.average_cost == pytest.approx(D("1810") / 150)
    assert position.cost == D("1810") * 120 / 150
    # Realized: 30 x 20 - 6 - 30 x 12.0666... = 594 - 362 = 232.
    assert position.realized == pytest.approx(D(232))
    (sale,) = book.realizations
    assert (sale.proceeds, sale.quantity) == (D(594), D(30))
    assert sale.gain == pytest.approx(D(232))


def test_selling_everything_leaves_nothing_behind():
    book = replay(
        [
            tx(Kind.BUY, "2024-01-02", asset_id=PETR, quantity=3, price="3.33"),
            tx(Kind.SELL, "2024-01-03", asset_id=PETR, quantity=3, price=4),
        ]
    )
    assert (book.positions[PETR].quantity, book.positions[PETR].cost) == (0, 0)
    assert book.positions[PETR].realized == D("2.01")
    assert not book.positions[PETR].lots


def test_lots_are_first_in_first_out():
    book = replay(
        [
            tx(Kind.BUY, "2024-01-02", asset_id=PETR, quantity=10, price=1),
            tx(Kind.BUY, "2024-01-03", asset_id=PETR, quantity=10, price=2),
            tx(Kind.SELL, "2024-01-04", asset_id=PETR, quantity=15, price=3),
        ]
    )
    (lot,) = book.positions[PETR].lots
    assert (lot.quantity, lot.unit_cost, lot.cost) == (5, 2, 10)


def test_a_split_multiplies_quantity_divides_the_average_and_keeps_the_cost():
    book = replay(
        [
            tx(Kind.BUY, "2024-01-02", asset_id=PETR, quantity=100, price=40),
            tx(Kind.SPLIT, "2024-02-01", asset_id=PETR, ratio=2),
            tx(Kind.BUY, "2024-02-01", asset_id=PETR, quantity=10, price=21),
        ]
    )
    position = book.positions[PETR]
    assert (position.quantity, position.cost) == (210, 4210)
    # The split applies at the open: the day's purchase is already on the new basis.
    assert [lot.unit_cost for lot in position.lots] == [20, 21]


def test_fractional_quantities_and_splits_stay_exact():
    book = replay(
        [
            tx(Kind.BUY, "2024-01-02", asset_id=PETR, quantity="0.00012345", price=300000),
            tx(Kind.SPLIT, "2024-01-03", asset_id=PETR, ratio="1.5"),  # 3:2
            tx(Kind.SELL, "2024-01-04", asset_id=PETR, quantity="0.00010000", price=1),
        ]
    )
    assert book.positions[PETR].quantity == D("0.0000851750")


def test_a_reverse_split_and_a_bonus():
    book = replay(
        [
            tx(Kind.BUY, "2024-01-02", asset_id=PETR, quantity=1000, price=1),
            tx(Kind.SPLIT, "2024-02-01", asset_id=PETR, ratio="0.1"),  # 1:10
            tx(Kind.BONUS, "2024-03-01", asset_id=PETR, quantity=10, amount=50),
        ]
    )
    position = book.positions[PETR]
    assert (position.quantity, position.cost) == (110, 1050)


def test_cash_per_currency_income_net_of_tax_costs_and_settlement():
    book = replay(
        [
            tx(Kind.DEPOSIT, "2024-01-01", amount=10000),
            tx(
                Kind.BUY,
                "2024-01-02",
                asset_id=PETR,
                quantity=100,
                price=30,
                fees=10,
                settlement=Settlement.CASH,
            ),
            tx(Kind.DIVIDEND, "2024-02-01", asset_id=PETR, amount=150),
            tx(Kind.JCP, "2024-02-15", asset_id=PETR, amount=100, tax=15),
            tx(Kind.FEE, "2024-03-01", amount=25),
            tx(
                Kind.SELL,
                "2024-04-01",
                asset_id=PETR,
                quantity=50,
                price=40,
                settlement=Settlement.CASH,
            ),
            tx(Kind.DEPOSIT, "2024-04-02", amount=100, currency="USD"),
            tx(Kind.WITHDRAWAL, "2024-05-01", amount=3000),
        ]
    )
    # 10000 - 3010 + 150 + 85 - 25 + 2000 - 3000
    assert book.cash == {"BRL": D(6200), "USD": D(100)}
    assert book.positions[PETR].income == 235
    # Net new money: deposits in, the withdrawal out; cash-settled trades move no money.
    assert [(f.currency, f.inflow, f.outflow) for f in book.flows] == [
        ("BRL", 10000, 0),
        ("USD", 100, 0),
        ("BRL", 0, 3000),
    ]


def test_externally_settled_trades_are_flows_of_net_new_money():
    buy = tx(Kind.BUY, "2024-01-02", asset_id=PETR, quantity=10, price=10, fees=1)
    sell = tx(Kind.SELL, "2024-02-02", asset_id=PETR, quantity=4, price=12, fees=2)
    assert flow_of(buy) == (101, 0)
    assert flow_of(sell) == (0, 46)
    switch = tx(
        Kind.SELL, "2024-02-02", asset_id=PETR, quantity=4, price=12, settlement=Settlement.CASH
    )
    assert flow_of(switch) == (0, 0)  # PETR4 to VALE3 through cash is not new money


@pytest.mark.parametrize(
    "entries",
    [
        # a sale larger than the holding
        [
            ("buy", "2024-01-02", {"quantity": 10, "price": 1}),
            ("sell", "2024-01-03", {"quantity": 11, "price": 1}),
        ],
        # a back-dated sale before the purchase
        [
            ("buy", "2024-01-02", {"quantity": 10, "price": 1}),
            ("sell", "2024-01-01", {"quantity": 1, "price": 1}),
        ],
    ],
)
def test_no_quantity_goes_below_zero_on_any_date(entries):
    ledger = [tx(Kind(kind), day, asset_id=PETR, **fields) for kind, day, fields in entries]
    with pytest.raises(InsufficientQuantity) as short:
        replay(ledger)
    assert short.value.asset_id == PETR


def test_buying_and_selling_on_one_day_works_whatever_the_entry_order():
    sell = tx(Kind.SELL, "2024-01-02", asset_id=PETR, quantity=10, price=2)
    buy = tx(Kind.BUY, "2024-01-02", asset_id=PETR, quantity=10, price=1)
    book = replay([sell, buy])
    assert book.positions[PETR].quantity == 0
    assert book.positions[PETR].realized == 10
