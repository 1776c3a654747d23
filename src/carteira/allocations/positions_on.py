"""A client's positions on a past date: the ledger replayed through that day, valued at the
last stored close on or before it and converted at the stored exchange rate of that day; renda
fixa and Tesouro taxed as a redemption on that day (each lot's days held counted to it).

The performance walk (`performance.walked_through`) supplies the book, the closes, the split
basis and the rates, so a date's positions add up to the curve's value on that day; the answer
is assembled as today's is (`holdings.positions_answer`), so the two read alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from carteira.allocations import fixed_income_tax, performance, store
from carteira.allocations.exceptions import AsOfInFutureError
from carteira.allocations.holdings import (
    LOT_TAXED,
    client_positions,
    position_figures,
    positions_answer,
)
from carteira.allocations.ledger import Position
from carteira.allocations.schemas import PositionsOut
from carteira.assets import service as assets
from carteira.core import clock
from carteira.core.calendar import is_business_day, previous_business_day
from carteira.core.events import EventBus
from carteira.core.money import EXACT, plain
from carteira.pricing import service as pricing
from carteira.pricing.service import MarketData


@dataclass(frozen=True, slots=True)
class _StoredClose:
    """A stored close standing for a position's price on a date, on that date's share basis;
    stale when it is older than the date's last session."""

    price: Decimal
    as_of: datetime
    stale: bool
    change_pct: float | None = None


async def client_positions_on(
    *, client_id: int, as_of: date, market: MarketData, events: EventBus
) -> PositionsOut:
    """The positions as `client_positions` answers them, as they stood at `as_of`'s end; today
    is today's answer (live quotes and rates); a later date is refused."""
    today = clock.today()
    if as_of > today:
        raise AsOfInFutureError(
            f"as_of {as_of.isoformat()} is after today ({today.isoformat()}):"
            " positions are known up to today."
        )
    if as_of == today:
        return await client_positions(client_id=client_id, market=market, events=events)
    walk = await performance.walked_through(
        client_id=client_id, day=as_of, market=market, events=events
    )
    book = walk.book
    # The positions the derived tables would keep (store.rewrite_holdings), at their precision.
    kept = [p for p in book.positions.values() if p.quantity or p.realized or p.income or p.cost]
    infos = await assets.describe(asset_ids=(p.asset_id for p in kept), events=events)
    session = as_of if is_business_day(as_of) else previous_business_day(as_of)
    figures = []
    unpriced = False
    for position in kept:
        info = infos[position.asset_id]
        close = _close_of(walk, position.asset_id, as_of=as_of, session=session)
        unpriced |= bool(position.quantity) and close is None
        redeemed = (
            fixed_income_tax.redeemed(
                lots=position.lots,
                price=close.price,
                on=as_of,
                exempt=info.income_tax == "exempt",
            )
            if close is not None and position.quantity and info.income_tax in LOT_TAXED
            else None
        )
        figures.append(position_figures(_row(position), info, close, redeemed=redeemed))
    reporting = market.settings.reporting_currency
    currencies = {p.currency for p in kept} | set(book.cash) | {reporting}
    rates = {
        code: pricing.LiveRate(rate, stale=False)
        for code in sorted(currencies)
        if (rate := walk.fx.rate(code, as_of)) is not None
    }
    return positions_answer(
        client_id=client_id,
        figures=figures,
        cash={code: _as_kept(balance) for code, balance in book.cash.items()},
        lots={p.asset_id: len(p.lots) for p in kept},
        rates=rates,
        reporting=reporting,
        prices_unavailable=unpriced,
    )


def _close_of(
    walk: performance.Walk, asset_id: int, *, as_of: date, session: date
) -> _StoredClose | None:
    """The asset's last stored close on or before `as_of`, put back on that day's share basis
    (stored closes are split-adjusted to today's: a later split's ratio multiplies them)."""
    close = walk.closes.latest.get(asset_id)
    day = walk.closes.latest_dates.get(asset_id)
    if close is None or day is None:
        return None
    price = plain(EXACT.multiply(close, walk.basis.factor(asset_id, as_of)))
    stamp = datetime.combine(day, datetime.min.time(), tzinfo=clock.timezone())
    return _StoredClose(price=price, as_of=stamp, stale=day < session)


def _as_kept(value: Decimal) -> Decimal:
    return value.quantize(store.TWELVE_PLACES, context=EXACT)


def _row(position: Position) -> dict[str, Any]:
    return {
        "currency": position.currency,
        "quantity": _as_kept(position.quantity),
        "cost": _as_kept(position.cost),
        "realized": _as_kept(position.realized),
        "income": _as_kept(position.income),
    }
