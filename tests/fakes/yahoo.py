"""A local, in-process fake of the Yahoo Finance HTTP API for offline tests.

The real `aiohttp` Yahoo client of Carteira is pointed at this server (both
`yahoo_query1_url` and `yahoo_query2_url` take the base URL returned by `start()`), so the
client's parsing, retries and error handling run against Yahoo's real JSON shapes without
touching the network:

- `GET /v8/finance/chart/{symbol}` (query1): quote metadata plus daily closes, either for a
  `range=` (all the history) or for `period1`/`period2` epochs (history filtered);
- `GET /v1/finance/search` (query2): symbol search.

Tests register instruments with `add_symbol()` and can inject faults: rate limiting with
`Retry-After` (`fail_next`), non-JSON bodies (`garbage_next`), JSON of the wrong shape
(`malformed_next`), slowness (`delay`), a full outage (`down`) and per-symbol failures
(`fail_symbol`). Every request received is recorded in `calls`; `reset()` wipes data,
faults and counters between tests.

Example::

    yahoo = FakeYahoo()
    base_url = await yahoo.start()
    yahoo.add_symbol("PETR4.SA", price=Decimal("38.47"), previous_close=Decimal("38.10"))
    yahoo.fail_next(1, status=429, retry_after=1)
    ...
    await yahoo.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dt_time
from decimal import Decimal
from http import HTTPStatus
from typing import Any, Literal, Self

from aiohttp import web

CHART_PATH = "/v8/finance/chart"
SEARCH_PATH = "/v1/finance/search"

# Yahoo stamps each daily bar with the market's open; a fixed 13:00 UTC is close enough for
# B3 (10:00 BRT) and keeps the timestamps easy to compute in tests.
BAR_TIME_UTC = dt_time(13, 0)

_TYPE_DISPLAY = {
    "EQUITY": "Equity",
    "ETF": "ETF",
    "MUTUALFUND": "Fund",
    "INDEX": "Index",
    "CURRENCY": "Currency",
    "CRYPTOCURRENCY": "Cryptocurrency",
    "FUTURE": "Futures",
}

# exchange code -> (timezone abbreviation, IANA zone, gmtoffset in seconds)
_EXCHANGE_TIMEZONES = {
    "SAO": ("BRT", "America/Sao_Paulo", -10800),
    "NYQ": ("EDT", "America/New_York", -14400),
    "NMS": ("EDT", "America/New_York", -14400),
    "NGM": ("EDT", "America/New_York", -14400),
    "PCX": ("EDT", "America/New_York", -14400),
    "ASE": ("EDT", "America/New_York", -14400),
    "CCY": ("BST", "Europe/London", 3600),
    "CCC": ("UTC", "UTC", 0),
}

Price = Decimal | float
FaultKind = Literal["status", "garbage", "malformed"]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def bar_timestamp(day: date) -> int:
    """The epoch the fake uses for a daily bar (the date at 13:00 UTC)."""
    return int(datetime.combine(day, BAR_TIME_UTC, tzinfo=UTC).timestamp())


def _number(value: Price | None) -> float | None:
    return None if value is None else float(value)


@dataclass
class FakeSymbol:
    symbol: str
    price: Price
    previous_close: Price
    currency: str = "BRL"
    exchange: str = "SAO"
    full_exchange: str = "São Paulo"
    instrument_type: str = "EQUITY"
    long_name: str | None = None
    short_name: str | None = None
    market_time: int | None = None
    history: list[tuple[date, Price | None]] = field(default_factory=list)


@dataclass
class _Fault:
    kind: FaultKind
    remaining: int
    status: int = 200
    retry_after: int | float | str | None = None
    path: str | None = None

    def matches(self, path: str) -> bool:
        return self.remaining > 0 and (self.path is None or path.startswith(self.path))


class FakeYahoo:
    """Fake Yahoo Finance server (query1 chart + query2 search on one port)."""

    def __init__(self) -> None:
        self.symbols: dict[str, FakeSymbol] = {}
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.delay: float = 0.0
        self.down: bool = False
        self._faults: list[_Fault] = []
        self._failing_symbols: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self.base_url: str = ""

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> str:
        """Bind 127.0.0.1 on a free port; return the base URL (`http://127.0.0.1:<port>`)."""
        if self._runner is not None:
            return self.base_url
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get(CHART_PATH + "/{symbol}", self._chart)
        app.router.add_get(SEARCH_PATH, self._search)
        # handler_cancellation: a client that times out on `delay` does not leave a handler
        # sleeping; shutdown_timeout: `stop()` never waits long for in-flight requests.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        await web.SockSite(runner, sock).start()
        self._stopping = asyncio.Event()
        self._runner = runner
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._stopping.set()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- data --------------------------------------------------------------------------------

    def add_symbol(
        self,
        symbol: str,
        *,
        price: Price,
        previous_close: Price,
        currency: str = "BRL",
        exchange: str = "SAO",
        full_exchange: str = "São Paulo",
        instrument_type: str = "EQUITY",
        long_name: str | None = None,
        short_name: str | None = None,
        market_time: int | None = None,
        history: list[tuple[date, Price | None]] | None = None,
    ) -> None:
        """Register (or replace) a symbol. `market_time=None` means "now" at each request;
        a `None` close in `history` is served as Yahoo's JSON `null`."""
        self.symbols[symbol.upper()] = FakeSymbol(
            symbol=symbol.upper(),
            price=price,
            previous_close=previous_close,
            currency=currency,
            exchange=exchange,
            full_exchange=full_exchange,
            instrument_type=instrument_type,
            long_name=long_name,
            short_name=short_name,
            market_time=market_time,
            history=sorted(history or [], key=lambda row: row[0]),
        )

    def set_price(self, symbol: str, price: Price, *, market_time: int | None = None) -> None:
        """Move the live price of a registered symbol (and optionally its market time)."""
        entry = self.symbols[symbol.upper()]
        entry.price = price
        entry.market_time = market_time

    def reset(self) -> None:
        """Forget symbols, faults and counters (between tests)."""
        self.symbols.clear()
        self.calls.clear()
        self._faults.clear()
        self._failing_symbols.clear()
        self.delay = 0.0
        self.down = False

    # -- faults ------------------------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        status: int = 429,
        retry_after: int | float | str | None = None,
        path: str | None = None,
    ) -> None:
        """The next `n` requests (whose path starts with `path`, if given) answer `status`:
        429/4xx with a text body, 5xx with a JSON error; `Retry-After` when given."""
        self._faults.append(_Fault("status", n, status, retry_after, path))

    def garbage_next(self, n: int = 1, path: str | None = None) -> None:
        """The next `n` matching requests answer 200 with a non-JSON body."""
        self._faults.append(_Fault("garbage", n, path=path))

    def malformed_next(self, n: int = 1, path: str | None = None) -> None:
        """The next `n` matching requests answer 200 with valid JSON of the wrong shape."""
        self._faults.append(_Fault("malformed", n, path=path))

    def fail_symbol(self, symbol: str, status: int = 500) -> None:
        """Chart requests for `symbol` answer `status` until `reset()` (partial outage)."""
        self._failing_symbols[symbol.upper()] = status

    # -- counters ----------------------------------------------------------------------------

    def count(self, path_prefix: str | None = None, symbol: str | None = None) -> int:
        """Requests received whose path starts with `path_prefix` and/or that asked the chart
        of `symbol` (case-insensitive)."""
        chart_path = f"{CHART_PATH}/{symbol.upper()}" if symbol is not None else None
        return sum(
            1
            for path, _query in self.calls
            if (path_prefix is None or path.startswith(path_prefix))
            and (chart_path is None or path.upper() == chart_path.upper())
        )

    # -- HTTP --------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.calls.append((request.path, dict(request.query)))
        if self.delay > 0:
            # Interruptible sleep: `stop()` cuts it short.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.delay)
        if self.down:
            return _error_response(request.path, 503)
        fault = next((f for f in self._faults if f.matches(request.path)), None)
        if fault is not None:
            fault.remaining -= 1
            if fault.kind == "garbage":
                return web.Response(text="<html>oops</html>", content_type="text/html")
            if fault.kind == "malformed":
                key = "chart" if request.path.startswith(CHART_PATH) else "finance"
                return web.json_response({key: {"result": [{}]}})
            return _error_response(request.path, fault.status, fault.retry_after)
        return await handler(request)

    async def _chart(self, request: web.Request) -> web.Response:
        symbol = request.match_info["symbol"].upper()
        if symbol in self._failing_symbols:
            return _error_response(request.path, self._failing_symbols[symbol])
        entry = self.symbols.get(symbol)
        if entry is None:
            return web.json_response(
                {
                    "chart": {
                        "result": None,
                        "error": {
                            "code": "Not Found",
                            "description": "No data found, symbol may be delisted",
                        },
                    }
                },
                status=404,
            )
        query = request.query
        try:
            period1 = int(query["period1"]) if "period1" in query else None
            period2 = int(query["period2"]) if "period2" in query else None
        except ValueError:
            return _bad_request(request.path, "Invalid input - period1/period2 must be integers")
        rows = [(bar_timestamp(day), close) for day, close in entry.history]
        if period1 is not None or period2 is not None:
            low = period1 if period1 is not None else 0
            high = period2 if period2 is not None else math.inf
            rows = [(ts, close) for ts, close in rows if low <= ts < high]
            range_ = ""
        else:
            range_ = query.get("range", "1mo")
        return web.json_response(
            {"chart": {"result": [self._chart_result(entry, rows, query, range_)], "error": None}}
        )

    def _chart_result(
        self,
        entry: FakeSymbol,
        rows: list[tuple[int, Price | None]],
        query: Any,
        range_: str,
    ) -> dict[str, Any]:
        tz_abbrev, tz_name, gmtoffset = _EXCHANGE_TIMEZONES.get(entry.exchange, ("UTC", "UTC", 0))
        meta: dict[str, Any] = {
            "currency": entry.currency,
            "symbol": entry.symbol,
            "exchangeName": entry.exchange,
            "fullExchangeName": entry.full_exchange,
            "instrumentType": entry.instrument_type,
            "firstTradeDate": bar_timestamp(date(2000, 1, 3)),
            "regularMarketTime": (
                entry.market_time if entry.market_time is not None else int(time.time())
            ),
            "hasPrePostMarketData": False,
            "gmtoffset": gmtoffset,
            "timezone": tz_abbrev,
            "exchangeTimezoneName": tz_name,
            "regularMarketPrice": float(entry.price),
            "shortName": entry.short_name if entry.short_name is not None else entry.symbol,
            "chartPreviousClose": float(entry.previous_close),
            "previousClose": float(entry.previous_close),
            "priceHint": 2,
            "dataGranularity": query.get("interval", "1d"),
            "range": range_,
            "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "ytd", "max"],
        }
        if entry.long_name is not None:  # Yahoo omits names it does not have
            meta["longName"] = entry.long_name
        closes = [_number(close) for _ts, close in rows]
        volumes = [
            None if close is None else 1_000_000 + 1_000 * i for i, close in enumerate(closes)
        ]
        result: dict[str, Any] = {"meta": meta}
        if rows:  # Yahoo leaves out "timestamp" when there is no bar
            result["timestamp"] = [ts for ts, _close in rows]
        result["indicators"] = {
            "quote": [
                {
                    "close": closes,
                    "open": list(closes),
                    "high": list(closes),
                    "low": list(closes),
                    "volume": volumes,
                }
            ],
            "adjclose": [{"adjclose": list(closes)}],
        }
        return result

    async def _search(self, request: web.Request) -> web.Response:
        needle = request.query.get("q", "").strip().lower()
        try:
            limit = int(request.query.get("quotesCount", "6"))
        except ValueError:
            return _bad_request(request.path, "Invalid input - quotesCount must be an integer")
        matches = [
            entry
            for entry in self.symbols.values()
            if needle
            and any(
                needle in (text or "").lower()
                for text in (entry.symbol, entry.short_name, entry.long_name)
            )
        ]
        # Exact symbol hits first, as Yahoo ranks them.
        matches.sort(key=lambda entry: entry.symbol.lower().split(".")[0] != needle.split(".")[0])
        quotes = [_search_quote(entry, rank) for rank, entry in enumerate(matches[: max(limit, 0)])]
        return web.json_response(
            {"explains": [], "count": len(quotes), "quotes": quotes, "news": []}
        )


def _search_quote(entry: FakeSymbol, rank: int) -> dict[str, Any]:
    quote: dict[str, Any] = {
        "exchange": entry.exchange,
        "shortname": entry.short_name if entry.short_name is not None else entry.symbol,
        "quoteType": entry.instrument_type,
        "symbol": entry.symbol,
        "index": "quotes",
        "score": float(20_000 - 1_000 * rank),
        "typeDisp": _TYPE_DISPLAY.get(entry.instrument_type, entry.instrument_type.title()),
        "exchDisp": entry.full_exchange,
        "isYahooFinance": True,
    }
    if entry.long_name is not None:  # Yahoo omits names it does not have
        quote["longname"] = entry.long_name
    return quote


def _error_response(
    path: str, status: int, retry_after: int | float | str | None = None
) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    if status < 500:
        return web.Response(status=status, text=_reason(status), headers=headers)
    key = "chart" if path.startswith(CHART_PATH) else "finance"
    body = {key: {"result": None, "error": {"code": _reason(status), "description": ""}}}
    return web.json_response(body, status=status, headers=headers)


def _bad_request(path: str, description: str) -> web.Response:
    key = "chart" if path.startswith(CHART_PATH) else "finance"
    body = {key: {"result": None, "error": {"code": "Bad Request", "description": description}}}
    return web.json_response(body, status=400)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
