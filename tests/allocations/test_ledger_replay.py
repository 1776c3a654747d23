"""The positions engine, pure: transactions in, positions, cash, realized gains and flows out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from carteira.allocations.ledger import (
    InsufficientQuantity,
    Kind,
    Settlement,
    flow_of,
    replay,
)
from tests.factories import tx

D = Decimal
PETR, VALE = 1, 2


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


# ---- day trade (IN RFB 1.585/2015, art. 65): figures worked out by hand ---------------------


def _parts(book, asset_id=PETR):
    """(day_trade, quantity, sale_value, proceeds, cost, gain) of each realization."""
    return [
        (r.day_trade, r.quantity, r.sale_value, r.proceeds, r.cost, r.gain)
        for r in book.realizations
        if r.asset_id == asset_id
    ]


def test_a_day_trade_leaves_the_preco_medio_carried_forward_where_it_was():
    book = replay(
        [
            tx(Kind.BUY, "2024-03-01", asset_id=PETR, quantity=100, price=30),
            tx(Kind.BUY, "2024-03-04", asset_id=PETR, quantity=200, price=31),
            tx(Kind.SELL, "2024-03-04", asset_id=PETR, quantity=200, price=32),
        ]
    )
    position = book.positions[PETR]
    # The 200 bought and sold on 04/03 are a day trade: 200 x 32 - 200 x 31 = 200. The 100
    # of 01/03 stay at 30 (blending the day's purchase first would make it 9200 / 300 =
    # 30.67 and the gain 6400 - 200 x 30.67 = 266.67).
    assert (position.quantity, position.cost, position.average_cost) == (100, 3000, 30)
    assert position.realized == 200
    assert _parts(book) == [(True, 200, 6400, 6400, 6200, 200)]
    (lot,) = position.lots  # the day trade consumed the day's purchase, not the oldest lot
    assert (lot.date, lot.quantity, lot.cost) == (date(2024, 3, 1), 100, 3000)


def test_selling_more_than_the_day_bought_splits_the_sale_at_the_day_averages():
    book = replay(
        [
            tx(Kind.BUY, "2024-03-01", asset_id=PETR, quantity=100, price=30),
            tx(Kind.BUY, "2024-03-04", asset_id=PETR, quantity=50, price=31, fees=5),
            tx(Kind.SELL, "2024-03-04", asset_id=PETR, quantity=120, price=32, fees=12),
        ]
    )
    # Bought 50 for 50 x 31 + 5 = 1555; sold 120 for 120 x 32 = 3840, 3828 after fees.
    # Day trade, 50 of the 120: 3840 x 50/120 = 1600 sold, 3828 x 50/120 = 1595 net,
    # cost 1555, gain 40. Swing, the other 70: 2240 sold, 3828 - 1595 = 2233 net,
    # cost 70 x 30 = 2100, gain 133.
    assert _parts(book) == [
        (True, 50, 1600, 1595, 1555, 40),
        (False, 70, 2240, 2233, 2100, 133),
    ]
    position = book.positions[PETR]
    assert (position.quantity, position.cost, position.realized) == (30, 900, 173)
    (lot,) = position.lots
    assert (lot.quantity, lot.cost) == (30, 900)


def test_what_the_day_bought_beyond_its_sales_joins_at_the_day_average():
    book = replay(
        [
            tx(Kind.BUY, "2024-03-04", asset_id=PETR, quantity=100, price=10),
            tx(Kind.BUY, "2024-03-04", asset_id=PETR, quantity=100, price=12),
            tx(Kind.SELL, "2024-03-04", asset_id=PETR, quantity=50, price=13),
            tx(Kind.SELL, "2024-03-04", asset_id=PETR, quantity=50, price=11),
        ]
    )
    # Bought 200 for 2200 (average 11), sold 100: all of it day trade, each sale against 11:
    # 650 - 550 = 100 and 550 - 550 = 0. The 100 left cost 1100 (average 11, not FIFO's 12).
    assert _parts(book) == [(True, 50, 650, 650, 550, 100), (True, 50, 550, 550, 550, 0)]
    position = book.positions[PETR]
    assert (position.quantity, position.cost, position.realized) == (100, 1100, 100)
    # Each of the day's lots gives up half: 50 at 10 and 50 at 12.
    assert [(lot.quantity, lot.cost) for lot in position.lots] == [(50, 500), (50, 600)]


def test_a_day_trade_is_priced_at_the_days_average_sale_whatever_the_order_of_the_sales():
    book = replay(
        [
            tx(Kind.BUY, "2024-03-01", asset_id=PETR, quantity=100, price=10),
            tx(Kind.BUY, "2024-03-04", asset_id=PETR, quantity=100, price=20),
            tx(Kind.SELL, "2024-03-04", asset_id=PETR, quantity=100, price=30),
            tx(Kind.SELL, "2024-03-04", asset_id=PETR, quantity=100, price=40),
        ]
    )
    # Sold 200 at an average of 35, bought 100 at 20: day trade 100 x 35 - 100 x 20 = 1500;
    # swing 100 x 35 - 100 x 10 = 2500 (matching the first sale first would say 1000 and 3000).
    parts = _parts(book)
    assert sum(p[5] for p in parts if p[0]) == 1500
    assert sum(p[5] for p in parts if not p[0]) == 2500
    assert parts == [
        (True, 50, 1500, 1500, 1000, 500),
        (False, 50, 1500, 1500, 500, 1000),
        (True, 50, 2000, 2000, 1000, 1000),
        (False, 50, 2000, 2000, 500, 1500),
    ]
    position = book.positions[PETR]
    assert (position.quantity, position.cost, position.realized, len(position.lots)) == (
        0,
        0,
        4000,
        0,
    )


def test_a_day_trade_stays_on_its_day_and_its_asset():
    book = replay(
        [
            tx(Kind.BUY, "2024-03-01", asset_id=PETR, quantity=100, price=10),
            tx(Kind.BUY, "2024-03-04", asset_id=VALE, quantity=10, price=50),
            tx(Kind.SELL, "2024-03-04", asset_id=PETR, quantity=40, price=12),
            tx(Kind.SELL, "2024-03-05", asset_id=VALE, quantity=10, price=55),
        ]
    )
    # PETR had no purchase on 04/03 and VALE's sale is on the next day: no day trade.
    assert _parts(book, PETR) == [(False, 40, 480, 480, 400, 80)]
    assert _parts(book, VALE) == [(False, 10, 550, 550, 500, 50)]
