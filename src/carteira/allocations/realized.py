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

from carteira.allocations import fixed_income_tax, store, valuation
from carteira.allocations.books import client_book
from carteira.allocations.ledger import (
    PRECISION,
    ZERO,
    Book,
    Entry,
    Kind,
    Position,
    Realization,
    in_order,
)
from carteira.assets import service as assets
from carteira.assets.schemas import AssetClass, AssetType
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
    """The pool a sale (or its day-trade part) falls in, from the asset's class; None for
    sales outside the monthly apuração in reais: foreign-currency assets (taxed yearly under
    Lei 14.754/2023), crypto (its own rules), and renda fixa, Tesouro and funds (a redemption
    is taxed at source: IN RFB 1.585/2015, arts. 46 and 70, not in the monthly DARF)."""
    if asset.income_tax != "none" or asset.currency != TAX_CURRENCY:
        return None
    if asset.asset_class is AssetClass.CRIPTO or asset.asset_type is AssetType.CRYPTOCURRENCY:
        return None
    if asset.asset_class is AssetClass.FIIS:
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


@dataclass(frozen=True, slots=True)
class FixedIncomeRedemption(fixed_income_tax.TaxedYield):
    """A sale of renda fixa or Tesouro (a redemption, or the maturity the ledger records as a
    sale): what it brought, the cost of the lots it took (first in, first out, each at its own
    cost), and the IOF and income tax withheld at source by the regressive table (none on an
    exempt product)."""

    entry_id: int
    date: date
    asset_id: int
    quantity: Decimal
    exempt: bool
    proceeds: Decimal  # quantity x price - fees
    cost: Decimal
    iof: Decimal
    income_tax: Decimal


# How an asset's income is taxed (AssetInfo.income_tax) when its redemptions are taxed lot by
# lot: the regressive table, or exempt.
_LOT_TAXED = frozenset({"regressive", "exempt"})


def _lots_of(book: Book, asset_id: int) -> dict[int, tuple[date, Decimal, Decimal]]:
    position = book.positions.get(asset_id)
    lots = position.lots if position is not None else ()
    return {lot.entry_id: (lot.date, lot.quantity, lot.cost) for lot in lots}


async def fixed_income_redemptions(
    *, client_id: int, start: date, end: date, events: EventBus
) -> list[FixedIncomeRedemption]:
    """The client's sales of renda fixa and Tesouro dated in [start, end], oldest first, with
    the taxes withheld on their yield (`fixed_income_tax`). The lots each sale took are the
    ledger's own (first in, first out), from one replay. Funds are not among them: their
    redemptions follow the fund's rules (come-cotas), not modelled."""
    entries = in_order(await store.client_entries(client_id))
    sold = {
        e.asset_id
        for e in entries
        if e.kind is Kind.SELL and e.asset_id is not None and start <= e.date <= end
    }
    if not sold:
        return []
    infos = await assets.describe(asset_ids=sold, events=events)
    watched = {a for a, info in infos.items() if info.income_tax in _LOT_TAXED}
    if not watched:
        return []
    redemptions: list[FixedIncomeRedemption] = []
    book = Book()
    with localcontext() as context:
        context.prec = PRECISION
        for entry in entries:
            if entry.date > end:
                break
            asset_id = entry.asset_id
            if entry.kind is not Kind.SELL or asset_id not in watched or entry.date < start:
                book.apply_in_context(entry)
                continue
            before = _lots_of(book, asset_id)
            book.apply_in_context(entry)
            pieces = _redeemed_pieces(before, _lots_of(book, asset_id))
            exempt = infos[asset_id].income_tax == "exempt"
            redemptions.append(_redemption(entry, asset_id, pieces, exempt=exempt))
    return redemptions


def _redeemed_pieces(
    before: dict[int, tuple[date, Decimal, Decimal]],
    after: dict[int, tuple[date, Decimal, Decimal]],
) -> list[fixed_income_tax.RedeemedPiece]:
    """What a sale took of each lot: the quantity and cost the lot lost (an emptied lot is gone
    from `after`)."""
    pieces = []
    for lot_id, (bought, quantity, cost) in before.items():
        _, quantity_left, cost_left = after.get(lot_id, (bought, ZERO, ZERO))
        if quantity_left != quantity:
            pieces.append(
                fixed_income_tax.RedeemedPiece(
                    bought=bought, quantity=quantity - quantity_left, cost=cost - cost_left
                )
            )
    return pieces


def _redemption(
    entry: Entry,
    asset_id: int,
    pieces: list[fixed_income_tax.RedeemedPiece],
    *,
    exempt: bool,
) -> FixedIncomeRedemption:
    """A sale with the taxes withheld on the yield of the lots it took."""
    quantity = _amount(entry.quantity)
    proceeds = quantity * _amount(entry.price) - entry.fees
    taxes = fixed_income_tax.sale_taxes(
        pieces=pieces, proceeds=proceeds, on=entry.date, exempt=exempt
    )
    return FixedIncomeRedemption(
        entry_id=entry.id,
        date=entry.date,
        asset_id=asset_id,
        quantity=quantity,
        exempt=exempt,
        proceeds=proceeds,
        cost=taxes.cost,
        iof=taxes.iof,
        income_tax=taxes.income_tax,
    )


def _amount(value: Decimal | None) -> Decimal:
    if value is None:  # a sale always has its quantity and price (schemas and CHECKs)
        raise ValueError("a sale without its quantity or price")
    return value
