"""WebSocket streams over real TCP (uvicorn serving the session's app), on the real Redis."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import aiohttp
import pytest

from carteira.core import clock
from carteira.realtime.service import Hub, subscribed_tickers
from tests.factories import hold, list_on_yahoo, make_allocation, make_asset, make_client
from tests.fakes.yahoo import CHART_PATH
from tests.support import closed_with, fresh_prices, next_json, raw_connection, tick, ws_url


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


async def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


# ---- admission ------------------------------------------------------------------------------


async def test_no_token_is_closed_4401_before_any_data(http, live_url):
    async with http.ws_connect(ws_url(live_url, "/ws/prices?tickers=AAPL")) as ws:
        assert await closed_with(ws) == 4401


async def test_revoked_and_garbage_tokens_are_4401(http, live_url, client, reader):
    await client.post("/auth/logout", headers=reader.headers)
    for token in (reader.token, "not-a-token"):
        async with http.ws_connect(ws_url(live_url, f"/ws/dashboard?token={token}")) as ws:
            assert await closed_with(ws) == 4401


async def test_foreign_origin_is_4403_own_origin_and_none_are_welcome(http, live_url, reader):
    url = ws_url(live_url, f"/ws/prices?token={reader.token}")
    async with http.ws_connect(url, headers={"Origin": "https://evil.example"}) as ws:
        assert await closed_with(ws) == 4403
    async with http.ws_connect(url, headers={"Origin": live_url}) as ws:
        await ws.send_str("ping?")
        assert (await next_json(ws))["type"] == "error"  # admitted: it answers
    async with http.ws_connect(url) as ws:  # no Origin: not a browser
        await ws.send_str("ping?")
        assert (await next_json(ws))["type"] == "error"


async def test_cookie_authentication(http, live_url, client, reader):
    r = await client.post("/auth/login", json={"email": reader.email, "password": reader.password})
    cookie = r.cookies["access_token"]
    async with http.ws_connect(
        ws_url(live_url, "/ws/prices"), headers={"Cookie": f"access_token={cookie}"}
    ) as ws:
        await ws.send_str("{}")
        assert (await next_json(ws))["type"] == "error"  # admitted: it answers


# ---- prices ---------------------------------------------------------------------------------


async def test_snapshot_then_every_tick_to_every_socket(
    http, live_url, app, as_admin, reader, yahoo
):
    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA", price="38.47", previous_close="38")
    await make_allocation(as_admin, client["id"], asset_id=petr["id"])
    url = ws_url(live_url, f"/ws/prices?tickers=PETR4.SA&token={reader.token}")
    async with http.ws_connect(url) as one, http.ws_connect(url) as two:
        for ws in (one, two):
            snapshot = await next_json(ws)
            assert snapshot["type"] == "price"
            assert (snapshot["ticker"], snapshot["price"], snapshot["source"]) == (
                "PETR4.SA",
                "38.47",
                "yahoo",
            )
        yahoo.set_price("PETR4.SA", Decimal("39.01"))
        await fresh_prices(app)
        await tick(app)
        first, second = await next_json(one), await next_json(two)
        assert first == second
        assert (first["ticker"], first["price"]) == ("PETR4.SA", "39.01")
        assert first["change_pct"] == pytest.approx(2.657895, abs=1e-6)


async def test_the_tick_fetches_again_a_quote_from_the_last_tick(app, as_admin, yahoo):
    """The tick keeps held quotes ahead of their TTL: a quote left to expire would run out
    under the API's readers first, and every valuation would then wait on the tick's fetch."""
    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA", price="38.47", previous_close="38")
    await make_allocation(as_admin, client["id"], asset_id=petr["id"])
    market = app.state.market
    market.settings = market.settings.model_copy(update={"tick_seconds": 2})
    await tick(app)
    yahoo.calls.clear()
    await tick(app)  # within half a tick: the quote just fetched is used
    assert yahoo.count(CHART_PATH) == 0
    await asyncio.sleep(1.1)  # half a tick later, well inside the quote TTL (10 s)
    await tick(app)
    assert yahoo.count(CHART_PATH) == 1


async def test_a_dashboard_gets_one_frame_per_tick_shared_by_its_book(
    http, live_url, app, as_admin, admin, reader, yahoo
):
    client = await make_client(as_admin)
    for ticker, price in (("PETR4.SA", "38.47"), ("VALE3.SA", "61")):
        asset = await make_asset(as_admin, ticker, price=price, previous_close=price)
        await make_allocation(as_admin, client["id"], asset_id=asset["id"])
    urls = [ws_url(live_url, f"/ws/dashboard?token={user.token}") for user in (admin, reader)]
    async with http.ws_connect(urls[0]) as one, http.ws_connect(urls[1]) as two:
        for ws in (one, two):
            snapshot = await next_json(ws)
            assert snapshot["type"] == "prices"
            assert [p["ticker"] for p in snapshot["prices"]] == ["PETR4.SA", "VALE3.SA"]
            assert (await next_json(ws))["type"] == "inflows"
        yahoo.set_price("VALE3.SA", Decimal("62.5"))
        await fresh_prices(app)
        await tick(app)
        first, second = await next_json(one), await next_json(two)
        assert first == second
        assert first["type"] == "prices"
        prices = {p["ticker"]: (p["type"], p["price"]) for p in first["prices"]}
        assert prices == {"PETR4.SA": ("price", "38.47"), "VALE3.SA": ("price", "62.5")}
        with pytest.raises(TimeoutError):  # nothing more for this tick
            await next_json(one, seconds=0.3)


async def test_dashboards_opening_together_take_the_firms_tickers_from_the_tick(
    http, live_url, app, as_admin, reader, yahoo, monkeypatch
):
    from carteira.allocations import service as allocations

    queries = []
    real_held_tickers = allocations.held_tickers

    async def counted(**kwargs):
        if kwargs.get("events") is app.state.events:  # the hub's (the tick's job asks too)
            queries.append(kwargs)
        return await real_held_tickers(**kwargs)

    monkeypatch.setattr(allocations, "held_tickers", counted)
    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA", price="38", previous_close="38")
    await make_allocation(as_admin, client["id"], asset_id=petr["id"])
    await tick(app)
    for _ in range(100):  # the tick reaches this process through Redis
        if app.state.hub.held == {"PETR4.SA"}:
            break
        await asyncio.sleep(0.02)
    url = ws_url(live_url, f"/ws/dashboard?token={reader.token}")

    async def first_prices() -> list[str]:
        async with http.ws_connect(url) as ws:
            return [p["ticker"] for p in (await next_json(ws))["prices"]]

    # A reconnect storm: twenty dashboards, no query (the tick said what the firm holds).
    assert await asyncio.gather(*(first_prices() for _ in range(20))) == [["PETR4.SA"]] * 20
    assert queries == []
    # After a write, what is held now (not the tick's) is read again.
    vale = await make_asset(as_admin, "VALE3.SA", price="61", previous_close="61")
    await make_allocation(as_admin, client["id"], asset_id=vale["id"])
    assert await first_prices() == ["PETR4.SA", "VALE3.SA"]
    assert len(queries) == 1


async def test_subscribe_and_unsubscribe(http, live_url, app, as_admin, reader, yahoo):
    # One registered, one found by a search: both count as known tickers.
    await make_asset(as_admin, "VALE3.SA", price="61", previous_close="60")
    list_on_yahoo("AAPL", price="200", previous_close="190", currency="USD")
    assert (await as_admin.get("/assets/search", params={"q": "AAPL"})).status_code == 200
    async with http.ws_connect(ws_url(live_url, f"/ws/prices?token={reader.token}")) as ws:
        await ws.send_json({"action": "subscribe", "tickers": ["aapl", "VALE3.SA"]})
        snapshot = {(await next_json(ws))["ticker"] for _ in range(2)}
        assert snapshot == {"AAPL", "VALE3.SA"}
        await asyncio.sleep(0.1)
        assert {"AAPL", "VALE3.SA"} <= set(await subscribed_tickers(app.state.redis))
        await ws.send_json({"action": "unsubscribe", "tickers": ["AAPL"]})
        await asyncio.sleep(0.05)
        await tick(app)
        message = await next_json(ws)
        assert message["ticker"] == "VALE3.SA"
        with pytest.raises(TimeoutError):
            await next_json(ws, seconds=0.3)  # nothing for AAPL any more


async def test_bad_messages_get_errors_not_disconnects(http, live_url, as_admin, reader, yahoo):
    await make_asset(as_admin, "AAPL")
    async with http.ws_connect(ws_url(live_url, f"/ws/prices?token={reader.token}")) as ws:
        for bad in ("{not json", json.dumps({"action": "dance"}), json.dumps([1, 2])):
            await ws.send_str(bad)
            assert (await next_json(ws))["type"] == "error"
        too_many = [f"T{n}" for n in range(51)]
        await ws.send_json({"action": "subscribe", "tickers": too_many})
        assert (await next_json(ws))["type"] == "error"
        await ws.send_json({"action": "subscribe", "tickers": ["NOSUCH1"]})
        unknown = await next_json(ws)
        assert (unknown["code"], unknown["tickers"]) == ("unknown_ticker", ["NOSUCH1"])
        await ws.send_json({"action": "subscribe", "tickers": ["AAPL"]})
        assert (await next_json(ws))["ticker"] == "AAPL"  # still open and working


async def test_too_many_tickers_in_the_url(http, live_url, reader):
    tickers = ",".join(f"T{n}" for n in range(51))
    async with http.ws_connect(
        ws_url(live_url, f"/ws/prices?tickers={tickers}&token={reader.token}")
    ) as ws:
        assert "at most 50" in (await next_json(ws))["detail"]


# ---- inflows ----------------------------------------------------------------------------------


async def test_inflows_snapshot_then_updates_after_an_allocation(http, live_url, as_admin, admin):
    today = clock.today()
    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA")
    url = f"/ws/inflows?year={today.year}&month={today.month}&token={admin.token}"
    async with (
        http.ws_connect(ws_url(live_url, url)) as inflows,
        http.ws_connect(ws_url(live_url, f"/ws/dashboard?token={admin.token}")) as dashboard,
    ):
        snapshot = await next_json(inflows)
        assert (snapshot["type"], snapshot["total"]) == ("inflows", "0")
        assert (await next_json(dashboard))["type"] == "inflows"
        await hold(as_admin, client["id"], petr, "3", "2.5", on=today)
        update = await next_json(inflows)
        assert (update["type"], update["total"], update["count"]) == ("inflows", "7.5", 1)
        assert update["by_client"][0]["client_id"] == client["id"]
        assert (await next_json(dashboard))["total"] == "7.5"


async def test_a_burst_of_writes_is_one_frame_and_a_dashboard_lists_its_top_clients(
    http, live_url, as_admin, admin
):
    today = clock.today()
    url = f"/ws/inflows?year={today.year}&month={today.month}&token={admin.token}"
    async with (
        http.ws_connect(ws_url(live_url, url)) as inflows,
        http.ws_connect(ws_url(live_url, f"/ws/dashboard?token={admin.token}")) as dashboard,
    ):
        assert (await next_json(inflows))["type"] == "inflows"
        assert (await next_json(dashboard))["type"] == "inflows"
        for n in range(12):  # twelve clients, each depositing 1..12 within a second
            client = await make_client(as_admin, name=f"Cliente {n + 1:02d}")
            deposit = {"kind": "deposit", "date": today.isoformat(), "amount": str(n + 1)}
            r = await as_admin.post(f"/clients/{client['id']}/transactions", json=deposit)
            assert r.status_code == 201, r.text

        async def until_all_in(ws) -> tuple[dict, int]:
            frames = 1
            while (frame := await next_json(ws))["total"] != "78":
                frames += 1
            return frame, frames

        (full, frames), (card, _) = await until_all_in(inflows), await until_all_in(dashboard)
        assert frames <= 4, "a burst of twelve writes is a frame a second, not twelve"
        assert (full["count"], len(full["by_client"])) == (12, 12)
        assert card["count"] == 12
        assert [c["net"] for c in card["by_client"]] == [str(n) for n in range(12, 2, -1)]
        with pytest.raises(TimeoutError):
            await next_json(inflows, seconds=1.5)


# ---- slow clients, disconnects, shutdown -------------------------------------------------------


async def _raw_socket_that_never_reads(live_url: str, path: str) -> socket.socket:
    raw, host = await raw_connection(live_url)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )
    await asyncio.get_running_loop().sock_sendall(raw, request.encode())
    return raw  # the 101 answer and everything after it are left unread


async def test_a_slow_client_is_dropped_while_a_fast_one_keeps_receiving(
    http, live_url, app, as_admin, reader, yahoo
):
    from carteira.assets.models import Asset
    from tests.support import connect, copy_buys

    client = await make_client(as_admin)
    tickers = [f"SLOW{n:03d}.SA" for n in range(150)]  # ~35 kB per tick for a dashboard
    for ticker in tickers:
        list_on_yahoo(ticker, price="10", previous_close="9")
    await Asset.bulk_create([Asset(ticker=t, name=t, currency="BRL") for t in tickers])
    conn = await connect(app.state.settings.database_url)
    now = datetime.now(UTC)
    try:
        await copy_buys(
            conn,
            [
                (client["id"], asset.id, 1, 1, date(2025, 1, 2), now, now)
                for asset in await Asset.filter(ticker__in=tickers)
            ],
        )
    finally:
        await conn.close()
    hub = app.state.hub
    hub.queue_size = 4
    slow = await _raw_socket_that_never_reads(live_url, f"/ws/dashboard?token={reader.token}")
    try:
        async with http.ws_connect(ws_url(live_url, f"/ws/dashboard?token={reader.token}")) as fast:
            await wait_for(lambda: len(hub.connections) == 2)  # both admitted and registered
            received = 0
            deadline = time.monotonic() + 30
            # The kernel's socket buffers absorb a few MB before the slow socket's queue fills.
            while len(hub.connections) > 1 and time.monotonic() < deadline:
                await tick(app)
                while True:
                    try:
                        frame = await next_json(fast, seconds=0.02)
                    except TimeoutError:
                        break
                    received += len(frame.get("prices", ()))  # prices, a frame per tick
            assert len(hub.connections) == 1, "the slow socket is still there"
            await tick(app)
            assert (await next_json(fast))["type"] == "prices"  # the fast one goes on
            assert received > 1000
    finally:
        slow.close()
        hub.queue_size = 16


async def test_disconnects_leave_nothing_running(http, live_url, app, reader):
    hub = app.state.hub
    before = len(asyncio.all_tasks())
    sockets = [
        await http.ws_connect(ws_url(live_url, f"/ws/prices?token={reader.token}"))
        for _ in range(20)
    ]
    await asyncio.sleep(0.1)
    assert len(hub.connections) == 20
    for ws in sockets:
        await ws.close()
    for _ in range(100):
        if not hub.connections:
            break
        await asyncio.sleep(0.01)
    assert not hub.connections
    await asyncio.sleep(0.05)
    assert len(asyncio.all_tasks()) <= before


async def test_shutdown_closes_every_socket_promptly(http, live_url, app, reader):
    live = app.state.hub
    hub = Hub(
        bus=app.state.events,
        market=app.state.market,
        sessions=app.state.sessions,
        reporting_currency="BRL",
        tick_seconds=5,
        max_per_user=20,
    )
    app.state.hub = hub
    hub.start()
    try:
        sockets = [
            await http.ws_connect(ws_url(live_url, f"/ws/prices?token={reader.token}"))
            for _ in range(5)
        ]
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await hub.stop()
        assert time.monotonic() - started < 2
        for ws in sockets:
            assert await closed_with(ws) == 1001
        assert not hub.connections
    finally:
        app.state.hub = live


async def _raw_socket(live_url: str, path: str) -> asyncio.StreamWriter:
    """A WebSocket opened by hand, so that it can vanish without a close frame (RST)."""
    host, port = live_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    return writer


async def _drop_cancelled_timers() -> None:
    """asyncio keeps a cancelled timer, and the context it was scheduled in (with a socket's
    request, its span and telemetry: a few KiB), until its deadline, unless cancelled timers
    are over half of the loop's; then it drops them all. A vanished socket leaves one (its
    sender's 30 s ping wait), and so does every connection handed back to asyncpg's pool
    (its 300 s idle timer, re-armed on each release). Whether they are dropped soon then
    depends on how many live timers earlier tests left in the session's loop (hundreds of
    asyncpg statement-cache expiries in a full run): tip the balance, so that memory is
    measured without them."""
    loop = asyncio.get_running_loop()
    for handle in [loop.call_later(3600, int) for _ in range(10_000)]:
        handle.cancel()
    await asyncio.sleep(0)  # the loop's next iteration sweeps them
    await asyncio.sleep(0)


async def test_200_sockets_vanishing_leak_no_tasks_or_memory(
    live_url, app, as_admin, reader, yahoo, monkeypatch
):
    """Three rounds of 200 sockets dropped with a TCP reset mid-stream: every round gives back
    its tasks and its memory (traced allocations of this process, measured after round 1).

    The event loop is the session's, shared with every earlier test: the tasks counted are the
    round's own, and memory is measured without the timers the round cancelled (see
    `_drop_cancelled_timers`)."""
    import gc
    import tracemalloc

    hub = app.state.hub
    # One user's 200 sockets are the point here, not the per-user cap.
    monkeypatch.setattr(hub, "max_per_user", 1000)
    await make_asset(as_admin, "PETR4.SA", price="38")
    path = f"/ws/prices?tickers=PETR4.SA&token={reader.token}"

    async def round_of(n: int) -> set[asyncio.Task]:
        """The tasks the round started that are still there once its sockets are gone."""
        before = asyncio.all_tasks()
        writers = await asyncio.gather(*(_raw_socket(live_url, path) for _ in range(n)))
        await wait_for(lambda: len(hub.connections) == n, seconds=20)
        await tick(app)  # data in flight while they vanish
        for writer in writers:
            writer.transport.abort()
        await wait_for(lambda: not hub.connections, seconds=20)
        deadline = time.monotonic() + 10
        while (left := asyncio.all_tasks() - before) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await _drop_cancelled_timers()
        gc.collect()
        return left

    tracemalloc.start()
    try:
        await round_of(200)  # warms every lazy cache, pool and keep-alive connection
        after_first, _ = tracemalloc.get_traced_memory()
        assert await round_of(200) == set()
        assert await round_of(200) == set()
        after_third, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 400 more sockets came and went: less than 1 KiB of growth per socket (a leak of a
    # socket's queue, task or handler would be several KiB each).
    assert after_third - after_first < 400 * 1024, (after_first, after_third)
