"""Realtime streams: one hub per API process fans the cluster's events out to its sockets.

The worker's tick producer publishes one `prices.tick` event per tick; ledger writes publish
`ledger.changed` with their flows' deltas. Both arrive through the process's single event-bus
subscription (so any number of API replicas serve sockets), and the hub puts each message,
serialized once, on the queue of every socket interested in it: one queue item per tick (a
dashboard's one frame, shared by the dashboards of the same book; a /ws/prices socket's price
messages), so the bound is a number of ticks behind. Each socket has its own bounded queue
and sender task: a client that cannot keep up is disconnected, never allowed to delay the
others.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from redis.asyncio import Redis

from carteira.allocations import service as allocations
from carteira.assets import service as assets
from carteira.auth import service as auth
from carteira.auth.service import AUTH_CHANGED, Principal, SessionStore
from carteira.clients import service as clients
from carteira.clients.service import ClientScope
from carteira.core import clock
from carteira.core.errors import DATABASE_DOWN_ERRORS, REDIS_DOWN_ERRORS
from carteira.core.events import Event, EventBus, channel_for
from carteira.core.loop import in_turns
from carteira.core.metrics import WEBSOCKETS
from carteira.pricing.schemas import Quote
from carteira.pricing.service import MarketData
from carteira.realtime.exceptions import GOING_AWAY, NOT_AUTHENTICATED, TOO_SLOW
from carteira.realtime.schemas import MAX_TICKERS, ClientAction, PriceMessage
from carteira.reports import service as reports

logger = logging.getLogger(__name__)

TICK = "prices.tick"
PING_SECONDS = 30.0
QUEUE_SIZE = 16  # ticks (or other updates) a socket may fall behind before it is dropped
# Writes arriving within this window share one captação frame (a busy office writes several
# times a second; each frame is the month's report).
INFLOWS_COALESCE_SECONDS = 1.0
DASHBOARD_TOP_CLIENTS = 10
FAN_OUT_SLICE = 100  # sockets served between two yields to the event loop during a tick


def subscriptions_key(redis: Redis) -> str:
    return channel_for(redis, "subscribed-tickers")


class Stream(StrEnum):
    PRICES = "prices"
    DASHBOARD = "dashboard"
    INFLOWS = "inflows"


@dataclass(eq=False)
class Connection:
    socket: WebSocket
    stream: Stream
    principal: Principal
    queue: asyncio.Queue[list[str]]
    tickers: set[str] = field(default_factory=set)
    month: tuple[int, int] | None = None
    closing: bool = False

    @property
    def scope(self) -> ClientScope:
        """Whose clients this socket's figures and held tickers may come from."""
        return ClientScope(advisor_id=self.principal.advisor_id)


def price_message(quote: Quote) -> str:
    return PriceMessage(
        ticker=quote.ticker,
        price=quote.price,
        change_pct=quote.change_pct,
        currency=quote.currency,
        as_of=quote.as_of,
        source=quote.source,
        stale=quote.stale,
    ).model_dump_json()


def prices_frame(messages: Iterable[str]) -> str:
    """A dashboard's tick: its tickers' price messages in one frame ("" when none)."""
    joined = ",".join(messages)
    return f'{{"type":"prices","prices":[{joined}]}}' if joined else ""


def _error(detail: str, **context: str) -> str:
    return json.dumps({"type": "error", "detail": detail, **context})


_PING = json.dumps({"type": "ping"})


class Hub:
    def __init__(
        self,
        *,
        bus: EventBus,
        market: MarketData,
        sessions: SessionStore,
        reporting_currency: str,
        tick_seconds: int,
        max_per_user: int,
        queue_size: int = QUEUE_SIZE,
        ping_seconds: float = PING_SECONDS,
    ) -> None:
        self.bus = bus
        self.market = market
        self.sessions = sessions
        self.max_per_user = max_per_user
        self.reporting_currency = reporting_currency
        self.tick_seconds = tick_seconds
        self.queue_size = queue_size
        self.ping_seconds = ping_seconds
        self.connections: set[Connection] = set()
        self.held: set[str] = set()  # every ticker held (the tick's), for whole-firm scopes
        self._held_in: dict[ClientScope, set[str]] = {}  # an advisor's book: its tickers
        self._held_current = False  # `held` is the last tick's, and no write came after it
        self._firm_held: asyncio.Task[set[str]] | None = None  # the query before that
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._months_due: set[tuple[int, int]] = set()
        self._held_due = False
        self._refresher: asyncio.Task[None] | None = None
        bus.subscribe(TICK, self._on_tick)
        bus.subscribe(allocations.LEDGER_CHANGED, self._on_ledger_changed)
        bus.subscribe(clients.CLIENT_CHANGED, self._on_client_changed)
        bus.subscribe(AUTH_CHANGED, self._on_auth_changed)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        self._loops = [
            asyncio.create_task(self._register_subscriptions(), name="ws-registrar"),
            asyncio.create_task(self._watch_sessions(), name="ws-sessions"),
        ]

    async def stop(self) -> None:
        """Close every socket and cancel every task: shutdown must be prompt."""
        for loop in self._loops:
            loop.cancel()
        for connection in list(self.connections):
            await self._close(connection, GOING_AWAY)
        tasks = [*self._tasks, *self._loops]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def warm_up(self) -> None:
        """What a fresh process's first dashboards need: the firm's held tickers, their quotes
        in this process's memory (every valuation reads them too), and the captação card."""
        firm = ClientScope()
        held = await self._held_by(firm)
        await self.market.quotes(
            sorted(held), wait_seconds=self.market.settings.valuation_timeout_seconds
        )
        await self._inflows_frame(*clock.current_month(), firm, Stream.DASHBOARD)

    def has_room_for(self, user_id: int) -> bool:
        """At most `max_per_user` sockets per user in this process."""
        open_ = sum(1 for c in self.connections if c.principal.id == user_id and not c.closing)
        return open_ < self.max_per_user

    # -- one socket ---------------------------------------------------------------------------

    async def serve(
        self,
        socket: WebSocket,
        stream: Stream,
        *,
        principal: Principal,
        tickers: Iterable[str] = (),
        month: tuple[int, int] | None = None,
    ) -> None:
        """Run an accepted socket until it goes: a snapshot first, then what the events bring."""
        connection = Connection(
            socket,
            stream,
            principal,
            asyncio.Queue(self.queue_size),
            tickers=set(tickers),
            month=month,
        )
        self.connections.add(connection)
        WEBSOCKETS.labels(stream.value).inc()
        sender = asyncio.create_task(self._send(connection))
        self._tasks.add(sender)
        try:
            await self._snapshot(connection)
            await self._receive(connection)
        finally:
            WEBSOCKETS.labels(stream.value).dec()
            self.connections.discard(connection)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
            self._tasks.discard(sender)

    async def _known(self, connection: Connection, tickers: set[str]) -> set[str]:
        """Only registered or recently searched tickers are watched: a socket asking for random
        symbols must not make every tick call the provider for them."""
        known = await assets.registered_tickers(tickers=tickers)
        known |= await self.market.recently_listed(tickers - known)
        if unknown := sorted(tickers - known):
            message = {
                "type": "error",
                "code": "unknown_ticker",
                "detail": "unknown tickers: register them (POST /assets) or find them with"
                " /assets/search first",
                "tickers": unknown,
            }
            self._enqueue(connection, json.dumps(message))
        return known

    async def _snapshot(self, connection: Connection) -> None:
        connection.tickers = await self._known(connection, connection.tickers)
        await self._announce(connection.tickers)
        if connection.stream is Stream.INFLOWS and connection.month is not None:
            await self._send_inflows(connection, *connection.month)
            return
        if connection.stream is Stream.DASHBOARD:
            await self._send_quotes(connection, await self._held_by(connection.scope))
            await self._send_inflows(connection, *clock.current_month())
            return
        await self._send_quotes(connection, connection.tickers)

    async def _send_quotes(self, connection: Connection, tickers: Iterable[str]) -> None:
        wanted = sorted(tickers)
        if not wanted:
            return
        batch = await self.market.quotes(
            wanted, wait_seconds=self.market.settings.valuation_timeout_seconds
        )
        prices, errors = [], []
        for ticker in wanted:
            if (quote := batch.quotes.get(ticker)) is not None:
                prices.append(price_message(quote))
            elif (error := batch.errors.get(ticker)) is not None:
                errors.append(_error(error.detail, ticker=ticker, code=error.code))
        if connection.stream is Stream.DASHBOARD:
            prices = [frame] if (frame := prices_frame(prices)) else []
        self._enqueue(connection, *prices, *errors)

    async def _held_by(self, scope: ClientScope) -> set[str]:
        """The tickers the scope's clients hold now. The whole firm's come with every tick
        (a reconnect storm of dashboards must not query them once each); after a write, the
        dashboards opening together share one query."""
        if scope.everything:
            if self._held_current:
                return self.held
            if self._firm_held is None or self._firm_held.done():
                self._firm_held = asyncio.create_task(self._query_held(scope))
                self._tasks.add(self._firm_held)
                self._firm_held.add_done_callback(self._tasks.discard)
            return await asyncio.shield(self._firm_held)
        return await self._query_held(scope)

    async def _query_held(self, scope: ClientScope) -> set[str]:
        client_ids = await clients.visible_client_ids(scope=scope)
        held = set(await allocations.held_tickers(events=self.bus, client_ids=client_ids))
        if scope.everything:
            self.held = held
        else:
            self._held_in[scope] = held
        return held

    def _wanted(self, connection: Connection) -> set[str]:
        if connection.stream is Stream.PRICES:
            return connection.tickers
        scope = connection.scope
        return self.held if scope.everything else self._held_in.get(scope, set())

    async def _send_inflows(self, connection: Connection, year: int, month: int) -> None:
        frame = await self._inflows_frame(year, month, connection.scope, connection.stream)
        self._enqueue(connection, frame)

    async def _inflows_frame(
        self, year: int, month: int, scope: ClientScope, stream: Stream
    ) -> str:
        """The month's captação for a book as a frame: the report's JSON (computed once per
        change and shared with the REST answer) behind the frame's type; a dashboard's lists
        only its top clients (its card shows five)."""
        text = await reports.month_inflows_json(
            year=year,
            month=month,
            reporting=self.reporting_currency,
            events=self.bus,
            scope=scope,
            top_clients=DASHBOARD_TOP_CLIENTS if stream is Stream.DASHBOARD else None,
        )
        return '{"type":"inflows",' + text[1:]

    async def _receive(self, connection: Connection) -> None:
        """Client messages: subscribe/unsubscribe on /ws/prices; anything else is answered
        with an error message, never a disconnect."""
        while True:
            try:
                text = await connection.socket.receive_text()
            except (WebSocketDisconnect, RuntimeError):
                return
            except KeyError:  # a binary frame
                self._enqueue(connection, _error("send JSON text frames"))
                continue
            await self._handle(connection, text)

    async def _handle(self, connection: Connection, text: str) -> None:
        if connection.stream is not Stream.PRICES:
            self._enqueue(connection, _error("this stream takes no messages"))
            return
        try:
            action = ClientAction.model_validate_json(text)
        except ValidationError as exc:
            self._enqueue(connection, _error(_first_problem(exc)))
            return
        if action.action == "unsubscribe":
            connection.tickers.difference_update(action.tickers)
            return
        added = set(action.tickers) - connection.tickers
        if len(connection.tickers | added) > MAX_TICKERS:
            self._enqueue(connection, _error(f"at most {MAX_TICKERS} tickers per socket"))
            return
        added = await self._known(connection, added)
        connection.tickers |= added
        await self._announce(added)
        await self._send_quotes(connection, added)

    async def _send(self, connection: Connection) -> None:
        socket = connection.socket
        try:
            while True:
                try:
                    batch = await asyncio.wait_for(connection.queue.get(), self.ping_seconds)
                except TimeoutError:
                    batch = [_PING]
                for text in batch:
                    await socket.send_text(text)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return

    # -- fan-out ------------------------------------------------------------------------------

    def _enqueue(self, connection: Connection, *messages: str) -> None:
        """One queue item: the messages of one update (a tick, a snapshot, an answer)."""
        if connection.closing or not messages:
            return
        try:
            connection.queue.put_nowait(list(messages))
        except asyncio.QueueFull:
            # This client reads slower than the stream flows: it goes, the others don't wait.
            connection.closing = True
            self._spawn(self._close(connection, TOO_SLOW))

    async def _close(self, connection: Connection, code: int) -> None:
        connection.closing = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connection.socket.close(code), 1.0)
        self.connections.discard(connection)

    def _on_tick(self, event: Event) -> None:
        self.held = set(event.get("held", ()))
        self._held_current = True
        messages: dict[str, str] = {}
        for raw in event.get("quotes", ()):
            try:
                quote = Quote.model_validate(raw)
            except ValidationError:
                continue
            messages[quote.ticker] = price_message(quote)
        if messages and self.connections:
            self._spawn(self._fan_out(messages))

    async def _fan_out(self, messages: dict[str, str]) -> None:
        """A tick's messages onto the sockets' queues, a slice at a time so that requests are
        served between slices: each price message is encoded once for every /ws/prices socket,
        and every dashboard gets one frame, shared by the dashboards of the same book."""
        frames: dict[ClientScope, str] = {}  # a book -> its dashboards' frame
        async for connection in in_turns(list(self.connections), per_turn=FAN_OUT_SLICE):
            if connection.stream is Stream.DASHBOARD:
                if (frame := frames.get(connection.scope)) is None:
                    wanted = self._wanted(connection)
                    frame = frames[connection.scope] = prices_frame(
                        messages[t] for t in sorted(wanted) if t in messages
                    )
                if frame:
                    self._enqueue(connection, frame)
            elif connection.stream is Stream.PRICES:
                wanted = connection.tickers
                self._enqueue(connection, *(messages[t] for t in sorted(wanted) if t in messages))

    def _on_ledger_changed(self, event: Event) -> None:
        """A ledger write moved some flows: the months it touched are sent again to the sockets
        here that watch them (once per burst of writes, and only if some socket watches)."""
        self._held_current = False
        months = {
            (int(flow["date"][:4]), int(flow["date"][5:7])) for flow in event.get("flows", ())
        }
        self._refresh({month for month in months if self._watchers(month)}, held=True)

    def _on_client_changed(self, _: Event) -> None:
        """A client changed hands (or went away): the books of the advisors watching change."""
        if any(not c.scope.everything for c in self.connections):
            self._refresh({clock.current_month()}, held=True)

    def _refresh(self, wanted: set[tuple[int, int]], *, held: bool) -> None:
        if held and self._held_in:
            self._held_due = True
        if wanted - self._months_due or self._held_due:
            self._months_due |= wanted
            if self._refresher is None or self._refresher.done():
                self._refresher = asyncio.create_task(self._refresh_months())
                self._tasks.add(self._refresher)
                self._refresher.add_done_callback(self._tasks.discard)

    def _watchers(self, month: tuple[int, int]) -> list[Connection]:
        current = clock.current_month()
        return [
            c
            for c in self.connections
            if (c.stream is Stream.INFLOWS and c.month == month)
            or (c.stream is Stream.DASHBOARD and month == current)
        ]

    async def _refresh_months(self) -> None:
        await asyncio.sleep(INFLOWS_COALESCE_SECONDS)  # one frame for a burst of writes
        if self._held_due:
            self._held_due = False
            books = {c.scope for c in self.connections if not c.scope.everything}
            self._held_in = {scope: held for scope, held in self._held_in.items() if scope in books}
            with contextlib.suppress(*DATABASE_DOWN_ERRORS):
                for scope in books:
                    await self._held_by(scope)
        while self._months_due:
            year, month = self._months_due.pop()
            watchers = self._watchers((year, month))
            # One frame per book and stream: an advisor's sockets get their clients' only.
            for scope, stream in {(c.scope, c.stream) for c in watchers}:
                with contextlib.suppress(*DATABASE_DOWN_ERRORS):
                    text = await self._inflows_frame(year, month, scope, stream)
                    for connection in watchers:
                        if (connection.scope, connection.stream) == (scope, stream):
                            self._enqueue(connection, text)

    # -- sockets follow their session ---------------------------------------------------------

    def _on_auth_changed(self, event: Event) -> None:
        user_id = event.get("user_id")
        if any(c.principal.id == user_id for c in self.connections):
            self._spawn(
                self._close_ended({c for c in self.connections if c.principal.id == user_id})
            )

    async def _watch_sessions(self) -> None:
        """Every tick: sockets whose token expired or whose session ended are closed (4401),
        even if the event that announced it was lost."""
        while True:
            await asyncio.sleep(self.tick_seconds)
            with contextlib.suppress(*DATABASE_DOWN_ERRORS):
                await self._close_ended(set(self.connections))

    async def _close_ended(self, connections: set[Connection]) -> None:
        if not connections:
            return
        ended = await auth.ended_sessions(
            principals={c.principal for c in connections}, sessions=self.sessions
        )
        for connection in connections:
            if connection.principal in ended and not connection.closing:
                await self._close(connection, NOT_AUTHENTICATED)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- what the producer must fetch ---------------------------------------------------------

    async def _announce(self, tickers: Iterable[str]) -> None:
        """Tell the producer (through Redis) that sockets here want these tickers. Entries
        expire after a few ticks, so a crashed process stops costing provider calls."""
        wanted = set(tickers)
        if wanted:
            expires = time.time() + 3 * self.tick_seconds
            with contextlib.suppress(*REDIS_DOWN_ERRORS):
                await self.bus.redis.zadd(
                    subscriptions_key(self.bus.redis), dict.fromkeys(wanted, expires)
                )

    async def _register_subscriptions(self) -> None:
        """Every tick, renew what this process's sockets want."""
        while True:
            await self._announce(
                t for c in self.connections if c.stream is Stream.PRICES for t in c.tickers
            )
            await asyncio.sleep(self.tick_seconds)


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else error["msg"]


async def subscribed_tickers(redis: Redis) -> list[str]:
    """Tickers some socket asked for within the last few ticks (expired ones are dropped)."""
    key = subscriptions_key(redis)
    now = time.time()
    await redis.zremrangebyscore(key, "-inf", now)
    return sorted(member.decode() for member in await redis.zrangebyscore(key, now, "+inf"))
