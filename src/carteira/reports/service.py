"""Net new money (captação líquida) and the rows behind the firm-wide exports. The figures
come from the ledger's owner (`allocations.service`); this module only groups and names them."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

from carteira.allocations import service as allocations
from carteira.assets import service as assets
from carteira.auth import service as auth
from carteira.clients import service as clients
from carteira.clients.service import EVERY_CLIENT, ClientScope
from carteira.core import clock
from carteira.core.events import Event, EventBus, LocalCache
from carteira.core.money import plain
from carteira.pricing import service as pricing
from carteira.pricing.service import MarketData
from carteira.reports.captacao import KeptInflows, labels_and_advisors
from carteira.reports.exceptions import InvalidPeriodError
from carteira.reports.schemas import (
    AumByAdvisor,
    AumByAssetType,
    AumByClass,
    AumByCurrency,
    AumOut,
    StalePriceOut,
)

MAX_PERIOD_DAYS = 5 * 366
EXPORT_BATCH = 500


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


INFLOWS = "reports.inflows"
KEPT_PERIOD_DAYS = 92


def _cache_key(
    start: date, end: date, currency: str | None, reporting: str, scope: ClientScope
) -> str:
    return f"{start.isoformat()}|{end.isoformat()}|{currency}|{reporting}|{scope.advisor_id}"


def _follow_write(_: str, kept: KeptInflows, event: Event) -> bool:
    """A ledger write that moved a flow in the answer's period marks its client as changed."""
    first, last = kept.start.isoformat(), kept.end.isoformat()
    if any(first <= day <= last for day in event.get("days", ())):
        if not isinstance(client_id := event.get("client_id"), int):
            return False
        kept.changed(client_id)
    return True


def _follow_client(_: str, kept: KeptInflows, event: Event) -> bool:
    """A renamed or reassigned client is read again; an advisor's book is started again (the
    client may have joined or left it)."""
    if kept.visible is not None or not isinstance(client_id := event.get("client_id"), int):
        return False
    kept.relabeled(client_id)
    return True


def _cache(events: EventBus) -> LocalCache:
    return events.cache(
        INFLOWS,
        cleared_by=(auth.AUTH_CHANGED, pricing.MARKET_DATA_STORED),
        updated_by={
            allocations.LEDGER_CHANGED: _follow_write,
            clients.CLIENT_CHANGED: _follow_client,
        },
        max_entries=256,
    )


async def _kept(
    *,
    start: date,
    end: date,
    currency: str | None,
    reporting: str,
    events: EventBus,
    scope: ClientScope,
) -> KeptInflows:
    """The period's captação, kept in the process and brought up to date by each ledger write
    and client edit (stored exchange rates or an advisor's new email start it again). Only
    periods up to a quarter are kept: a kept answer holds every client's flows by day, and a
    few long ranges asked once would otherwise hold years of them."""
    cache = _cache(events)
    key = _cache_key(start, end, currency, reporting, scope)
    generation = cache.generation
    if (hit := cache.get(key)) is not None:
        return hit  # type: ignore[no-any-return]
    kept = KeptInflows(
        start=start,
        end=end,
        currency=currency,
        reporting=reporting,
        visible=await clients.visible_client_ids(scope=scope),
    )
    if (end - start).days < KEPT_PERIOD_DAYS:
        cache.set(key, kept, generation=generation)
    return kept


async def inflows_json(
    *,
    start: date,
    end: date,
    currency: str | None,
    reporting: str,
    events: EventBus,
    scope: ClientScope = EVERY_CLIENT,
    top_clients: int | None = None,
) -> str:
    """Captação in [start, end] of the clients in `scope`, as JSON: consolidated in
    `reporting` (foreign flows at their date's rate), or only the flows in `currency`,
    unconverted; `top_clients`: only that many clients, the largest net first."""
    kept = await _kept(
        start=start, end=end, currency=currency, reporting=reporting, events=events, scope=scope
    )
    return await kept.render(top_clients=top_clients)


async def warm_up(*, reporting: str, events: EventBus) -> None:
    """The month's captação of the whole firm, loaded and rendered: what a fresh process's
    first `GET /reports/inflows` and dashboards would otherwise wait for (every client's flows
    of the month)."""
    year, month = clock.current_month()
    await month_inflows_json(year=year, month=month, reporting=reporting, events=events)


async def month_inflows_json(
    *,
    year: int,
    month: int,
    reporting: str,
    events: EventBus,
    scope: ClientScope = EVERY_CLIENT,
    top_clients: int | None = None,
) -> str:
    """The month's captação, consolidated, as JSON (what /ws/inflows shows; a dashboard's
    card takes only its top clients)."""
    start, end = period(year=year, month=month, start=None, end=None)
    return await inflows_json(
        start=start,
        end=end,
        currency=None,
        reporting=reporting,
        events=events,
        scope=scope,
        top_clients=top_clients,
    )


async def aum(*, market: MarketData, scope: ClientScope = EVERY_CLIENT) -> AumOut:
    """The scope's assets under management, with a row per advisor."""
    visible = await clients.visible_client_ids(scope=scope)
    figures = await allocations.aum(market=market, client_ids=visible)
    return AumOut(
        currency=figures.reporting,
        value=figures.value,
        market_value=figures.market_value,
        cash=figures.cash,
        clients=figures.clients,
        by_asset_type=[
            AumByAssetType(asset_type=kind, value=value)
            for kind, value in sorted(
                figures.by_type.items(), key=lambda i: (i[0] is None, i[0] or "")
            )
        ],
        by_class=[
            AumByClass(asset_class=asset_class, value=value)
            for asset_class, value in figures.by_class.items()
        ],
        by_currency=[
            AumByCurrency(currency=code, market_value=market, cash=cash, rate=rate)
            for code, (market, cash, rate) in figures.by_currency.items()
        ],
        by_advisor=await _aum_by_advisor(market=market, visible=visible),
        prices_stale=[
            StalePriceOut(name=p.name, price=p.price, as_of=p.as_of) for p in figures.prices_stale
        ],
        fx_stale=[
            StalePriceOut(name=p.name, price=p.price, as_of=p.as_of) for p in figures.fx_stale
        ],
        prices_missing=figures.prices_missing,
        fx_missing=figures.fx_missing,
    )


async def _aum_by_advisor(*, market: MarketData, visible: list[int] | None) -> list[AumByAdvisor]:
    held = await allocations.clients_holding(client_ids=visible)
    labels, emails = await labels_and_advisors(held)
    books: dict[int, list[int]] = defaultdict(list)
    for client_id in held:
        label = labels.get(client_id)
        books[(label.advisor_id if label else None) or 0].append(client_id)
    rows = []
    for advisor, client_ids in sorted(books.items()):
        figures = await allocations.aum(market=market, client_ids=client_ids)
        rows.append(
            AumByAdvisor(
                advisor_id=advisor or None,
                advisor=emails.get(advisor),
                value=figures.value,
                clients=figures.clients,
            )
        )
    return rows


# ---- export rows ---------------------------------------------------------------------------


async def inflow_entry_rows(
    *,
    start: date,
    end: date,
    currency: str | None,
    reporting: str,
    idle_seconds: float,
    scope: ClientScope = EVERY_CLIENT,
) -> AsyncIterator[tuple[Any, ...]]:
    """The entries behind `inflows(start, end, currency)`: exactly what that answer sums (the
    last columns: the rate used and the net in the report's currency)."""
    visible = await clients.visible_client_ids(scope=scope)
    window = (
        await pricing.fx_window(
            currencies=await allocations.flow_currencies(start=start, end=end, client_ids=visible),
            reporting=reporting,
            first=start,
            last=end,
        )
        if currency is None
        else None
    )
    batch: list[tuple[Any, ...]] = []
    async for record in allocations.flow_entries(
        start=start, end=end, currency=currency, idle_seconds=idle_seconds, client_ids=visible
    ):
        batch.append(record)
        if len(batch) >= EXPORT_BATCH:
            for row in await _named_entries(batch, window):
                yield row
            batch = []
    for row in await _named_entries(batch, window):
        yield row


async def _named_entries(
    batch: list[tuple[Any, ...]], window: pricing.FxWindow | None
) -> list[tuple[Any, ...]]:
    names = await clients.client_names(client_ids=(r[1] for r in batch))
    infos = await assets.describe(asset_ids=(r[3] for r in batch if r[3] is not None))
    rows = []
    for day, client_id, kind, asset_id, currency, inflow, outflow in batch:
        net = inflow - outflow
        rate = window.rate(currency, day) if window is not None else Decimal(1)
        rows.append(
            (
                day,
                client_id,
                names.get(client_id, ""),
                kind,
                infos[asset_id].ticker if asset_id in infos else None,
                currency,
                plain(inflow),
                plain(outflow),
                plain(net),
                rate,
                window.convert(net, currency, day) if window is not None else plain(net),
            )
        )
    return rows


async def client_report_rows(
    *, market: MarketData, idle_seconds: float, scope: ClientScope = EVERY_CLIENT
) -> AsyncIterator[tuple[Any, ...]]:
    """One row per client of the scope and currency held: status, positions, cost and market
    value (a client holding nothing has one row with empty figures)."""
    batch: list[tuple[Any, ...]] = []
    async for client in clients.client_rows(idle_seconds=idle_seconds, scope=scope):
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
    for client_id, name, email, status, _advisor in batch:
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
