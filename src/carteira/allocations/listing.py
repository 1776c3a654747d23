"""The client list with each client's figures: its AUM (positions at market plus cash) and
the month's return, in one request, sortable by either across every page.

It lives here, above `clients`, and composes that module's listing (its filters, its scope,
its pages) with this module's valuation and performance: `clients` never reaches up for a
figure. Without figures, the list is `clients`' own (its kept pages: the API's hottest read).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar, cast

from carteira.allocations import holdings, performance
from carteira.allocations.exceptions import TooManyToRankError
from carteira.allocations.schemas import ClientFiguresPage, ClientListed, ClientListQuery
from carteira.clients import service as clients
from carteira.clients.exceptions import ClientNotFoundError
from carteira.clients.schemas import ClientOut, ClientPage, ClientSort
from carteira.clients.service import ClientScope
from carteira.core.events import EventBus
from carteira.core.jobs import JobQueue
from carteira.pricing.service import MarketData

# Performance walks at once for a month-return sort (each reads a ledger and its closes).
WALKS_AT_ONCE = 4
# A month-return sort walks every matching client's ledger: at most as many as the walks kept
# per process (performance's snapshots), so that a second look reads them, not the ledgers.
MAX_RANKED_BY_RETURN = 500
FIGURE_SORTS = ("aum", "month_return")
Figure = TypeVar("Figure", Decimal, float)


async def list_clients_json(
    *,
    query: ClientListQuery,
    scope: ClientScope,
    market: MarketData,
    events: EventBus,
    jobs: JobQueue,
) -> str:
    """A page of the clients the scope may see, as JSON; with their figures when asked for
    them or sorted by them (a figure sort ranks every matching client, then pages)."""
    if query.sort.lstrip("-") in FIGURE_SORTS:
        page = await _ranked_page(query, scope=scope, market=market, events=events, jobs=jobs)
    else:
        text = await clients.list_clients_json(
            search=query.search,
            status=query.status,
            sort=cast(ClientSort, query.sort),
            params=query.paging,
            events=events,
            scope=scope,
            advisor_id=query.advisor_id,
        )
        if not query.figures:
            return text
        listed = ClientPage.model_validate_json(text)
        page = _Page(listed.items, total=listed.total)
    ids = [client.id for client in page.shown]
    aum = page.aum
    if aum is None:
        aum = await holdings.client_values(client_ids=ids, market=market, events=events)
    month = page.month
    if month is None:
        month = await _month_returns(ids, market=market, events=events, jobs=jobs)
    return ClientFiguresPage.build(
        [
            ClientListed(**c.model_dump(), aum=aum.get(c.id), month_return_pct=month.get(c.id))
            for c in page.shown
        ],
        total=page.total,
        params=query.paging,
        currency=market.settings.reporting_currency,
    ).model_dump_json()


@dataclass(frozen=True)
class _Page:
    """The clients a page shows, of how many, with the figures already known of them."""

    shown: list[ClientOut]
    total: int
    aum: Mapping[int, Decimal | None] | None = None
    month: Mapping[int, float | None] | None = None


async def _ranked_page(
    query: ClientListQuery,
    *,
    scope: ClientScope,
    market: MarketData,
    events: EventBus,
    jobs: JobQueue,
) -> _Page:
    """The page of the clients ranked by a figure: every matching client's figure, then the
    clients of the page."""
    matching = await clients.matching_client_ids(
        search=query.search, status=query.status, scope=scope, advisor_id=query.advisor_id
    )
    descending = query.sort.startswith("-")
    aum: Mapping[int, Decimal | None] | None = None
    month: Mapping[int, float | None] | None = None
    if query.sort.lstrip("-") == "aum":
        aum = await holdings.client_values(client_ids=matching, market=market, events=events)
        ranked = ranked_by(matching, aum, descending=descending)
    else:
        if len(matching) > MAX_RANKED_BY_RETURN:
            raise TooManyToRankError(
                f"Sorting by the month's return covers at most {MAX_RANKED_BY_RETURN}"
                f" clients and {len(matching)} match; narrow the list (search, status or"
                " advisor_id).",
                fields={"limit": str(MAX_RANKED_BY_RETURN), "matching": str(len(matching))},
            )
        month = await _month_returns(matching, market=market, events=events, jobs=jobs)
        ranked = ranked_by(matching, month, descending=descending)
    offset = query.paging.offset
    shown = await clients.listed_clients(client_ids=ranked[offset : offset + query.paging.limit])
    return _Page(shown, total=len(matching), aum=aum, month=month)


def ranked_by(
    ids: Sequence[int], figure: Mapping[int, Figure | None], *, descending: bool
) -> list[int]:
    """`ids` (in name order) by their figure, clients without one last; ties keep name order."""
    known = {i: value for i in ids if (value := figure.get(i)) is not None}
    ordered = sorted(known, key=known.__getitem__, reverse=descending)  # stable
    return ordered + [i for i in ids if i not in known]


async def _month_returns(
    client_ids: Sequence[int], *, market: MarketData, events: EventBus, jobs: JobQueue
) -> dict[int, float | None]:
    """Each client's return in the month, as its performance answers it (kept per client until
    its ledger or the stored market data change): a few walks at a time."""
    gate = asyncio.Semaphore(WALKS_AT_ONCE)

    async def month_of(client_id: int) -> float | None:
        async with gate:
            try:
                answer = await performance.client_performance(
                    client_id=client_id,
                    start=None,
                    end=None,
                    currency=None,
                    market=market,
                    events=events,
                    jobs=jobs,
                )
            except ClientNotFoundError:  # deleted meanwhile: no figure, not a failed list
                return None
        return answer.periods.get("month")

    found = await asyncio.gather(*(month_of(i) for i in client_ids))
    return dict(zip(client_ids, found, strict=True))
