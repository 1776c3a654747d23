"""The fake Yahoo server itself: shapes, faults and counters the client tests rely on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tests.fakes.yahoo import CHART_PATH, SEARCH_PATH, FakeYahoo, bar_timestamp


@pytest.fixture(scope="module")
async def yahoo_server() -> AsyncIterator[FakeYahoo]:
    async with FakeYahoo() as yahoo:
        yield yahoo


@pytest.fixture
async def yahoo(yahoo_server: FakeYahoo) -> FakeYahoo:
    yahoo_server.reset()
    yahoo_server.add_symbol(
        "PETR4.SA",
        price=Decimal("38.47"),
        previous_close=Decimal("38.10"),
        long_name="Petróleo Brasileiro S.A. - Petrobras",
        short_name="PETROBRAS   PN",
        market_time=1_717_000_000,
        history=[
            (date(2024, 5, 27), Decimal("37.90")),
            (date(2024, 5, 28), None),
            (date(2024, 5, 29), 38.1),
            (date(2024, 5, 30), Decimal("38.47")),
        ],
    )
    yahoo_server.add_symbol(
        "AAPL",
        price=190.5,
        previous_close=189.0,
        currency="USD",
        exchange="NMS",
        full_exchange="NasdaqGS",
        short_name="Apple Inc.",
    )
    return yahoo_server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get(
    http: aiohttp.ClientSession, url: str, **params: Any
) -> tuple[int, dict[str, str], str]:
    async with http.get(url, params={k: str(v) for k, v in params.items()}) as response:
        return response.status, dict(response.headers), await response.text()


async def get_json(http: aiohttp.ClientSession, url: str, **params: Any) -> tuple[int, Any]:
    async with http.get(url, params={k: str(v) for k, v in params.items()}) as response:
        return response.status, await response.json(content_type=None)


async def test_chart_meta_and_null_closes(yahoo: FakeYahoo, http: aiohttp.ClientSession) -> None:
    status, body = await get_json(
        http, f"{yahoo.base_url}{CHART_PATH}/PETR4.SA", interval="1d", range="5d"
    )
    assert status == 200
    assert body["chart"]["error"] is None
    [result] = body["chart"]["result"]
    meta = result["meta"]
    assert meta["symbol"] == "PETR4.SA"
    assert meta["currency"] == "BRL"
    assert meta["exchangeName"] == "SAO"
    assert meta["fullExchangeName"] == "São Paulo"
    assert meta["instrumentType"] == "EQUITY"
    assert meta["regularMarketPrice"] == 38.47
    assert isinstance(meta["regularMarketPrice"], float)
    assert meta["regularMarketTime"] == 1_717_000_000
    assert meta["chartPreviousClose"] == meta["previousClose"] == 38.1
    assert meta["longName"] == "Petróleo Brasileiro S.A. - Petrobras"
    assert meta["shortName"] == "PETROBRAS   PN"
    assert meta["exchangeTimezoneName"] == "America/Sao_Paulo"
    assert meta["dataGranularity"] == "1d"
    assert meta["range"] == "5d"
    assert result["timestamp"] == [bar_timestamp(date(2024, 5, d)) for d in (27, 28, 29, 30)]
    assert result["timestamp"][0] == 1_716_814_800  # 2024-05-27T13:00:00Z
    quote = result["indicators"]["quote"][0]
    assert quote["close"] == [37.9, None, 38.1, 38.47]
    assert quote["volume"][1] is None
    assert result["indicators"]["adjclose"][0]["adjclose"] == [37.9, None, 38.1, 38.47]
    # Lower-case symbols resolve like on Yahoo.
    status, _ = await get_json(http, f"{yahoo.base_url}{CHART_PATH}/petr4.sa", range="5d")
    assert status == 200


async def test_chart_period_filter_and_empty_history(
    yahoo: FakeYahoo, http: aiohttp.ClientSession
) -> None:
    url = f"{yahoo.base_url}{CHART_PATH}/PETR4.SA"
    status, body = await get_json(
        http,
        url,
        interval="1d",
        period1=bar_timestamp(date(2024, 5, 28)),
        period2=bar_timestamp(date(2024, 5, 30)),  # exclusive
    )
    assert status == 200
    result = body["chart"]["result"][0]
    assert result["timestamp"] == [
        bar_timestamp(date(2024, 5, 28)),
        bar_timestamp(date(2024, 5, 29)),
    ]
    assert result["indicators"]["quote"][0]["close"] == [None, 38.1]
    assert result["meta"]["range"] == ""

    status, body = await get_json(http, f"{yahoo.base_url}{CHART_PATH}/AAPL", range="5d")
    result = body["chart"]["result"][0]
    assert "timestamp" not in result
    assert result["indicators"]["quote"][0]["close"] == []
    assert result["meta"]["currency"] == "USD"
    assert "longName" not in result["meta"]


async def test_unknown_symbol_is_404(yahoo: FakeYahoo, http: aiohttp.ClientSession) -> None:
    status, body = await get_json(http, f"{yahoo.base_url}{CHART_PATH}/NOPE3.SA", range="5d")
    assert status == 404
    assert body == {
        "chart": {
            "result": None,
            "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
        }
    }


async def test_rate_limit_with_retry_after_then_success(
    yahoo: FakeYahoo, http: aiohttp.ClientSession
) -> None:
    yahoo.fail_next(2, status=429, retry_after=3, path=CHART_PATH)
    url = f"{yahoo.base_url}{CHART_PATH}/PETR4.SA"
    search = f"{yahoo.base_url}{SEARCH_PATH}"
    # The path filter leaves search alone.
    assert (await get_json(http, search, q="petr"))[0] == 200
    for _ in range(2):
        status, headers, text = await get(http, url, range="5d")
        assert status == 429
        assert headers["Retry-After"] == "3"
        assert text == "Too Many Requests"
    assert (await get_json(http, url, range="5d"))[0] == 200
    assert yahoo.count(CHART_PATH) == 3
    assert yahoo.count(symbol="PETR4.SA") == 3


async def test_server_errors_garbage_and_malformed(
    yahoo: FakeYahoo, http: aiohttp.ClientSession
) -> None:
    url = f"{yahoo.base_url}{CHART_PATH}/PETR4.SA"
    yahoo.fail_next(1, status=502)
    status, body = await get_json(http, url, range="5d")
    assert status == 502
    assert body["chart"]["error"]["code"] == "Bad Gateway"

    yahoo.garbage_next(1)
    status, headers, text = await get(http, url, range="5d")
    assert (status, text) == (200, "<html>oops</html>")
    assert not headers["Content-Type"].startswith("application/json")

    yahoo.malformed_next(1)
    assert await get_json(http, url, range="5d") == (200, {"chart": {"result": [{}]}})
    assert (await get_json(http, url, range="5d"))[0] == 200


async def test_down_symbol_failure_and_delay(yahoo: FakeYahoo, http: aiohttp.ClientSession) -> None:
    base = yahoo.base_url
    yahoo.fail_symbol("AAPL", status=500)
    assert (await get_json(http, f"{base}{CHART_PATH}/AAPL", range="5d"))[0] == 500
    assert (await get_json(http, f"{base}{CHART_PATH}/PETR4.SA", range="5d"))[0] == 200

    yahoo.down = True
    assert (await get_json(http, f"{base}{SEARCH_PATH}", q="a"))[0] == 503
    assert (await get_json(http, f"{base}{CHART_PATH}/PETR4.SA", range="5d"))[0] == 503
    yahoo.down = False

    yahoo.delay = 0.5
    with pytest.raises(asyncio.TimeoutError):
        async with http.get(
            f"{base}{CHART_PATH}/PETR4.SA", timeout=aiohttp.ClientTimeout(total=0.1)
        ):
            pass
    yahoo.reset()
    assert yahoo.calls == []
    assert yahoo.delay == 0
    assert (await get_json(http, f"{base}{CHART_PATH}/AAPL", range="5d"))[0] == 404


async def test_search_matching_and_limit(yahoo: FakeYahoo, http: aiohttp.ClientSession) -> None:
    yahoo.add_symbol("PETR3.SA", price=40, previous_close=40, short_name="PETROBRAS   ON")
    url = f"{yahoo.base_url}{SEARCH_PATH}"
    status, body = await get_json(http, url, q="petrobras", quotesCount=10, newsCount=0)
    assert status == 200
    assert body["count"] == 2
    assert body["explains"] == body["news"] == []
    assert {q["symbol"] for q in body["quotes"]} == {"PETR4.SA", "PETR3.SA"}
    petr4 = next(q for q in body["quotes"] if q["symbol"] == "PETR4.SA")
    assert petr4 == {
        "exchange": "SAO",
        "shortname": "PETROBRAS   PN",
        "quoteType": "EQUITY",
        "symbol": "PETR4.SA",
        "index": "quotes",
        "score": petr4["score"],
        "typeDisp": "Equity",
        "longname": "Petróleo Brasileiro S.A. - Petrobras",
        "exchDisp": "São Paulo",
        "isYahooFinance": True,
    }
    assert isinstance(petr4["score"], float)

    _, body = await get_json(http, url, q="PETR3", quotesCount=10)
    assert body["quotes"][0]["symbol"] == "PETR3.SA"  # exact hit ranks first
    _, body = await get_json(http, url, q="petr", quotesCount=1)
    assert body["count"] == 1
    _, body = await get_json(http, url, q="apple", quotesCount=5)
    assert [q["symbol"] for q in body["quotes"]] == ["AAPL"]
    assert "longname" not in body["quotes"][0]
    _, body = await get_json(http, url, q="zzz", quotesCount=5)
    assert body["quotes"] == []


async def test_calls_are_recorded(yahoo: FakeYahoo, http: aiohttp.ClientSession) -> None:
    yahoo.fail_next(1)
    await get(http, f"{yahoo.base_url}{CHART_PATH}/PETR4.SA", range="5d")
    await get(http, f"{yahoo.base_url}{SEARCH_PATH}", q="petr", quotesCount=3)
    await get(http, f"{yahoo.base_url}{CHART_PATH}/^BVSP", range="5d")
    assert yahoo.calls == [
        (f"{CHART_PATH}/PETR4.SA", {"range": "5d"}),
        (SEARCH_PATH, {"q": "petr", "quotesCount": "3"}),
        (f"{CHART_PATH}/^BVSP", {"range": "5d"}),
    ]
    assert yahoo.count() == 3
    assert yahoo.count(SEARCH_PATH) == 1
    assert yahoo.count(symbol="petr4.sa") == 1
    assert yahoo.count(symbol="^BVSP") == 1


# ---- corporate-action events -----------------------------------------------------------------


async def test_events_are_served_in_yahoo_shape_only_when_asked(
    yahoo: FakeYahoo, http: aiohttp.ClientSession
) -> None:
    yahoo.add_dividend("PETR4.SA", date(2024, 5, 27), Decimal("1.05"))
    yahoo.add_split("PETR4.SA", date(2024, 5, 29), 2, 1)
    url = f"{yahoo.base_url}{CHART_PATH}/PETR4.SA"

    _, body = await get_json(http, url, interval="1d", range="5d")
    assert "events" not in body["chart"]["result"][0]  # not asked: not sent

    _, body = await get_json(http, url, interval="1d", range="5d", events="div,split")
    result = body["chart"]["result"][0]
    assert list(result) == ["meta", "timestamp", "events", "indicators"]  # Yahoo's order
    stamp = bar_timestamp(date(2024, 5, 27))
    split_stamp = bar_timestamp(date(2024, 5, 29))
    assert result["events"] == {
        "dividends": {str(stamp): {"amount": 1.05, "date": stamp}},
        "splits": {
            str(split_stamp): {
                "date": split_stamp,
                "numerator": 2.0,
                "denominator": 1.0,
                "splitRatio": "2:1",
            }
        },
    }

    _, body = await get_json(http, url, range="5d", events="div")
    assert list(body["chart"]["result"][0]["events"]) == ["dividends"]
    _, body = await get_json(http, url, range="5d", events="splits")
    assert list(body["chart"]["result"][0]["events"]) == ["splits"]
    _, body = await get_json(http, url, range="5d", events="capitalGain")
    assert "events" not in body["chart"]["result"][0]


async def test_events_follow_the_period_and_reverse_splits_read_1_to_10(
    yahoo: FakeYahoo, http: aiohttp.ClientSession
) -> None:
    yahoo.add_dividend("PETR4.SA", date(2024, 5, 27), 0.5)
    yahoo.add_split("PETR4.SA", date(2024, 5, 30), 1, 10)
    url = f"{yahoo.base_url}{CHART_PATH}/PETR4.SA"
    _, body = await get_json(
        http,
        url,
        period1=bar_timestamp(date(2024, 5, 28)),
        period2=bar_timestamp(date(2024, 5, 31)),
        events="div,split",
    )
    events = body["chart"]["result"][0]["events"]
    assert "dividends" not in events  # 27 May is before the period
    [split] = events["splits"].values()
    assert split["splitRatio"] == "1:10"
    assert (split["numerator"], split["denominator"]) == (1.0, 10.0)

    _, body = await get_json(http, url, period1=0, period2=1, events="div,split")
    assert "events" not in body["chart"]["result"][0]  # asked, but none in the period


async def test_raw_events_are_served_as_given(
    yahoo: FakeYahoo, http: aiohttp.ClientSession
) -> None:
    day = bar_timestamp(date(2024, 5, 27))
    yahoo.add_raw_event("PETR4.SA", "dividends", {"amount": "abc", "date": day})
    yahoo.add_raw_event("PETR4.SA", "dividends", {"amount": -1, "date": day + 60})
    yahoo.add_raw_event("PETR4.SA", "splits", {"numerator": 0, "denominator": 1}, key="odd")
    yahoo.add_raw_event("PETR4.SA", "splits", "not an object")
    # Two dividends on the same ex date, at different times of the day.
    yahoo.add_dividend("PETR4.SA", date(2024, 5, 29), 1, stamp=bar_timestamp(date(2024, 5, 29)))
    yahoo.add_dividend(
        "PETR4.SA", date(2024, 5, 29), 2, stamp=bar_timestamp(date(2024, 5, 29)) + 3600
    )
    url = f"{yahoo.base_url}{CHART_PATH}/PETR4.SA"
    _, body = await get_json(http, url, range="5d", events="div,split")
    events = body["chart"]["result"][0]["events"]
    assert events["dividends"][str(day)] == {"amount": "abc", "date": day}
    assert events["dividends"][str(day + 60)] == {"amount": -1, "date": day + 60}
    assert len(events["dividends"]) == 4
    assert events["splits"] == {
        "odd": {"numerator": 0, "denominator": 1},
        "raw-3": "not an object",  # a made-up key: it has no date
    }

    yahoo.set_raw_events("PETR4.SA", ["not", "an", "object"])
    _, body = await get_json(http, url, range="5d", events="div")
    assert body["chart"]["result"][0]["events"] == ["not", "an", "object"]


async def test_minor_currency_units_are_served_as_yahoo_does(
    yahoo: FakeYahoo, http: aiohttp.ClientSession
) -> None:
    yahoo.add_symbol(
        "VOD.L",
        price=Decimal("72.36"),
        previous_close=Decimal("71.9"),
        currency="GBp",
        exchange="LSE",
        full_exchange="LSE",
    )
    _, body = await get_json(http, f"{yahoo.base_url}{CHART_PATH}/VOD.L", range="1d")
    meta = body["chart"]["result"][0]["meta"]
    assert (meta["currency"], meta["regularMarketPrice"]) == ("GBp", 72.36)
    assert (meta["exchangeTimezoneName"], meta["gmtoffset"]) == ("Europe/London", 3600)
    yahoo.reset()
    assert yahoo.symbols == {}
