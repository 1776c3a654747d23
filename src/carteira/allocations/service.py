"""A client's ledger (transactions), and every figure derived from it: positions, open lots,
realized gains, cash, flows of net new money. The one owner of portfolio arithmetic; other
modules ask here (`held_tickers`, `flows`, `holdings`) and never read the ledger's tables.

Every write runs in one transaction: the client's row is locked (one ledger write at a time
per client, and the client cannot be deleted meanwhile), the entry changes, the whole ledger
is replayed (a quantity below zero on any date refuses the write and nothing is kept), the
derived tables are rewritten, the change is audited, and after the commit every process hears
which client changed and how its flows moved.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from carteira.allocations import corporate, store
from carteira.allocations.books import LEDGER_CHANGED as LEDGER_CHANGED
from carteira.allocations.books import client_book as client_book
from carteira.allocations.exceptions import (
    AllocationNotFoundError,
    InsufficientQuantityError,
    InvalidPatchError,
    NotABuyError,
    TransactionNotFoundError,
)
from carteira.allocations.holdings import Aum as Aum
from carteira.allocations.holdings import ClientHolding as ClientHolding
from carteira.allocations.holdings import CurrencyHoldings as CurrencyHoldings
from carteira.allocations.holdings import FlowRow as FlowRow
from carteira.allocations.holdings import aum as aum
from carteira.allocations.holdings import client_positions as client_positions
from carteira.allocations.holdings import client_positions_json as client_positions_json
from carteira.allocations.holdings import client_realized as client_realized
from carteira.allocations.holdings import clients_holding as clients_holding
from carteira.allocations.holdings import currencies_held as currencies_held
from carteira.allocations.holdings import flow_currencies as flow_currencies
from carteira.allocations.holdings import flow_entries as flow_entries
from carteira.allocations.holdings import flows as flows
from carteira.allocations.holdings import has_transactions as has_transactions
from carteira.allocations.holdings import held_tickers as held_tickers
from carteira.allocations.holdings import holdings as holdings
from carteira.allocations.holdings import holdings_summary as holdings_summary
from carteira.allocations.holdings import list_allocations_json as list_allocations_json
from carteira.allocations.holdings import lot_of, lot_out
from carteira.allocations.ledger import (
    SECURITY_KINDS,
    Book,
    Entry,
    InsufficientQuantity,
    Kind,
    Settlement,
    flow_of,
    replay,
)
from carteira.allocations.listing import list_clients_json as list_clients_json
from carteira.allocations.models import Source, Transaction
from carteira.allocations.schemas import (
    MODELS_BY_KIND,
    AllocationCreate,
    AllocationOut,
    AllocationPatch,
    TradeIn,
    TransactionIn,
    TransactionOut,
    TransactionPage,
    TransactionPatch,
    TransactionQuery,
    parse_ratio,
)
from carteira.assets import service as assets
from carteira.assets.service import AssetInfo
from carteira.audit import service as audit
from carteira.clients import service as clients
from carteira.core.database import atomic, db, on_commit
from carteira.core.events import EventBus
from carteira.core.jobs import JobQueue
from carteira.core.jsonable import decimal_str
from carteira.core.pagination import PageParams
from carteira.pricing import service as pricing
from carteira.pricing.service import MarketData

logger = logging.getLogger(__name__)

ENTITY = "transaction"
T = TypeVar("T")

FIELDS = (
    "kind",
    "date",
    "asset_id",
    "quantity",
    "price",
    "amount",
    "fees",
    "tax",
    "currency",
    "split_to",
    "split_from",
    "settlement",
    "note",
)


def _snapshot(row: Transaction) -> dict[str, Any]:
    return {field: getattr(row, field) for field in FIELDS}


@dataclass(frozen=True)
class Services:
    """What a ledger write needs from the running app."""

    events: EventBus
    market: MarketData
    jobs: JobQueue
    reporting_currency: str


# ---- reading -------------------------------------------------------------------------------

_PAGE_SQL = """
    SELECT t.id, t.client_id, t.kind, t.date, t.asset_id, t.currency, t.quantity, t.price,
           t.amount, t.fees, t.tax, t.split_to, t.split_from, t.settlement, t.source,
           t.external_ref, t.note, t.created_at, t.updated_at, COUNT(*) OVER () AS total_rows
    FROM transactions t
    WHERE t.client_id = $1
      AND ($2::varchar IS NULL OR t.kind = $2)
      AND ($3::int IS NULL OR t.asset_id = $3)
      AND ($4::date IS NULL OR t.date >= $4)
      AND ($5::date IS NULL OR t.date <= $5)
    ORDER BY t.date DESC, t.id DESC
    LIMIT $6 OFFSET $7
"""
_ONE_SQL = """
    SELECT id, client_id, kind, date, asset_id, currency, quantity, price, amount, fees, tax,
           split_to, split_from, settlement, source, external_ref, note, created_at, updated_at
    FROM transactions WHERE id = $1 AND client_id = $2
"""


def _ratio_text(split_to: Decimal | None, split_from: Decimal | None) -> str | None:
    if split_to is None or split_from is None:
        return None
    return f"{split_to.normalize():f}:{split_from.normalize():f}"


def _out(row: Mapping[str, Any], infos: Mapping[int, AssetInfo]) -> TransactionOut:
    info = infos.get(row["asset_id"]) if row["asset_id"] is not None else None
    return TransactionOut(
        **{k: row[k] for k in TransactionOut.model_fields if k in row and k != "ratio"},
        ticker=info.ticker if info else None,
        asset_name=info.name if info else None,
        ratio=_ratio_text(row["split_to"], row["split_from"]),
    )


async def list_transactions(
    *, client_id: int, query: TransactionQuery, events: EventBus
) -> TransactionPage:
    params = PageParams(page=query.page, page_size=query.page_size)
    async with db().acquire_connection() as connection:
        rows = await connection.fetch(
            _PAGE_SQL,
            client_id,
            query.kind.value if query.kind else None,
            query.asset_id,
            query.start,
            query.end,
            params.limit,
            params.offset,
        )
    total = rows[0]["total_rows"] if rows else 0
    if not rows:
        await clients.ensure_client_exists(client_id=client_id)
        if params.page > 1:
            total = await _count(client_id, query)
    infos = await assets.describe(
        asset_ids=(r["asset_id"] for r in rows if r["asset_id"]), events=events
    )
    return TransactionPage.build([_out(row, infos) for row in rows], total=total, params=params)


async def _count(client_id: int, query: TransactionQuery) -> int:
    filtered = Transaction.filter(client_id=client_id)
    if query.kind:
        filtered = filtered.filter(kind=query.kind)
    if query.asset_id:
        filtered = filtered.filter(asset_id=query.asset_id)
    if query.start:
        filtered = filtered.filter(date__gte=query.start)
    if query.end:
        filtered = filtered.filter(date__lte=query.end)
    return await filtered.count()


async def get_transaction(
    *, client_id: int, transaction_id: int, events: EventBus
) -> TransactionOut:
    rows = await db().execute_query_dict(_ONE_SQL, [transaction_id, client_id])
    if not rows:
        await clients.ensure_client_exists(client_id=client_id)
        raise TransactionNotFoundError()
    row = rows[0]
    infos = await assets.describe(
        asset_ids=[row["asset_id"]] if row["asset_id"] else [], events=events
    )
    return _out(row, infos)


# ---- writing -------------------------------------------------------------------------------


def _fields(
    data: TransactionIn, asset: AssetInfo | None, reporting_currency: str
) -> dict[str, Any]:
    """The row a validated input becomes."""
    values = data.model_dump(exclude={"asset_id", "ticker"}, exclude_none=True)
    kind = Kind(values.pop("kind"))
    if asset is not None:
        values["asset_id"] = asset.id
        values["currency"] = asset.currency
    else:
        values["currency"] = values.get("currency") or reporting_currency
    if "ratio" in values:
        values["split_to"], values["split_from"] = parse_ratio(values.pop("ratio"))
    if kind not in (Kind.BUY, Kind.SELL):
        values["settlement"] = Settlement.CASH  # income, costs, splits and cash always
    return {"kind": kind, **values}


async def _asset_of(
    data: TransactionIn, *, actor_id: int | None, services: Services
) -> AssetInfo | None:
    asset_id = getattr(data, "asset_id", None)
    ticker = getattr(data, "ticker", None)
    if asset_id is None and ticker is None:
        return None
    asset = await assets.resolve(
        asset_id=asset_id,
        ticker=ticker,
        market=services.market,
        jobs=services.jobs,
        actor_id=actor_id,
    )
    infos = await assets.describe(asset_ids=[asset.id])
    return infos[asset.id]


async def record_transaction(
    *,
    client_id: int,
    data: TransactionIn,
    actor_id: int | None,
    services: Services,
    source: Source = Source.MANUAL,
    external_ref: str | None = None,
) -> TransactionOut:
    async def answer(row: Transaction, _: Book) -> TransactionOut:
        return await get_transaction(
            client_id=client_id, transaction_id=row.id, events=services.events
        )

    return await _record(
        client_id=client_id,
        data=data,
        actor_id=actor_id,
        services=services,
        source=source,
        external_ref=external_ref,
        answer=answer,
    )


async def _record(
    *,
    client_id: int,
    data: TransactionIn,
    actor_id: int | None,
    services: Services,
    answer: Callable[[Transaction, Book], Awaitable[T]],
    source: Source = Source.MANUAL,
    external_ref: str | None = None,
) -> T:
    """The write, and `answer(row, book)` computed inside its transaction: a concurrent DELETE
    right after the commit must not turn a successful write into an error."""
    await clients.ensure_client_exists(client_id=client_id)  # before registering any ticker
    asset = await _asset_of(data, actor_id=actor_id, services=services)
    async with atomic():
        await clients.lock_client(client_id=client_id)
        row = await audit.audited_create(
            row=Transaction.create(
                client_id=client_id,
                source=source,
                external_ref=external_ref,
                **_fields(data, asset, services.reporting_currency),
            ),
            snapshot=_snapshot,
            entity=ENTITY,
            actor_id=actor_id,
        )
        entry = store.entry_of_row(row)
        made = await _events_after(client_id, entry)
        book = await _ledger_changed(client_id, removed=[], added=[entry, *made], services=services)
        if asset is not None and entry.kind in SECURITY_KINDS:
            await pricing.ensure_history_from(jobs=services.jobs, asset_id=asset.id, start=row.date)
        await pricing.ensure_fx_from(
            jobs=services.jobs,
            currency=entry.currency,
            reporting=services.reporting_currency,
            start=entry.date,
        )
        return await answer(row, book)


async def update_transaction(
    *,
    client_id: int,
    transaction_id: int,
    data: TransactionPatch,
    actor_id: int | None,
    services: Services,
) -> TransactionOut:
    async def answer(row: Transaction, _: Book | None) -> TransactionOut:
        return await get_transaction(
            client_id=client_id, transaction_id=row.id, events=services.events
        )

    return await _update(
        client_id=client_id,
        transaction_id=transaction_id,
        data=data,
        actor_id=actor_id,
        services=services,
        answer=answer,
    )


async def _update(
    *,
    client_id: int,
    transaction_id: int,
    data: TransactionPatch,
    actor_id: int | None,
    services: Services,
    answer: Callable[[Transaction, Book | None], Awaitable[T]],
    only_kind: Kind | None = None,
) -> T:
    changes = data.model_dump(exclude_unset=True)
    async with atomic():
        await clients.lock_client(client_id=client_id)
        before: list[Entry] = []
        books: list[Book] = []

        def change(row: Transaction) -> None:
            if only_kind is not None and row.kind is not only_kind:
                raise NotABuyError()
            before.append(store.entry_of_row(row))
            _apply_patch(row, changes)

        async def saved(row: Transaction, _: dict[str, Any]) -> None:
            after = store.entry_of_row(row)
            made = await _events_after(client_id, after)
            books.append(
                await _ledger_changed(
                    client_id, removed=before, added=[after, *made], services=services
                )
            )
            if row.asset_id is not None and row.date < before[0].date:
                await pricing.ensure_history_from(
                    jobs=services.jobs, asset_id=row.asset_id, start=row.date
                )

        row, _ = await audit.audited_update(
            query=Transaction.filter(id=transaction_id, client_id=client_id),
            missing=TransactionNotFoundError,
            snapshot=_snapshot,
            change=change,
            entity=ENTITY,
            actor_id=actor_id,
            saved=saved,
        )
        return await answer(row, books[0] if books else None)


def _apply_patch(row: Transaction, changes: Mapping[str, Any]) -> None:
    """The patched entry must still be a valid entry of its kind: re-validated as a whole."""
    current: dict[str, Any] = {
        "kind": row.kind.value,
        "date": row.date,
        "note": row.note,
        **({"asset_id": row.asset_id} if row.asset_id is not None else {}),
    }
    model = MODELS_BY_KIND[row.kind]
    for name in ("quantity", "price", "amount", "fees", "tax", "settlement", "currency"):
        value = getattr(row, name)
        if name in model.model_fields and value is not None:
            current[name] = value
    if row.split_to is not None and row.split_from is not None:
        current["ratio"] = _ratio_text(row.split_to, row.split_from)
    merged = {**current, **changes}
    if row.kind is Kind.JCP and "amount" in changes and "tax" not in changes:
        merged.pop("tax", None)  # the 15 % follows the new amount unless given
    unknown = set(merged) - set(model.model_fields)
    if unknown:
        raise InvalidPatchError(f"{', '.join(sorted(unknown))} do not apply to a {row.kind}")
    validated = model.model_validate(merged)
    values = validated.model_dump(exclude={"asset_id", "ticker", "kind"}, exclude_none=True)
    if "ratio" in values:
        row.split_to, row.split_from = parse_ratio(values.pop("ratio"))
    values.pop("currency", None)  # a security's currency is its asset's
    row.update_from_dict(values)
    if "note" in changes:
        row.note = changes["note"]


async def delete_transaction(
    *,
    client_id: int,
    transaction_id: int,
    actor_id: int | None,
    services: Services,
    only_kind: Kind | None = None,
) -> None:
    async with atomic():
        await clients.lock_client(client_id=client_id)

        async def check(row: Transaction) -> None:
            if only_kind is not None and row.kind is not only_kind:
                raise NotABuyError()

        async def deleted(row: Transaction) -> None:
            await corporate.remember_dismissal(row=row)
            entry = store.entry_of_row(row)
            await _ledger_changed(client_id, removed=[entry], added=[], services=services)

        await audit.audited_delete(
            query=Transaction.filter(id=transaction_id, client_id=client_id),
            missing=TransactionNotFoundError,
            snapshot=_snapshot,
            entity=ENTITY,
            actor_id=actor_id,
            check=check,
            deleted=deleted,
        )


async def _events_after(client_id: int, entry: Entry) -> list[Entry]:
    """An entry of a security dated before some of its provider events: the entries those
    events call for, made in the same write."""
    if entry.asset_id is None or entry.kind not in SECURITY_KINDS:
        return []
    return await corporate.entries_for_events(
        client_id=client_id,
        asset_ids=[entry.asset_id],
        entries=await store.client_entries(client_id),
    )


async def apply_corporate_actions(*, asset_ids: Sequence[int], services: Services) -> int:
    """The assets' events in the ledger of every client that held them (the job after new
    events are stored): one write per client, whatever the number of assets; the number of
    entries made."""
    made = 0
    for client_id, held in (await store.clients_with_assets(asset_ids)).items():
        async with atomic():
            await clients.lock_client(client_id=client_id)
            entries = await corporate.entries_for_events(
                client_id=client_id,
                asset_ids=held,
                entries=await store.client_entries(client_id),
            )
            if entries:
                await _ledger_changed(client_id, removed=[], added=entries, services=services)
                made += len(entries)
    return made


async def _ledger_changed(
    client_id: int, *, removed: Sequence[Entry], added: Sequence[Entry], services: Services
) -> Book:
    """Inside the write's transaction, with the client locked: replay the whole ledger (a
    quantity below zero on any date refuses the write), rewrite what derives from it, and
    announce the change once it commits."""
    try:
        book = replay(await store.client_entries(client_id))
    except InsufficientQuantity as short:
        infos = await assets.describe(asset_ids=[short.asset_id])
        ticker = infos[short.asset_id].ticker if short.asset_id in infos else str(short.asset_id)
        left = -short.short_by.normalize()
        raise InsufficientQuantityError(
            f"This would leave {ticker} {short.short_by.normalize():f} below zero on "
            f"{short.on.isoformat()}: nothing was written.",
            fields={"ticker": ticker, "date": short.on.isoformat(), "quantity": f"{left:f}"},
        ) from short
    await store.rewrite_holdings(client_id, book)
    moved = await store.add_flows(client_id, removed=removed, added=added)
    flows = _flow_deltas(removed, added)
    await on_commit(
        lambda: services.events.publish(
            LEDGER_CHANGED,
            client_id=client_id,
            days=sorted(day.isoformat() for day in moved),
            flows=flows,
        )
    )
    return book


def _flow_deltas(removed: Sequence[Entry], added: Sequence[Entry]) -> list[dict[str, str]]:
    deltas: dict[tuple[date, str], list[Decimal]] = {}
    for sign, entries in ((-1, removed), (1, added)):
        for entry in entries:
            inflow, outflow = flow_of(entry)
            if inflow or outflow:
                row = deltas.setdefault((entry.date, entry.currency), [Decimal(0), Decimal(0)])
                row[0] += sign * inflow
                row[1] += sign * outflow
    return [
        {
            "date": day.isoformat(),
            "currency": currency,
            "inflow": decimal_str(i),
            "outflow": decimal_str(o),
        }
        for (day, currency), (i, o) in sorted(deltas.items())
        if i or o
    ]


async def rebuild(*, client_id: int) -> None:
    """Recompute what derives from a client's ledger (after a bulk load, or to repair)."""
    async with atomic():
        await clients.lock_client(client_id=client_id)
        book = replay(await store.client_entries(client_id))
        await store.rewrite_holdings(client_id, book)
        await store.rewrite_flows(client_id, book)


# ---- compatibility: /allocations are buy transactions, shown as open lots -----------------


async def create_allocation(
    *, client_id: int, data: AllocationCreate, actor_id: int | None, services: Services
) -> AllocationOut:
    """A buy with external settlement (money from outside the portfolio)."""
    trade = TradeIn(
        kind="buy",
        date=data.buy_date,
        asset_id=data.asset_id,
        ticker=data.ticker,
        quantity=data.quantity,
        price=data.buy_price,
    )

    async def answer(row: Transaction, book: Book) -> AllocationOut:
        return await _lot_view(row, book, client_id=client_id, events=services.events)

    return await _record(
        client_id=client_id, data=trade, actor_id=actor_id, services=services, answer=answer
    )


async def update_allocation(
    *,
    client_id: int,
    allocation_id: int,
    data: AllocationPatch,
    actor_id: int | None,
    services: Services,
) -> AllocationOut:
    renamed = {"buy_price": "price", "buy_date": "date"}
    patch = TransactionPatch(
        **{
            renamed.get(name, name): value
            for name, value in data.model_dump(exclude_unset=True).items()
        }
    )

    async def answer(row: Transaction, book: Book | None) -> AllocationOut:
        if book is None:  # nothing changed
            book = replay(await store.client_entries(client_id))
        return await _lot_view(row, book, client_id=client_id, events=services.events)

    try:
        return await _update(
            client_id=client_id,
            transaction_id=allocation_id,
            data=patch,
            actor_id=actor_id,
            services=services,
            answer=answer,
            only_kind=Kind.BUY,
        )
    except TransactionNotFoundError as exc:
        raise AllocationNotFoundError() from exc


async def _lot_view(
    row: Transaction, book: Book, *, client_id: int, events: EventBus
) -> AllocationOut:
    lot = lot_of(book, row.id)
    if lot is None:  # wholly sold
        raise AllocationNotFoundError()
    infos = await assets.describe(asset_ids=[lot.asset_id], events=events)
    return lot_out(
        lot.lot,
        client_id=client_id,
        info=infos[lot.asset_id],
        quote=None,
        stamps=(row.created_at, row.updated_at),
    )


async def delete_allocation(
    *, client_id: int, allocation_id: int, actor_id: int | None, services: Services
) -> None:
    try:
        await delete_transaction(
            client_id=client_id,
            transaction_id=allocation_id,
            actor_id=actor_id,
            services=services,
            only_kind=Kind.BUY,
        )
    except TransactionNotFoundError as exc:
        raise AllocationNotFoundError() from exc
