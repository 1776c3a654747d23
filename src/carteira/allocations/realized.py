"""What the income tax reads of the ledger: its realized sales (kept in `realized_sales` by
every write), the pool each falls in, its income entries, and what it held at the end of a
day. The figures are the engine's; the tax module only applies Receita Federal's rules to them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum

from carteira.allocations import store, valuation
from carteira.allocations.books import client_book
from carteira.allocations.ledger import PRECISION, Book, Kind, Position, Realization, in_order
from carteira.assets.schemas import AssetType
from carteira.assets.service import AssetInfo
from carteira.core.database import db
from carteira.core.events import EventBus
from carteira.core.money import EXACT, plain

# The monthly apuração of renda variável is in reais.
TAX_CURRENCY = "BRL"
EIGHT_PLACES = Decimal("1E-8")


class SaleCategory(StrEnum):
    """The pools of Receita Federal's monthly apuração (IN RFB 1.585/2015): each has its own
    rate and its own losses carried forward."""

    COMUM = "comum"  # swing trade in stocks, units, ETFs, BDRs
    DAY_TRADE = "day_trade"
    FII = "fii"  # FII and Fiagro quotas, day trade or not


def sale_category(asset: AssetInfo, *, day_trade: bool) -> SaleCategory | None:
    """The pool a sale (or its day-trade part) falls in; None for sales outside the monthly
    apuração in reais: foreign-currency assets (taxed yearly under Lei 14.754/2023) and crypto
    (its own rules)."""
    if asset.currency != TAX_CURRENCY or asset.asset_type is AssetType.CRYPTOCURRENCY:
        return None
    if asset.asset_type is AssetType.FII:
        return SaleCategory.FII
    return SaleCategory.DAY_TRADE if day_trade else SaleCategory.COMUM


@dataclass(frozen=True, slots=True)
class RealizedPart:
    """A sale, or its day-trade or swing part (`Realization`, as stored)."""

    entry_id: int
    date: date
    asset_id: int
    currency: str
    day_trade: bool
    quantity: Decimal
    sale_value: Decimal  # quantity x price
    proceeds: Decimal  # sale_value - fees
    cost: Decimal
    gain: Decimal


def _part(r: Realization) -> RealizedPart:
    return RealizedPart(
        r.entry_id,
        r.date,
        r.asset_id,
        r.currency,
        r.day_trade,
        r.quantity,
        r.sale_value,
        r.proceeds,
        r.cost,
        r.gain,
    )


_PARTS_SQL = """
    SELECT client_id, entry_id, date, asset_id, currency, day_trade, quantity, sale_value,
           proceeds, cost, gain
    FROM realized_sales
    WHERE client_id = ANY($1::int[]) AND date <= $2
    ORDER BY client_id, date, entry_id, day_trade DESC
"""
_KEPT_SQL = "SELECT client_id FROM realized_kept WHERE client_id = ANY($1::int[])"


async def realized_parts(
    *, client_ids: Collection[int], end: date, events: EventBus
) -> dict[int, list[RealizedPart]]:
    """Each client's realized sales up to `end` (inclusive), oldest first: from the stored
    rows, or, for a ledger whose rows are not complete yet, from its replayed book."""
    wanted = sorted(set(client_ids))
    async with db().acquire_connection() as connection:
        kept = {row["client_id"] for row in await connection.fetch(_KEPT_SQL, wanted)}
        rows = await connection.fetch(_PARTS_SQL, sorted(kept), end) if kept else []
    parts: dict[int, list[RealizedPart]] = defaultdict(list)
    for row in rows:
        parts[row["client_id"]].append(RealizedPart(*tuple(row)[1:]))
    for client_id in wanted:
        if client_id not in kept:
            book = await client_book(client_id=client_id, events=events)
            parts[client_id] = [
                _part(r)
                for r in sorted(book.realizations, key=lambda r: (r.date, r.entry_id))
                if r.date <= end
            ]
    return {client_id: parts.get(client_id, []) for client_id in wanted}


_SELLERS_SQL = """
    SELECT DISTINCT client_id FROM transactions
    WHERE kind = 'sell' AND date BETWEEN $1 AND $2
      AND ($3::int[] IS NULL OR client_id = ANY($3::int[]))
"""


async def sellers(*, start: date, end: date, client_ids: Collection[int] | None) -> list[int]:
    """The clients (of `client_ids`, when given) with a sale in [start, end]."""
    wanted = sorted(client_ids) if client_ids is not None else None
    rows = await db().execute_query_dict(_SELLERS_SQL, [start, end, wanted])
    return sorted(row["client_id"] for row in rows)


@dataclass(frozen=True, slots=True)
class IncomeEntry:
    """A provento or interest entry: gross, and the tax withheld at source."""

    entry_id: int
    date: date
    kind: Kind
    asset_id: int | None
    currency: str
    amount: Decimal
    tax: Decimal


_INCOME_SQL = """
    SELECT id, date, kind, asset_id, currency, amount, tax FROM transactions
    WHERE client_id = $1 AND kind IN ('dividend', 'jcp', 'interest') AND date BETWEEN $2 AND $3
    ORDER BY date, id
"""


async def income_entries(*, client_id: int, start: date, end: date) -> list[IncomeEntry]:
    """The client's dividends, JCP and interest dated in [start, end]."""
    rows = await db().execute_query_dict(_INCOME_SQL, [client_id, start, end])
    return [
        IncomeEntry(
            entry_id=row["id"],
            date=row["date"],
            kind=Kind(row["kind"]),
            asset_id=row["asset_id"],
            currency=row["currency"],
            amount=row["amount"],
            tax=row["tax"],
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class HeldAt:
    """A position at the end of a day: quantity (as the API shows it) and its cost at the
    preço médio."""

    asset_id: int
    currency: str
    quantity: Decimal
    cost: Decimal

    @property
    def average_cost(self) -> Decimal:
        """Preço médio, to 8 decimal places (as positions show it)."""
        return plain((self.cost / self.quantity).quantize(EIGHT_PLACES, context=EXACT))


async def held_at(*, client_id: int, days: Sequence[date]) -> dict[date, list[HeldAt]]:
    """What the client held at the end of each of `days` (positions with a quantity), from one
    replay of the ledger."""
    entries = in_order(await store.client_entries(client_id))
    book = Book()
    held: dict[date, list[HeldAt]] = {}
    index = 0
    with localcontext() as context:
        context.prec = PRECISION
        for day in sorted(set(days)):
            while index < len(entries) and entries[index].date <= day:
                book.apply_in_context(entries[index])
                index += 1
            held[day] = _snapshot(book.positions.values())
    return held


def _snapshot(positions: Iterable[Position]) -> list[HeldAt]:
    return [
        HeldAt(p.asset_id, p.currency, valuation.shown(p.quantity), p.cost)
        for p in positions
        if p.quantity
    ]
