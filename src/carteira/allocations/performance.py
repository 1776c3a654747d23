"""A client's performance over the ledger: totals, XIRR (money-weighted), TWR (time-weighted)
and the daily curve.

The portfolio's value is its positions at market plus its cash. Money in and out is what
crosses the portfolio's border — deposits, withdrawals and externally settled trades — so
dividends, JCP and interest count as return and fees and taxes against it.

Without `currency`, everything is consolidated in the reporting currency: each day's values at
that day's exchange close (a weekend or holiday uses the last close before it), each flow at
its own date's rate, today's value at the live pair quote. With `currency=XXX`, only what is
held in that currency, unconverted. A missing rate is reported (`fx_missing`), never replaced
by 1 or an invented one.

The curve: each day with a stored close (or an entry) values what was held that day at the
last known close (carried over days an asset did not trade). Stored closes are the provider's
split-adjusted ones, so each day's quantity is put on the same basis (multiplied by the
provider's splits after that day): a split is never a jump. A day on which a held asset has
no close yet has no value, and the time-weighted chain stops there: nothing is priced at cost.
Inflows count at the start of their day, outflows at its end, so the day's return includes
the move from the trade price to the close; chain-linking makes every point depend only on the
days up to it.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from carteira.allocations import store, valuation
from carteira.allocations.books import LEDGER_CHANGED
from carteira.allocations.exceptions import CurrencyNotHeldError
from carteira.allocations.ledger import INCOME, Book, Entry, Kind, flow_of, in_order
from carteira.allocations.returns import (
    CashFlow,
    Undefined,
    ValuationDay,
    XirrResult,
    annualize,
    twr_series,
    xirr_result,
)
from carteira.allocations.schemas import (
    FxGap,
    PerformanceOut,
    PerformancePoint,
    PerformanceTotals,
    PriceGap,
)
from carteira.allocations.statement import Income, Statement, statement
from carteira.assets import service as assets
from carteira.benchmarks import service as benchmark_service
from carteira.benchmarks.service import Benchmark
from carteira.clients import service as clients
from carteira.core import clock
from carteira.core.calendar import business_days, previous_business_day
from carteira.core.errors import InvalidInputError
from carteira.core.events import EventBus
from carteira.core.jobs import JobQueue
from carteira.core.money import EXACT, ZERO, plain
from carteira.pricing import service as pricing
from carteira.pricing.service import ClosesWindow, FxWindow, MarketData

HUNDRED = 100.0
_RateOf = Callable[[str], Decimal | None]
PRICES_MISSING = Undefined(
    "prices_missing", "some holdings have no price for some dates (see prices_missing)"
)
RATES_MISSING = Undefined("rates_missing", "some exchange rates are missing (see fx_missing)")


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * HUNDRED, 6)


@dataclass
class _Gaps:
    """Which names (tickers, currencies) had no price or rate on which days: reported, never
    filled in."""

    days: dict[str, list[date]] = field(default_factory=lambda: defaultdict(list))

    def note(self, names: Iterable[str], day: date) -> None:
        for name in names:
            if not self.days[name] or self.days[name][-1] != day:
                self.days[name].append(day)

    def ranges(self) -> list[tuple[str, date, date]]:
        found = []
        for name, days in sorted(self.days.items()):
            start = previous = days[0]
            for day in days[1:]:
                if (day - previous).days > 7:  # a new run of missing days
                    found.append((name, start, previous))
                    start = day
                previous = day
            found.append((name, start, previous))
        return found


@dataclass(frozen=True)
class _SplitBasis:
    """Provider splits per asset: today's quantity basis for any earlier day."""

    dates: dict[int, list[date]]
    # suffix products: factors[a][i] = product of the ratios of splits i.. (1 past the end)
    factors: dict[int, list[Decimal]]

    @classmethod
    def of(cls, splits: Iterable[pricing.AssetEventInfo]) -> _SplitBasis:
        by_asset: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
        for split in splits:
            if split.kind == pricing.SPLIT and split.ratio:
                by_asset[split.asset_id].append((split.ex_date, split.ratio))
        dates, factors = {}, {}
        for asset_id, events in by_asset.items():
            events.sort()
            dates[asset_id] = [day for day, _ in events]
            product, suffix = Decimal(1), [Decimal(1)]
            for _, ratio in reversed(events):
                product = EXACT.multiply(product, ratio)
                suffix.append(product)
            factors[asset_id] = list(reversed(suffix))
        return cls(dates, factors)

    def factor(self, asset_id: int, day: date) -> Decimal:
        days = self.dates.get(asset_id)
        if not days:
            return Decimal(1)
        return self.factors[asset_id][bisect.bisect_right(days, day)]


SNAPSHOTS = "allocations.performance"
MAX_VARIANTS = 8  # windows, currencies and benchmark sets kept per client


@dataclass
class _Snapshot:
    """Everything derived from stored data (the ledger, closes, rates, benchmark values):
    kept until the client's next write or the next stored market data, anywhere."""

    walk: Walk
    currencies: list[str]
    chosen: str | None
    first: date
    held_currencies: set[str]
    statement: Statement


async def client_performance(
    *,
    client_id: int,
    start: date | None,
    end: date | None,
    currency: str | None,
    benchmarks: Sequence[Benchmark] = (),
    market: MarketData,
    events: EventBus,
    jobs: JobQueue,
) -> PerformanceOut:
    today = clock.today()
    last = end or today
    if last > today:
        raise InvalidInputError("end cannot be in the future.")
    cache = events.cache(
        SNAPSHOTS,
        cleared_by=(LEDGER_CHANGED, pricing.MARKET_DATA_STORED, assets.ASSET_CHANGED),
        keyed_by="client_id",
        ttl_seconds=600,
        max_entries=512,
    )
    variant = f"{start}|{last}|{currency or ''}|{','.join(b.code for b in benchmarks)}|{today}"
    generation = cache.generation
    variants: dict[str, _Snapshot] = cache.get(str(client_id)) or {}
    snapshot = variants.get(variant)
    if snapshot is None:
        snapshot = await _snapshot(
            client_id=client_id,
            start=start,
            last=last,
            currency=currency,
            benchmarks=benchmarks,
            market=market,
            events=events,
            jobs=jobs,
        )
        kept = dict(list(variants.items())[-(MAX_VARIANTS - 1) :])
        cache.set(str(client_id), {**kept, variant: snapshot}, generation=generation)
    else:
        await clients.ensure_client_exists(client_id=client_id)
    return await _answer(snapshot, client_id=client_id, last=last, today=today, market=market)


async def _snapshot(
    *,
    client_id: int,
    start: date | None,
    last: date,
    currency: str | None,
    benchmarks: Sequence[Benchmark],
    market: MarketData,
    events: EventBus,
    jobs: JobQueue,
) -> _Snapshot:
    entries = await store.client_entries(client_id)
    if not entries:
        await clients.ensure_client_exists(client_id=client_id)
    currencies = _by_size(entries)
    chosen = currency.upper() if currency else None
    if chosen is not None and currencies and chosen not in currencies:
        raise CurrencyNotHeldError(f"The client holds nothing in {chosen}; try {currencies}.")
    view = in_order(
        e for e in entries if (chosen is None or e.currency == chosen) and e.date <= last
    )
    first = start or (view[0].date if view else last)
    if first > last:
        raise InvalidInputError("start must not be after end.")
    held_currencies = {e.currency for e in view}
    walk = await _walked(
        view,
        first=first,
        last=last,
        chosen=chosen,
        held_currencies=held_currencies,
        market=market,
        events=events,
    )
    cut = start is not None and bool(view) and view[0].date < start
    figures = await _statement(
        walk,
        eve=first - timedelta(days=1),
        last=last,
        cut=cut,
        benchmarks=benchmarks,
        market=market,
        jobs=jobs,
        events=events,
    )
    return _Snapshot(
        walk=walk,
        currencies=currencies,
        chosen=chosen,
        first=first,
        held_currencies=held_currencies,
        statement=figures,
    )


async def _statement(
    walk: Walk,
    *,
    eve: date,
    last: date,
    cut: bool,
    benchmarks: Sequence[Benchmark],
    market: MarketData,
    jobs: JobQueue,
    events: EventBus,
) -> Statement:
    """The walk's figures beside the benchmarks' (`cut`: the window starts after the client's
    first entry)."""
    # The benchmarks cover the portfolio's days: from its first investment's close (or the
    # window's eve, when something was held then) to the last close its figures use.
    base = walk.base or eve
    curves = await benchmark_service.curves(
        benchmarks=benchmarks,
        eve=base,
        last=max(walk.as_of or base, base),
        market=market,
        jobs=jobs,
        events=events,
    )
    return statement(
        series=walk.series,
        eve=eve,
        last=last,
        as_of=walk.as_of,
        cut=cut,
        curves=curves,
        income=walk.income,
    )


async def _walked(
    view: list[Entry],
    *,
    first: date,
    last: date,
    chosen: str | None,
    held_currencies: set[str],
    market: MarketData,
    events: EventBus,
) -> Walk:
    """The view walked from `first` to `last` over its assets' stored closes, splits and (all
    currencies together: `chosen` is None) exchange rates into the reporting currency."""
    asset_ids = {e.asset_id for e in view if e.asset_id is not None}
    infos = await assets.describe(asset_ids=asset_ids, events=events)
    closes = await pricing.closes_window(asset_ids=asset_ids, first=first, last=last)
    basis = _SplitBasis.of(await pricing.asset_events(asset_ids=asset_ids))
    fx = (
        await pricing.fx_window(
            currencies=held_currencies,
            reporting=market.settings.reporting_currency,
            first=first,
            last=last,
        )
        if chosen is None
        else FxWindow(reporting=chosen)
    )
    walk = Walk(
        view=view,
        tickers={a: info.ticker for a, info in infos.items()},
        currency_of={a: info.currency for a, info in infos.items()},
        closes=closes,
        basis=basis,
        fx=fx,
    )
    walk.run(first=first, last=last, today=clock.today())
    return walk


async def walked_through(
    *, client_id: int, day: date, market: MarketData, events: EventBus
) -> Walk:
    """The client's whole ledger replayed through `day` and walked over that day alone: its
    book is what was held at `day`'s end, its prices the last stored closes on or before it
    (on today's split basis, `basis`), its `fx` the stored rates up to it."""
    entries = await store.client_entries(client_id)
    if not entries:
        await clients.ensure_client_exists(client_id=client_id)
    view = in_order(e for e in entries if e.date <= day)
    return await _walked(
        view,
        first=day,
        last=day,
        chosen=None,
        held_currencies={e.currency for e in view},
        market=market,
        events=events,
    )


async def _answer(
    snapshot: _Snapshot, *, client_id: int, last: date, today: date, market: MarketData
) -> PerformanceOut:
    """The snapshot with today's live prices and rates (when the window ends today)."""
    walk, chosen, first = snapshot.walk, snapshot.chosen, snapshot.first
    reporting = market.settings.reporting_currency
    live = await _live(walk.book, walk.tickers, market) if last == today else {}
    rates = (
        await pricing.live_rates(
            market=market, currencies=snapshot.held_currencies, reporting=reporting
        )
        if last == today and chosen is None
        else {}
    )
    totals, unavailable = walk.totals(last=last, today=today, live=live, rates=rates)
    final = walk.series[-1].cumulative_twr_pct if walk.series else None
    twr = final / HUNDRED if final is not None else None
    span = (last - first).days
    xirr = _xirr(walk, last=last, value=totals.value)
    figures = snapshot.statement
    drawdown = figures.drawdown
    return PerformanceOut(
        client_id=client_id,
        currency=chosen or reporting,
        consolidated=chosen is None,
        currencies=snapshot.currencies,
        start=first,
        end=last,
        as_of=walk.as_of,
        totals=totals,
        xirr_pct=_pct(xirr.value),
        xirr_period_pct=(
            _pct((1 + xirr.value) ** (span / 365) - 1)
            if xirr.value is not None and 0 < span < 365
            else None
        ),
        xirr_note=xirr.reason.detail if xirr.reason else None,
        xirr_note_code=xirr.reason.code if xirr.reason else None,
        twr_pct=_pct(twr),
        twr_annualized_pct=_pct(annualize(twr, span)) if twr is not None and span > 365 else None,
        periods=figures.periods,
        monthly=figures.monthly,
        volatility_pct=figures.volatility_pct,
        max_drawdown_pct=_pct(drawdown.fraction) if drawdown else None,
        max_drawdown_peak=drawdown.peak if drawdown else None,
        max_drawdown_trough=drawdown.trough if drawdown else None,
        benchmarks=figures.benchmarks,
        pct_of_cdi=figures.pct_of_cdi.get("inception"),
        pct_of_cdi_periods=figures.pct_of_cdi,
        yearly=figures.yearly,
        income=figures.income,
        series=walk.series,
        prices_unavailable=unavailable,
        prices_missing=[
            PriceGap(ticker=name, start=a, end=b) for name, a, b in walk.price_gaps.ranges()
        ],
        fx_missing=[FxGap(currency=name, start=a, end=b) for name, a, b in walk.fx_gaps.ranges()],
    )


def _xirr(walk: Walk, *, last: date, value: Decimal | None) -> XirrResult:
    if walk.fx_gaps.days:
        return XirrResult(None, RATES_MISSING)
    if walk.opening is None or value is None:
        return XirrResult(None, PRICES_MISSING)
    return xirr_result([*walk.cash_flows, CashFlow(on=last, amount=value)])


def _by_size(entries: Sequence[Entry]) -> list[str]:
    """The client's currencies, the one with the most money through it first."""
    size: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        inflow, outflow = flow_of(entry)
        size[entry.currency] += inflow + outflow + (entry.amount or ZERO)
    return sorted(size, key=lambda c: (-size[c], c))


# A valued day: its date, its value and the net money invested so far (None: unknown).
_Point = tuple[date, Decimal | None, Decimal | None]


@dataclass
class Walk:
    """The ledger replayed day by day against the stored closes (and rates)."""

    view: list[Entry]
    tickers: Mapping[int, str]
    currency_of: Mapping[int, str]
    closes: ClosesWindow
    basis: _SplitBasis
    fx: FxWindow
    book: Book = field(default_factory=Book)
    price_gaps: _Gaps = field(default_factory=_Gaps)
    fx_gaps: _Gaps = field(default_factory=_Gaps)
    series: list[PerformancePoint] = field(default_factory=list)
    cash_flows: list[CashFlow] = field(default_factory=list)
    opening: Decimal | None = None
    invested: Decimal = ZERO
    invested_known: bool = True  # false once a flow had no rate into the view's currency
    income: list[Income] = field(default_factory=list)
    as_of: date | None = None
    base: date | None = None
    prices: dict[int, Decimal] = field(default_factory=dict)
    day_buys: list[Entry] = field(default_factory=list)
    # The last day's start: what was held and the prices before its entries and its close.
    day_open_quantities: dict[int, Decimal] = field(default_factory=dict)
    day_open_cash: dict[str, Decimal] = field(default_factory=dict)
    day_open_prices: dict[int, Decimal] = field(default_factory=dict)
    day_flows: tuple[Decimal, Decimal] = (ZERO, ZERO)

    def run(self, *, first: date, last: date, today: date) -> None:
        eve = first - timedelta(days=1)
        self._open_window(first=first, eve=eve)
        chain: list[ValuationDay] | None = (
            [ValuationDay(on=eve, value=self.opening, inflow=self.opening)]
            if self.opening is not None
            else None
        )
        points, chain = self._value_days(first=first, last=last, chain=chain)
        if not points or points[-1][0] < last:
            # The last day has no entry and no close yet: its start is the end of the walk.
            self._open_day()
            self.day_flows = (ZERO, ZERO)
        self.as_of = self._closed_through(eve=eve, last=last, today=today)
        self.series = self._series(points, chain)
        self.base = self._first_invested(eve)

    def _open_window(self, *, first: date, eve: date) -> None:
        """What was held before `first` comes in as the opening value (on the eve)."""
        for entry in self.view:
            if entry.date < first:
                self._apply(entry, in_window=False)
        self.prices = dict(self.closes.opening)
        self.opening = self._value(eve)
        if self.opening:
            self.cash_flows.append(CashFlow(on=first, amount=-self.opening))

    def _value_days(
        self, *, first: date, last: date, chain: list[ValuationDay] | None
    ) -> tuple[list[_Point], list[ValuationDay] | None]:
        """Each day of the window with its entries applied and valued at its close; the chain
        of valuations the TWR is computed from (None once a day cannot be valued)."""
        entries_on: dict[date, list[Entry]] = defaultdict(list)
        for entry in self.view:
            if entry.date >= first:
                entries_on[entry.date].append(entry)
        # Every business day is valued (cash in any currency included), besides the days with
        # a close (crypto trades at weekends) or an entry.
        days = sorted(set(self.closes.by_day) | set(entries_on) | set(business_days(first, last)))
        points: list[_Point] = []
        for day in (d for d in days if d <= last):
            self._open_day()
            inflow, outflow, converted = self._apply_day(entries_on.get(day, ()))
            self.prices.update(self.closes.by_day.get(day, {}))
            value = self._value(day)
            if not converted or value is None:
                chain = None
            elif chain is not None:
                chain.append(
                    ValuationDay(
                        on=day,
                        value=value,
                        inflow=inflow,
                        outflow=outflow,
                        purchase_gain=self._purchase_gain(day),
                    )
                )
            points.append((day, value, self.invested if self.invested_known else None))
        return points, chain

    def _apply_day(self, entries: Iterable[Entry]) -> tuple[Decimal, Decimal, bool]:
        """A day's entries applied: its inflow and outflow in the view's currency, and whether
        every one of its flows had a rate into it."""
        inflow = outflow = ZERO
        converted = True
        for entry in entries:
            flows = self._apply(entry)
            if flows is None:
                converted = False
            else:
                inflow += flows[0]
                outflow += flows[1]
        self.day_flows = (inflow, outflow)
        return inflow, outflow, converted

    def _series(
        self, points: Sequence[_Point], chain: list[ValuationDay] | None
    ) -> list[PerformancePoint]:
        """The valued days up to the last close the figures use, with the cumulative TWR."""
        cumulative = twr_series(chain)[1:] if chain is not None else []
        return [
            PerformancePoint(
                date=day,
                value=plain(value) if value is not None else None,
                invested=plain(invested) if invested is not None else None,
                cumulative_twr_pct=(
                    round(cumulative[i] * HUNDRED, 6) if i < len(cumulative) else None
                ),
            )
            for i, (day, value, invested) in enumerate(points)
            if self.as_of is not None and day <= self.as_of
        ]

    def _closed_through(self, *, eve: date, last: date, today: date) -> date | None:
        """The last close the figures use: the latest stored close of what is held at the
        end; without one (cash, or holdings with no close yet), the last business day whose
        end has passed. Benchmarks
        stop there too, so a rate paid into a day whose close is not yet in never counts."""
        held = self._held()
        closed = [
            day
            for day, closes in self.closes.by_day.items()
            if day <= last and any(asset_id in closes for asset_id in held)
        ]
        if closed:
            return max(closed)
        if last < today:
            return last
        through = previous_business_day(today)
        return through if through > eve else None

    def _first_invested(self, eve: date) -> date | None:
        """Where the portfolio's (and its benchmarks') measure begins: the window's eve when
        something was held then, else the first day money came in."""
        if self.opening:
            return eve
        return next((point.date for point in self.series if point.value), None)

    def _purchase_gain(self, day: date) -> Decimal:
        """What the day's purchases gained from the price paid (fees included) to the close,
        in the view's currency."""
        gain = ZERO
        for entry in self.day_buys:
            assert entry.asset_id is not None
            assert entry.quantity is not None
            price = self.prices.get(entry.asset_id)
            rate = self.fx.rate(entry.currency, day)
            if price is None or rate is None or entry.price is None:
                return ZERO  # the day has no value then, and the chain stops anyway
            held = entry.quantity * self.basis.factor(entry.asset_id, day)
            paid = entry.quantity * entry.price + entry.fees
            gain += (held * price - paid) * rate
        return gain

    def _open_day(self) -> None:
        self.day_open_quantities = self._held()
        self.day_open_cash = dict(self.book.cash)
        self.day_open_prices = dict(self.prices)
        self.day_buys = []

    def _held(self) -> dict[int, Decimal]:
        return {a: p.quantity for a, p in self.book.positions.items() if p.quantity}

    def _apply(self, entry: Entry, *, in_window: bool = True) -> tuple[Decimal, Decimal] | None:
        """The entry applied; its flows in the view's currency (None: no rate to convert)."""
        inflow, outflow = self.book.apply(entry)
        if entry.kind is Kind.BUY and in_window:
            self.day_buys.append(entry)
        if entry.kind in INCOME:
            self._note_income(entry)
        if not inflow and not outflow:
            return ZERO, ZERO
        rate = self.fx.rate(entry.currency, entry.date)
        if rate is None:
            self.fx_gaps.note([entry.currency], entry.date)
            self.invested_known = False  # net new money is unknown, and so is the result
            return None
        inflow, outflow = inflow * rate, outflow * rate
        self.invested += inflow - outflow
        if in_window:
            self.cash_flows.append(CashFlow(on=entry.date, amount=outflow - inflow))
        return inflow, outflow

    def _note_income(self, entry: Entry) -> None:
        """A provento or interest, gross and withheld, in the view's currency."""
        rate = self.fx.rate(entry.currency, entry.date)
        if rate is None:
            self.income.append(Income(entry.date, None, None))
            return
        gross = (entry.amount or ZERO) * rate
        self.income.append(Income(entry.date, gross, entry.tax * rate))

    def _value(self, day: date) -> Decimal | None:
        """Positions at the day's prices (on today's split basis) plus cash, converted."""
        return self._valued(
            self._held(), self.prices, self.book.cash, lambda c: self.fx.rate(c, day), day
        )

    def _valued(
        self,
        held: Mapping[int, Decimal],
        prices: Mapping[int, Decimal],
        cash: Mapping[str, Decimal],
        rate_of: _RateOf,
        day: date,
        *,
        on_split_basis: bool = True,
        note_gaps: bool = True,
    ) -> Decimal | None:
        """`note_gaps=False` for the live figures: they must not change the kept snapshot."""
        by_currency: dict[str, dict[int, Decimal]] = defaultdict(dict)
        for asset_id, quantity in held.items():
            factor = self.basis.factor(asset_id, day) if on_split_basis else Decimal(1)
            by_currency[self.currency_of[asset_id]][asset_id] = quantity * factor
        total = ZERO
        missing_price, missing_rate = [], []
        for code in sorted(set(by_currency) | set(cash)):
            quantities = by_currency.get(code, {})
            value = valuation.portfolio_value(quantities, prices, cash.get(code, ZERO))
            if value is None:
                missing_price += [
                    self.tickers.get(a, str(a)) for a in quantities if a not in prices
                ]
                continue
            rate = rate_of(code)
            if rate is None:
                missing_rate.append(code)
                continue
            total += value * rate
        if missing_price and note_gaps:
            self.price_gaps.note(missing_price, day)
        if missing_rate and note_gaps:
            self.fx_gaps.note(missing_rate, day)
        return None if missing_price or missing_rate else total

    def totals(
        self,
        *,
        last: date,
        today: date,
        live: Mapping[int, tuple[Decimal, Decimal | None]],
        rates: Mapping[str, pricing.LiveRate],
    ) -> tuple[PerformanceTotals, bool]:
        """The position at `last`: live prices and rates today (the last stored closes standing
        in for a missing quote, never the buy price); the day's change from its start, net of
        the money that came in or went out that day."""
        held = self._held()
        prices, unavailable = self._prices_now(held, last=last, today=today, live=live)
        # A past end is valued at stored closes, adjusted to today's basis: its quantities
        # are put on it (a split since then); today's live prices are on today's already.
        past = last < today

        def rate_now(code: str) -> Decimal | None:
            if code in rates:
                return rates[code].rate
            return self.fx.latest(code)

        market_value = self._valued(
            held, prices, {}, rate_now, last, on_split_basis=past, note_gaps=False
        )
        cash = self._valued({}, {}, self.book.cash, rate_now, last, note_gaps=False)
        cost = sum((p.cost for p in self.book.positions.values() if p.quantity), ZERO)
        invested = self.invested if self.invested_known else None
        income = self._net_income()
        if market_value is None or cash is None:
            unvalued = _totals_unvalued(cash=cash, cost=cost, invested=invested, income=income)
            return unvalued, unavailable
        day_change = self._day_change(market_value + cash, live, rate_now, last, past=past)
        fx_rates = {c: r.rate for c, r in sorted(rates.items()) if c != self.fx.reporting}
        figures = _totals_valued(
            market_value=market_value,
            cash=cash,
            cost=cost,
            invested=invested,
            income=income,
            day_change=day_change,
            fx_rates=fx_rates,
        )
        return figures, unavailable

    def _prices_now(
        self,
        held: Mapping[int, Decimal],
        *,
        last: date,
        today: date,
        live: Mapping[int, tuple[Decimal, Decimal | None]],
    ) -> tuple[dict[int, Decimal], bool]:
        """The last stored closes, the live prices over them; True when the window ends today
        and a held asset has no live price."""
        prices = dict(self.closes.latest)
        unavailable = False
        for asset_id in held:
            if asset_id in live:
                prices[asset_id] = live[asset_id][0]
            elif last == today:
                unavailable = True
        return prices, unavailable

    def _net_income(self) -> Decimal | None:
        """Proventos and interest received, net of what was withheld (None: a rate missing)."""
        net = ZERO
        for item in self.income:
            if item.gross is None or item.withheld is None:
                return None
            net += item.gross - item.withheld
        return net

    def _day_change(
        self,
        value: Decimal,
        live: Mapping[int, tuple[Decimal, Decimal | None]],
        rate_of: _RateOf,
        last: date,
        *,
        past: bool,
    ) -> tuple[Decimal | None, float | None]:
        previous = dict(self.day_open_prices)
        for asset_id, (_, previous_close) in live.items():
            if previous_close is not None:
                previous[asset_id] = previous_close
        # The day's opening quantities are the eve's: on its basis (a split on `last` counts).
        opening = self._valued(
            self.day_open_quantities,
            previous,
            self.day_open_cash,
            rate_of,
            last - timedelta(days=1),
            on_split_basis=past,
            note_gaps=False,
        )
        if opening is None:
            return None, None
        inflow, outflow = self.day_flows
        change = value - opening - (inflow - outflow)
        base = opening + inflow
        return change, (valuation.pct(change / base) if base > 0 and live else None)


def _totals_unvalued(
    *, cash: Decimal | None, cost: Decimal, invested: Decimal | None, income: Decimal | None
) -> PerformanceTotals:
    """The totals when a price or a rate is missing: no value, no gain, no day's change."""
    return PerformanceTotals(
        market_value=None,
        cash=_plain(cash),
        value=None,
        cost=plain(cost),
        invested=_plain(invested),
        pnl=None,
        income=_plain(income),
        day_change=None,
    )


def _totals_valued(
    *,
    market_value: Decimal,
    cash: Decimal,
    cost: Decimal,
    invested: Decimal | None,
    income: Decimal | None,
    day_change: tuple[Decimal | None, float | None],
    fx_rates: dict[str, Decimal],
) -> PerformanceTotals:
    """The totals of a valued position: its gain split into capital and income, its return
    on the money put in (`invested` None: a flow had no rate)."""
    value = market_value + cash
    pnl = value - invested if invested is not None else None
    change, change_pct = day_change
    return PerformanceTotals(
        market_value=plain(market_value),
        cash=plain(cash),
        value=plain(value),
        cost=plain(cost),
        invested=_plain(invested),
        pnl=_plain(pnl),
        income=_plain(income),
        capital_gain=plain(pnl - income) if pnl is not None and income is not None else None,
        accumulated_return_pct=(
            valuation.pct(pnl / invested)
            if pnl is not None and invested is not None and invested > 0
            else None
        ),
        day_change=_plain(change),
        day_change_pct=change_pct,
        fx_rates=fx_rates,
    )


def _plain(value: Decimal | None) -> Decimal | None:
    return plain(value) if value is not None else None


async def _live(
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
