"""Net new money (captação líquida) and the rows behind the firm-wide exports. The figures
come from the ledger's owner (`allocations.service`); this module only groups and names them."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Hashable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from carteira.allocations import service as allocations
from carteira.allocations.service import FlowRow
from carteira.assets import service as assets
from carteira.clients import service as clients
from carteira.core import clock
from carteira.core.money import plain
from carteira.pricing.service import MarketData
from carteira.reports.exceptions import InvalidPeriodError
from carteira.reports.schemas import InflowsByClient, InflowsByCurrency, InflowsByDay, InflowsOut

MAX_PERIOD_DAYS = 5 * 366
EXPORT_BATCH = 500
K = TypeVar("K", bound=Hashable)


def period(
    *, year: int | None, month: int | None, start: date | None, end: date | None
) -> tuple[date, date]:
    """The inclusive period asked for: a month, a range, or (neither) the firm's current
    month."""
    if (year is not None or month is not None) and (start is not None or end is not None):
        raise InvalidPeriodError()
    if start is not None or end is not None:
        if start is None or end is None or start > end or (end - start).days > MAX_PERIOD_DAYS:
            raise InvalidPeriodError()
        return start, end
    this_year, this_month = clock.current_month()
    year, month = year or this_year, month or this_month
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _figures(rows: Iterable[FlowRow]) -> dict[str, Any]:
    inflows = outflows = Decimal(0)
    count = 0
    for row in rows:
        inflows += row.inflow
        outflows += row.outflow
        count += row.entries
    net = plain(inflows - outflows)
    return {
        "inflows": plain(inflows),
        "outflows": plain(outflows),
        "net": net,
        "total": net,
        "count": count,
    }


def _grouped(rows: Iterable[FlowRow], key: Callable[[FlowRow], K]) -> dict[K, list[FlowRow]]:
    groups: dict[K, list[FlowRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


async def inflows(*, start: date, end: date, currency: str) -> InflowsOut:
    every = await allocations.flows(start=start, end=end)
    rows = [row for row in every if row.currency == currency]
    by_client = _grouped(rows, lambda r: r.client_id)
    names = await clients.client_names(client_ids=by_client)
    clients_out = sorted(
        (
            InflowsByClient(client_id=client_id, name=names.get(client_id, ""), **_figures(group))
            for client_id, group in by_client.items()
        ),
        key=lambda c: (-c.net, c.client_id),
    )
    whole_month = start.day == 1 and end == date(
        start.year, start.month, calendar.monthrange(start.year, start.month)[1]
    )
    return InflowsOut(
        start=start,
        end=end,
        year=start.year if whole_month else None,
        month=start.month if whole_month else None,
        currency=currency,
        by_client=clients_out,
        by_day=[
            InflowsByDay(date=day, **_figures(group))
            for day, group in sorted(_grouped(rows, lambda r: r.date).items())
        ],
        by_currency=[
            InflowsByCurrency(currency=code, **_figures(group))
            for code, group in sorted(_grouped(every, lambda r: r.currency).items())
        ],
        **_figures(rows),
    )


async def month_inflows(*, year: int, month: int, currency: str) -> InflowsOut:
    start, end = period(year=year, month=month, start=None, end=None)
    return await inflows(start=start, end=end, currency=currency)


# ---- export rows ---------------------------------------------------------------------------


async def inflow_entry_rows(
    *, start: date, end: date, currency: str, idle_seconds: float
) -> AsyncIterator[tuple[Any, ...]]:
    """The entries behind `inflows(start, end, currency)`: exactly what that answer sums."""
    batch: list[tuple[Any, ...]] = []
    async for record in allocations.flow_entries(
        start=start, end=end, currency=currency, idle_seconds=idle_seconds
    ):
        batch.append(record)
        if len(batch) >= EXPORT_BATCH:
            for row in await _named_entries(batch):
                yield row
            batch = []
    for row in await _named_entries(batch):
        yield row


async def _named_entries(batch: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    names = await clients.client_names(client_ids=(r[1] for r in batch))
    infos = await assets.describe(asset_ids=(r[3] for r in batch if r[3] is not None))
    return [
        (
            day,
            client_id,
            names.get(client_id, ""),
            kind,
            infos[asset_id].ticker if asset_id in infos else None,
            currency,
            plain(inflow),
            plain(outflow),
            plain(inflow - outflow),
        )
        for day, client_id, kind, asset_id, currency, inflow, outflow in batch
    ]


async def client_report_rows(
    *, market: MarketData, idle_seconds: float
) -> AsyncIterator[tuple[Any, ...]]:
    """One row per client and currency held: status, positions, cost and market value (a
    client holding nothing has one row with empty figures)."""
    batch: list[tuple[Any, ...]] = []
    async for client in clients.client_rows(idle_seconds=idle_seconds):
        batch.append(client)
        if len(batch) >= EXPORT_BATCH:
            for row in await _client_rows(batch, market):
                yield row
            batch = []
    for row in await _client_rows(batch, market):
        yield row


async def _client_rows(batch: list[tuple[Any, ...]], market: MarketData) -> list[tuple[Any, ...]]:
    if not batch:
        return []
    summary = await allocations.holdings_summary(client_ids=[c[0] for c in batch], market=market)
    rows: list[tuple[Any, ...]] = []
    for client_id, name, email, status in batch:
        held = summary.get(client_id)
        if not held:
            rows.append((client_id, name, email, status, "", 0, None, None))
        for line in held or ():
            rows.append(
                (
                    client_id,
                    name,
                    email,
                    status,
                    line.currency,
                    line.positions,
                    line.cost,
                    line.market_value,
                )
            )
    return rows
