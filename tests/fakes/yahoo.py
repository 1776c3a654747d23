"""A local, in-process fake of the Yahoo Finance HTTP API for offline tests.

The real `aiohttp` Yahoo client of Carteira is pointed at this server (both
`yahoo_query1_url` and `yahoo_query2_url` take the base URL returned by `start()`), so the
client's parsing, retries and error handling run against Yahoo's real JSON shapes without
touching the network:

- `GET /v8/finance/chart/{symbol}` (query1): quote metadata plus daily closes, either for a
  `range=` (all the history) or for `period1`/`period2` epochs (history filtered);
- `GET /v1/finance/search` (query2): symbol search.

Tests register instruments with `add_symbol()`, their dividends and splits with
`add_dividend()` / `add_split()` (served in the chart's `events`, in Yahoo's shape, only when
the request asks for them with `events=div,split`), and malformed events with
`add_raw_event()` / `set_raw_events()`. Faults (see `tests.fakes.server`): rate limiting with
`Retry-After` (`fail_next`), non-JSON bodies (`garbage_next`), JSON of the wrong shape
(`malformed_next`), slowness (`delay`), a full outage (`down`) and per-symbol failures
(`fail_symbol`). Every request received is recorded in `calls`; `reset()` wipes data,
faults and counters between tests.

Example::

    yahoo = FakeYahoo()
    base_url = await yahoo.start()
    yahoo.add_symbol("PETR4.SA", price=Decimal("38.47"), previous_close=Decimal("38.10"))
    yahoo.add_dividend("PETR4.SA", date(2024, 5, 27), Decimal("1.05"))
    yahoo.fail_next(1, status=429, retry_after=1)
    ...
    await yahoo.stop()
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dt_time
from decimal import Decimal
from typing import Any, Literal

from aiohttp import web

from tests.fakes.server import FakeServer, reason, retry_after_header

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
    "LSE": ("BST", "Europe/London", 3600),
    "JNB": ("SAST", "Africa/Johannesburg", 7200),
    "TLV": ("IDT", "Asia/Jerusalem", 10800),
}

Price = Decimal | float
EventKind = Literal["dividends", "splits"]
# The `events=` words that ask for each kind (Yahoo takes "div", "split" or "splits").
_EVENT_WORDS: dict[str, EventKind] = {"div": "dividends", "split": "splits", "splits": "splits"}
_RAW_EVENTS_UNSET: Any = object()


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
    events: list[FakeEvent] = field(default_factory=list)
    raw_events: Any = _RAW_EVENTS_UNSET  # when set, served as the whole `events` value


@dataclass
class FakeEvent:
    kind: EventKind
    key: str  # the key of the event in Yahoo's object (the epoch, as text)
    payload: Any  # served exactly as it is
    stamp: int | None  # for the period filter; None: served whatever the period


def _number_text(value: Price) -> str:
    return format(Decimal(str(value)).normalize(), "f")


class FakeYahoo(FakeServer):
    """Fake Yahoo Finance server (query1 chart + query2 search on one port)."""

    def __init__(self) -> None:
        super().__init__()
        self.symbols: dict[str, FakeSymbol] = {}
        self._failing_symbols: dict[str, int] = {}

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_get(CHART_PATH + "/{symbol}", self._chart)
        app.router.add_get(SEARCH_PATH, self._search)

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

    def add_dividend(
        self, symbol: str, day: date, amount: Price, *, stamp: int | None = None
    ) -> None:
        """A dividend of `amount` per share (in the symbol's currency unit, as Yahoo sends it)
        with ex date `day`; `stamp` overrides the event's epoch (the bar time of `day`)."""
        stamp = bar_timestamp(day) if stamp is None else stamp
        self._add_event(symbol, "dividends", {"amount": float(amount), "date": stamp})

    def add_split(
        self,
        symbol: str,
        day: date,
        numerator: Price,
        denominator: Price,
        *,
        stamp: int | None = None,
    ) -> None:
        """A split of `numerator` new shares for `denominator` old ones, ex date `day`."""
        stamp = bar_timestamp(day) if stamp is None else stamp
        payload = {
            "date": stamp,
            "numerator": float(numerator),
            "denominator": float(denominator),
            "splitRatio": f"{_number_text(numerator)}:{_number_text(denominator)}",
        }
        self._add_event(symbol, "splits", payload)

    def add_raw_event(
        self, symbol: str, kind: EventKind, payload: Any, *, key: str | None = None
    ) -> None:
        """An event served exactly as given (a string amount, a zero ratio, no date...).
        It is filtered by the request's period only when it has an integer `date`."""
        self._add_event(symbol, kind, payload, key=key)

    def set_raw_events(self, symbol: str, events: Any) -> None:
        """Serve `events` as the whole `events` value of the chart (e.g. a list, a string)."""
        self.symbols[symbol.upper()].raw_events = events

    def _add_event(
        self, symbol: str, kind: EventKind, payload: Any, *, key: str | None = None
    ) -> None:
        entry = self.symbols[symbol.upper()]
        stamp = payload.get("date") if isinstance(payload, dict) else None
        if isinstance(stamp, bool) or not isinstance(stamp, int):
            stamp = None
        if key is None:
            key = str(stamp) if stamp is not None else f"raw-{len(entry.events)}"
        entry.events.append(FakeEvent(kind, key, payload, stamp))

    def reset(self) -> None:
        """Forget symbols, faults and counters (between tests)."""
        super().reset()
        self.symbols.clear()
        self._failing_symbols.clear()

    # -- faults ------------------------------------------------------------------------------

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

    def _error_response(
        self, path: str, status: int, retry_after: int | float | str | None = None
    ) -> web.Response:
        """429/4xx with a text body, 5xx with a JSON error, as Yahoo answers them."""
        return _error_response(path, status, retry_after)

    def _malformed_body(self, path: str) -> Any:
        key = "chart" if path.startswith(CHART_PATH) else "finance"
        return {key: {"result": [{}]}}

    async def _chart(self, request: web.Request) -> web.Response:
        symbol = request.match_info["symbol"].upper()
        if symbol in self._failing_symbols:
            return self._error_response(request.path, self._failing_symbols[symbol])
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
        low = period1 if period1 is not None else 0
        high = period2 if period2 is not None else math.inf
        rows = [(bar_timestamp(day), close) for day, close in entry.history]
        if period1 is not None or period2 is not None:
            rows = [(ts, close) for ts, close in rows if low <= ts < high]
            range_ = ""
        else:
            range_ = query.get("range", "1mo")
        result = self._chart_result(entry, rows, query, range_)
        events = _events(entry, query.get("events", ""), low, high)
        if events is not None:  # Yahoo sends `events` only when asked and when there are some
            indicators = result.pop("indicators")
            result["events"] = events  # in Yahoo's order: meta, timestamp, events, indicators
            result["indicators"] = indicators
        return web.json_response({"chart": {"result": [result], "error": None}})

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


def _events(entry: FakeSymbol, asked: str, low: float, high: float) -> Any:
    """The chart's `events` for the kinds `asked` (`events=div,split`), in the period."""
    words = asked.replace("|", ",").split(",")
    kinds = {_EVENT_WORDS[word] for word in words if word in _EVENT_WORDS}
    if not kinds:
        return None
    if entry.raw_events is not _RAW_EVENTS_UNSET:
        return entry.raw_events
    events: dict[str, dict[str, Any]] = {}
    for event in entry.events:
        if event.kind in kinds and (event.stamp is None or low <= event.stamp < high):
            events.setdefault(event.kind, {})[event.key] = event.payload
    return events or None


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
    headers = retry_after_header(retry_after)
    if status < 500:
        return web.Response(status=status, text=reason(status), headers=headers)
    key = "chart" if path.startswith(CHART_PATH) else "finance"
    body = {key: {"result": None, "error": {"code": reason(status), "description": ""}}}
    return web.json_response(body, status=status, headers=headers)


def _bad_request(path: str, description: str) -> web.Response:
    key = "chart" if path.startswith(CHART_PATH) else "finance"
    body = {key: {"result": None, "error": {"code": "Bad Request", "description": description}}}
    return web.json_response(body, status=400)
