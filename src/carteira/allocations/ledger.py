"""The positions engine: a client's transactions, replayed in date order, become positions
(quantity, preço médio, cost basis, realized P&L, income), open lots, cash per currency and
external flows. Pure: no database, no clock, no prices. Everything that derives figures from
the ledger (positions, reports, performance, streams) goes through here.

Rules (the contract's "Ledger" table):

* Preço médio (average cost) is weighted by quantity, fees included; a sale does not change
  it; a split divides it by the ratio; a bonus adds its attributed cost to the basis.
* A sale realizes `quantity x price - fees - quantity x average cost`.
* Day trade (Receita Federal's rule, IN RFB 1.585/2015 art. 65): purchases and sales of one
  asset on one day are a day trade for the smaller of the two quantities, priced at the day's
  average purchase cost (fees included) and average sale proceeds (net of fees). That part is
  realized apart (`Realization.day_trade`) and never touches the preço médio carried forward:
  what the day bought beyond what it sold joins the position at the day's average cost, what
  it sold beyond what it bought leaves the position at the preço médio of the morning. Each
  sale of the day is split in that proportion (its day-trade share is the day's day-traded
  quantity over the day's sold quantity), so the parts add up to the day's averages.
* Lots are kept first in, first out, only for the open-lots view; a day's day trade consumes
  that day's purchases (in proportion), the rest of its sales the oldest lots.
* `external` settlement: the money came from (or went to) outside the portfolio, so a buy is
  an inflow and a sale an outflow of net new money (captação); `cash` settlement moves the
  client's cash balance instead. Income, fees and taxes always settle in cash. Cash is kept
  per currency and may go negative.
* On a day, corporate actions apply first (they take effect at the open), then money in,
  purchases, income and costs, sales, and money out — so buying and selling on one day works.
* A quantity below zero on any date is refused (`InsufficientQuantity`).
* Every figure a ledger derives stays below `LIMIT` (`check_limits`): a write that would take
  one beyond is refused (`OutOfRange`).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import NamedTuple

ZERO = Decimal(0)
# Averages and split ratios divide; 60 significant digits keep products of NUMERIC(24, 8)
# values exact and quotients far beyond the 8 decimal places stored and shown.
PRECISION = 60
# The largest figure a ledger keeps, in absolute value: what one entry can state (its
# NUMERIC(24, 8) columns have 16 digits before the point). A position's quantity, cost,
# realized gain and income, the cash in a currency and a day's inflows or outflows stay below
# it, so the derived tables (NUMERIC(30, 12) and (30, 8)) hold every one of them exactly.
LIMIT = Decimal("1E16")


class Kind(StrEnum):
    BUY = "buy"
    SELL = "sell"
    DIVIDEND = "dividend"
    JCP = "jcp"
    INTEREST = "interest"
    FEE = "fee"
    TAX = "tax"
    SPLIT = "split"
    BONUS = "bonus"
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"


class Settlement(StrEnum):
    EXTERNAL = "external"
    CASH = "cash"


INCOME = frozenset({Kind.DIVIDEND, Kind.JCP, Kind.INTEREST})
COSTS = frozenset({Kind.FEE, Kind.TAX})
TRADES = frozenset({Kind.BUY, Kind.SELL})
# Kinds that name an asset always; INTEREST, FEE and TAX may.
SECURITY_KINDS = frozenset({Kind.BUY, Kind.SELL, Kind.DIVIDEND, Kind.JCP, Kind.SPLIT, Kind.BONUS})
_ORDER_IN_A_DAY = {
    Kind.SPLIT: 0,
    Kind.BONUS: 1,
    Kind.DEPOSIT: 2,
    Kind.BUY: 3,
    Kind.DIVIDEND: 4,
    Kind.JCP: 4,
    Kind.INTEREST: 4,
    Kind.FEE: 4,
    Kind.TAX: 4,
    Kind.SELL: 5,
    Kind.WITHDRAWAL: 6,
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One transaction as the engine sees it. `ratio` is the split's new shares per old one."""

    id: int
    kind: Kind
    date: date
    currency: str
    asset_id: int | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    amount: Decimal | None = None
    fees: Decimal = ZERO
    tax: Decimal = ZERO
    ratio: Decimal | None = None
    settlement: Settlement = Settlement.CASH

    @property
    def order(self) -> tuple[dt.date, int, int]:
        return (self.date, _ORDER_IN_A_DAY[self.kind], self.id)


class FlowRule(NamedTuple):
    """How entries of one kind move net new money (captação)."""

    direction: int  # +1: money in (an inflow), -1: money out (an outflow)
    # A trade moves its value, quantity x price with the fees on top of a purchase and off a
    # sale, and only when settled from outside the portfolio; any other kind moves its
    # amount, however settled.
    trade: bool


# The captação rule, written once: `flow_of` applies it to an entry and `store` turns it into
# the SQL that lists the entries behind the flows.
FLOW_RULES: dict[Kind, FlowRule] = {
    Kind.DEPOSIT: FlowRule(direction=1, trade=False),
    Kind.WITHDRAWAL: FlowRule(direction=-1, trade=False),
    Kind.BUY: FlowRule(direction=1, trade=True),
    Kind.SELL: FlowRule(direction=-1, trade=True),
}


def flow_of(entry: Entry) -> tuple[Decimal, Decimal]:
    """(inflow, outflow) of net new money this entry brings, in its currency."""
    rule = FLOW_RULES.get(entry.kind)
    if rule is None:
        return ZERO, ZERO
    if not rule.trade:
        value = _required(entry.amount)
    elif entry.settlement is Settlement.EXTERNAL:
        gross = _required(entry.quantity) * _required(entry.price)
        value = gross + entry.fees if rule.direction > 0 else gross - entry.fees
    else:
        return ZERO, ZERO
    return (value, ZERO) if rule.direction > 0 else (ZERO, value)


def _required(value: Decimal | None) -> Decimal:
    if value is None:  # the schemas and the database's CHECKs make this impossible
        raise ValueError("a required amount is missing")
    return value


class InsufficientQuantity(ValueError):  # noqa: N818 - a domain outcome, mapped to a 422
    def __init__(self, *, asset_id: int, on: date, short_by: Decimal) -> None:
        super().__init__(f"asset {asset_id} would go {short_by} below zero on {on}")
        self.asset_id = asset_id
        self.on = on
        self.short_by = short_by


class OutOfRange(ValueError):  # noqa: N818 - a domain outcome, mapped to a 422
    """A figure of the book reaches LIMIT: `figure` of the position in `asset_id`, or of the
    client's money in `currency` when `asset_id` is None."""

    def __init__(self, *, figure: str, currency: str, asset_id: int | None = None) -> None:
        super().__init__(f"{figure} ({currency}, asset {asset_id}) would reach {LIMIT:f}")
        self.figure = figure
        self.currency = currency
        self.asset_id = asset_id


@dataclass(slots=True)
class Lot:
    """What is left of one purchase (or bonus), on today's split basis."""

    entry_id: int
    date: dt.date
    quantity: Decimal
    cost: Decimal  # what is left of its cost, fees included

    @property
    def unit_cost(self) -> Decimal:
        return self.cost / self.quantity


@dataclass(slots=True)
class Position:
    asset_id: int
    currency: str
    quantity: Decimal = ZERO
    cost: Decimal = ZERO  # the basis: quantity x average cost
    realized: Decimal = ZERO
    income: Decimal = ZERO  # net of withheld tax, as credited to cash
    lots: deque[Lot] = field(default_factory=deque)
    trade_day: _TradeDay | None = None  # the purchases of the last day it had any

    @property
    def average_cost(self) -> Decimal | None:
        return self.cost / self.quantity if self.quantity else None


@dataclass(frozen=True, slots=True)
class Realization:
    """A sale, or its day-trade or its swing part: what it brought, what it cost, the gain."""

    entry_id: int
    date: date
    asset_id: int
    currency: str
    quantity: Decimal
    sale_value: Decimal  # quantity x price: the valor de alienação, before fees
    proceeds: Decimal  # quantity x price - fees
    cost: Decimal  # quantity x average cost (a day trade: the day's average purchase cost)
    gain: Decimal
    day_trade: bool = False


@dataclass(frozen=True, slots=True)
class _Sale:
    entry_id: int
    quantity: Decimal
    sale_value: Decimal
    proceeds: Decimal

    def realized(
        self, *, on: date, asset_id: int, currency: str, cost: Decimal, day_trade: bool = False
    ) -> Realization:
        """This sale (or part of one) at `cost`."""
        return Realization(
            entry_id=self.entry_id,
            date=on,
            asset_id=asset_id,
            currency=currency,
            quantity=self.quantity,
            sale_value=self.sale_value,
            proceeds=self.proceeds,
            cost=cost,
            gain=self.proceeds - cost,
            day_trade=day_trade,
        )


@dataclass(slots=True)
class _TradeDay:
    """An asset's purchases (and then sales) on one day, as its day trade is worked out."""

    date: date
    opening_quantity: Decimal  # held before the day's first purchase
    opening_cost: Decimal
    bought: Decimal = ZERO
    bought_cost: Decimal = ZERO  # fees included
    lots: list[tuple[Lot, Decimal, Decimal]] = field(default_factory=list)  # lot, its q, cost
    sales: list[_Sale] = field(default_factory=list)
    realized_before: Decimal = ZERO  # the position's realized gain before the day's sales
    swing_sold: Decimal = ZERO  # of the sales so far, what they sold beyond the day's purchases

    def opening_cost_of(self, quantity: Decimal) -> Decimal:
        """The cost of `quantity` of what was held before the day, at the morning's preço
        médio."""
        return self.opening_cost * quantity / self.opening_quantity if quantity else ZERO

    def realizations(
        self, position: Position, *, sold: Decimal, day_traded: Decimal
    ) -> list[Realization]:
        """Each of the day's sales in two parts: its day-traded share (of `day_traded` among
        `sold`), at the day's purchase cost, and the rest (a swing sale), at the morning's
        preço médio; an empty part makes no realization."""
        records: list[Realization] = []
        for each in self.sales:
            traded = each.quantity * day_traded / sold
            traded_value = each.sale_value * day_traded / sold
            traded_proceeds = each.proceeds * day_traded / sold
            rest = each.quantity - traded
            parts = [
                (
                    True,
                    _Sale(each.entry_id, traded, traded_value, traded_proceeds),
                    self.bought_cost * traded / self.bought,
                ),
                (
                    False,
                    _Sale(
                        each.entry_id,
                        rest,
                        each.sale_value - traded_value,
                        each.proceeds - traded_proceeds,
                    ),
                    self.opening_cost_of(rest),
                ),
            ]
            records += [
                part.realized(
                    on=self.date,
                    asset_id=position.asset_id,
                    currency=position.currency,
                    cost=cost,
                    day_trade=is_day_trade,
                )
                for is_day_trade, part, cost in parts
                if part.quantity
            ]
        return records

    def settle(self, position: Position, *, sold: Decimal, day_traded: Decimal) -> None:
        """The position after the day's sales so far: what the morning held plus the day's
        purchases less the sales, at the cost the day trade and the swing sales left; the
        day's purchases keep what the day trade left of them (emptied lots go) and the swing
        part of the sales takes the oldest lots."""
        swing = sold - day_traded
        position.quantity = self.opening_quantity + self.bought - sold
        left_of_purchases = self.bought_cost - self.bought_cost * day_traded / self.bought
        position.cost = (
            self.opening_cost + left_of_purchases - self.opening_cost_of(swing)
            if position.quantity
            else ZERO
        )
        for lot, bought, cost in self.lots:
            lot.quantity = bought - bought * day_traded / self.bought
            lot.cost = cost - cost * day_traded / self.bought
        if day_traded == self.bought:
            position.lots = deque(lot for lot in position.lots if lot.quantity)
        _consume_lots(position.lots, swing - self.swing_sold)
        self.swing_sold = swing


@dataclass(frozen=True, slots=True)
class Flow:
    date: date
    currency: str
    inflow: Decimal
    outflow: Decimal


@dataclass
class Book:
    """The state of a ledger after the entries applied so far."""

    positions: dict[int, Position] = field(default_factory=dict)
    cash: dict[str, Decimal] = field(default_factory=dict)
    realizations: list[Realization] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    # Where the realizations of the day being applied begin (a day trade rewrites its own).
    _day_start: tuple[date | None, int] = (None, 0)

    def apply(self, entry: Entry) -> tuple[Decimal, Decimal]:
        """The entry applied; its external flows (inflow, outflow)."""
        with localcontext() as context:
            context.prec = PRECISION
            return self.apply_in_context(entry)

    def apply_in_context(self, entry: Entry) -> tuple[Decimal, Decimal]:
        """`apply` for a caller that has already set the engine's decimal context (a replay
        sets it once, not per entry)."""
        _APPLY[entry.kind](self, entry)
        inflow, outflow = flow_of(entry)
        if inflow or outflow:
            self.flows.append(Flow(entry.date, entry.currency, inflow, outflow))
        return inflow, outflow

    def quantity(self, asset_id: int) -> Decimal:
        position = self.positions.get(asset_id)
        return position.quantity if position else ZERO

    # -- the kinds ---------------------------------------------------------------------------

    def _position(self, entry: Entry) -> Position:
        asset_id = entry.asset_id
        if asset_id is None:
            raise ValueError(f"a {entry.kind} names an asset")
        position = self.positions.get(asset_id)
        if position is None:
            position = self.positions[asset_id] = Position(asset_id, entry.currency)
        return position

    def _move_cash(self, currency: str, amount: Decimal) -> None:
        self.cash[currency] = self.cash.get(currency, ZERO) + amount

    def _buy(self, entry: Entry) -> None:
        position = self._position(entry)
        quantity = _required(entry.quantity)
        total = quantity * _required(entry.price) + entry.fees
        day = position.trade_day
        if day is None or day.date != entry.date:
            day = position.trade_day = _TradeDay(entry.date, position.quantity, position.cost)
        lot = Lot(entry.id, entry.date, quantity, total)
        day.bought += quantity
        day.bought_cost += total
        day.lots.append((lot, quantity, total))
        position.quantity += quantity
        position.cost += total
        position.lots.append(lot)
        if entry.settlement is Settlement.CASH:
            self._move_cash(entry.currency, -total)

    def _sell(self, entry: Entry) -> None:
        position = self._position(entry)
        quantity = _required(entry.quantity)
        if quantity > position.quantity:
            raise InsufficientQuantity(
                asset_id=position.asset_id, on=entry.date, short_by=quantity - position.quantity
            )
        sale_value = quantity * _required(entry.price)
        proceeds = sale_value - entry.fees
        if self._day_start[0] != entry.date:
            self._day_start = (entry.date, len(self.realizations))
        day = position.trade_day
        if day is not None and day.date == entry.date:
            self._day_trade(position, day, _Sale(entry.id, quantity, sale_value, proceeds))
        else:
            self._swing_sale(position, entry, quantity, sale_value, proceeds)
        if entry.settlement is Settlement.CASH:
            self._move_cash(entry.currency, proceeds)

    def _swing_sale(
        self,
        position: Position,
        entry: Entry,
        quantity: Decimal,
        sale_value: Decimal,
        proceeds: Decimal,
    ) -> None:
        remaining = position.quantity - quantity
        # The basis left is the same fraction of the basis as of the quantity: the average
        # cost does not move (and nothing is left over when the position closes).
        cost = position.cost if not remaining else position.cost * quantity / position.quantity
        position.quantity = remaining
        position.cost -= cost
        position.realized += proceeds - cost
        _consume_lots(position.lots, quantity)
        sale = _Sale(entry.id, quantity, sale_value, proceeds)
        self.realizations.append(
            sale.realized(
                on=entry.date, asset_id=position.asset_id, currency=entry.currency, cost=cost
            )
        )

    def _day_trade(self, position: Position, day: _TradeDay, sale: _Sale) -> None:
        """A sale on a day the asset was bought: the day's sales so far are worked out again
        as a whole (the day-traded share of each, and the position after them)."""
        if not day.sales:
            day.realized_before = position.realized
        day.sales.append(sale)
        sold = sum((s.quantity for s in day.sales), ZERO)
        day_traded = min(day.bought, sold)
        records = day.realizations(position, sold=sold, day_traded=day_traded)
        start = self._day_start[1]
        others = [r for r in self.realizations[start:] if r.asset_id != position.asset_id]
        self.realizations[start:] = [*others, *records]
        position.realized = day.realized_before + sum((r.gain for r in records), ZERO)
        day.settle(position, sold=sold, day_traded=day_traded)

    def _income(self, entry: Entry) -> None:
        net = _required(entry.amount) - entry.tax
        if entry.asset_id is not None:
            self._position(entry).income += net
        self._move_cash(entry.currency, net)

    def _cost(self, entry: Entry) -> None:
        self._move_cash(entry.currency, -_required(entry.amount))

    def _split(self, entry: Entry) -> None:
        position = self._position(entry)
        ratio = _required(entry.ratio)
        position.quantity *= ratio
        for lot in position.lots:
            lot.quantity *= ratio  # its cost stays

    def _bonus(self, entry: Entry) -> None:
        position = self._position(entry)
        quantity = _required(entry.quantity)
        cost = entry.amount or ZERO
        position.quantity += quantity
        position.cost += cost
        position.lots.append(Lot(entry.id, entry.date, quantity, cost))

    def _deposit(self, entry: Entry) -> None:
        self._move_cash(entry.currency, _required(entry.amount))

    def _withdrawal(self, entry: Entry) -> None:
        self._move_cash(entry.currency, -_required(entry.amount))


_APPLY = {
    Kind.BUY: Book._buy,
    Kind.SELL: Book._sell,
    Kind.DIVIDEND: Book._income,
    Kind.JCP: Book._income,
    Kind.INTEREST: Book._income,
    Kind.FEE: Book._cost,
    Kind.TAX: Book._cost,
    Kind.SPLIT: Book._split,
    Kind.BONUS: Book._bonus,
    Kind.DEPOSIT: Book._deposit,
    Kind.WITHDRAWAL: Book._withdrawal,
}


def _consume_lots(lots: deque[Lot], quantity: Decimal) -> None:
    """First in, first out."""
    while quantity and lots:
        oldest = lots[0]
        if oldest.quantity <= quantity:
            quantity -= oldest.quantity
            lots.popleft()
        else:
            oldest.cost -= oldest.cost * quantity / oldest.quantity
            oldest.quantity -= quantity
            quantity = ZERO


def check_limits(book: Book) -> None:
    """OutOfRange when a figure of the book reaches LIMIT."""
    for position in book.positions.values():
        for figure, value in (
            ("quantity", position.quantity),
            ("cost", position.cost),
            ("realized", position.realized),
            ("income", position.income),
        ):
            if abs(value) >= LIMIT:
                raise OutOfRange(
                    figure=figure, currency=position.currency, asset_id=position.asset_id
                )
    for currency, balance in book.cash.items():
        if abs(balance) >= LIMIT:
            raise OutOfRange(figure="cash", currency=currency)
    days: dict[tuple[date, str], list[Decimal]] = {}
    with localcontext() as context:
        context.prec = PRECISION
        for flow in book.flows:
            sums = days.setdefault((flow.date, flow.currency), [ZERO, ZERO])
            sums[0] += flow.inflow
            sums[1] += flow.outflow
            if abs(sums[0]) >= LIMIT or abs(sums[1]) >= LIMIT:
                raise OutOfRange(figure="flows", currency=flow.currency)


def in_order(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda entry: entry.order)


def replay(entries: Iterable[Entry]) -> Book:
    """The book after every entry, in date order; InsufficientQuantity if any date goes short."""
    book = Book()
    with localcontext() as context:
        context.prec = PRECISION
        for entry in in_order(entries):
            book.apply_in_context(entry)
    return book
