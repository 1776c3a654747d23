"""The real Yahoo client, cache and routes against the local fake Yahoo server."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from carteira.pricing.circuit import CircuitBreaker, CircuitState
from carteira.pricing.exceptions import ProviderError, ProviderUnavailableError, UnknownTickerError
from carteira.pricing.service import MarketData, create_market_data
from carteira.pricing.simulated import SimulatedProvider
from carteira.pricing.yahoo import YahooProvider
from tests.factories import hold, list_on_yahoo, make_allocation, make_asset, make_client
from tests.fakes.yahoo import CHART_PATH, SEARCH_PATH
from tests.support import age_cached_quote, fresh_prices


async def test_quote_is_decimal_exact_and_labelled(as_reader, yahoo):
    list_on_yahoo("PETR4.SA", price="38.47", previous_close="38.10", name="Petrobras PN")
    r = await as_reader.get("/quotes", params={"tickers": "petr4.sa"})
    assert r.status_code == 200
    (quote,) = r.json()["items"]
    assert quote["ticker"] == "PETR4.SA"
    assert quote["price"] == "38.47"
    assert quote["previous_close"] == "38.1"
    assert quote["change_pct"] == pytest.approx(0.971129, abs=1e-6)
    assert quote["currency"] == "BRL"
    assert quote["source"] == "yahoo"
    assert quote["stale"] is False
    assert quote["as_of"]


async def test_many_quotes_one_call_per_ticker_then_cached(as_reader, yahoo):
    for ticker in ("AAA", "BBB", "CCC"):
        list_on_yahoo(ticker, price="1.5", previous_close="1")
    r = await as_reader.get("/quotes", params={"tickers": "AAA,BBB,CCC,XYZ"})
    body = r.json()
    assert [q["ticker"] for q in body["items"]] == ["AAA", "BBB", "CCC"]
    assert body["errors"] == [
        {"ticker": "XYZ", "code": "unknown_ticker", "detail": body["errors"][0]["detail"]}
    ]
    assert yahoo.count(CHART_PATH) == 4
    await as_reader.get("/quotes", params={"tickers": "AAA,BBB,CCC"})
    assert yahoo.count(CHART_PATH) == 4  # all three from the cache


@pytest.mark.parametrize(
    "tickers", ["", ",", "PETR4 SA", ",".join(f"T{n}" for n in range(51)), "$$$"]
)
async def test_bad_ticker_lists_are_422(as_reader, tickers):
    r = await as_reader.get("/quotes", params={"tickers": tickers})
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"


async def test_search_cache_headers(as_reader, yahoo):
    list_on_yahoo("PETR4.SA", name="Petroleo Brasileiro SA Petrobras")
    list_on_yahoo("PETR3.SA", name="Petroleo Brasileiro SA Petrobras ON")
    first = await as_reader.get("/assets/search", params={"q": "petr", "limit": 5})
    assert first.status_code == 200
    assert first.headers["x-cache"] == "MISS"
    assert first.headers["x-cache-ttl"] == "3600"
    assert first.headers["x-cache-key"] == "md:search:5:petr"
    assert {hit["ticker"] for hit in first.json()["items"]} == {"PETR4.SA", "PETR3.SA"}
    second = await as_reader.get("/assets/search", params={"q": "  PETR ", "limit": 5})
    assert second.headers["x-cache"] == "HIT"
    assert 0 < int(second.headers["x-cache-ttl"]) <= 3600
    assert second.json() == first.json()
    assert yahoo.count(SEARCH_PATH) == 1


@pytest.mark.parametrize("query", ["q=", "q=%20%20", "q=x&limit=51", "q=x&limit=0", ""])
async def test_bad_searches_are_422(as_reader, query):
    r = await as_reader.get(f"/assets/search?{query}")
    assert r.status_code == 422


async def test_thirty_concurrent_misses_make_one_upstream_call(as_reader, yahoo):
    list_on_yahoo("VALE3.SA", price="61.2", previous_close="60")
    yahoo.delay = 0.2  # keep the first call in flight while the others arrive
    responses = await asyncio.gather(
        *(as_reader.get("/quotes", params={"tickers": "VALE3.SA"}) for _ in range(30))
    )
    assert {r.status_code for r in responses} == {200}
    assert yahoo.count(CHART_PATH, symbol="VALE3.SA") == 1


async def test_single_flight_across_processes(app, yahoo):
    """Two processes' caches (separate memories, one Redis) still make one upstream call."""
    list_on_yahoo("ITUB4.SA", price="33.1", previous_close="33")
    yahoo.delay = 0.3
    here, there = (create_market_data(app.state.settings, app.state.redis) for _ in range(2))
    try:
        quotes = await asyncio.gather(here.quote("ITUB4.SA"), there.quote("ITUB4.SA"))
    finally:
        await here.close()
        await there.close()
    assert quotes[0].price == quotes[1].price == Decimal("33.1")
    assert yahoo.count(CHART_PATH, symbol="ITUB4.SA") == 1


async def test_two_429s_then_success(as_reader, yahoo):
    list_on_yahoo("BBAS3.SA", price="27.5", previous_close="27")
    yahoo.fail_next(2, status=429, retry_after=0.1)
    started = time.monotonic()
    r = await as_reader.get("/quotes", params={"tickers": "BBAS3.SA"})
    assert r.status_code == 200
    assert r.json()["items"][0]["price"] == "27.5"
    assert yahoo.count(CHART_PATH) == 3
    assert time.monotonic() - started >= 0.2  # Retry-After was honoured, twice


async def test_provider_down_without_cache_is_503_never_500(as_reader, yahoo):
    list_on_yahoo("WEGE3.SA")
    yahoo.down = True
    r = await as_reader.get("/quotes", params={"tickers": "WEGE3.SA"})
    assert r.status_code == 503
    assert r.json()["code"] == "market_data_unavailable"


async def test_provider_down_serves_the_expired_value_flagged_stale(as_reader, app, yahoo):
    list_on_yahoo("WEGE3.SA", price="40.25", previous_close="40")
    assert (await as_reader.get("/quotes", params={"tickers": "WEGE3.SA"})).status_code == 200
    await age_cached_quote(app.state.redis, "WEGE3.SA", 3600)
    await app.state.market.close()
    app.state.market = create_market_data(app.state.settings, app.state.redis)  # cold memory
    yahoo.down = True
    r = await as_reader.get("/quotes", params={"tickers": "WEGE3.SA"})
    assert r.status_code == 200
    (quote,) = r.json()["items"]
    assert quote["stale"] is True
    assert quote["price"] == "40.25"


async def test_garbage_and_wrong_shapes_are_502(as_reader, yahoo):
    list_on_yahoo("RENT3.SA")
    yahoo.garbage_next(1)
    r = await as_reader.get("/quotes", params={"tickers": "RENT3.SA"})
    assert r.status_code == 502
    assert r.json()["code"] == "market_data_error"
    yahoo.malformed_next(1)
    r = await as_reader.get("/quotes", params={"tickers": "RENT3.SA"})
    assert r.status_code == 502


async def test_timeouts_are_retried_within_a_bounded_time(app, yahoo):
    list_on_yahoo("SLOW3.SA")
    yahoo.delay = 5
    market = create_market_data(app.state.settings, app.state.redis)
    started = time.monotonic()
    with pytest.raises(ProviderUnavailableError):
        await market.quote("SLOW3.SA")
    elapsed = time.monotonic() - started
    settings = app.state.settings
    assert elapsed < settings.yahoo_max_retry_seconds + settings.yahoo_timeout_seconds + 0.5
    assert yahoo.count(CHART_PATH) >= 2  # it did retry
    await market.close()


async def test_circuit_opens_fails_fast_and_recovers(app, yahoo):
    list_on_yahoo("CIRC3.SA", price="5", previous_close="5")
    settings = app.state.settings.model_copy(update={"yahoo_max_tries": 1})
    provider = YahooProvider(
        settings, circuit=CircuitBreaker(failure_threshold=3, cooldown_seconds=0.3)
    )
    try:
        yahoo.down = True
        for _ in range(3):
            with pytest.raises(ProviderUnavailableError):
                await provider.quote("CIRC3.SA")
        assert provider.circuit.state is CircuitState.OPEN
        calls = yahoo.count(CHART_PATH)
        with pytest.raises(ProviderUnavailableError, match="paused"):
            await provider.quote("CIRC3.SA")
        assert yahoo.count(CHART_PATH) == calls  # failed fast, nothing sent
        yahoo.down = False
        await asyncio.sleep(0.35)
        assert provider.circuit.state is CircuitState.HALF_OPEN
        quote = await provider.quote("CIRC3.SA")
        assert quote.price == Decimal("5")
        assert provider.circuit.state is CircuitState.CLOSED
    finally:
        await provider.close()


async def test_unknown_ticker_is_not_an_outage(app, yahoo):
    provider = YahooProvider(app.state.settings, circuit=CircuitBreaker(failure_threshold=1))
    try:
        with pytest.raises(UnknownTickerError):
            await provider.quote("NOPE3.SA")
        assert provider.circuit.state is CircuitState.CLOSED
    finally:
        await provider.close()


async def test_history_skips_null_closes(app, yahoo):
    monday = date(2026, 11, 2)
    list_on_yahoo(
        "HIST3.SA",
        history=[
            (monday, Decimal("10.10")),
            (monday + timedelta(days=1), None),
            (monday + timedelta(days=2), Decimal("10.30")),
            (monday + timedelta(days=9), Decimal("11")),
        ],
    )
    history = await app.state.market.history(
        "HIST3.SA", start=monday, end=monday + timedelta(days=4)
    )
    assert [(c.date, c.close) for c in history.closes] == [
        (monday, Decimal("10.10")),
        (monday + timedelta(days=2), Decimal("10.30")),
    ]


async def test_provider_errors_are_typed(app, yahoo):
    provider = YahooProvider(app.state.settings)
    try:
        list_on_yahoo("ODD3.SA")
        yahoo.malformed_next(1)
        with pytest.raises(ProviderError):
            await provider.quote("ODD3.SA")
    finally:
        await provider.close()


async def test_quotes_bypass_the_cache_when_redis_is_down(app, yahoo):
    from redis.asyncio import Redis

    list_on_yahoo("CASH3.SA", price="2.5", previous_close="2")
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    market = MarketData(
        provider=YahooProvider(app.state.settings), redis=dead, settings=app.state.settings
    )
    try:
        batch = await market.quotes(["CASH3.SA"])
        assert batch.quotes["CASH3.SA"].price == Decimal("2.5")
    finally:
        await market.close()
        await dead.aclose()


# ---- the asset registry and valued portfolios ---------------------------------------------


async def test_registering_an_asset_asks_the_provider(as_admin, yahoo):
    list_on_yahoo(
        "AAPL", name="Apple Inc.", currency="USD", exchange="NMS", instrument_type="EQUITY"
    )
    r = await as_admin.post("/assets", json={"ticker": "aapl", "sector": "Technology"})
    assert r.status_code == 201
    body = r.json()
    assert (body["ticker"], body["name"], body["currency"]) == ("AAPL", "Apple Inc.", "USD")
    assert (body["exchange"], body["asset_type"], body["sector"]) == ("NMS", "EQUITY", "Technology")
    r = await as_admin.post("/assets", json={"ticker": "NOPE11.SA"})
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_ticker"


async def test_registering_while_the_provider_is_down_is_503(as_admin, yahoo):
    yahoo.down = True
    r = await as_admin.post("/assets", json={"ticker": "PETR4.SA"})
    assert r.status_code == 503


async def test_a_lot_by_unregistered_ticker_registers_it(as_admin, yahoo):
    client = await make_client(as_admin)
    list_on_yahoo(
        "BTC-USD",
        price="61250.5",
        previous_close="60000",
        currency="USD",
        instrument_type="CRYPTOCURRENCY",
        name="Bitcoin USD",
    )
    lot = await make_allocation(as_admin, client["id"], ticker="btc-usd", quantity="0.015")
    asset = (await as_admin.get(f"/assets/{lot['asset_id']}")).json()
    assert (asset["ticker"], asset["asset_type"]) == ("BTC-USD", "CRYPTOCURRENCY")
    r = await as_admin.post(
        f"/clients/{client['id']}/allocations",
        json={"ticker": "NOPE", "quantity": "1", "buy_price": "1", "buy_date": "2024-01-02"},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_ticker"


async def test_valued_lots_are_exact(as_admin, as_reader, yahoo):
    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA", price="38.47", previous_close="38.10")
    await hold(as_admin, client["id"], petr, "100.5", "30.1")
    page = (await as_reader.get(f"/clients/{client['id']}/allocations")).json()
    assert page["prices_unavailable"] is False
    (lot,) = page["items"]
    assert lot["current_price"] == "38.47"
    assert lot["cost"] == "3025.05"
    # 100.5 x 38.47 = 3,866.235 and 3,866.235 - 3,025.05 = 841.185: worked out exactly,
    # shown to centavos (half away from zero, as a spreadsheet's ROUND)
    assert lot["market_value"] == "3866.24"
    assert lot["pnl"] == "841.19"
    assert lot["accumulated_return_pct"] == pytest.approx(27.807309, abs=1e-6)
    assert lot["daily_change_pct"] == pytest.approx(0.971129, abs=1e-6)


async def test_positions_have_market_value_pnl_and_weights(as_admin, as_reader, yahoo):
    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA", price="40", previous_close="40")
    vale = await make_asset(as_admin, "VALE3.SA", price="60", previous_close="60")
    aapl = await make_asset(as_admin, "AAPL", price="200", previous_close="190", currency="USD")
    list_on_yahoo("USDBRL=X", price="5", previous_close="5", currency="BRL")
    await hold(as_admin, client["id"], petr, "30", "30")
    await hold(as_admin, client["id"], vale, "10", "50")
    await hold(as_admin, client["id"], aapl, "2", "150")
    body = (await as_reader.get(f"/clients/{client['id']}/positions")).json()
    by_ticker = {p["ticker"]: p for p in body["positions"]}
    assert by_ticker["PETR4.SA"]["market_value"] == "1200"
    assert by_ticker["PETR4.SA"]["unrealized_pnl"] == "300"
    assert by_ticker["PETR4.SA"]["total_return"] == "300"
    # Weights are shares of the whole patrimônio in reais (measured before: AAPL showed 100 %,
    # alone in its currency): 1,200 + 600 + 2 x 200 x 5.00 = 3,800.
    assert by_ticker["PETR4.SA"]["weight_pct"] == pytest.approx(1200 / 3800 * 100, abs=1e-6)
    assert by_ticker["VALE3.SA"]["weight_pct"] == pytest.approx(600 / 3800 * 100, abs=1e-6)
    assert by_ticker["AAPL"]["weight_pct"] == pytest.approx(2000 / 3800 * 100, abs=1e-6)
    assert [
        (t["currency"], t["cost"], t["market_value"], t["unrealized_pnl"], t["cash"], t["value"])
        for t in body["totals"]
    ] == [("BRL", "1400", "1800", "400", "0", "1800"), ("USD", "300", "400", "100", "0", "400")]
    assert body["cash"] == []  # bought with outside money: no cash moved


async def test_kept_positions_and_lots_follow_prices_writes_and_assets(
    as_admin, as_reader, app, yahoo
):

    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA", price="40", previous_close="40")
    await hold(as_admin, client["id"], petr, "10", "30")
    url = f"/clients/{client['id']}/positions"

    async def position() -> dict:
        r = await as_reader.get(url)
        assert r.status_code == 200, r.text
        (only,) = r.json()["positions"]
        return only

    async def lots() -> list[tuple[str, str]]:
        r = await as_reader.get(f"/clients/{client['id']}/allocations")
        assert r.status_code == 200, r.text
        return [(lot["quantity"], lot["market_value"]) for lot in r.json()["items"]]

    for _ in range(2):  # the second answer is the kept one: the same prices
        assert (await position())["market_value"] == "400"
        assert await lots() == [("10", "400")]
    yahoo.set_price("PETR4.SA", Decimal("41.5"))
    await fresh_prices(app)
    assert (await position())["market_value"] == "415"  # a new price: computed again
    assert await lots() == [("10", "415")]
    await hold(as_admin, client["id"], petr, "2", "1")
    assert ((await position())["quantity"], (await position())["lots"]) == ("12", 2)
    assert sorted(await lots()) == [("10", "415"), ("2", "83")]
    r = await as_admin.patch(f"/assets/{petr['id']}", json={"name": "Petrobras PN"})
    assert r.status_code == 200, r.text
    assert (await position())["name"] == "Petrobras PN"


async def test_slow_prices_never_hold_the_listing(as_admin, as_reader, app, yahoo):
    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA")
    await make_allocation(as_admin, client["id"], asset_id=petr["id"])
    await app.state.market.close()
    app.state.market = create_market_data(app.state.settings, app.state.redis)
    await app.state.redis.delete("md:quote:PETR4.SA")
    yahoo.delay = 10
    started = time.monotonic()
    page = (await as_reader.get(f"/clients/{client['id']}/allocations")).json()
    positions = (await as_reader.get(f"/clients/{client['id']}/positions")).json()
    assert time.monotonic() - started < 2 * app.state.settings.valuation_timeout_seconds + 1
    assert page["prices_unavailable"] is True
    assert page["items"][0]["current_price"] is None
    assert page["items"][0]["cost"] == "255"
    assert positions["prices_unavailable"] is True
    assert positions["totals"][0]["market_value"] is None


async def test_simulated_provider_is_deterministic_and_labelled():
    provider = SimulatedProvider()
    first = await provider.history("PETR4.SA", start=date(2026, 1, 5), end=date(2026, 1, 9))
    again = await provider.history("PETR4.SA", start=date(2026, 1, 5), end=date(2026, 1, 9))
    assert first == again
    assert len(first.closes) == 5
    assert all(Decimal(10) < c.close < Decimal(100) for c in first.closes)
    quote = await provider.quote("PETR4.SA")
    assert quote.source == "simulated"
    assert quote.currency == "BRL"
    hits = await provider.search("petro", limit=5)
    assert [h.ticker for h in hits] == ["PETR4.SA"]
    assert hits[0].source == "simulated"


async def test_the_simulated_provider_refuses_tickers_it_does_not_know(app, as_admin):
    """Measured before: with MARKET_DATA_PROVIDER=simulated, `NAOEXISTE123` became a USD asset."""
    settings = app.state.settings.model_copy(update={"market_data_provider": "simulated"})
    await app.state.market.close()
    app.state.market = create_market_data(settings, app.state.redis)  # the next test resets it
    r = await as_admin.post("/assets", json={"ticker": "NAOEXISTE123"})
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_ticker"
    r = await as_admin.get("/quotes", params={"tickers": "NAOEXISTE123"})
    assert r.json()["errors"][0]["code"] == "unknown_ticker"
    r = await as_admin.get("/assets/search", params={"q": "NAOEXISTE"})
    assert (r.status_code, r.json()["items"]) == (200, [])
    assert (await as_admin.get("/assets")).json()["items"] == []
    # What it knows registers as before, described by the catalog.
    r = await as_admin.post("/assets", json={"ticker": "wege3.sa"})
    assert r.status_code == 201
    assert (r.json()["name"], r.json()["currency"]) == ("WEG S.A.", "BRL")


async def test_dev_start_check_names_the_switch_to_simulated(app, yahoo):
    from carteira.pricing.service import provider_problem

    yahoo.down = True
    market = create_market_data(app.state.settings, app.state.redis)
    try:
        assert "unavailable" in (await provider_problem(market) or "")
        yahoo.down = False
        list_on_yahoo("AAPL")
        assert await provider_problem(market) is None
    finally:
        await market.close()


async def test_a_429_storm_is_bounded_and_served_stale(as_reader, app, yahoo):
    """Yahoo answers nothing but 429 with a long Retry-After: the API neither waits that long
    nor fails; it serves what it has, flagged stale, and says what it could not price."""
    for ticker in ("ABEV3.SA", "ITSA4.SA"):
        list_on_yahoo(ticker, price="12.5", previous_close="12")
    r = await as_reader.get("/quotes", params={"tickers": "ABEV3.SA,ITSA4.SA"})
    assert [q["stale"] for q in r.json()["items"]] == [False, False]
    for ticker in ("ABEV3.SA", "ITSA4.SA"):
        await age_cached_quote(app.state.redis, ticker, 3600)
    await app.state.market.close()
    app.state.market = create_market_data(app.state.settings, app.state.redis)
    list_on_yahoo("NEWS3.SA")
    yahoo.fail_next(10_000, status=429, retry_after=60)

    started = time.monotonic()
    r = await as_reader.get("/quotes", params={"tickers": "ABEV3.SA,ITSA4.SA,NEWS3.SA"})
    elapsed = time.monotonic() - started

    settings = app.state.settings
    assert elapsed < settings.yahoo_max_retry_seconds + settings.yahoo_timeout_seconds + 1
    assert r.status_code == 200
    body = r.json()
    assert [(q["ticker"], q["price"], q["stale"]) for q in body["items"]] == [
        ("ABEV3.SA", "12.5", True),
        ("ITSA4.SA", "12.5", True),
    ]
    assert [e["ticker"] for e in body["errors"]] == ["NEWS3.SA"]
    # Only a new ticker in the storm, nothing cached: a 503, never a 500.
    r = await as_reader.get("/quotes", params={"tickers": "NEWS3.SA"})
    assert r.status_code == 503


async def test_a_partial_outage_prices_the_rest_fresh(as_reader, app, yahoo):
    for ticker in ("GOOD3.SA", "FLAK3.SA", "GONE3.SA"):
        list_on_yahoo(ticker, price="7", previous_close="7")
    await as_reader.get("/quotes", params={"tickers": "FLAK3.SA"})
    await age_cached_quote(app.state.redis, "FLAK3.SA", 3600)
    await app.state.market.close()
    app.state.market = create_market_data(app.state.settings, app.state.redis)
    yahoo.fail_symbol("FLAK3.SA", status=500)
    yahoo.fail_symbol("GONE3.SA", status=503)

    r = await as_reader.get("/quotes", params={"tickers": "GOOD3.SA,FLAK3.SA,GONE3.SA"})

    assert r.status_code == 200
    body = r.json()
    assert {q["ticker"]: q["stale"] for q in body["items"]} == {
        "GOOD3.SA": False,  # the healthy ticker is fresh
        "FLAK3.SA": True,  # the failing one falls back to its expired value
    }
    assert [e["ticker"] for e in body["errors"]] == ["GONE3.SA"]


# ---- one process's memory in front of the shared Redis -------------------------------------


@pytest.fixture
async def two_processes(app, yahoo):
    """Two market-data services on the same Redis, as the worker and an API process are."""
    worker, api = (create_market_data(app.state.settings, app.state.redis) for _ in range(2))
    try:
        yield worker, api
    finally:
        await worker.close()
        await api.close()


class CountedRedis:
    """The real Redis client, counting MGETs (every call goes through to Redis)."""

    def __init__(self, redis) -> None:
        self.redis = redis
        self.mgets = 0

    def __getattr__(self, name: str):
        return getattr(self.redis, name)

    async def mget(self, *args, **kwargs):
        self.mgets += 1
        return await self.redis.mget(*args, **kwargs)


async def test_readers_of_an_expired_memory_copy_share_one_redis_read(two_processes):
    worker, api = two_processes
    list_on_yahoo("PETR4.SA", price="38.47", previous_close="38")
    await worker.quotes(["PETR4.SA"])
    await api.quotes(["PETR4.SA"])
    key = api.quote_key("PETR4.SA")
    # The memory copy ran out; Redis holds the worker's, still fresh.
    api.cache._local[key].fetched_at -= api.settings.quote_cache_ttl_seconds
    worker_copy = json.loads(await api.cache.redis.get(key))
    worker_copy["t"] = time.time()
    await api.cache.redis.set(key, json.dumps(worker_copy))
    api.cache.redis = counted = CountedRedis(api.cache.redis)
    batches = await asyncio.gather(*(api.quotes(["PETR4.SA"]) for _ in range(20)))
    assert all(b.quotes["PETR4.SA"].price == Decimal("38.47") for b in batches)
    assert counted.mgets == 1


async def test_a_memory_copy_past_half_its_ttl_is_served_while_a_newer_one_is_read(
    two_processes, yahoo
):
    worker, api = two_processes
    list_on_yahoo("PETR4.SA", price="38.47", previous_close="38")
    await worker.quotes(["PETR4.SA"])
    await api.quotes(["PETR4.SA"])
    key = api.quote_key("PETR4.SA")
    ttl = api.settings.quote_cache_ttl_seconds
    api.cache._local[key].fetched_at = time.time() - 0.6 * ttl
    # The worker's tick has fetched a newer quote into Redis meanwhile.
    yahoo.set_price("PETR4.SA", Decimal("39.01"))
    await asyncio.sleep(1.05)
    await worker.quotes(["PETR4.SA"], fresh_for=1)
    yahoo.calls.clear()
    first = await api.quotes(["PETR4.SA"])
    assert first.quotes["PETR4.SA"].price == Decimal("38.47")  # served at once, from memory
    await asyncio.sleep(0.1)
    second = await api.quotes(["PETR4.SA"])
    assert second.quotes["PETR4.SA"].price == Decimal("39.01")  # the newer copy, read ahead
    assert yahoo.count(CHART_PATH) == 0
