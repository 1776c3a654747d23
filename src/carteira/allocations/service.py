"""Allocations (purchase lots) of a client, and the positions they add up to."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from carteira.allocations.exceptions import AllocationNotFoundError
from carteira.allocations.models import Allocation
from carteira.allocations.schemas import (
    AllocationCreate,
    AllocationOut,
    AllocationPage,
    AllocationPatch,
    PositionOut,
    PositionsOut,
)
from carteira.allocations.valuation import value_lot, value_positions
from carteira.assets import service as assets
from carteira.audit import service as audit
from carteira.clients import service as clients
from carteira.core.database import atomic, db, on_commit
from carteira.core.events import EventBus, LocalCache
from carteira.core.jobs import JobQueue
from carteira.core.money import mul
from carteira.core.pagination import PageParams
from carteira.pricing import service as pricing
from carteira.pricing.service import MarketData
from carteira.reports import service as reports

ENTITY = "allocation"
LISTING = "allocations.listing"
FIELDS = ("client_id", "asset_id", "quantity", "buy_price", "buy_date")
EIGHT_PLACES = Decimal("0.00000001")

_LIST_COLUMNS = {
    "id": "id",
    "client_id": "client_id",
    "asset_id": "asset_id",
    "asset__ticker": "ticker",
    "asset__name": "asset_name",
    "asset__currency": "currency",
    "quantity": "quantity",
    "buy_price": "buy_price",
    "buy_date": "buy_date",
    "created_at": "created_at",
    "updated_at": "updated_at",
}


def _snapshot(allocation: Allocation) -> dict[str, Any]:
    return {field: getattr(allocation, field) for field in FIELDS}


def _lot(row: Mapping[str, Any]) -> AllocationOut:
    return AllocationOut.model_validate({**row, "cost": mul(row["quantity"], row["buy_price"])})


# Plain SQL: this listing is on every portfolio screen, and the ORM's query building cost
# more than the query (bench/README.md). One round trip: lots, their assets, the total.
_LOTS_SQL = """
    SELECT a.id, a.client_id, a.asset_id, s.ticker, s.name AS asset_name, s.currency,
           a.quantity, a.buy_price, a.buy_date, a.created_at, a.updated_at,
           COUNT(*) OVER () AS total_rows
    FROM allocations a
    JOIN assets s ON s.id = a.asset_id
    WHERE a.client_id = $1
    ORDER BY a.buy_date DESC, a.id DESC
    LIMIT $2 OFFSET $3
"""


def _listing(events: EventBus) -> LocalCache:
    return events.cache(LISTING, cleared_by=(assets.ASSET_CHANGED,))


async def list_allocations(
    *, client_id: int, params: PageParams, events: EventBus, market: MarketData
) -> AllocationPage:
    """A page of the client's lots, marked to market with one batched quote lookup. Slow or
    failing prices never hold the listing: past the valuation timeout it answers without
    them and says so (`prices_unavailable`)."""
    lots = await _lots_page(client_id=client_id, params=params, events=events)
    batch = await market.quotes(
        [lot.ticker for lot in lots.items],
        wait_seconds=market.settings.valuation_timeout_seconds,
    )
    return lots.model_copy(
        update={
            "items": [value_lot(lot, batch.quotes.get(lot.ticker)) for lot in lots.items],
            "prices_unavailable": bool(batch.errors),
        }
    )


async def _lots_page(*, client_id: int, params: PageParams, events: EventBus) -> AllocationPage:
    """The lots with their assets; no query per row. Pages are kept in this process until an
    allocation or asset write anywhere invalidates them."""
    cache = _listing(events)
    generation = cache.generation
    key = f"{client_id}\x00{params.page}\x00{params.page_size}"
    if (hit := cache.get(key)) is not None:
        return hit  # type: ignore[no-any-return]
    async with db().acquire_connection() as connection:
        rows = await connection.fetch(_LOTS_SQL, client_id, params.limit, params.offset)
        total = rows[0]["total_rows"] if rows else 0
        if not rows:
            await clients.ensure_client_exists(client_id=client_id)
            if params.page > 1:
                total = await connection.fetchval(
                    "SELECT COUNT(*) FROM allocations WHERE client_id = $1", client_id
                )
    page = AllocationPage(
        items=[_lot(row) for row in rows],
        total=total,
        page=params.page,
        page_size=params.page_size,
        pages=-(-total // params.page_size),
    )
    cache.set(key, page, generation=generation)
    return page


async def _lot_of(*, client_id: int, allocation_id: int) -> Allocation:
    """The lot, locked for update; another client's lot is as absent as a missing one."""
    allocation = await Allocation.select_for_update().get_or_none(
        id=allocation_id, client_id=client_id
    )
    if allocation is None:
        await clients.ensure_client_exists(client_id=client_id)
        raise AllocationNotFoundError()
    return allocation


async def _out(allocation_id: int) -> AllocationOut:
    rows = await Allocation.filter(id=allocation_id).values(*_LIST_COLUMNS)
    return _lot({name: rows[0][column] for column, name in _LIST_COLUMNS.items()})


async def _lots_changed(events: EventBus, *, days: list[date], currency: str) -> None:
    """After the commit: cached listings go, and every process hears the months' new inflows."""
    await on_commit(lambda: events.invalidate(LISTING))
    await on_commit(lambda: reports.publish_inflows(events=events, days=days, currency=currency))


async def create_allocation(
    *,
    client_id: int,
    data: AllocationCreate,
    actor_id: int | None,
    events: EventBus,
    market: MarketData,
    jobs: JobQueue,
    reporting_currency: str,
) -> AllocationOut:
    """A new lot; a `ticker` not registered yet is validated with the provider and registered."""
    await clients.ensure_client_exists(client_id=client_id)
    asset = await assets.resolve(
        asset_id=data.asset_id, ticker=data.ticker, market=market, jobs=jobs, actor_id=actor_id
    )
    async with atomic():
        allocation = await Allocation.create(
            client_id=client_id,
            asset_id=asset.id,
            quantity=data.quantity,
            buy_price=data.buy_price,
            buy_date=data.buy_date,
        )
        await _lots_changed(events, days=[data.buy_date], currency=reporting_currency)
        await pricing.ensure_history_from(jobs=jobs, asset_id=asset.id, start=data.buy_date)
        await audit.record(
            actor_id=actor_id,
            action=audit.Action.CREATE,
            entity=ENTITY,
            entity_id=allocation.id,
            changes=_snapshot(allocation),
        )
        # Read back inside the transaction: a concurrent DELETE right after the commit must
        # not turn a successful write into a 500.
        return await _out(allocation.id)


async def update_allocation(
    *,
    client_id: int,
    allocation_id: int,
    data: AllocationPatch,
    actor_id: int | None,
    events: EventBus,
    jobs: JobQueue,
    reporting_currency: str,
) -> AllocationOut:
    async with atomic():
        allocation = await _lot_of(client_id=client_id, allocation_id=allocation_id)
        before = _snapshot(allocation)
        allocation.update_from_dict(data.model_dump(exclude_unset=True))
        trail = audit.diff(before, _snapshot(allocation))
        if trail:
            await allocation.save()
            days = [before["buy_date"], allocation.buy_date]
            await _lots_changed(events, days=days, currency=reporting_currency)
            if allocation.buy_date < before["buy_date"]:
                await pricing.ensure_history_from(
                    jobs=jobs, asset_id=allocation.asset_id, start=allocation.buy_date
                )
            await audit.record(
                actor_id=actor_id,
                action=audit.Action.UPDATE,
                entity=ENTITY,
                entity_id=allocation.id,
                changes=trail,
            )
        return await _out(allocation.id)  # under the row lock, as in create_allocation


async def delete_allocation(
    *,
    client_id: int,
    allocation_id: int,
    actor_id: int | None,
    events: EventBus,
    reporting_currency: str,
) -> None:
    async with atomic():
        allocation = await _lot_of(client_id=client_id, allocation_id=allocation_id)
        await audit.record(
            actor_id=actor_id,
            action=audit.Action.DELETE,
            entity=ENTITY,
            entity_id=allocation.id,
            changes=_snapshot(allocation),
        )
        await allocation.delete()
        await _lots_changed(events, days=[allocation.buy_date], currency=reporting_currency)


async def has_allocations(*, client_id: int) -> bool:
    return await Allocation.exists(client_id=client_id)


_POSITIONS_SQL = """
    SELECT a.asset_id, s.ticker, s.name, s.currency, s.asset_type,
           COUNT(*) AS lots,
           SUM(a.quantity) AS quantity,
           SUM(a.quantity * a.buy_price) AS cost
    FROM allocations a
    JOIN assets s ON s.id = a.asset_id
    WHERE a.client_id = $1
    GROUP BY a.asset_id, s.ticker, s.name, s.currency, s.asset_type
    ORDER BY s.ticker
"""


async def client_positions(*, client_id: int, market: MarketData) -> PositionsOut:
    """Per asset: total quantity, weighted average cost and cost basis (exact NUMERIC sums),
    marked to market with one batched quote lookup."""
    await clients.ensure_client_exists(client_id=client_id)
    rows = await db().execute_query_dict(_POSITIONS_SQL, [client_id])
    positions = [
        PositionOut(
            **row,
            average_cost=(row["cost"] / row["quantity"]).quantize(EIGHT_PLACES, ROUND_HALF_EVEN),
        )
        for row in rows
    ]
    batch = await market.quotes(
        [p.ticker for p in positions], wait_seconds=market.settings.valuation_timeout_seconds
    )
    valued, totals = value_positions(positions, batch.quotes)
    return PositionsOut(
        client_id=client_id,
        positions=valued,
        totals=totals,
        prices_unavailable=bool(batch.errors),
    )
