"""Captação of a period kept in memory and brought up to date client by client.

A write moves the flows of one client. Rebuilding a month of two thousand clients for it (one
query over every flow, two thousand rows rendered, the whole answer serialized) cost tens of
milliseconds of the event loop per write. A kept answer instead marks the written client as
changed; the next read queries only that client's flows, takes its old figures out of each
total and adds the new ones, renders its one row again, and re-sorts the rows it keeps
rendered.
"""

from __future__ import annotations

import asyncio
import bisect
import calendar
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from carteira.allocations import service as allocations
from carteira.allocations.service import FlowRow
from carteira.auth import service as auth
from carteira.clients import service as clients
from carteira.core.loop import in_turns
from carteira.core.money import ZERO, plain
from carteira.pricing import service as pricing
from carteira.reports.schemas import (
    FxMissing,
    InflowsByAdvisor,
    InflowsByClient,
    InflowsByCurrency,
    InflowsByDay,
    InflowsOut,
)

NO_ADVISOR = 0
# Clients figured per turn of the event loop. A month of 2,000 clients takes ~70 ms of CPU to
# load; in one go, every request in flight waited for it each time the kept answer expired.
CLIENTS_PER_TURN = 200


@dataclass(slots=True)
class Sums:
    """Running totals of a group of flows in the report's currency (None once a flow has no
    rate for its date)."""

    inflows: Decimal | None = ZERO
    outflows: Decimal | None = ZERO
    count: int = 0

    def add_flow(
        self, entries: int, inflow: Decimal | None, outflow: Decimal | None, sign: int = 1
    ) -> None:
        self.count += sign * entries
        self.inflows = _plus(self.inflows, inflow, sign)
        self.outflows = _plus(self.outflows, outflow, sign)

    def add(self, other: Sums, sign: int = 1) -> None:
        self.add_flow(other.count, other.inflows, other.outflows, sign)

    @property
    def exact(self) -> bool:
        return self.inflows is not None and self.outflows is not None

    @property
    def net(self) -> Decimal | None:
        if self.inflows is None or self.outflows is None:
            return None
        return plain(self.inflows - self.outflows)

    def figures(self) -> dict[str, Any]:
        net = self.net
        return {
            "inflows": plain(self.inflows) if self.inflows is not None else None,
            "outflows": plain(self.outflows) if self.outflows is not None else None,
            "net": net,
            "total": net,
            "count": self.count,
        }


def _plus(total: Decimal | None, amount: Decimal | None, sign: int) -> Decimal | None:
    if total is None or amount is None:
        return None
    return total + amount if sign > 0 else total - amount


@dataclass(slots=True)
class _ClientFlows:
    """What one client's flows add to each group of the answer."""

    advisor: int
    sums: Sums = field(default_factory=Sums)  # the flows the answer counts, converted
    by_day: dict[date, Sums] = field(default_factory=lambda: defaultdict(Sums))
    by_currency: dict[str, Sums] = field(default_factory=lambda: defaultdict(Sums))  # raw
    missing: set[tuple[str, date]] = field(default_factory=set)  # days without a rate
    row: str | None = None  # the client's `by_client` entry as JSON; None: nothing counted
    rank: tuple[Decimal, int] | None = None  # its place in `by_client`: the largest net first


class KeptInflows:
    """The captação of `[start, end]` for the clients in `visible` (None: every client), in
    `currency` unconverted or consolidated in `reporting`; `changed(client_id)` marks a
    client whose flows moved, and `render` brings those clients up to date first."""

    def __init__(
        self,
        *,
        start: date,
        end: date,
        currency: str | None,
        reporting: str,
        visible: Collection[int] | None,
    ) -> None:
        self.start, self.end = start, end
        self.currency, self.reporting = currency, reporting
        self.visible = None if visible is None else frozenset(visible)
        self._window: pricing.FxWindow | None = None
        self._window_currencies: frozenset[str] = frozenset()
        self._clients: dict[int, _ClientFlows] = {}
        self._labels: dict[int, clients.ClientLabel] = {}
        self._emails: dict[int, str] = {}
        self._overall = Sums()
        self._by_day: defaultdict[date, Sums] = defaultdict(Sums)
        self._by_advisor: defaultdict[int, Sums] = defaultdict(Sums)
        self._by_currency: defaultdict[str, Sums] = defaultdict(Sums)
        self._ranking: list[tuple[Decimal, int]] = []  # the counted clients' ranks, in order
        self._changed: set[int] = set()
        self._texts: dict[int | None, str] = {}  # rendered answers by their top-N cut
        self._lock = asyncio.Lock()  # one reader loads or catches up; the others wait for it
        self._loaded = False

    # -- keeping up ----------------------------------------------------------------------

    def changed(self, client_id: int) -> None:
        if self.visible is None or client_id in self.visible:
            self._changed.add(client_id)
            self._texts.clear()

    def relabeled(self, client_id: int) -> None:
        """The client's name or advisor may have changed (or the client is gone)."""
        self._labels.pop(client_id, None)
        self.changed(client_id)

    async def _load(self) -> None:
        """Every flow of the period, from the database."""
        rows = await allocations.flows(start=self.start, end=self.end, client_ids=self.visible)
        await self._load_window({row.currency for row in rows})
        self._clients = {}
        self._labels, self._emails = {}, {}
        await self._take(_by_client(rows))
        self._ranking = sorted(f.rank for f in self._clients.values() if f.rank is not None)
        self._sum_every_client()

    async def render(self, *, top_clients: int | None = None) -> str:
        """The answer as JSON (`top_clients`: only that many clients, the largest net first),
        after bringing the changed clients up to date."""
        async with self._lock:
            try:
                if not self._loaded:
                    await self._load()
                    self._loaded = True
                elif self._changed:
                    await self._catch_up()
            except BaseException:  # the database failed or the reader left half-way through
                self._loaded = False  # its figures may be half moved: start again next time
                raise
            if (text := self._texts.get(top_clients)) is None:
                text = self._texts[top_clients] = self._render(top_clients)
            return text

    async def _catch_up(self) -> None:
        changed, self._changed = self._changed, set()
        self._texts.clear()  # a text rendered while this catch-up awaited the database
        rows = await allocations.flows(start=self.start, end=self.end, client_ids=changed)
        if self.currency is None and not {row.currency for row in rows} <= (
            self._window_currencies | {self.reporting}
        ):
            await self._load()  # a currency the kept rates do not cover: start again
            return
        old = [self._clients.pop(client_id) for client_id in changed if client_id in self._clients]
        grouped = _by_client(rows)
        await self._take(grouped)
        new = [self._clients[client_id] for client_id in grouped]
        for flows in old:
            if flows.rank is not None:
                del self._ranking[bisect.bisect_left(self._ranking, flows.rank)]
        for flows in new:
            if flows.rank is not None:
                bisect.insort(self._ranking, flows.rank)
        if all(flows.sums.exact for flows in (*old, *new)) and self._overall.exact:
            for flows in old:
                self._count(flows, sign=-1)
            for flows in new:
                self._count(flows, sign=1)
            _drop_empty(self._by_day, self._by_advisor, self._by_currency)
        else:  # a total without a rate cannot take a figure back out: sum again
            self._sum_every_client()

    async def _load_window(self, currencies: set[str]) -> None:
        if self.currency is None:
            self._window = await pricing.fx_window(
                currencies=currencies, reporting=self.reporting, first=self.start, last=self.end
            )
            self._window_currencies = frozenset(currencies)

    async def _take(self, grouped: dict[int, list[FlowRow]]) -> None:
        """Each client's figures from their rows (names and advisors read for new clients)."""
        if unknown := grouped.keys() - self._labels.keys():
            labels, emails = await labels_and_advisors(unknown)
            self._labels.update(labels)
            self._emails.update(emails)
        async for client_id, client_rows in in_turns(grouped.items(), per_turn=CLIENTS_PER_TURN):
            self._clients[client_id] = self._client_flows(client_id, client_rows)

    def _client_flows(self, client_id: int, rows: list[FlowRow]) -> _ClientFlows:
        label = self._labels.get(client_id)
        flows = _ClientFlows(advisor=(label.advisor_id if label else None) or NO_ADVISOR)
        for row in rows:
            flows.by_currency[row.currency].add_flow(row.entries, row.inflow, row.outflow)
            if self.currency is not None and row.currency != self.currency:
                continue
            inflow, outflow = self._converted(row)
            if inflow is None:
                flows.missing.add((row.currency, row.date))
            flows.sums.add_flow(row.entries, inflow, outflow)
            flows.by_day[row.date].add_flow(row.entries, inflow, outflow)
        if flows.sums.count:
            flows.rank = (-(flows.sums.net or ZERO), client_id)
            flows.row = InflowsByClient.model_construct(
                client_id=client_id, name=label.name if label else "", **flows.sums.figures()
            ).model_dump_json()
        return flows

    def _converted(self, row: FlowRow) -> tuple[Decimal | None, Decimal | None]:
        if self._window is None:
            return row.inflow, row.outflow
        return (
            self._window.convert(row.inflow, row.currency, row.date),
            self._window.convert(row.outflow, row.currency, row.date),
        )

    def _sum_every_client(self) -> None:
        self._overall = Sums()
        self._by_day, self._by_advisor = defaultdict(Sums), defaultdict(Sums)
        self._by_currency = defaultdict(Sums)
        for flows in self._clients.values():
            self._count(flows, sign=1)

    def _count(self, flows: _ClientFlows, *, sign: int) -> None:
        if flows.sums.count:
            self._overall.add(flows.sums, sign)
            self._by_advisor[flows.advisor].add(flows.sums, sign)
        for day, sums in flows.by_day.items():
            self._by_day[day].add(sums, sign)
        for code, sums in flows.by_currency.items():
            self._by_currency[code].add(sums, sign)

    # -- rendering -----------------------------------------------------------------------

    def _render(self, top_clients: int | None) -> str:
        ranking = self._ranking if top_clients is None else self._ranking[:top_clients]
        rows = [self._clients[client_id].row or "" for _, client_id in ranking]
        missing: dict[str, set[date]] = defaultdict(set)
        for flows in self._clients.values():
            for code, day in flows.missing:
                missing[code].add(day)
        whole_month = self.start.day == 1 and self.end == date(
            self.start.year,
            self.start.month,
            calendar.monthrange(self.start.year, self.start.month)[1],
        )
        # The other figures are few; the client rows are already JSON and are spliced in.
        head = InflowsOut(
            start=self.start,
            end=self.end,
            year=self.start.year if whole_month else None,
            month=self.start.month if whole_month else None,
            currency=self.currency or self.reporting,
            consolidated=self.currency is None,
            by_client=[],
            by_day=[
                InflowsByDay(date=day, **sums.figures())
                for day, sums in sorted(self._by_day.items())
            ],
            by_advisor=[
                InflowsByAdvisor(
                    advisor_id=advisor or None, advisor=self._emails.get(advisor), **sums.figures()
                )
                for advisor, sums in sorted(self._by_advisor.items())
            ],
            by_currency=[
                InflowsByCurrency(currency=code, **sums.figures())
                for code, sums in sorted(self._by_currency.items())
            ],
            fx_missing=[FxMissing(currency=c, dates=sorted(d)) for c, d in sorted(missing.items())],
            **self._overall.figures(),
        ).model_dump_json()
        return head.replace('"by_client":[]', '"by_client":[' + ",".join(rows) + "]", 1)


async def labels_and_advisors(
    client_ids: Iterable[int],
) -> tuple[dict[int, clients.ClientLabel], dict[int, str]]:
    """Each client's name and advisor (one query), and the advisors' emails."""
    labels = await clients.labels(client_ids=client_ids)
    emails = await auth.user_emails(
        user_ids={label.advisor_id for label in labels.values() if label.advisor_id is not None}
    )
    return labels, emails


def _by_client(rows: Iterable[FlowRow]) -> dict[int, list[FlowRow]]:
    grouped: dict[int, list[FlowRow]] = defaultdict(list)
    for row in rows:
        grouped[row.client_id].append(row)
    return grouped


def _drop_empty(*groupings: dict[Any, Sums]) -> None:
    """A group whose last flow was taken out is no longer part of the answer."""
    for groups in groupings:
        for key in [key for key, sums in groups.items() if sums.count == 0]:
            del groups[key]
