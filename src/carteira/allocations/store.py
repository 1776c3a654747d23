"""The ledger's tables: reading entries for the engine, and keeping the derived tables
(holdings, cash balances, flows by day) in step with it inside each write's transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from carteira.allocations.ledger import (
    FLOW_RULES,
    Book,
    Entry,
    FlowRule,
    Kind,
    Settlement,
    flow_of,
)
from carteira.core.database import db
from carteira.core.exports import cursor_rows
from carteira.core.money import EXACT

ENTRY_COLUMNS = (
    "id, kind, date, asset_id, currency, quantity, price, amount, fees, tax, split_to,"
    " split_from, settlement"
)
_ENTRIES_SQL = f"SELECT {ENTRY_COLUMNS} FROM transactions WHERE client_id = $1"  # noqa: S608
_STAMPED_SQL = (
    f"SELECT {ENTRY_COLUMNS}, created_at, updated_at FROM transactions"  # noqa: S608
    " WHERE client_id = $1"
)


# Plain dict lookups: calling an enum per row costs more than the rest of the row.
_KINDS = {kind.value: kind for kind in Kind}
_SETTLEMENTS = {settlement.value: settlement for settlement in Settlement}


def entry_of(row: Mapping[str, Any]) -> Entry:
    split_to, split_from = row["split_to"], row["split_from"]
    return Entry(
        id=row["id"],
        kind=_KINDS[row["kind"]],
        date=row["date"],
        currency=row["currency"],
        asset_id=row["asset_id"],
        quantity=row["quantity"],
        price=row["price"],
        amount=row["amount"],
        fees=row["fees"],
        tax=row["tax"],
        ratio=split_to / split_from if split_to is not None and split_from else None,
        settlement=_SETTLEMENTS[row["settlement"]],
    )


_ROW_FIELDS = (
    "id",
    "kind",
    "date",
    "asset_id",
    "currency",
    "quantity",
    "price",
    "amount",
    "fees",
    "tax",
    "split_to",
    "split_from",
    "settlement",
)


def entry_of_row(row: Any) -> Entry:
    """A ledger row (the ORM's object) as the engine sees it."""
    return entry_of({name: getattr(row, name) for name in _ROW_FIELDS})


async def client_entries(client_id: int) -> list[Entry]:
    async with db().acquire_connection() as connection:
        rows = await connection.fetch(_ENTRIES_SQL, client_id)
    return [entry_of(row) for row in rows]


Stamps = dict[int, tuple[datetime, datetime]]


async def client_entries_stamped(client_id: int) -> tuple[list[Entry], Stamps]:
    """The entries, and when each was created and last changed (one query)."""
    async with db().acquire_connection() as connection:
        rows = await connection.fetch(_STAMPED_SQL, client_id)
    return (
        [entry_of(row) for row in rows],
        {row["id"]: (row["created_at"], row["updated_at"]) for row in rows},
    )


# ---- derived tables --------------------------------------------------------------------------

_CLEAR_HOLDINGS = "DELETE FROM holdings WHERE client_id = $1"
_CLEAR_CASH = "DELETE FROM cash_balances WHERE client_id = $1"
_INSERT_HOLDINGS = """
    INSERT INTO holdings (client_id, asset_id, currency, quantity, cost, realized, income,
                          open_lots)
    SELECT $1, * FROM unnest($2::int[], $3::varchar[], $4::numeric[], $5::numeric[],
                             $6::numeric[], $7::numeric[], $8::int[])
"""
_INSERT_CASH = """
    INSERT INTO cash_balances (client_id, currency, balance)
    SELECT $1, * FROM unnest($2::varchar[], $3::numeric[])
"""
# Flows are kept by delta: a write adds what it changes to the client's day and currency.
_ADD_FLOWS = """
    INSERT INTO client_flows (client_id, date, currency, inflow, outflow, entries)
    SELECT $1, * FROM unnest($2::date[], $3::varchar[], $4::numeric[], $5::numeric[], $6::int[])
    ON CONFLICT (client_id, date, currency) DO UPDATE SET
        inflow = client_flows.inflow + EXCLUDED.inflow,
        outflow = client_flows.outflow + EXCLUDED.outflow,
        entries = client_flows.entries + EXCLUDED.entries
"""
_DROP_EMPTY_FLOWS = """
    DELETE FROM client_flows
    WHERE client_id = $1 AND date = ANY($2::date[]) AND entries = 0
"""
TWELVE_PLACES = Decimal("1E-12")


def _stored(value: Decimal) -> Decimal:
    # In a context wide enough for any figure the columns hold (the default one's 28 digits
    # are not: 18 before the point and 12 after): the engine keeps figures in bounds, and
    # PostgreSQL refuses what its column cannot hold (a 422).
    return value.quantize(TWELVE_PLACES, context=EXACT)


async def rewrite_holdings(client_id: int, book: Book) -> None:
    """The client's holdings and cash, as the engine computed them from the whole ledger."""
    positions = [
        p for p in book.positions.values() if p.quantity or p.realized or p.income or p.cost
    ]
    connection = db()
    await connection.execute_query(_CLEAR_HOLDINGS, [client_id])
    await connection.execute_query(_CLEAR_CASH, [client_id])
    if positions:
        await connection.execute_query(
            _INSERT_HOLDINGS,
            [
                client_id,
                [p.asset_id for p in positions],
                [p.currency for p in positions],
                [_stored(p.quantity) for p in positions],
                [_stored(p.cost) for p in positions],
                [_stored(p.realized) for p in positions],
                [_stored(p.income) for p in positions],
                [len(p.lots) for p in positions],
            ],
        )
    if book.cash:
        currencies = sorted(book.cash)
        await connection.execute_query(
            _INSERT_CASH,
            [client_id, currencies, [_stored(book.cash[c]) for c in currencies]],
        )


async def add_flows(
    client_id: int, *, removed: Sequence[Entry], added: Sequence[Entry]
) -> set[date]:
    """Apply a write's change to the client's flows; the days whose flows moved."""
    delta: dict[tuple[date, str], list[Any]] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for sign, entries in ((-1, removed), (1, added)):
        for entry in entries:
            inflow, outflow = flow_of(entry)
            if inflow or outflow:
                row = delta[(entry.date, entry.currency)]
                row[0] += sign * inflow
                row[1] += sign * outflow
                row[2] += sign
    changed = {key: row for key, row in delta.items() if row[0] or row[1] or row[2]}
    if not changed:
        return set()
    keys = sorted(changed)
    connection = db()
    await connection.execute_query(
        _ADD_FLOWS,
        [
            client_id,
            [day for day, _ in keys],
            [currency for _, currency in keys],
            [changed[key][0] for key in keys],
            [changed[key][1] for key in keys],
            [changed[key][2] for key in keys],
        ],
    )
    days = {day for day, _ in keys}
    await connection.execute_query(_DROP_EMPTY_FLOWS, [client_id, sorted(days)])
    return days


_KEPT = "SELECT EXISTS (SELECT 1 FROM realized_kept WHERE client_id = $1) AS kept"
_MARK_KEPT = "INSERT INTO realized_kept (client_id) VALUES ($1) ON CONFLICT DO NOTHING"
_CLEAR_REALIZED = (
    "DELETE FROM realized_sales WHERE client_id = $1 AND ($2::date IS NULL OR date >= $2)"
)
_INSERT_REALIZED = """
    INSERT INTO realized_sales (client_id, entry_id, date, asset_id, currency, day_trade,
                                quantity, sale_value, proceeds, cost, gain)
    SELECT $1, * FROM unnest($2::int[], $3::date[], $4::int[], $5::varchar[], $6::bool[],
                             $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[],
                             $11::numeric[])
"""


async def keep_realized(client_id: int, book: Book, *, since: date | None) -> None:
    """The client's realized sales from `since` on as the engine computed them (a write
    changes none before the earliest date it touches; None: it touched no trade). A client
    whose rows are not complete yet gets all of them, and is marked complete."""
    connection = db()
    rows = await connection.execute_query_dict(_KEPT, [client_id])
    if rows[0]["kept"]:
        if since is None:
            return
    else:
        since = None
        await connection.execute_query(_MARK_KEPT, [client_id])
    await connection.execute_query(_CLEAR_REALIZED, [client_id, since])
    sales = [r for r in book.realizations if since is None or r.date >= since]
    if sales:
        await connection.execute_query(
            _INSERT_REALIZED,
            [
                client_id,
                [r.entry_id for r in sales],
                [r.date for r in sales],
                [r.asset_id for r in sales],
                [r.currency for r in sales],
                [r.day_trade for r in sales],
                [_stored(r.quantity) for r in sales],
                [_stored(r.sale_value) for r in sales],
                [_stored(r.proceeds) for r in sales],
                [_stored(r.cost) for r in sales],
                [_stored(r.gain) for r in sales],
            ],
        )


_CLEAR_FLOWS = "DELETE FROM client_flows WHERE client_id = $1"


async def rewrite_flows(client_id: int, book: Book) -> None:
    """The client's flows from scratch (a rebuild; writes apply deltas instead)."""
    sums: dict[tuple[date, str], list[Any]] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for flow in book.flows:
        row = sums[(flow.date, flow.currency)]
        row[0] += flow.inflow
        row[1] += flow.outflow
        row[2] += 1
    await db().execute_query(_CLEAR_FLOWS, [client_id])
    if sums:
        keys = sorted(sums)
        await db().execute_query(
            _ADD_FLOWS,
            [
                client_id,
                [day for day, _ in keys],
                [currency for _, currency in keys],
                [sums[key][0] for key in keys],
                [sums[key][1] for key in keys],
                [sums[key][2] for key in keys],
            ],
        )


# ---- provider-made entries --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProviderRow:
    """A provider-made entry, as the corporate actions follow it."""

    id: int
    reference: str
    kind: Kind
    date: date
    asset_id: int
    amount: Decimal | None
    tax: Decimal
    edited: bool
    needs_review: bool
    provider_amount: Decimal | None
    quantity: Decimal | None = None

    @property
    def figure(self) -> Decimal | None:
        """What the provider figures: a redemption's (a sale's) quantity, else the amount."""
        return self.quantity if self.kind is Kind.SELL else self.amount


_PROVIDER_ROWS = """
    SELECT id, external_ref, kind, date, asset_id, amount, tax, edited, needs_review,
           provider_amount, quantity
    FROM transactions
    WHERE client_id = $1 AND source = 'provider' AND asset_id = ANY($2::int[])
"""
_DISMISSED = "SELECT external_ref FROM dismissed_entries WHERE client_id = $1"


async def provider_rows(
    client_id: int, *, asset_ids: Iterable[int]
) -> tuple[list[ProviderRow], set[str]]:
    """The client's provider-made entries of these assets, and the references of those a user
    deleted (dismissed)."""
    async with db().acquire_connection() as connection:
        rows = await connection.fetch(_PROVIDER_ROWS, client_id, sorted(set(asset_ids)))
        dismissed = await connection.fetch(_DISMISSED, client_id)
    return (
        [
            ProviderRow(
                id=row["id"],
                reference=row["external_ref"],
                kind=_KINDS[row["kind"]],
                date=row["date"],
                asset_id=row["asset_id"],
                amount=row["amount"],
                tax=row["tax"],
                edited=row["edited"],
                needs_review=row["needs_review"],
                provider_amount=row["provider_amount"],
                quantity=row["quantity"],
            )
            for row in rows
            if row["external_ref"] is not None
        ],
        {row["external_ref"] for row in dismissed},
    )


@dataclass(frozen=True, slots=True)
class NewProviderEntry:
    kind: Kind
    date: date
    asset_id: int
    currency: str
    reference: str
    amount: Decimal | None = None
    split_to: Decimal | None = None
    split_from: Decimal | None = None
    quantity: Decimal | None = None  # a redemption (a sale): the quantity and the unit price
    price: Decimal | None = None


# The provider's figure (`provider_amount`) is a sale's quantity, else the amount.
_INSERT_PROVIDER = """
    INSERT INTO transactions (client_id, kind, date, asset_id, amount, quantity, price, fees,
                              tax, currency, split_to, split_from, settlement, source,
                              external_ref, edited, needs_review, provider_amount, created_at,
                              updated_at)
    SELECT $1, kind, day, asset_id, amount, quantity, price, 0, 0, currency, split_to,
           split_from, 'cash', 'provider', reference, FALSE, FALSE,
           COALESCE(quantity, amount), now(), now()
    FROM unnest($2::varchar[], $3::date[], $4::int[], $5::numeric[], $6::varchar[],
                $7::numeric[], $8::numeric[], $9::varchar[], $10::numeric[], $11::numeric[])
        AS t(kind, day, asset_id, amount, currency, split_to, split_from, reference, quantity,
             price)
    RETURNING id, external_ref
"""
_SET_FIGURES = """
    UPDATE transactions t
    SET amount = CASE WHEN t.kind = 'sell' THEN t.amount ELSE u.figure END,
        quantity = CASE WHEN t.kind = 'sell' THEN u.figure ELSE t.quantity END,
        provider_amount = u.figure, updated_at = now()
    FROM unnest($1::int[], $2::numeric[]) AS u(id, figure) WHERE t.id = u.id
"""
_SET_REVIEWS = """
    UPDATE transactions t
    SET provider_amount = u.figure, needs_review = u.needs_review, updated_at = now()
    FROM unnest($1::int[], $2::numeric[], $3::bool[]) AS u(id, figure, needs_review)
    WHERE t.id = u.id
"""
_DELETE_ROWS = "DELETE FROM transactions WHERE id = ANY($1::int[])"


async def insert_provider_entries(client_id: int, entries: Sequence[NewProviderEntry]) -> list[int]:
    """The entries made, in one statement; their ids, in the order given."""
    return await _insert_by_reference(
        _INSERT_PROVIDER,
        client_id,
        entries,
        ("kind", "date", "asset_id", "amount", "currency", "split_to", "split_from", "reference",
         "quantity", "price"),
    )  # fmt: skip


async def _insert_by_reference(
    sql: str,
    client_id: int,
    entries: Sequence[NewProviderEntry] | Sequence[NewImportedEntry],
    fields: Sequence[str],
) -> list[int]:
    """Entries written by `sql` in one statement, from the client's id and one array per
    field (`unnest`); their ids, in the order given (each known by its reference)."""
    if not entries:
        return []
    arrays = [[_column_value(getattr(e, name)) for e in entries] for name in fields]
    rows = await db().execute_query_dict(sql, [client_id, *arrays])
    ids = {row["external_ref"]: row["id"] for row in rows}
    return [ids[e.reference] for e in entries]


def _column_value(value: object) -> object:
    """A field as its column holds it: an enum by its value."""
    return value.value if isinstance(value, Enum) else value


async def set_provider_figures(figures: Mapping[int, Decimal]) -> None:
    """Provider-made entries that follow the ledger: their new figures (a provento's amount,
    a redemption's quantity)."""
    if figures:
        ids = sorted(figures)
        await db().execute_query(_SET_FIGURES, [ids, [figures[i] for i in ids]])


async def set_reviews(reviews: Mapping[int, tuple[Decimal | None, bool]]) -> None:
    """Entries a user edited: the provider's figure, and whether it differs from theirs."""
    if reviews:
        ids = sorted(reviews)
        await db().execute_query(
            _SET_REVIEWS, [ids, [reviews[i][0] for i in ids], [reviews[i][1] for i in ids]]
        )


async def delete_rows(ids: Iterable[int]) -> None:
    wanted = sorted(set(ids))
    if wanted:
        await db().execute_query(_DELETE_ROWS, [wanted])


async def clients_with_assets(asset_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each client with an entry in any of these assets: which of them."""
    rows = await db().execute_query_dict(
        "SELECT client_id, array_agg(DISTINCT asset_id ORDER BY asset_id) AS assets"
        " FROM transactions WHERE asset_id = ANY($1::int[])"
        " GROUP BY client_id ORDER BY client_id",
        [sorted(set(asset_ids))],
    )
    return {row["client_id"]: list(row["assets"]) for row in rows}


# ---- imported entries -------------------------------------------------------------------------


_EXISTING_REFS = """
    SELECT external_ref FROM transactions
    WHERE client_id = $1 AND external_ref = ANY($2::varchar[])
"""


async def existing_refs(client_id: int, references: Iterable[str]) -> set[str]:
    """Which of these references the client's ledger already holds."""
    wanted = sorted(set(references))
    if not wanted:
        return set()
    rows = await db().execute_query_dict(_EXISTING_REFS, [client_id, wanted])
    return {row["external_ref"] for row in rows}


@dataclass(frozen=True, slots=True)
class NewImportedEntry:
    """A validated row of an imported file, as the ledger stores it."""

    reference: str
    kind: Kind
    date: date
    currency: str
    settlement: Settlement
    asset_id: int | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    amount: Decimal | None = None
    fees: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    split_to: Decimal | None = None
    split_from: Decimal | None = None
    note: str | None = None


_INSERT_IMPORTED = """
    INSERT INTO transactions (client_id, kind, date, asset_id, quantity, price, amount, fees, tax,
                              currency, split_to, split_from, settlement, source, external_ref,
                              note, edited, needs_review, created_at, updated_at)
    SELECT $1, kind, day, asset_id, quantity, price, amount, fees, tax, currency, split_to,
           split_from, settlement, 'import', reference, note, FALSE, FALSE, now(), now()
    FROM unnest($2::varchar[], $3::date[], $4::int[], $5::numeric[], $6::numeric[],
                $7::numeric[], $8::numeric[], $9::numeric[], $10::varchar[], $11::numeric[],
                $12::numeric[], $13::varchar[], $14::varchar[], $15::varchar[])
        AS t(kind, day, asset_id, quantity, price, amount, fees, tax, currency, split_to,
             split_from, settlement, reference, note)
    RETURNING id, external_ref
"""


async def insert_imported(client_id: int, entries: Sequence[NewImportedEntry]) -> list[int]:
    """The entries written, in one statement; their ids, in the order given."""
    return await _insert_by_reference(
        _INSERT_IMPORTED,
        client_id,
        entries,
        ("kind", "date", "asset_id", "quantity", "price", "amount", "fees", "tax", "currency",
         "split_to", "split_from", "settlement", "reference", "note"),
    )  # fmt: skip


_IMPORTED_IDS = """
    SELECT id FROM transactions
    WHERE client_id = $1 AND source = 'import' AND asset_id = ANY($2::int[])
"""


async def imported_ids(client_id: int, *, asset_ids: Iterable[int]) -> set[int]:
    """The client's imported entries of these assets."""
    rows = await db().execute_query_dict(_IMPORTED_IDS, [client_id, sorted(set(asset_ids))])
    return {row["id"] for row in rows}


# ---- reads of the derived tables: positions, cash, flows --------------------------------------


def _ids(client_ids: Collection[int] | None) -> list[int] | None:
    return sorted(client_ids) if client_ids is not None else None


_HOLDINGS_SQL = """
    SELECT asset_id, currency, quantity, cost, realized, income, open_lots FROM holdings
    WHERE client_id = $1 ORDER BY asset_id
"""
_CASH_SQL = "SELECT currency, balance FROM cash_balances WHERE client_id = $1 ORDER BY currency"


async def client_holdings(client_id: int) -> tuple[list[Any], list[Any]]:
    """One client's rows of `holdings` (by asset) and of `cash_balances` (by currency)."""
    async with db().acquire_connection() as connection:
        rows = await connection.fetch(_HOLDINGS_SQL, client_id)
        cash_rows = await connection.fetch(_CASH_SQL, client_id)
    return rows, cash_rows


_HOLDINGS_OF_CLIENTS_SQL = """
    SELECT client_id, asset_id, currency, quantity, cost, realized, income FROM holdings
    WHERE client_id = ANY($1::int[]) ORDER BY client_id, asset_id
"""
_CASH_OF_CLIENTS_SQL = (
    "SELECT client_id, currency, balance FROM cash_balances WHERE client_id = ANY($1::int[])"
)


async def clients_holdings(client_ids: Sequence[int]) -> tuple[list[Any], list[Any]]:
    """`client_holdings` of many clients at once (two queries), each row with its client."""
    async with db().acquire_connection() as connection:
        rows = await connection.fetch(_HOLDINGS_OF_CLIENTS_SQL, client_ids)
        cash_rows = await connection.fetch(_CASH_OF_CLIENTS_SQL, client_ids)
    return rows, cash_rows


_HELD_ASSETS = """
    SELECT DISTINCT asset_id FROM holdings WHERE quantity > 0
    AND ($1::int[] IS NULL OR client_id = ANY($1::int[]))
"""


async def held_asset_ids(client_ids: Collection[int] | None) -> list[int]:
    """Every asset some client (of `client_ids`, when given) holds now."""
    rows = await db().execute_query_dict(_HELD_ASSETS, [_ids(client_ids)])
    return [row["asset_id"] for row in rows]


_OPEN_HOLDINGS = """
    SELECT client_id, asset_id, currency, quantity, cost FROM holdings
    WHERE quantity > 0 AND ($1::int[] IS NULL OR client_id = ANY($1::int[]))
    ORDER BY client_id, asset_id
"""


async def open_holdings(client_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    """The open positions (of `client_ids`, when given): client, asset, currency, quantity,
    cost."""
    return await db().execute_query_dict(
        _OPEN_HOLDINGS, [list(client_ids) if client_ids is not None else None]
    )


_CASH_TOTALS = """
    SELECT currency, SUM(balance) AS balance, COUNT(DISTINCT client_id) AS clients
    FROM cash_balances
    WHERE balance <> 0 AND ($1::int[] IS NULL OR client_id = ANY($1::int[]))
    GROUP BY currency
"""


async def cash_totals(client_ids: Sequence[int] | None) -> dict[str, Decimal]:
    """The cash of the clients (of `client_ids`, when given) added up per currency."""
    rows = await db().execute_query_dict(
        _CASH_TOTALS, [list(client_ids) if client_ids is not None else None]
    )
    return {row["currency"]: row["balance"] for row in rows}


_CLIENTS_HOLDING = """
    SELECT client_id FROM holdings WHERE quantity > 0
    AND ($1::int[] IS NULL OR client_id = ANY($1::int[]))
    UNION SELECT client_id FROM cash_balances WHERE balance <> 0
    AND ($1::int[] IS NULL OR client_id = ANY($1::int[]))
"""


async def clients_holding(*, client_ids: Collection[int] | None = None) -> list[int]:
    """The clients (of `client_ids`, when given) with an open position or a cash balance."""
    rows = await db().execute_query_dict(_CLIENTS_HOLDING, [_ids(client_ids)])
    return sorted(row["client_id"] for row in rows)


_HAS_TRANSACTIONS = "SELECT EXISTS (SELECT 1 FROM transactions WHERE client_id = $1) AS any"


async def has_transactions(*, client_id: int) -> bool:
    rows = await db().execute_query_dict(_HAS_TRANSACTIONS, [client_id])
    return bool(rows[0]["any"])


_CURRENCIES_HELD = "SELECT currency, MIN(date) AS first FROM transactions GROUP BY currency"


async def currencies_held() -> dict[str, date]:
    """Every currency of the ledgers, with the date of its first entry."""
    rows = await db().execute_query_dict(_CURRENCIES_HELD)
    return {row["currency"]: row["first"] for row in rows}


_FLOWS = """
    SELECT client_id, date, currency, inflow, outflow, entries FROM client_flows
    WHERE date BETWEEN $1 AND $2 AND ($3::varchar IS NULL OR currency = $3)
      AND ($4::int[] IS NULL OR client_id = ANY($4::int[]))
    ORDER BY date, client_id
"""


async def flow_rows(
    *, start: date, end: date, currency: str | None, client_ids: Collection[int] | None
) -> list[Any]:
    """The rows of `client_flows` in [start, end]: client, date, currency, inflow, outflow,
    entries."""
    async with db().acquire_connection() as connection:
        return list(await connection.fetch(_FLOWS, start, end, currency, _ids(client_ids)))


_FLOW_CURRENCIES = """
    SELECT DISTINCT currency FROM client_flows WHERE date BETWEEN $1 AND $2
    AND ($3::int[] IS NULL OR client_id = ANY($3::int[]))
"""


async def flow_currencies(
    *, start: date, end: date, client_ids: Collection[int] | None = None
) -> set[str]:
    rows = await db().execute_query_dict(_FLOW_CURRENCIES, [start, end, _ids(client_ids)])
    return {row["currency"] for row in rows}


def _flow_sql() -> str:
    """The entries behind the flows, with the inflow and outflow of each: `FLOW_RULES` (the
    rule `flow_of` applies) written as SQL."""

    def value(rule: FlowRule) -> str:
        if not rule.trade:
            return "t.amount"
        return f"t.quantity * t.price {'+' if rule.direction > 0 else '-'} t.fees"

    def moved(direction: int) -> str:
        cases = " ".join(
            f"WHEN t.kind = '{kind.value}' THEN {value(rule)}"
            for kind, rule in FLOW_RULES.items()
            if rule.direction == direction
        )
        return f"CASE {cases} ELSE 0 END"

    def kinds(trade: bool) -> str:
        return ", ".join(f"'{k.value}'" for k, rule in FLOW_RULES.items() if rule.trade is trade)

    return f"""
    SELECT t.date, t.client_id, t.kind, t.asset_id, t.currency,
           {moved(1)} AS inflow,
           {moved(-1)} AS outflow
    FROM transactions t
    WHERE t.date BETWEEN $1 AND $2 AND ($3::varchar IS NULL OR t.currency = $3)
      AND ($4::int[] IS NULL OR t.client_id = ANY($4::int[]))
      AND (t.kind IN ({kinds(False)})
           OR (t.kind IN ({kinds(True)}) AND t.settlement = '{Settlement.EXTERNAL.value}'))
    ORDER BY t.date, t.id
"""  # noqa: S608 - built from the engine's own table, no input


FLOW_ENTRIES_SQL = _flow_sql()


async def flow_entry_rows(
    *,
    start: date,
    end: date,
    currency: str | None,
    idle_seconds: float,
    client_ids: Collection[int] | None,
) -> AsyncIterator[tuple[Any, ...]]:
    """The entries behind the flows in [start, end], streamed: (date, client id, kind, asset
    id, currency, inflow, outflow)."""
    async for record in cursor_rows(
        FLOW_ENTRIES_SQL, start, end, currency, _ids(client_ids), idle_seconds=idle_seconds
    ):
        yield record
