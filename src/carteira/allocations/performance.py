"""A client's performance: totals, XIRR (money-weighted), TWR (time-weighted) and the daily curve.

Built from the lots and the stored daily closes (`daily_returns`); today's market value comes
from live quotes. One currency at a time: returns over a mix of reais and dollars would
depend on an exchange rate this API does not model.

The curve: each trading day's close values the lots held that day (the last known close is
carried over days an asset did not trade; a lot bought before its asset has any close is
valued at its buy price). A purchase is a cash flow at the start of its day (the first trading
day on or after its date), so the day's return includes the move from buy price to close;
chain-linking makes every point depend only on the days up to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, localcontext

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
from carteira.clients import service as clients
from carteira.core import clock
from carteira.core.database import db
from carteira.core.errors import InvalidInputError
from carteira.core.money import EXACT, ZERO, mul, plain, sub, total
from carteira.pricing.service import MarketData

HUNDRED = 100.0


@dataclass(frozen=True, slots=True)
class _Lot:
    asset_id: int
    ticker: str
    currency: str
    quantity: Decimal
    buy_price: Decimal
    buy_date: date

    @property
    def cost(self) -> Decimal:
        return mul(self.quantity, self.buy_price)


_LOTS_SQL = """
    SELECT a.asset_id, s.ticker, s.currency, a.quantity, a.buy_price, a.buy_date
    FROM allocations a JOIN assets s ON s.id = a.asset_id
    WHERE a.client_id = $1
    ORDER BY a.buy_date, a.id
"""
# Each asset's last close before the window (carried into it)...
_OPENING_SQL = """
    SELECT DISTINCT ON (asset_id) asset_id, close FROM daily_returns
    WHERE asset_id = ANY($1::int[]) AND date < $2 ORDER BY asset_id, date DESC
"""
# ...and its closes inside the window, as two arrays per asset: decoding tens of thousands of
# rows costs asyncpg twice as much as the same values in arrays.
_WINDOW_SQL = """
    SELECT asset_id,
           array_agg(date ORDER BY date) AS dates,
           array_agg(close ORDER BY date) AS closes
    FROM daily_returns
    WHERE asset_id = ANY($1::int[]) AND date BETWEEN $2 AND $3
    GROUP BY asset_id
"""


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * HUNDRED, 6)


async def client_performance(
    *,
    client_id: int,
    start: date | None,
    end: date | None,
    currency: str | None,
    market: MarketData,
) -> PerformanceOut:
    today = clock.today()
    last = end or today
    if last > today:
        raise InvalidInputError("end cannot be in the future.")
    rows = await db().execute_query_dict(_LOTS_SQL, [client_id])
    if not rows:
        await clients.ensure_client_exists(client_id=client_id)
    all_lots = [_Lot(**row) for row in rows]
    currencies = _by_cost(all_lots)
    chosen = (currency or (currencies[0] if currencies else "")).upper()
    if currencies and chosen not in currencies:
        raise InvalidInputError(f"The client holds nothing in {chosen}; try {currencies}.")
    lots = [lot for lot in all_lots if lot.currency == chosen and lot.buy_date <= last]
    first = start or (lots[0].buy_date if lots else last)
    if first > last:
        raise InvalidInputError("start must not be after end.")

    closes = await _closes(lots, first, last)
    gaps = _Gaps()
    opening, series = _curve(lots, closes, first, last, gaps)
    live = await _live_prices(lots, market) if last == today else {}
    totals, unavailable = _totals(lots, closes, live, last, gaps)
    final = series[-1].cumulative_twr_pct if series else None
    twr = final / HUNDRED if final is not None else None
    span = (last - first).days
    xirr = (
        xirr_result(_cash_flows(lots, opening, first, last, totals.market_value))
        if opening is not None and totals.market_value is not None
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
        xirr_note=xirr.reason,
        twr_pct=_pct(twr),
        twr_annualized_pct=_pct(annualize(twr, span)) if twr is not None and span > 365 else None,
        series=series,
        prices_unavailable=unavailable,
        prices_missing=gaps.ranges(),
    )


def _by_cost(lots: Sequence[_Lot]) -> list[str]:
    """The client's currencies, the largest cost first (the default one)."""
    cost: dict[str, Decimal] = defaultdict(Decimal)
    for lot in lots:
        cost[lot.currency] += lot.cost
    return sorted(cost, key=lambda c: (-cost[c], c))


PRICES_MISSING = "some holdings have no price for some dates (see prices_missing)"


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


@dataclass
class _Closes:
    opening: dict[int, Decimal]  # asset id -> last close before the window
    by_day: dict[date, dict[int, Decimal]]  # day -> asset id -> close, inside the window
    latest: dict[int, Decimal]  # asset id -> last close up to the window's end


async def _closes(lots: Sequence[_Lot], first: date, last: date) -> _Closes:
    asset_ids = sorted({lot.asset_id for lot in lots})
    closes = _Closes(opening={}, by_day=defaultdict(dict), latest={})
    if not asset_ids:
        return closes
    async with db().acquire_connection() as connection:
        openings = await connection.fetch(_OPENING_SQL, asset_ids, first)
        windows = await connection.fetch(_WINDOW_SQL, asset_ids, first, last)
    closes.opening = dict(openings)  # (asset id, close) records
    closes.latest = dict(closes.opening)
    for asset_id, dates, values in windows:
        for day, close in zip(dates, values, strict=True):
            closes.by_day[day][asset_id] = close
        closes.latest[asset_id] = values[-1]
    return closes


def _curve(
    lots: Sequence[_Lot], closes: _Closes, first: date, last: date, gaps: _Gaps
) -> tuple[Decimal | None, list[PerformancePoint]]:
    """The value of what was held when the window opened, and the daily points."""
    with localcontext(EXACT):  # exact products and sums with plain operators (C speed)
        return _curve_exact(lots, closes, first, last, gaps)


def _curve_exact(
    lots: Sequence[_Lot], closes: _Closes, first: date, last: date, gaps: _Gaps
) -> tuple[Decimal | None, list[PerformancePoint]]:
    """A day on which a held asset has no close yet (none stored on or before it) has no
    value, and the time-weighted chain stops there: nothing is priced at cost."""
    close_days = closes.by_day
    last_close = dict(closes.opening)
    tickers = {lot.asset_id: lot.ticker for lot in lots}
    holdings: dict[int, Decimal] = defaultdict(Decimal)
    invested = ZERO
    pending = list(lots)
    for lot in [lot for lot in pending if lot.buy_date < first]:
        holdings[lot.asset_id] += lot.quantity
        invested += lot.cost
    pending = [lot for lot in pending if lot.buy_date >= first]
    opening = _value(holdings, last_close)
    if opening is None:
        gaps.note(_unpriced(holdings, last_close, tickers), first - timedelta(days=1))
    # A synthetic day before the window carries the opening value, so that the first real
    # day's return is measured from it (and contributes nothing itself).
    chain = (
        [ValuationDay(on=first - timedelta(days=1), value=opening, inflow=opening)]
        if opening is not None
        else None
    )
    points: list[tuple[date, Decimal | None, Decimal]] = []
    # Every day with a close, and every purchase day: a holding bought before its asset has any
    # close shows as a gap from its first day, never as a later jump.
    for day in sorted(set(close_days) | {lot.buy_date for lot in pending}):
        if day > last:
            break
        inflow = ZERO
        while pending and pending[0].buy_date <= day:
            lot = pending.pop(0)
            holdings[lot.asset_id] += lot.quantity
            inflow += lot.cost
        invested += inflow
        last_close.update(close_days.get(day, {}))
        value = _value(holdings, last_close)
        if value is None:
            gaps.note(_unpriced(holdings, last_close, tickers), day)
            chain = None
        elif chain is not None:
            chain.append(ValuationDay(on=day, value=value, inflow=inflow))
        points.append((day, value, invested))
    cumulative = twr_series(chain)[1:] if chain is not None else []
    series = [
        PerformancePoint(
            date=day,
            market_value=plain(value) if value is not None else None,
            invested=plain(spent),
            cumulative_twr_pct=(
                round(cumulative[index] * HUNDRED, 6) if index < len(cumulative) else None
            ),
        )
        for index, (day, value, spent) in enumerate(points)
    ]
    return opening, series


def _unpriced(
    holdings: dict[int, Decimal], prices: dict[int, Decimal], tickers: dict[int, str]
) -> list[str]:
    return [tickers[a] for a, quantity in holdings.items() if quantity and a not in prices]


def _value(holdings: dict[int, Decimal], prices: dict[int, Decimal]) -> Decimal | None:
    """The holdings at these prices; None when a held asset has no price."""
    value = ZERO
    for asset_id, quantity in holdings.items():
        price = prices.get(asset_id)
        if price is None:
            return None
        value += quantity * price
    return value


async def _live_prices(
    lots: Sequence[_Lot], market: MarketData
) -> dict[str, tuple[Decimal, Decimal | None]]:
    tickers = sorted({lot.ticker for lot in lots})
    batch = await market.quotes(tickers, wait_seconds=market.settings.valuation_timeout_seconds)
    return {t: (q.price, q.previous_close) for t, q in batch.quotes.items()}


def _totals(
    lots: Sequence[_Lot],
    closes: _Closes,
    live: dict[str, tuple[Decimal, Decimal | None]],
    last: date,
    gaps: _Gaps,
) -> tuple[PerformanceTotals, bool]:
    """Cost and value at `last`: live prices for today, else the last stored closes (never
    the buy price). The day's change of a lot bought today is measured from its price."""
    latest_close = closes.latest
    today = clock.today()
    cost = total(lot.cost for lot in lots)
    value: Decimal | None = ZERO
    day_change = ZERO
    unavailable = False
    unpriced: set[str] = set()
    for lot in lots:
        price, previous = live.get(lot.ticker, (None, None))
        if price is None:
            unavailable = unavailable or last == today
            price = latest_close.get(lot.asset_id)
        if price is None:
            unpriced.add(lot.ticker)
            continue
        if value is not None:
            value += mul(lot.quantity, price)
        reference = lot.buy_price if lot.buy_date == last == today else previous
        if reference is not None:
            day_change += mul(lot.quantity, sub(price, reference))
    if unpriced:
        gaps.note(sorted(unpriced), last)
        value = None
    if value is None:
        return (
            PerformanceTotals(cost=plain(cost), market_value=None, pnl=None, day_change=None),
            unavailable,
        )
    opening = sub(value, day_change)
    return (
        PerformanceTotals(
            cost=plain(cost),
            market_value=plain(value),
            pnl=plain(sub(value, cost)),
            accumulated_return_pct=_pct(float(value / cost - 1)) if cost else None,
            day_change=plain(day_change),
            day_change_pct=_pct(float(day_change / opening)) if opening and live else None,
        ),
        unavailable,
    )


def _cash_flows(
    lots: Sequence[_Lot], opening: Decimal, first: date, last: date, final_value: Decimal
) -> list[CashFlow]:
    """Purchases as money in (what was already held counts as bought when the window
    opened, at its value then), and the value at the end as money out."""
    flows = []
    if any(lot.buy_date < first for lot in lots):
        flows.append(CashFlow(on=first, amount=-opening))
    flows += [CashFlow(on=lot.buy_date, amount=-lot.cost) for lot in lots if lot.buy_date >= first]
    flows.append(CashFlow(on=last, amount=final_value))
    return flows
