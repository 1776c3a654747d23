"""Reads of what the ledger holds: positions, open lots, realized gains, held tickers, and the
flows and holdings other modules report on. Positions and held tickers come from the derived
tables (a few indexed rows); lots and realized gains from the replayed ledger."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from carteira.allocations import fixed_income_tax, store, valuation
from carteira.allocations.books import LEDGER_CHANGED, client_book, client_ledger
from carteira.allocations.ledger import Book, Lot
from carteira.allocations.realized import sale_category
from carteira.allocations.schemas import (
    AllocationOut,
    AllocationPage,
    CashOut,
    ClassTotal,
    ConsolidatedTotals,
    CurrencyTotals,
    PositionOut,
    PositionsNote,
    PositionsOut,
    RealizedByCategory,
    RealizedByType,
    RealizedMonth,
    RealizedOut,
    RealizedSale,
)
from carteira.assets import service as assets
from carteira.assets.schemas import AssetClass
from carteira.assets.service import AssetInfo
from carteira.clients import service as clients
from carteira.core import clock
from carteira.core.events import EventBus
from carteira.core.money import ZERO, plain, total
from carteira.core.pagination import PageParams
from carteira.pricing import service as pricing
from carteira.pricing.schemas import Quote
from carteira.pricing.service import MarketData

_shown = valuation.shown
K = TypeVar("K")
EIGHT_PLACES = Decimal("1E-8")


def _average(cost: Decimal, quantity: Decimal) -> Decimal:
    """Preço médio, to 8 decimal places (a quotient rarely terminates)."""
    return plain((cost / quantity).quantize(EIGHT_PLACES))


# ---- positions -------------------------------------------------------------------------------


ANSWERS = "allocations.answers"
MAX_VARIANTS = 8  # kept answers per client (positions, a few pages of lots)
Prices = tuple[object, ...]  # what an answer's figures depend on besides the ledger


@dataclass(frozen=True, slots=True)
class _Priced:
    """What an answer was valued at: its tickers' quotes and its currencies' rates."""

    tickers: list[str]
    currencies: list[str]
    prices: Prices


@dataclass(frozen=True, slots=True)
class _Rendered:
    """An answer as JSON, and the prices it was computed at."""

    priced: _Priced
    text: str


def _prices(batch: pricing.QuoteBatch, rates: dict[str, pricing.LiveRate]) -> Prices:
    return (
        tuple((t, q.price, q.change_pct, q.stale) for t, q in sorted(batch.quotes.items())),
        tuple(sorted(batch.errors)),
        tuple((c, r.rate, r.stale) for c, r in sorted(rates.items())),
    )


async def _kept_json(
    *,
    client_id: int,
    variant: str,
    market: MarketData,
    events: EventBus,
    compute: Callable[[], Awaitable[_Rendered]],
) -> str:
    """A client's answer as JSON, kept until its ledger or an asset changes, and served again
    only while the quotes and rates it used are the same (they move once a tick: between
    ticks a dashboard's polling costs two cache lookups, not a valuation)."""
    cache = events.cache(
        ANSWERS,
        cleared_by=(LEDGER_CHANGED, assets.ASSET_CHANGED),
        keyed_by="client_id",
        max_entries=4096,
    )
    generation = cache.generation
    variants: dict[str, _Rendered] = cache.get(str(client_id)) or {}
    kept = variants.get(variant)
    if kept is not None:
        batch, rates = await _market(market, kept.priced.tickers, kept.priced.currencies)
        if _prices(batch, rates) == kept.priced.prices:
            return kept.text
    rendered = await compute()
    others = [(k, v) for k, v in variants.items() if k != variant][-(MAX_VARIANTS - 1) :]
    cache.set(str(client_id), {**dict(others), variant: rendered}, generation=generation)
    return rendered.text


async def client_positions_json(*, client_id: int, market: MarketData, events: EventBus) -> str:
    """`client_positions` as JSON (kept while nothing it depends on moves)."""

    async def compute() -> _Rendered:
        answer, priced = await _positions(client_id=client_id, market=market, events=events)
        return _Rendered(priced, answer.model_dump_json())

    return await _kept_json(
        client_id=client_id, variant="positions", market=market, events=events, compute=compute
    )


async def _market(
    market: MarketData, tickers: list[str], currencies: list[str]
) -> tuple[pricing.QuoteBatch, dict[str, pricing.LiveRate]]:
    batch = await market.quotes(tickers, wait_seconds=market.settings.valuation_timeout_seconds)
    rates = await pricing.live_rates(
        market=market, currencies=currencies, reporting=market.settings.reporting_currency
    )
    return batch, rates


async def client_positions(*, client_id: int, market: MarketData, events: EventBus) -> PositionsOut:
    """Per asset: quantity, preço médio, cost, market value, unrealized and realized P&L,
    income, total return and weight; cash per currency; totals per currency."""
    answer, _ = await _positions(client_id=client_id, market=market, events=events)
    return answer


async def _positions(
    *, client_id: int, market: MarketData, events: EventBus
) -> tuple[PositionsOut, _Priced]:
    rows, cash_rows = await store.client_holdings(client_id)
    if not rows and not cash_rows:
        await clients.ensure_client_exists(client_id=client_id)
    infos = await assets.describe(asset_ids=(r["asset_id"] for r in rows), events=events)
    tickers = [infos[r["asset_id"]].ticker for r in rows if r["quantity"]]
    cash = {row["currency"]: row["balance"] for row in cash_rows}
    currencies = sorted({r["currency"] for r in rows} | set(cash))
    batch, rates = await _market(market, tickers, currencies)
    lots = await _open_lots_of(client_id, rows, events)
    redeemed = await _redemptions(client_id, rows, infos, batch, events)
    figures = [
        position_figures(
            row,
            infos[row["asset_id"]],
            batch.quotes.get(infos[row["asset_id"]].ticker),
            redeemed=redeemed.get(row["asset_id"]),
        )
        for row in rows
    ]
    answer = positions_answer(
        client_id=client_id,
        figures=figures,
        cash=cash,
        lots=lots,
        rates=rates,
        reporting=market.settings.reporting_currency,
        prices_unavailable=bool(batch.errors),
    )
    return answer, _Priced(tickers, currencies, _prices(batch, rates))


def positions_answer(
    *,
    client_id: int,
    figures: Sequence[dict[str, Any]],
    cash: Mapping[str, Decimal],
    lots: Mapping[int, int],
    rates: dict[str, pricing.LiveRate],
    reporting: str,
    prices_unavailable: bool,
) -> PositionsOut:
    """The positions answer from each position's `figures` (`position_figures`), the cash and the
    rates into the reporting currency: totals per currency, consolidated, weights, classes."""
    totals = _currency_totals(figures, dict(cash))
    consolidated = _consolidated(totals, rates, reporting)
    positions = [
        _position(f, lots=lots.get(f["asset_id"], 0), patrimony=consolidated.value, rates=rates)
        for f in figures
    ]
    funds = any(f["income_tax_rule"] == "fund" and f["quantity"] for f in figures)
    return PositionsOut(
        client_id=client_id,
        positions=sorted(positions, key=lambda p: (p.quantity == 0, p.ticker)),
        cash=[CashOut(currency=c, balance=_shown(b)) for c, b in sorted(cash.items())],
        totals=totals,
        consolidated=consolidated,
        by_class=_by_class(positions, consolidated),
        prices_unavailable=prices_unavailable,
        prices_stale=sorted(p.ticker for p in positions if p.price_stale),
        notes=[COME_COTAS] if funds else [],
    )


COME_COTAS = PositionsNote(
    code="come_cotas_not_modelled",
    detail="Funds show their gross value only: the come-cotas (the income tax a fund withholds"
    " in May and November) and the tax on redemption are not modelled.",
)
# How a holding is taxed (AssetInfo.income_tax) when it shows its taxes lot by lot.
LOT_TAXED = frozenset({"regressive", "exempt"})


async def _redemptions(
    client_id: int,
    rows: Sequence[Any],
    infos: Mapping[int, AssetInfo],
    batch: pricing.QuoteBatch,
    events: EventBus,
) -> dict[int, fixed_income_tax.Redemption]:
    """The positions of the regressive table (renda fixa, Tesouro) redeemed today, from their
    open lots (the replayed ledger, kept per process), at today's quote."""
    priced = {
        row["asset_id"]: quote
        for row in rows
        if row["quantity"]
        and infos[row["asset_id"]].income_tax in LOT_TAXED
        and (quote := batch.quotes.get(infos[row["asset_id"]].ticker)) is not None
    }
    if not priced:
        return {}
    book = await client_book(client_id=client_id, events=events)
    today = clock.today()
    return {
        asset_id: fixed_income_tax.redeemed(
            lots=book.positions[asset_id].lots,
            price=quote.price,
            on=today,
            exempt=infos[asset_id].income_tax == "exempt",
        )
        for asset_id, quote in priced.items()
        if asset_id in book.positions
    }


def _by_class(
    positions: Sequence[PositionOut], consolidated: ConsolidatedTotals
) -> list[ClassTotal]:
    """The consolidated patrimônio per class (in the reporting currency), cash as `caixa`."""
    values: dict[AssetClass, Decimal | None] = {}
    for position in positions:
        if position.quantity == 0:
            continue
        known = values.get(position.asset_class, ZERO)
        value = position.market_value_reporting
        values[position.asset_class] = None if known is None or value is None else known + value
    if consolidated.cash:
        values[AssetClass.CAIXA] = consolidated.cash
    patrimony = consolidated.value
    return [
        ClassTotal(
            asset_class=asset_class,
            market_value=_shown(value) if value is not None else None,
            weight_pct=(
                valuation.pct(value / patrimony)
                if value is not None and patrimony is not None and patrimony > 0
                else None
            ),
        )
        for asset_class, value in sorted(values.items(), key=lambda item: _CLASS_ORDER[item[0]])
    ]


_CLASS_ORDER = {asset_class: n for n, asset_class in enumerate(AssetClass)}


async def _open_lots_of(client_id: int, rows: Sequence[Any], events: EventBus) -> dict[int, int]:
    """Open lots per asset, as the last write counted them; rows from before the count was
    kept are counted by replaying the ledger (until the client's next write stores them)."""
    if all(row["open_lots"] is not None for row in rows):
        return {row["asset_id"]: row["open_lots"] for row in rows}
    book = await client_book(client_id=client_id, events=events)
    return {asset_id: len(held.lots) for asset_id, held in book.positions.items()}


class PriceLike(Protocol):
    """What a position is valued at: a live quote, or a stored close standing for a date."""

    @property
    def price(self) -> Decimal: ...
    @property
    def change_pct(self) -> float | None: ...
    @property
    def as_of(self) -> datetime: ...
    @property
    def stale(self) -> bool: ...


def position_figures(
    row: Any,
    info: AssetInfo,
    quote: PriceLike | None,
    *,
    redeemed: fixed_income_tax.Redemption | None = None,
) -> dict[str, Any]:
    """A position's fields in its own currency (weight and reporting value come later);
    `redeemed`: its taxes, when a redemption on the price's day would pay them."""
    quantity, cost = row["quantity"], row["cost"]
    fields: dict[str, Any] = {
        "asset_id": info.id,
        "ticker": info.ticker,
        "name": info.name,
        "currency": row["currency"],
        "asset_type": info.asset_type,
        "asset_class": info.asset_class,
        "income_tax_rule": info.income_tax,
        "quantity": _shown(quantity),
        "average_cost": _average(cost, quantity) if quantity else None,
        "cost": _shown(cost),
        "realized_pnl": _shown(row["realized"]),
        "income": _shown(row["income"]),
        "market_value": None,
        "unrealized_pnl": None,
    }
    if quote is not None and quantity:
        value = valuation.market_value(quantity, quote.price)
        unrealized = valuation.difference(value, cost)
        fields.update(
            current_price=quote.price,
            daily_change_pct=quote.change_pct,
            market_value=_shown(value),
            unrealized_pnl=_shown(unrealized),
            total_return=_shown(unrealized + row["realized"] + row["income"]),
            price_as_of=quote.as_of,
            price_stale=quote.stale,
        )
        if info.income_tax != "none":
            fields["gross_value"] = fields["market_value"]
        if redeemed is not None:
            fields.update(
                iof=_shown(redeemed.iof),
                income_tax=_shown(redeemed.income_tax),
                net_value=_shown(value - redeemed.iof - redeemed.income_tax),
            )
    return fields


def _position(
    fields: dict[str, Any],
    *,
    lots: int,
    patrimony: Decimal | None,
    rates: dict[str, pricing.LiveRate],
) -> PositionOut:
    """The position, built once: its figures, its value in the reporting currency and its
    weight, a share of the client's whole patrimônio (every currency, cash included)."""
    value = fields["market_value"]
    rate = rates.get(fields["currency"])
    extra: dict[str, Any] = {"lots": lots}
    fields = {k: v for k, v in fields.items() if k != "income_tax_rule"}
    if rate is not None:
        extra["fx_rate"] = rate.rate
        if value is not None:
            in_reporting = valuation.market_value(value, rate.rate)
            extra["market_value_reporting"] = _shown(in_reporting)
            if patrimony is not None and patrimony > 0:
                extra["weight_pct"] = valuation.pct(in_reporting / patrimony)
    return PositionOut(**fields, **extra)


def _consolidated(
    totals: Sequence[CurrencyTotals], rates: dict[str, pricing.LiveRate], reporting: str
) -> ConsolidatedTotals:
    missing = sorted(t.currency for t in totals if t.currency not in rates)
    market_value: Decimal | None = ZERO
    cash: Decimal | None = ZERO
    taxes: Decimal | None = ZERO
    for line in totals:
        rate = rates.get(line.currency)
        if rate is None:
            market_value = cash = taxes = None
            break
        cash = (cash or ZERO) + valuation.market_value(line.cash, rate.rate)
        taxes = (taxes or ZERO) + valuation.market_value(line.iof + line.income_tax, rate.rate)
        if line.market_value is None or market_value is None:
            market_value = None
        else:
            market_value += valuation.market_value(line.market_value, rate.rate)
    value = market_value + cash if market_value is not None and cash is not None else None
    iof = _sum_or_none(
        valuation.market_value(t.iof, rates[t.currency].rate) if t.currency in rates else None
        for t in totals
    )
    return ConsolidatedTotals(
        currency=reporting,
        market_value=_shown(market_value) if market_value is not None else None,
        cash=_shown(cash) if cash is not None else None,
        value=_shown(value) if value is not None else None,
        iof=_shown(iof) if iof is not None else None,
        income_tax=_shown(taxes - iof) if taxes is not None and iof is not None else None,
        net_value=_shown(value - taxes) if value is not None and taxes is not None else None,
        fx_rates={c: r.rate for c, r in sorted(rates.items()) if c != reporting},
        fx_missing=missing,
        fx_stale=any(r.stale for r in rates.values()),
    )


def _currency_totals(
    positions: Sequence[dict[str, Any]], cash: dict[str, Decimal]
) -> list[CurrencyTotals]:
    by_currency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for position in positions:
        by_currency[position["currency"]].append(position)
    totals = []
    for currency in sorted(set(by_currency) | set(cash)):
        group = by_currency.get(currency, [])
        open_ = [p for p in group if p["quantity"]]
        priced = all(p["market_value"] is not None for p in open_)
        market_value = total(p["market_value"] for p in open_ if p["market_value"] is not None)
        balance = cash.get(currency, ZERO)
        realized = total(p["realized_pnl"] for p in group)
        income = total(p["income"] for p in group)
        unrealized = total(p["unrealized_pnl"] for p in open_ if p["unrealized_pnl"] is not None)
        taxes = (
            total(p.get("iof", ZERO) for p in open_),
            total(p.get("income_tax", ZERO) for p in open_),
        )
        totals.append(
            CurrencyTotals(
                currency=currency,
                cost=_shown(total(p["cost"] for p in group)),
                market_value=_shown(market_value) if priced else None,
                cash=_shown(balance),
                value=_shown(market_value + balance) if priced else None,
                unrealized_pnl=_shown(unrealized) if priced else None,
                realized_pnl=_shown(realized),
                income=_shown(income),
                total_return=_shown(unrealized + realized + income) if priced else None,
                iof=_shown(taxes[0]),
                income_tax=_shown(taxes[1]),
                net_value=_shown(market_value + balance - sum(taxes)) if priced else None,
            )
        )
    return totals


async def client_values(
    *, client_ids: Sequence[int], market: MarketData, events: EventBus
) -> dict[int, Decimal | None]:
    """Each client's consolidated value (positions at market plus cash, in the reporting
    currency; None when a price or rate is missing) exactly as its positions answer it, for
    many clients at once: their rows in two queries, their tickers in one quote batch, their
    currencies in one call for rates."""
    wanted = sorted(set(client_ids))
    rows, cash_rows = await store.clients_holdings(wanted)
    infos = await assets.describe(asset_ids=(r["asset_id"] for r in rows), events=events)
    tickers = sorted({infos[r["asset_id"]].ticker for r in rows if r["quantity"]})
    currencies = sorted({r["currency"] for r in rows} | {r["currency"] for r in cash_rows})
    batch, rates = await _market(market, tickers, currencies)
    held: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        held[row["client_id"]].append(row)
    cash: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in cash_rows:
        cash[row["client_id"]][row["currency"]] = row["balance"]
    reporting = market.settings.reporting_currency
    values: dict[int, Decimal | None] = {}
    for client_id in wanted:
        figures = [
            position_figures(
                row, infos[row["asset_id"]], batch.quotes.get(infos[row["asset_id"]].ticker)
            )
            for row in held.get(client_id, ())
        ]
        totals = _currency_totals(figures, cash.get(client_id, {}))
        values[client_id] = _consolidated(totals, rates, reporting).value
    return values


# ---- open lots (the /allocations compatibility view) ----------------------------------------


@dataclass(frozen=True, slots=True)
class _LotRow:
    lot: Lot
    asset_id: int
    currency: str


def _open_lots(book: Book) -> list[_LotRow]:
    rows = [
        _LotRow(lot, position.asset_id, position.currency)
        for position in book.positions.values()
        for lot in position.lots
    ]
    return sorted(rows, key=lambda r: (r.lot.date, r.lot.entry_id), reverse=True)


async def list_allocations_json(
    *, client_id: int, params: PageParams, events: EventBus, market: MarketData
) -> str:
    """The open lots, a page, as JSON (kept while nothing it depends on moves)."""

    async def compute() -> _Rendered:
        return await _allocations(client_id=client_id, params=params, events=events, market=market)

    return await _kept_json(
        client_id=client_id,
        variant=f"lots:{params.offset}:{params.limit}",
        market=market,
        events=events,
        compute=compute,
    )


async def _allocations(
    *, client_id: int, params: PageParams, events: EventBus, market: MarketData
) -> _Rendered:
    """The client's open lots (what remains of each purchase, first in first out, on today's
    split basis), newest first, marked to market. Slow prices never hold the listing: past
    the valuation timeout it answers without them (`prices_unavailable`)."""
    replayed = await client_ledger(client_id=client_id, events=events)
    lots = _open_lots(replayed.book)
    if not lots:
        await clients.ensure_client_exists(client_id=client_id)
    page = lots[params.offset : params.offset + params.limit]
    infos = await assets.describe(asset_ids=(r.asset_id for r in page), events=events)
    stamps = replayed.stamps
    tickers = sorted({infos[r.asset_id].ticker for r in page})
    batch, rates = await _market(market, tickers, [])
    items = [
        lot_out(
            row.lot,
            client_id=client_id,
            info=infos[row.asset_id],
            quote=batch.quotes.get(infos[row.asset_id].ticker),
            stamps=stamps[row.lot.entry_id],
        )
        for row in page
    ]
    answer = AllocationPage.build(
        items, total=len(lots), params=params, prices_unavailable=bool(batch.errors)
    )
    return _Rendered(_Priced(tickers, [], _prices(batch, rates)), answer.model_dump_json())


def lot_out(
    lot: Lot,
    *,
    client_id: int,
    info: AssetInfo,
    quote: Quote | None,
    stamps: tuple[datetime, datetime],
) -> AllocationOut:
    out = AllocationOut(
        id=lot.entry_id,
        client_id=client_id,
        asset_id=info.id,
        ticker=info.ticker,
        asset_name=info.name,
        currency=info.currency,
        quantity=_shown(lot.quantity),
        buy_price=_average(lot.cost, lot.quantity),
        buy_date=lot.date,
        cost=_shown(lot.cost),
        created_at=stamps[0],
        updated_at=stamps[1],
    )
    if quote is None:
        return out
    value = valuation.market_value(lot.quantity, quote.price)
    return out.model_copy(
        update={
            "current_price": quote.price,
            "daily_change_pct": quote.change_pct,
            "market_value": _shown(value),
            "pnl": _shown(value - lot.cost),
            "accumulated_return_pct": valuation.gain_pct(quote.price, lot.unit_cost),
        }
    )


def lot_of(book: Book, entry_id: int) -> _LotRow | None:
    """The open lot a purchase left (None once it is wholly sold)."""
    for row in _open_lots(book):
        if row.lot.entry_id == entry_id:
            return row
    return None


# ---- realized gains --------------------------------------------------------------------------


async def client_realized(
    *, client_id: int, start: date | None, end: date | None, events: EventBus
) -> RealizedOut:
    """Every sale with its proceeds, cost at the average and gain; summed per month and per
    asset type, per currency (the base of the monthly income-tax return)."""
    book = await client_book(client_id=client_id, events=events)
    if not book.positions and not book.cash:
        await clients.ensure_client_exists(client_id=client_id)
    sales = [
        r
        for r in book.realizations
        if (start is None or r.date >= start) and (end is None or r.date <= end)
    ]
    infos = await assets.describe(asset_ids=(r.asset_id for r in sales), events=events)
    rows = [
        RealizedSale(
            transaction_id=r.entry_id,
            date=r.date,
            asset_id=r.asset_id,
            ticker=infos[r.asset_id].ticker,
            asset_type=infos[r.asset_id].asset_type,
            currency=r.currency,
            day_trade=r.day_trade,
            category=sale_category(infos[r.asset_id], day_trade=r.day_trade),
            quantity=_shown(r.quantity),
            sale_value=_shown(r.sale_value),
            proceeds=_shown(r.proceeds),
            cost=_shown(r.cost),
            gain=_shown(r.gain),
        )
        for r in sorted(sales, key=lambda r: (r.date, r.entry_id, not r.day_trade))
    ]
    return RealizedOut(
        client_id=client_id,
        start=start,
        end=end,
        sales=rows,
        by_month=[
            RealizedMonth(month=key[0], **_summed(key[1], group))
            for key, group in _grouped(rows, lambda s: (s.date.strftime("%Y-%m"), s.currency))
        ],
        by_asset_type=[
            RealizedByType(asset_type=key[0], **_summed(key[1], group))
            for key, group in _grouped(rows, lambda s: (s.asset_type, s.currency))
        ],
        by_category=[
            RealizedByCategory(category=key[0], **_summed(key[1], group))
            for key, group in _grouped(
                [row for row in rows if row.category is not None],
                lambda s: (s.category, s.currency),
            )
        ],
    )


def _grouped(rows: Sequence[RealizedSale], key: Any) -> list[tuple[Any, list[RealizedSale]]]:
    groups: dict[Any, list[RealizedSale]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return sorted(groups.items(), key=lambda item: item[0])


def _summed(currency: str, group: Sequence[RealizedSale]) -> dict[str, Any]:
    return {
        "currency": currency,
        "sales": len({s.transaction_id for s in group}),
        "sale_value": _shown(total(s.sale_value for s in group)),
        "proceeds": _shown(total(s.proceeds for s in group)),
        "cost": _shown(total(s.cost for s in group)),
        "gain": _shown(total(s.gain for s in group)),
    }


# ---- for other modules -----------------------------------------------------------------------


async def held_tickers(
    *, events: EventBus | None = None, client_ids: Collection[int] | None = None
) -> list[str]:
    """Every ticker some client (of `client_ids`, when given) holds now."""
    asset_ids = await store.held_asset_ids(client_ids)
    infos = await assets.describe(asset_ids=asset_ids, events=events)
    return sorted(info.ticker for info in infos.values())


@dataclass(frozen=True, slots=True)
class FlowRow:
    """Net new money of one client on one day in one currency."""

    client_id: int
    date: date
    currency: str
    inflow: Decimal
    outflow: Decimal
    entries: int

    @property
    def net(self) -> Decimal:
        return self.inflow - self.outflow


async def flows(
    *,
    start: date,
    end: date,
    currency: str | None = None,
    client_ids: Collection[int] | None = None,
) -> list[FlowRow]:
    """The clients' flows (captação) by day in [start, end] (`client_ids`: only theirs):
    deposits and externally settled buys in, withdrawals and externally settled sales out."""
    rows = await store.flow_rows(start=start, end=end, currency=currency, client_ids=client_ids)
    return [FlowRow(*row) for row in rows]


async def flow_entries(
    *,
    start: date,
    end: date,
    currency: str | None,
    idle_seconds: float,
    client_ids: Collection[int] | None = None,
) -> AsyncIterator[tuple[Any, ...]]:
    """The entries behind `flows(start, end)` (in `currency`, or all), streamed: (date,
    client id, kind, asset id, currency, inflow, outflow)."""
    async for record in store.flow_entry_rows(
        start=start, end=end, currency=currency, idle_seconds=idle_seconds, client_ids=client_ids
    ):
        yield record


@dataclass(frozen=True, slots=True)
class ClientHolding:
    client_id: int
    asset_id: int
    currency: str
    quantity: Decimal
    cost: Decimal


async def holdings(*, client_ids: Sequence[int] | None = None) -> list[ClientHolding]:
    """What clients hold now (open positions), from the derived table."""
    return [ClientHolding(**row) for row in await store.open_holdings(client_ids)]


@dataclass(frozen=True, slots=True)
class CurrencyHoldings:
    """One client's open positions in one currency, added up and marked to market."""

    client_id: int
    currency: str
    positions: int
    cost: Decimal
    market_value: Decimal | None  # None when a price is missing


async def holdings_summary(
    *, client_ids: Sequence[int], market: MarketData, events: EventBus | None = None
) -> dict[int, list[CurrencyHoldings]]:
    """Per client and currency: positions, cost and market value (reports, exports)."""
    rows = await holdings(client_ids=client_ids)
    infos = await assets.describe(asset_ids=(r.asset_id for r in rows), events=events)
    batch = await market.quotes(
        sorted({infos[r.asset_id].ticker for r in rows}),
        wait_seconds=market.settings.valuation_timeout_seconds,
    )
    grouped: dict[tuple[int, str], list[ClientHolding]] = defaultdict(list)
    for row in rows:
        grouped[(row.client_id, row.currency)].append(row)
    summary: dict[int, list[CurrencyHoldings]] = defaultdict(list)
    for (client_id, currency), group in sorted(grouped.items()):
        values = [
            valuation.market_value(r.quantity, quote.price)
            if (quote := batch.quotes.get(infos[r.asset_id].ticker)) is not None
            else None
            for r in group
        ]
        summary[client_id].append(
            CurrencyHoldings(
                client_id=client_id,
                currency=currency,
                positions=len(group),
                cost=_shown(total(r.cost for r in group)),
                market_value=(
                    _shown(total(v for v in values if v is not None))
                    if all(v is not None for v in values)
                    else None
                ),
            )
        )
    return summary


@dataclass(frozen=True, slots=True)
class StalePrice:
    """A price that is not live: the last stored close (or rate) standing in, and its date."""

    name: str  # a ticker, or a currency
    price: Decimal
    as_of: date


@dataclass(frozen=True)
class Aum:
    """Assets under management now, per asset type and currency, and consolidated. A position
    without a live quote counts at its last stored close (listed in `prices_stale`), a currency
    without a live rate at its last stored one (`fx_stale`); what has neither is left out of
    the totals and listed (`prices_missing`, `fx_missing`): the total is never blank."""

    reporting: str
    by_type: dict[str | None, Decimal]  # asset type (None: cash) -> reporting value
    by_class: dict[AssetClass, Decimal]  # asset class (cash: caixa) -> reporting value
    by_currency: dict[str, tuple[Decimal, Decimal, Decimal | None]]  # market, cash, rate
    market_value: Decimal
    cash: Decimal
    clients: int
    prices_missing: list[str]
    fx_missing: list[str]
    prices_stale: list[StalePrice] = field(default_factory=list)
    fx_stale: list[StalePrice] = field(default_factory=list)

    @property
    def value(self) -> Decimal:
        return self.market_value + self.cash


def _sum_or_none(values: Iterable[Decimal | None]) -> Decimal | None:
    """The sum, or None when any part is unknown (a missing price or rate)."""
    result = ZERO
    for value in values:
        if value is None:
            return None
        result += value
    return result


async def _prices_now(
    rows: Sequence[ClientHolding], infos: Mapping[int, AssetInfo], market: MarketData
) -> tuple[dict[int, Decimal], list[StalePrice], list[str]]:
    """Each held asset's price: the live quote, else its last stored close (stale), else
    nothing (missing)."""
    batch = await market.quotes(
        sorted({infos[r.asset_id].ticker for r in rows}),
        wait_seconds=market.settings.valuation_timeout_seconds,
    )
    prices: dict[int, Decimal] = {}
    unquoted = set()
    stale = []
    for asset_id in {r.asset_id for r in rows}:
        quote = batch.quotes.get(infos[asset_id].ticker)
        if quote is not None:
            prices[asset_id] = quote.price
            if quote.stale:  # the source failed: its last known price
                stale.append(StalePrice(quote.ticker, quote.price, quote.as_of.date()))
        else:
            unquoted.add(asset_id)
    stored = await pricing.last_closes(asset_ids=unquoted)
    for asset_id, (day, close) in sorted(stored.items()):
        prices[asset_id] = close
        stale.append(StalePrice(infos[asset_id].ticker, close, day))
    missing = sorted(infos[a].ticker for a in unquoted if a not in stored)
    return prices, stale, missing


async def _rates_now(
    currencies: set[str], market: MarketData
) -> tuple[dict[str, Decimal], list[StalePrice]]:
    """Each currency's rate into the reporting one: live, else the last stored (stale)."""
    reporting = market.settings.reporting_currency
    live = await pricing.live_rates(market=market, currencies=currencies, reporting=reporting)
    rates = {code: rate.rate for code, rate in live.items()}
    stored = await pricing.last_rates(currencies=currencies - set(rates), reporting=reporting)
    stale = []
    for code, (day, rate) in sorted(stored.items()):
        rates[code] = rate
        stale.append(StalePrice(code, rate, day))
    return rates, stale


async def aum(
    *, market: MarketData, events: EventBus | None = None, client_ids: Sequence[int] | None = None
) -> Aum:
    """Every open position at market plus cash, per asset type and currency, consolidated in
    the reporting currency at today's rates."""
    rows = await holdings(client_ids=client_ids)
    cash = await store.cash_totals(client_ids)
    infos = await assets.describe(asset_ids=(r.asset_id for r in rows), events=events)
    prices, prices_stale, prices_missing = await _prices_now(rows, infos, market)
    currencies = {r.currency for r in rows} | set(cash)
    rates, fx_stale = await _rates_now(currencies, market)
    valued = _valued(rows, infos, prices)
    types = _in_reporting(valued.by_type, rates)
    by_type: dict[str | None, Decimal] = dict(types.items())  # and None: cash
    by_class = _in_reporting(valued.by_class, rates)
    cash_total = total(_converted(balance, rates.get(code)) for code, balance in cash.items())
    if cash:
        by_type[None] = cash_total
        by_class[AssetClass.CAIXA] += cash_total
    return Aum(
        reporting=market.settings.reporting_currency,
        by_type={k: _shown(v) for k, v in by_type.items()},
        by_class={
            k: _shown(v) for k, v in sorted(by_class.items(), key=lambda i: _CLASS_ORDER[i[0]])
        },
        by_currency={
            code: (valued.in_currency(code), cash.get(code, ZERO), rates.get(code))
            for code in sorted(currencies)
        },
        market_value=_shown(total(v for t, v in by_type.items() if t is not None)),
        cash=_shown(cash_total),
        clients=len(await store.clients_holding(client_ids=client_ids)),
        prices_missing=prices_missing,
        fx_missing=sorted(c for c in currencies if c not in rates),
        prices_stale=prices_stale,
        fx_stale=fx_stale,
    )


@dataclass(frozen=True, slots=True)
class _Valued:
    """The market value of the priced positions, in their own currency, per (asset type,
    currency) and per (asset class, currency)."""

    by_type: dict[tuple[str, str], Decimal]
    by_class: dict[tuple[AssetClass, str], Decimal]

    def in_currency(self, code: str) -> Decimal:
        return total(v for (_, c), v in self.by_type.items() if c == code)


def _valued(
    rows: Sequence[ClientHolding], infos: Mapping[int, AssetInfo], prices: Mapping[int, Decimal]
) -> _Valued:
    by_type: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    by_class: dict[tuple[AssetClass, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.asset_id in prices:
            info = infos[row.asset_id]
            value = valuation.market_value(row.quantity, prices[row.asset_id])
            by_type[(info.asset_type.value, row.currency)] += value
            by_class[(info.asset_class, row.currency)] += value
    return _Valued(by_type, by_class)


def _converted(amount: Decimal, rate: Decimal | None) -> Decimal:
    """An amount in the reporting currency (nothing without a rate: listed as missing)."""
    return valuation.market_value(amount, rate) if rate is not None else ZERO


def _in_reporting(
    values: Mapping[tuple[K, str], Decimal], rates: Mapping[str, Decimal]
) -> defaultdict[K, Decimal]:
    """Values per (key, currency) added up per key in the reporting currency."""
    summed: defaultdict[K, Decimal] = defaultdict(Decimal)
    for (key, code), value in sorted(values.items()):
        summed[key] += _converted(value, rates.get(code))
    return summed
