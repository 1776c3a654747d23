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
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from carteira.allocations import corporate, store
from carteira.allocations import drafts as drafts_engine
from carteira.allocations.books import LEDGER_CHANGED as LEDGER_CHANGED
from carteira.allocations.books import client_book as client_book
from carteira.allocations.corporate import Followed
from carteira.allocations.exceptions import (
    AllocationNotFoundError,
    AmountOutOfRangeError,
    InsufficientQuantityError,
    InvalidPatchError,
    NoPriceOnDateError,
    NotABuyError,
    NothingToReviewError,
    QuantityTooSmallError,
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
from carteira.allocations.holdings import flow_entries as flow_entries
from carteira.allocations.holdings import flows as flows
from carteira.allocations.holdings import held_tickers as held_tickers
from carteira.allocations.holdings import holdings as holdings
from carteira.allocations.holdings import holdings_summary as holdings_summary
from carteira.allocations.holdings import list_allocations_json as list_allocations_json
from carteira.allocations.holdings import lot_of, lot_out
from carteira.allocations.ledger import (
    LIMIT,
    SECURITY_KINDS,
    Book,
    Entry,
    InsufficientQuantity,
    Kind,
    OutOfRange,
    Settlement,
    check_limits,
    flow_of,
    replay,
)
from carteira.allocations.listing import list_clients_json as list_clients_json
from carteira.allocations.models import Source, Transaction
from carteira.allocations.performance import client_performance as client_performance
from carteira.allocations.positions_on import client_positions_on as client_positions_on
from carteira.allocations.realized import TAX_CURRENCY as TAX_CURRENCY
from carteira.allocations.realized import FixedIncomeRedemption as FixedIncomeRedemption
from carteira.allocations.realized import HeldAt as HeldAt
from carteira.allocations.realized import IncomeEntry as IncomeEntry
from carteira.allocations.realized import RealizedPart as RealizedPart
from carteira.allocations.realized import SaleCategory as SaleCategory
from carteira.allocations.realized import fixed_income_redemptions as fixed_income_redemptions
from carteira.allocations.realized import held_at as held_at
from carteira.allocations.realized import income_entries as income_entries
from carteira.allocations.realized import realized_parts as realized_parts
from carteira.allocations.realized import sale_category as sale_category
from carteira.allocations.realized import sellers as sellers
from carteira.allocations.schemas import (
    MODELS_BY_KIND,
    AllocationCreate,
    AllocationOut,
    AllocationPatch,
    LedgerWriteOut,
    ProviderChangeOut,
    TradeIn,
    TransactionIn,
    TransactionOut,
    TransactionPage,
    TransactionPatch,
    TransactionQuery,
    TransactionWritten,
    parse_ratio,
)
from carteira.allocations.store import clients_holding as clients_holding
from carteira.allocations.store import currencies_held as currencies_held
from carteira.allocations.store import flow_currencies as flow_currencies
from carteira.allocations.store import has_transactions as has_transactions
from carteira.allocations.withholding import jcp_from_net as jcp_from_net
from carteira.allocations.withholding import jcp_rate as jcp_rate
from carteira.assets import service as assets
from carteira.assets.exceptions import UnknownAssetError
from carteira.assets.service import AssetInfo
from carteira.audit import service as audit
from carteira.clients import service as clients
from carteira.core.database import atomic, db, on_commit
from carteira.core.events import EventBus
from carteira.core.exports import cursor_rows
from carteira.core.jobs import JobQueue
from carteira.core.jsonable import decimal_str
from carteira.core.money import EXACT, plain
from carteira.core.pagination import PageParams
from carteira.pricing import service as pricing
from carteira.pricing.service import MarketData

logger = logging.getLogger(__name__)

ENTITY = "transaction"
CENTAVO = Decimal("0.01")
EIGHT_PLACES = Decimal("1E-8")  # what a quantity is kept to
EVERY_DATE = date.min  # `keep_realized` from the first date on
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
           t.external_ref, t.edited, t.needs_review, t.provider_amount, t.note, t.created_at,
           t.updated_at, COUNT(*) OVER () AS total_rows
    FROM transactions t
    WHERE t.client_id = $1
      AND ($2::varchar IS NULL OR t.kind = $2)
      AND ($3::int IS NULL OR t.asset_id = $3)
      AND ($4::date IS NULL OR t.date >= $4)
      AND ($5::date IS NULL OR t.date <= $5)
      AND ($8::bool IS NULL OR t.needs_review = $8)
    ORDER BY t.date DESC, t.id DESC
    LIMIT $6 OFFSET $7
"""
_ONE_SQL = """
    SELECT id, client_id, kind, date, asset_id, currency, quantity, price, amount, fees, tax,
           split_to, split_from, settlement, source, external_ref, edited, needs_review,
           provider_amount, note, created_at, updated_at
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
            query.needs_review,
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


async def first_entry_date(*, client_id: int) -> date | None:
    """The date of the client's first ledger entry (None: the ledger is empty)."""
    rows = await db().execute_query_dict(
        "SELECT min(date) AS first FROM transactions WHERE client_id = $1", [client_id]
    )
    first: date | None = rows[0]["first"] if rows else None
    return first


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
    if query.needs_review is not None:
        filtered = filtered.filter(needs_review=query.needs_review)
    return await filtered.count()


_LEDGER_ROWS = """
    SELECT t.date, t.kind, t.asset_id, t.quantity, t.price, t.amount, t.fees, t.tax, t.split_to,
           t.split_from, t.currency, t.settlement, t.source, t.note, t.id
    FROM transactions t
    WHERE t.client_id = $1
      AND ($2::varchar IS NULL OR t.kind = $2)
      AND ($3::int IS NULL OR t.asset_id = $3)
      AND ($4::date IS NULL OR t.date >= $4)
      AND ($5::date IS NULL OR t.date <= $5)
      AND ($6::bool IS NULL OR t.needs_review = $6)
    ORDER BY t.date, t.id
"""
_LEDGER_ASSETS = "SELECT DISTINCT asset_id FROM transactions WHERE client_id = $1"


async def ledger_rows(
    *, client_id: int, query: TransactionQuery, idle_seconds: float
) -> Callable[[], AsyncIterator[tuple[Any, ...]]]:
    """The client's entries for an export (`exports.LEDGER`'s columns), oldest first and
    streamed; the query's filters apply, its page does not. 404 for a missing client."""
    await clients.ensure_client_exists(client_id=client_id)
    held = await db().execute_query_dict(_LEDGER_ASSETS, [client_id])
    infos = await assets.describe(
        asset_ids=(row["asset_id"] for row in held if row["asset_id"] is not None)
    )

    async def rows() -> AsyncIterator[tuple[Any, ...]]:
        async for record in cursor_rows(
            _LEDGER_ROWS,
            client_id,
            query.kind.value if query.kind else None,
            query.asset_id,
            query.start,
            query.end,
            query.needs_review,
            idle_seconds=idle_seconds,
        ):
            (day, kind, asset_id, quantity, price, amount, fees, tax, split_to, split_from) = (
                record[:10]
            )
            currency, settlement, source, note, entry_id = record[10:]
            info = infos.get(asset_id) if asset_id is not None else None
            yield (
                day,
                kind,
                info.ticker if info else None,
                quantity,
                price,
                amount,
                fees,
                tax,
                _ratio_text(split_to, split_from),
                currency,
                settlement,
                source,
                note,
                entry_id,
            )

    return rows


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
    return _row_values(
        data,
        asset_id=asset.id if asset else None,
        asset_currency=asset.currency if asset else None,
        reporting_currency=reporting_currency,
    )


def _row_values(
    data: TransactionIn,
    *,
    asset_id: int | None,
    asset_currency: str | None,
    reporting_currency: str,
) -> dict[str, Any]:
    values = data.model_dump(exclude={"asset_id", "ticker"}, exclude_none=True)
    kind = Kind(values.pop("kind"))
    if asset_id is not None:
        values["asset_id"] = asset_id
        values["currency"] = asset_currency
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


async def _by_amount(trade: TradeIn, *, asset: AssetInfo, market: MarketData) -> TradeIn:
    """A trade given by its money: the quantity the amount makes at the unit price of its date
    (the one given, else the asset's close of that date, whatever its kind)."""
    assert trade.amount is not None
    price = trade.price or await pricing.unit_price_on(
        market=market, asset_id=asset.id, ticker=asset.ticker, day=trade.date
    )
    if price is None:
        raise NoPriceOnDateError(
            f"{asset.ticker} has no close on {trade.date.isoformat()}: give the unit price."
        )
    quantity = EXACT.divide(trade.amount, price).quantize(EIGHT_PLACES, context=EXACT)
    if quantity <= 0:
        raise QuantityTooSmallError()
    return trade.model_copy(update={"quantity": plain(quantity), "price": price, "amount": None})


async def record_transaction(
    *,
    client_id: int,
    data: TransactionIn,
    actor_id: int | None,
    services: Services,
    source: Source = Source.MANUAL,
    external_ref: str | None = None,
) -> TransactionWritten:
    async def answer(row: Transaction, followed: Followed) -> TransactionWritten:
        return await _written(row, followed, services=services)

    return await _record(
        client_id=client_id,
        data=data,
        actor_id=actor_id,
        services=services,
        source=source,
        external_ref=external_ref,
        answer=answer,
    )


async def _written(
    row: Transaction, followed: Followed | None, *, services: Services
) -> TransactionWritten:
    shown = await get_transaction(
        client_id=row.client_id, transaction_id=row.id, events=services.events
    )
    return TransactionWritten(
        **shown.model_dump(), provider_changes=_changes_out(followed.changes if followed else [])
    )


def _changes_out(changes: Sequence[corporate.ProviderChange]) -> list[ProviderChangeOut]:
    return [
        ProviderChangeOut(
            id=c.id,
            change=c.change.value,
            kind=c.kind,
            date=c.date,
            asset_id=c.asset_id,
            old_amount=c.old_amount,
            new_amount=c.new_amount,
            needs_review=c.needs_review,
        )
        for c in changes
    ]


async def _record(
    *,
    client_id: int,
    data: TransactionIn,
    actor_id: int | None,
    services: Services,
    answer: Callable[[Transaction, Followed], Awaitable[T]],
    source: Source = Source.MANUAL,
    external_ref: str | None = None,
) -> T:
    """The write, and `answer(row, followed)` computed inside its transaction: a concurrent
    DELETE right after the commit must not turn a successful write into an error."""
    await clients.ensure_client_exists(client_id=client_id)  # before registering any ticker
    asset = await _asset_of(data, actor_id=actor_id, services=services)
    if isinstance(data, TradeIn) and data.amount is not None and asset is not None:
        data = await _by_amount(data, asset=asset, market=services.market)
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
        followed = await _ledger_changed(
            client_id,
            removed=[],
            added=[entry],
            services=services,
            cause=corporate.Cause("create", transaction_id=row.id, user_id=actor_id),
        )
        if asset is not None and entry.kind in SECURITY_KINDS:
            await pricing.ensure_history_from(jobs=services.jobs, asset_id=asset.id, start=row.date)
        await pricing.ensure_fx_from(
            jobs=services.jobs,
            currency=entry.currency,
            reporting=services.reporting_currency,
            start=entry.date,
        )
        return await answer(row, followed)


async def update_transaction(
    *,
    client_id: int,
    transaction_id: int,
    data: TransactionPatch,
    actor_id: int | None,
    services: Services,
) -> TransactionWritten:
    async def answer(row: Transaction, followed: Followed | None) -> TransactionWritten:
        return await _written(row, followed, services=services)

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
    answer: Callable[[Transaction, Followed | None], Awaitable[T]],
    only_kind: Kind | None = None,
) -> T:
    changes = data.model_dump(exclude_unset=True)
    async with atomic():
        await clients.lock_client(client_id=client_id)
        before: list[Entry] = []
        written: list[Followed] = []

        def change(row: Transaction) -> None:
            if only_kind is not None and row.kind is not only_kind:
                raise NotABuyError()
            before.append(store.entry_of_row(row))
            figures = _figures(row)
            _apply_patch(row, changes)
            if row.source is Source.PROVIDER and _figures(row) != figures:
                # The user's figures now: never overwritten, only flagged when the basis moves.
                row.edited = True
                row.needs_review = False

        async def saved(row: Transaction, _: dict[str, Any]) -> None:
            after = store.entry_of_row(row)
            written.append(
                await _ledger_changed(
                    client_id,
                    removed=before,
                    added=[after],
                    services=services,
                    cause=corporate.Cause("update", transaction_id=row.id, user_id=actor_id),
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
        return await answer(row, written[0] if written else None)


def _figures(row: Transaction) -> dict[str, Any]:
    """What a user may change of an entry, but its note."""
    return {name: value for name, value in _snapshot(row).items() if name != "note"}


def _jcp_rate_follows(row: Transaction, changes: Mapping[str, Any]) -> bool:
    """Whether a JCP's withholding is worked out again: its amount changes, or its date moves
    to one where another rate is in force."""
    moved = "date" in changes and jcp_rate(changes["date"]) != jcp_rate(row.date)
    return "amount" in changes or moved


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
    if row.kind is Kind.JCP and "tax" not in changes and _jcp_rate_follows(row, changes):
        merged.pop("tax", None)  # the rate in force follows the new amount or date
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
) -> LedgerWriteOut:
    async with atomic():
        await clients.lock_client(client_id=client_id)
        written: list[Followed] = []

        async def check(row: Transaction) -> None:
            if only_kind is not None and row.kind is not only_kind:
                raise NotABuyError()

        async def deleted(row: Transaction) -> None:
            await corporate.remember_dismissal(row=row)
            entry = store.entry_of_row(row)
            written.append(
                await _ledger_changed(
                    client_id,
                    removed=[entry],
                    added=[],
                    services=services,
                    cause=corporate.Cause("delete", transaction_id=row.id, user_id=actor_id),
                )
            )

        await audit.audited_delete(
            query=Transaction.filter(id=transaction_id, client_id=client_id),
            missing=TransactionNotFoundError,
            snapshot=_snapshot,
            entity=ENTITY,
            actor_id=actor_id,
            check=check,
            deleted=deleted,
        )
        return LedgerWriteOut(id=transaction_id, provider_changes=_changes_out(written[0].changes))


async def accept_provider_figure(
    *, client_id: int, transaction_id: int, actor_id: int | None, services: Services
) -> LedgerWriteOut:
    """A user accepts the provider's figure of an entry they had edited (`needs_review`): it
    takes the figure (the tax withheld keeps its rate), or, when the provider's figure is 0
    (nothing held), it is removed — not dismissed, so it comes back with the shares."""
    async with atomic():
        await clients.lock_client(client_id=client_id)
        row = (
            await Transaction.filter(id=transaction_id, client_id=client_id)
            .select_for_update()
            .first()
        )
        if row is None:
            await clients.ensure_client_exists(client_id=client_id)
            raise TransactionNotFoundError()
        if not row.needs_review:
            raise NothingToReviewError()
        if row.provider_amount == 0:
            return await _accept_removal(row, actor_id=actor_id, services=services)
        before = store.entry_of_row(row)
        figure = "quantity" if row.kind is Kind.SELL else "amount"  # a redemption's: quantity
        old_amount = getattr(row, figure)
        _take_provider_amount(row)
        await row.save()
        await audit.record(
            actor_id=actor_id,
            action=audit.Action.UPDATE,
            entity=ENTITY,
            entity_id=row.id,
            changes={
                figure: {"from": old_amount, "to": getattr(row, figure)},
                "tax": {"from": before.tax, "to": row.tax},
                "needs_review": {"from": True, "to": False},
                "accepted": "provider_amount",
            },
            client_id=client_id,
        )
        followed = await _ledger_changed(
            client_id,
            removed=[before],
            added=[store.entry_of_row(row)],
            services=services,
            cause=corporate.Cause("accept", transaction_id=row.id, user_id=actor_id),
        )
        accepted = corporate.ProviderChange(
            id=row.id,
            change=corporate.Change.UPDATED,
            kind=row.kind,
            date=row.date,
            asset_id=before.asset_id or 0,
            old_amount=old_amount,
            new_amount=getattr(row, figure),
            needs_review=False,
        )
        return LedgerWriteOut(
            id=row.id, provider_changes=_changes_out([accepted, *followed.changes])
        )


def _take_provider_amount(row: Transaction) -> None:
    amount = row.provider_amount
    if amount is not None and row.kind is Kind.SELL:  # a redemption: the quantity held
        row.quantity = amount
        row.needs_review = False
        return
    if amount is None or row.amount is None:  # a split applies as it is: nothing to take
        raise NothingToReviewError()
    if row.tax:
        row.tax = EXACT.divide(EXACT.multiply(row.tax, amount), row.amount).quantize(CENTAVO)
    row.amount = amount
    row.needs_review = False


async def _accept_removal(
    row: Transaction, *, actor_id: int | None, services: Services
) -> LedgerWriteOut:
    entry = store.entry_of_row(row)
    await audit.record(
        actor_id=actor_id,
        action=audit.Action.DELETE,
        entity=ENTITY,
        entity_id=row.id,
        changes={**_snapshot(row), "accepted": "provider_amount"},
        client_id=row.client_id,
    )
    await row.delete()
    followed = await _ledger_changed(
        row.client_id,
        removed=[entry],
        added=[],
        services=services,
        cause=corporate.Cause("accept", transaction_id=row.id, user_id=actor_id),
    )
    removed = corporate.ProviderChange(
        id=row.id,
        change=corporate.Change.REMOVED,
        kind=row.kind,
        date=row.date,
        asset_id=entry.asset_id or 0,
        old_amount=row.amount,
        new_amount=None,
        needs_review=False,
    )
    return LedgerWriteOut(id=row.id, provider_changes=_changes_out([removed, *followed.changes]))


async def apply_corporate_actions(*, asset_ids: Sequence[int], services: Services) -> int:
    """The assets' events in the ledger of every client that held them (the job after new
    events are stored): one write per client, whatever the number of assets; the number of
    entries made."""
    made = 0
    for client_id, held in (await store.clients_with_assets(asset_ids)).items():
        async with atomic():
            await clients.lock_client(client_id=client_id)
            followed = await _ledger_changed(
                client_id,
                removed=[],
                added=[],
                services=services,
                cause=corporate.Cause("corporate_actions"),
                scope=(set(held), None),
            )
            made += sum(1 for c in followed.changes if c.change is corporate.Change.CREATED)
    return made


# ---- imports: the rows of a client's file, tried, then written in one write -----------------


@dataclass(frozen=True, slots=True)
class DraftIn:
    """A row of a file being imported, validated as any entry is (`key`: the caller's, e.g. its
    line). A split told by shares, as B3 tells them, gives `added` (the shares a desdobro
    credits) or `leaves` (the position a grupamento leaves); its `data.ratio` is then ignored."""

    key: int
    data: TransactionIn
    added: Decimal | None = None
    leaves: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DraftProblem:
    """Why the ledger would refuse a row (`code`: as a single write's error says it)."""

    code: str
    message: str
    fields: dict[str, str]


@dataclass
class DraftCheck:
    """What the ledger says of the rows: each split's ratio (as written, e.g. "2:1"), and the
    rows it would refuse."""

    ratios: dict[int, str]
    problems: dict[int, DraftProblem]


NOTHING_HELD = "nothing_held"


def _entry_of_values(entry_id: int, values: Mapping[str, Any]) -> Entry:
    """The engine's view of a row's values (`_row_values`) not read back from the table."""
    return store.entry_of(
        {
            "id": entry_id,
            "kind": values["kind"],
            "date": values["date"],
            "currency": values["currency"],
            "asset_id": values.get("asset_id"),
            "quantity": values.get("quantity"),
            "price": values.get("price"),
            "amount": values.get("amount"),
            "fees": values.get("fees", Decimal(0)),
            "tax": values.get("tax", Decimal(0)),
            "split_to": values.get("split_to"),
            "split_from": values.get("split_from"),
            "settlement": values["settlement"],
        }
    )


async def try_import(
    *,
    client_id: int,
    drafts: Sequence[DraftIn],
    currencies: Mapping[str, str],
    reporting_currency: str,
) -> DraftCheck:
    """The rows tried against the client's ledger, nothing written: a split told by shares
    gets its ratio from the quantity held before it, and a row that would leave a quantity
    below zero (or a split with nothing held) is named. `currencies`: the currency of each
    ticker not registered yet (as the provider quotes it)."""
    tickers = {
        ticker.upper() for d in drafts if (ticker := getattr(d.data, "ticker", None)) is not None
    }
    infos = await assets.infos_by_ticker(tickers=tickers)
    placeholders = {ticker: -n for n, ticker in enumerate(sorted(tickers - set(infos)), start=1)}
    by_id = await assets.describe(
        asset_ids={i for d in drafts if (i := getattr(d.data, "asset_id", None)) is not None}
    )
    prepared: list[drafts_engine.Draft] = []
    for n, draft in enumerate(drafts, start=1):
        values = _draft_values(
            draft,
            infos=infos,
            placeholders=placeholders,
            by_id=by_id,
            currencies=currencies,
            reporting_currency=reporting_currency,
        )
        entry = _entry_of_values(-n, values)
        prepared.append(
            drafts_engine.Draft(key=draft.key, entry=entry, added=draft.added, leaves=draft.leaves)
        )
    tried = drafts_engine.try_drafts(await store.client_entries(client_id), prepared)
    names = {**{i.id: t for t, i in infos.items()}, **{p: t for t, p in placeholders.items()}}
    names |= {i: info.ticker for i, info in by_id.items()}
    return DraftCheck(
        ratios={key: _ratio_text(*ratio) or "" for key, ratio in tried.ratios.items()},
        problems=_draft_problems(tried, names),
    )


def _draft_values(
    draft: DraftIn,
    *,
    infos: Mapping[str, AssetInfo],
    placeholders: Mapping[str, int],
    by_id: Mapping[int, AssetInfo],
    currencies: Mapping[str, str],
    reporting_currency: str,
) -> dict[str, Any]:
    """A draft's row as the ledger stores it: its asset (a placeholder id for a ticker not
    registered yet) and that asset's currency (the reporting one when not known)."""
    ticker = getattr(draft.data, "ticker", None)
    asset_id: int | None = getattr(draft.data, "asset_id", None)
    currency: str | None = None
    if ticker is not None:
        info = infos.get(ticker.upper())
        asset_id = info.id if info else placeholders[ticker.upper()]
        currency = info.currency if info else currencies.get(ticker.upper())
    elif asset_id is not None:
        currency = by_id[asset_id].currency if asset_id in by_id else None
    return _row_values(
        draft.data,
        asset_id=asset_id,
        asset_currency=currency or reporting_currency,
        reporting_currency=reporting_currency,
    )


def _draft_problems(
    tried: drafts_engine.Tried, names: Mapping[int, str]
) -> dict[int, DraftProblem]:
    """The drafts the ledger refuses: a split with nothing held, a row that would leave a
    quantity (of the asset `names` gives) below zero."""
    problems = {
        key: DraftProblem(
            code=NOTHING_HELD,
            message="Nothing of the asset is held before this date: the split has no ratio.",
            fields={},
        )
        for key in tried.nothing_held
    }
    for key, short in tried.short.items():
        ticker = names.get(short.asset_id, str(short.asset_id))
        left = -short.short_by.normalize()
        problems[key] = DraftProblem(
            code=InsufficientQuantityError.code,
            message=f"This would leave {ticker} {short.short_by.normalize():f} below zero on "
            f"{short.on.isoformat()}.",
            fields={"ticker": ticker, "date": short.on.isoformat(), "quantity": f"{left:f}"},
        )
    return problems


async def existing_references(*, client_id: int, references: Iterable[str]) -> set[str]:
    """Which of these `external_ref`s the client's ledger already holds."""
    return await store.existing_refs(client_id, references)


@dataclass(frozen=True, slots=True)
class ImportedIn:
    """A row of a file to write: validated as any entry, known by its reference."""

    data: TransactionIn
    external_ref: str


@dataclass(frozen=True, slots=True)
class ImportWritten:
    created: int
    duplicate: int  # rows whose reference the ledger held by the time of the write
    provider_changes: list[ProviderChangeOut]


async def record_imported(
    *,
    client_id: int,
    rows: Sequence[ImportedIn],
    actor_id: int | None,
    services: Services,
    inside: Callable[[ImportWritten], Awaitable[None]] | None = None,
) -> ImportWritten:
    """Every row in ONE write: tickers not registered yet are registered through the provider
    first; then, the client locked, the rows whose reference the ledger does not hold yet are
    inserted (`source: import`), audited, the ledger replayed once with the provider's entries
    following it (an imported provento supersedes the provider's of its asset and ex date), the
    derived tables rewritten, and the change announced after the commit. A quantity below zero
    on any date refuses the whole write. `inside(written)` runs in the same transaction."""
    await clients.ensure_client_exists(client_id=client_id)  # before registering any ticker
    infos = await _assets_of(rows, actor_id=actor_id, services=services)
    async with atomic():
        await clients.lock_client(client_id=client_id)
        held = await store.existing_refs(client_id, (row.external_ref for row in rows))
        fresh = [row for row in rows if row.external_ref not in held]
        new = [_imported_row(row, infos, services.reporting_currency) for row in fresh]
        ids = await store.insert_imported(
            client_id, [store.NewImportedEntry(**values) for values in new]
        )
        await audit.record_many(
            actor_id=actor_id,
            records=[
                audit.Record(
                    action=audit.Action.CREATE,
                    entity=ENTITY,
                    entity_id=entry_id,
                    changes=_imported_snapshot(row),
                    client_id=client_id,
                )
                for entry_id, row in zip(ids, new, strict=True)
            ],
        )
        added = [_entry_of_values(i, values) for i, values in zip(ids, new, strict=True)]
        followed = await _ledger_changed(
            client_id,
            removed=[],
            added=added,
            services=services,
            cause=corporate.Cause("import", user_id=actor_id),
        )
        await _history_from(added, services=services)
        written = ImportWritten(
            created=len(ids),
            duplicate=len(rows) - len(fresh),
            provider_changes=_changes_out(followed.changes),
        )
        if inside is not None:
            await inside(written)
        return written


async def _assets_of(
    rows: Sequence[ImportedIn], *, actor_id: int | None, services: Services
) -> dict[str, AssetInfo]:
    """Each row's asset by its reference (a ticker, or an id as text), registering a ticker
    the provider knows and the registry does not."""
    tickers = {t.upper() for row in rows if (t := getattr(row.data, "ticker", None)) is not None}
    ids = {i for row in rows if (i := getattr(row.data, "asset_id", None)) is not None}
    infos = await assets.infos_by_ticker(tickers=tickers)
    for ticker in sorted(tickers - set(infos)):
        asset = await assets.resolve(
            asset_id=None,
            ticker=ticker,
            market=services.market,
            jobs=services.jobs,
            actor_id=actor_id,
        )
        infos[ticker] = (await assets.describe(asset_ids=[asset.id]))[asset.id]
    by_id = await assets.describe(asset_ids=ids)
    for asset_id in ids:
        if asset_id not in by_id:
            raise UnknownAssetError(f"No registered asset with id {asset_id}.")
    return {**infos, **{str(i): info for i, info in by_id.items()}}


def _asset_key(data: TransactionIn) -> str | None:
    ticker = getattr(data, "ticker", None)
    if ticker is not None:
        return str(ticker).upper()
    asset_id = getattr(data, "asset_id", None)
    return str(asset_id) if asset_id is not None else None


def _imported_row(
    row: ImportedIn, infos: Mapping[str, AssetInfo], reporting_currency: str
) -> dict[str, Any]:
    key = _asset_key(row.data)
    return {
        **_fields(row.data, infos[key] if key else None, reporting_currency),
        "reference": row.external_ref,
    }


def _imported_snapshot(values: Mapping[str, Any]) -> dict[str, Any]:
    """What `_snapshot` records of an entry, already as JSON's plain values (thousands of
    them go to the trail in one statement)."""
    snapshot: dict[str, Any] = {}
    for name in FIELDS:
        value = values.get(name)
        if isinstance(value, Decimal):
            value = decimal_str(value)
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Enum):
            value = value.value
        snapshot[name] = value
    return {**snapshot, "source": Source.IMPORT.value, "external_ref": values["reference"]}


async def _history_from(entries: Sequence[Entry], *, services: Services) -> None:
    """Closes back to each asset's first entry, and rates back to each currency's."""
    assets_from: dict[int, date] = {}
    currencies_from: dict[str, date] = {}
    for entry in entries:
        if entry.asset_id is not None and entry.kind in SECURITY_KINDS:
            assets_from[entry.asset_id] = min(
                entry.date, assets_from.get(entry.asset_id, entry.date)
            )
        currencies_from[entry.currency] = min(
            entry.date, currencies_from.get(entry.currency, entry.date)
        )
    for asset_id, start in sorted(assets_from.items()):
        await pricing.ensure_history_from(jobs=services.jobs, asset_id=asset_id, start=start)
    for currency, start in sorted(currencies_from.items()):
        await pricing.ensure_fx_from(
            jobs=services.jobs,
            currency=currency,
            reporting=services.reporting_currency,
            start=start,
        )


async def _ledger_changed(
    client_id: int,
    *,
    removed: Sequence[Entry],
    added: Sequence[Entry],
    services: Services,
    cause: corporate.Cause,
    scope: tuple[set[int], date | None] | None = None,
) -> Followed:
    """Inside the write's transaction, with the client locked: replay the whole ledger (a
    quantity below zero on any date, or a figure beyond what the ledger keeps, refuses the
    write), the provider's entries following it from the earliest date the write touched
    (`scope`: which assets from which date, else the assets and dates of the entries written),
    rewrite what derives from it, and announce the change once it commits."""
    asset_ids, since = scope or corporate.scope([*removed, *added])
    try:
        followed = await corporate.follow(
            client_id=client_id,
            entries=await store.client_entries(client_id),
            asset_ids=asset_ids,
            since=since,
            cause=cause,
        )
        check_limits(followed.book)
    except InsufficientQuantity as short:
        ticker = await _ticker(short.asset_id)
        left = -short.short_by.normalize()
        raise InsufficientQuantityError(
            f"This would leave {ticker} {short.short_by.normalize():f} below zero on "
            f"{short.on.isoformat()}: nothing was written.",
            fields={"ticker": ticker, "date": short.on.isoformat(), "quantity": f"{left:f}"},
        ) from short
    except OutOfRange as beyond:
        raise AmountOutOfRangeError(
            f"This would take {await _figure_named(beyond)} to {LIMIT:,f} or more, beyond what"
            " the ledger keeps: nothing was written."
        ) from beyond
    if not (removed or added or followed.changes):
        return followed
    await store.rewrite_holdings(client_id, followed.book)
    await store.keep_realized(
        client_id, followed.book, since=_realized_from(removed, added, followed.changes)
    )
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
    return followed


# The kinds whose entries move realized gains (a dividend or a fee never does).
_REALIZING = frozenset({Kind.BUY, Kind.SELL, Kind.SPLIT, Kind.BONUS})


def _realized_from(
    removed: Sequence[Entry],
    added: Sequence[Entry],
    changes: Sequence[corporate.ProviderChange],
) -> date | None:
    """The earliest date whose realized sales a write may change (None: none)."""
    days = [e.date for e in (*removed, *added) if e.kind in _REALIZING]
    days += [c.date for c in changes if c.kind in _REALIZING]
    return min(days, default=None)


async def _ticker(asset_id: int) -> str:
    infos = await assets.describe(asset_ids=[asset_id])
    return infos[asset_id].ticker if asset_id in infos else str(asset_id)


async def _figure_named(beyond: OutOfRange) -> str:
    if beyond.asset_id is not None:
        return f"the {beyond.figure} of {await _ticker(beyond.asset_id)}"
    if beyond.figure == "cash":
        return f"the cash in {beyond.currency}"
    return f"a day's flows in {beyond.currency}"


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
        await store.keep_realized(client_id, book, since=EVERY_DATE)


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

    async def answer(row: Transaction, followed: Followed) -> AllocationOut:
        return await _lot_view(row, followed.book, client_id=client_id, events=services.events)

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

    async def answer(row: Transaction, followed: Followed | None) -> AllocationOut:
        # Nothing changed: the ledger as it was.
        book = followed.book if followed else replay(await store.client_entries(client_id))
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
