"""A client's performance over the ledger: totals, XIRR (money-weighted), TWR (time-weighted)
and the daily curve.

The portfolio's value is its positions at market plus its cash. Money in and out is what
crosses the portfolio's border — deposits, withdrawals and externally settled trades — so
dividends, JCP and interest count as return and fees and taxes against it. One currency at a
time (the holdings in it, unconverted).

The curve: each day with a stored close (or an entry) values what was held that day at the
last known close (carried over days an asset did not trade). A day on which a held asset has
no close yet has no value, and the time-weighted chain stops there: nothing is priced at cost.
Inflows count at the start of their day, outflows at its end, so the day's return includes
the move from the trade price to the close; chain-linking makes every point depend only on the
days up to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from carteira.allocations import store, valuation
from carteira.allocations.exceptions import CurrencyNotHeldError
from carteira.allocations.ledger import Book, Entry, flow_of, in_order
from carteira.allocations.returns import (
    CashFlow,
    ValuationDay,
    XirrResult,
    annualize,
    twr_series,
    xirr_result,
)
from carteira.allocations.schemas import (
    PerformanceOut,
    PerformancePoint,
    PerformanceTotals,
    PriceGap,
)
from carteira.assets import service as assets
from carteira.clients import service as clients
from carteira.core import clock
from carteira.core.errors import InvalidInputError
from carteira.core.events import EventBus
from carteira.core.money import ZERO, plain
from carteira.pricing import service as pricing
from carteira.pricing.service import ClosesWindow, MarketData

HUNDRED = 100.0
PRICES_MISSING = "some holdings have no price for some dates (see prices_missing)"


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * HUNDRED, 6)


@dataclass
class _Gaps:
    """Which tickers had no price on which valuation days: reported, never priced at cost."""

    days: dict[str, list[date]] = field(default_factory=lambda: defaultdict(list))

    def note(self, tickers: Iterable[str], day: date) -> None:
        for ticker in tickers:
            self.days[ticker].append(day)

    def ranges(self) -> list[PriceGap]:
        gaps = []
        for ticker, days in sorted(self.days.items()):
            start = previous = days[0]
            for day in days[1:]:
                if (day - previous).days > 7:  # a new run of missing valuation days
                    gaps.append(PriceGap(ticker=ticker, start=start, end=previous))
                    start = day
                previous = day
            gaps.append(PriceGap(ticker=ticker, start=start, end=previous))
        return gaps


async def client_performance(
    *,
    client_id: int,
    start: date | None,
    end: date | None,
    currency: str | None,
    market: MarketData,
    events: EventBus,
) -> PerformanceOut:
    today = clock.today()
    last = end or today
    if last > today:
        raise InvalidInputError("end cannot be in the future.")
    entries = await store.client_entries(client_id)
    if not entries:
        await clients.ensure_client_exists(client_id=client_id)
    currencies = _by_size(entries)
    chosen = (currency or (currencies[0] if currencies else "")).upper()
    if currencies and chosen not in currencies:
        raise CurrencyNotHeldError(f"The client holds nothing in {chosen}; try {currencies}.")
    view = in_order(e for e in entries if e.currency == chosen and e.date <= last)
    first = start or (view[0].date if view else last)
    if first > last:
        raise InvalidInputError("start must not be after end.")
    asset_ids = {e.asset_id for e in view if e.asset_id is not None}
    infos = await assets.describe(asset_ids=asset_ids, events=events)
    tickers = {asset_id: info.ticker for asset_id, info in infos.items()}
    closes = await pricing.closes_window(asset_ids=asset_ids, first=first, last=last)

    walk = _Walk(view=view, currency=chosen, tickers=tickers, closes=closes)
    walk.run(first=first, last=last)
    live = await _live_prices(walk.book, tickers, market) if last == today else {}
    totals, unavailable = walk.totals(last=last, live=live, today=today)

    final = walk.series[-1].cumulative_twr_pct if walk.series else None
    twr = final / HUNDRED if final is not None else None
    span = (last - first).days
    xirr = (
        xirr_result([*walk.cash_flows, CashFlow(on=last, amount=_value_or_zero(totals.value))])
        if walk.opening is not None and totals.value is not None
        else XirrResult(None, PRICES_MISSING)
    )
    return PerformanceOut(
        client_id=client_id,
        currency=chosen,
        currencies=currencies,
        start=first,
        end=last,
        totals=totals,
        xirr_pct=_pct(xirr.value),
        xirr_period_pct=(
            _pct((1 + xirr.value) ** (span / 365) - 1)
            if xirr.value is not None and 0 < span < 365
            else None
        ),
        xirr_note=xirr.reason,
        twr_pct=_pct(twr),
        twr_annualized_pct=_pct(annualize(twr, span)) if twr is not None and span > 365 else None,
        series=walk.series,
        prices_unavailable=unavailable,
        prices_missing=walk.gaps.ranges(),
    )


def _value_or_zero(value: Decimal | None) -> Decimal:
    return value if value is not None else ZERO


def _by_size(entries: Sequence[Entry]) -> list[str]:
    """The client's currencies, the one with the most money through it first (the default)."""
    size: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        inflow, outflow = flow_of(entry)
        size[entry.currency] += inflow + outflow + (entry.amount or ZERO)
    return sorted(size, key=lambda c: (-size[c], c))


@dataclass
class _Walk:
    """The ledger replayed day by day against the stored closes."""

    view: list[Entry]
    currency: str
    tickers: Mapping[int, str]
    closes: ClosesWindow
    book: Book = field(default_factory=Book)
    gaps: _Gaps = field(default_factory=_Gaps)
    series: list[PerformancePoint] = field(default_factory=list)
    cash_flows: list[CashFlow] = field(default_factory=list)
    opening: Decimal | None = None
    invested: Decimal = ZERO
    # The last day's start: what was held and the prices before its entries and close.
    day_open_quantities: dict[int, Decimal] = field(default_factory=dict)
    day_open_cash: Decimal = ZERO
    day_open_prices: dict[int, Decimal] = field(default_factory=dict)
    day_flows: tuple[Decimal, Decimal] = (ZERO, ZERO)
    prices: dict[int, Decimal] = field(default_factory=dict)

    def run(self, *, first: date, last: date) -> None:
        pending = iter(self.view)
        entry = next(pending, None)
        while entry is not None and entry.date < first:
            self._apply(entry, in_window=False)  # what was held comes in as the opening value
            entry = next(pending, None)
        self.prices = dict(self.closes.opening)
        self.opening = self._value(first - timedelta(days=1))
        if self.opening:
            self.cash_flows.append(CashFlow(on=first, amount=-self.opening))
        chain: list[ValuationDay] | None = (
            [ValuationDay(on=first - timedelta(days=1), value=self.opening, inflow=self.opening)]
            if self.opening is not None
            else None
        )
        remaining = [e for e in self.view if e.date >= first]
        days = sorted(set(self.closes.by_day) | {e.date for e in remaining})
        index = 0
        points: list[tuple[date, Decimal | None, Decimal]] = []
        for day in days:
            if day > last:
                break
            self._open_day()
            inflow = outflow = ZERO
            while index < len(remaining) and remaining[index].date <= day:
                entry_in, entry_out = self._apply(remaining[index])
                inflow += entry_in
                outflow += entry_out
                index += 1
            self.day_flows = (inflow, outflow)
            self.prices.update(self.closes.by_day.get(day, {}))
            value = self._value(day)
            if value is None:
                chain = None
            elif chain is not None:
                chain.append(ValuationDay(on=day, value=value, inflow=inflow, outflow=outflow))
            points.append((day, value, self.invested))
        if not points or points[-1][0] < last:
            # The last day has no entry and no close yet: its start is the end of the walk.
            self._open_day()
            self.day_flows = (ZERO, ZERO)
        cumulative = twr_series(chain)[1:] if chain is not None else []
        self.series = [
            PerformancePoint(
                date=day,
                value=plain(value) if value is not None else None,
                invested=plain(invested),
                cumulative_twr_pct=(
                    round(cumulative[i] * HUNDRED, 6) if i < len(cumulative) else None
                ),
            )
            for i, (day, value, invested) in enumerate(points)
        ]

    def _open_day(self) -> None:
        self.day_open_quantities = {
            asset_id: position.quantity
            for asset_id, position in self.book.positions.items()
            if position.quantity
        }
        self.day_open_cash = self.book.cash.get(self.currency, ZERO)
        self.day_open_prices = dict(self.prices)

    def _apply(self, entry: Entry, *, in_window: bool = True) -> tuple[Decimal, Decimal]:
        self.book.apply(entry)
        inflow, outflow = flow_of(entry)
        self.invested += inflow - outflow
        if in_window and (inflow or outflow):
            self.cash_flows.append(CashFlow(on=entry.date, amount=outflow - inflow))
        return inflow, outflow

    def _value(self, day: date) -> Decimal | None:
        held = {a: p.quantity for a, p in self.book.positions.items() if p.quantity}
        value = valuation.portfolio_value(
            held, self.prices, self.book.cash.get(self.currency, ZERO)
        )
        if value is None:
            self.gaps.note((self.tickers.get(a, str(a)) for a in held if a not in self.prices), day)
        return value

    def totals(
        self, *, last: date, live: Mapping[int, tuple[Decimal, Decimal | None]], today: date
    ) -> tuple[PerformanceTotals, bool]:
        """The position at `last`: live prices today (the last stored closes standing in for a
        missing quote, never the buy price); the day's change from its start, net of the
        money that came in or went out that day."""
        held = {a: p.quantity for a, p in self.book.positions.items() if p.quantity}
        prices = dict(self.closes.latest)
        unavailable = False
        for asset_id in held:
            if asset_id in live:
                prices[asset_id] = live[asset_id][0]
            elif last == today:
                unavailable = True
        cash = self.book.cash.get(self.currency, ZERO)
        market_value = valuation.portfolio_value(held, prices, ZERO)
        cost = sum((p.cost for p in self.book.positions.values() if p.quantity), ZERO)
        if market_value is None:
            self.gaps.note((self.tickers.get(a, str(a)) for a in held if a not in prices), last)
            return (
                PerformanceTotals(
                    market_value=None,
                    cash=plain(cash),
                    value=None,
                    cost=plain(cost),
                    invested=plain(self.invested),
                    pnl=None,
                    day_change=None,
                ),
                unavailable,
            )
        value = market_value + cash
        pnl = value - self.invested
        day_change, day_change_pct = self._day_change(value, live)
        return (
            PerformanceTotals(
                market_value=plain(market_value),
                cash=plain(cash),
                value=plain(value),
                cost=plain(cost),
                invested=plain(self.invested),
                pnl=plain(pnl),
                accumulated_return_pct=(
                    valuation.pct(pnl / self.invested) if self.invested > 0 else None
                ),
                day_change=plain(day_change) if day_change is not None else None,
                day_change_pct=day_change_pct,
            ),
            unavailable,
        )

    def _day_change(
        self, value: Decimal, live: Mapping[int, tuple[Decimal, Decimal | None]]
    ) -> tuple[Decimal | None, float | None]:
        previous = dict(self.day_open_prices)
        for asset_id, (_, previous_close) in live.items():
            if previous_close is not None:
                previous[asset_id] = previous_close
        opening = valuation.portfolio_value(self.day_open_quantities, previous, self.day_open_cash)
        if opening is None:
            return None, None
        inflow, outflow = self.day_flows
        change = value - opening - (inflow - outflow)
        base = opening + inflow
        return change, (valuation.pct(change / base) if base > 0 and live else None)


async def _live_prices(
    book: Book, tickers: Mapping[int, str], market: MarketData
) -> dict[int, tuple[Decimal, Decimal | None]]:
    held = [a for a, p in book.positions.items() if p.quantity and a in tickers]
    batch = await market.quotes(
        [tickers[a] for a in held], wait_seconds=market.settings.valuation_timeout_seconds
    )
    return {
        a: (quote.price, quote.previous_close)
        for a in held
        if (quote := batch.quotes.get(tickers[a])) is not None
    }
