"""Attacks that need a real `carteira serve` (or `carteira worker`) process: what the server
logs, which peer it believes, what a slow download holds, what a killed worker leaves."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import time
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from carteira.main import WARM_UP_SECONDS
from tests.b3_files import lying, zip_bomb
from tests.conftest import Account
from tests.factories import make_asset, make_client
from tests.support import (
    carteira_process,
    connect,
    copy_buys,
    free_port,
    process_env,
    raw_connection,
    wait_http,
)

pytestmark = pytest.mark.multiprocess


@contextlib.contextmanager
def logged_server(settings, log: Path, **env: str) -> Iterator[str]:
    """`carteira serve` whose stderr goes to `log`; yields its base URL."""
    port = free_port()
    environment = process_env(settings, MARKET_DATA_PROVIDER="simulated", **env)
    with (
        log.open("wb") as sink,
        carteira_process("serve", "--port", str(port), env=environment, output=sink),
    ):
        yield f"http://127.0.0.1:{port}"


async def test_tokens_in_socket_urls_never_reach_the_logs(settings, admin, tmp_path):
    """Measured before: uvicorn logged every `/ws/...?token=<JWT>` handshake at INFO."""
    log = tmp_path / "server.log"
    with logged_server(settings, log, LOG_LEVEL="INFO", LOG_FORMAT="json") as url:
        await wait_http(f"{url}/health")
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(f"{url.replace('http', 'ws')}/ws/prices?token={admin.token}")
            await ws.close()
            async with http.post(
                f"{url}/auth/ws-ticket", headers={"Authorization": f"Bearer {admin.token}"}
            ) as r:
                ticket = (await r.json())["ticket"]
            ws = await http.ws_connect(f"{url.replace('http', 'ws')}/ws/prices?ticket={ticket}")
            await ws.close()
            await asyncio.sleep(0.3)
    text = log.read_text()
    assert "/ws/prices" in text  # the handshakes were logged...
    assert admin.token not in text  # ...without the credentials
    assert ticket not in text
    assert "token=[redacted]" in text


async def test_disguised_token_parameters_and_bare_jwts_never_reach_the_logs(
    settings, admin, tmp_path
):
    """Measured before: `?tok%65n=<JWT>` authenticated a socket (the server decodes the name)
    and uvicorn logged the JWT with the handshake, as it did for `?TOKEN=` or `?note=<JWT>`."""
    log = tmp_path / "server.log"
    with logged_server(settings, log, LOG_LEVEL="INFO", LOG_FORMAT="json") as url:
        await wait_http(f"{url}/health")
        base = url.replace("http", "ws")
        async with aiohttp.ClientSession() as http:
            # encoded=True: the URL goes out as written (yarl would turn `%65` back into `e`).
            disguised = URL(f"{base}/ws/dashboard?tok%65n={admin.token}", encoded=True)
            ws = await http.ws_connect(disguised)
            first = await ws.receive(timeout=10)
            assert first.type is aiohttp.WSMsgType.TEXT  # authenticated: data, not a 4401
            await ws.close()
            for query in (
                f"TOKEN={admin.token}",
                f"tickers=PETR4.SA&%74ok%65n={admin.token}",
                f"note={admin.token}",
                f"note=%65{admin.token[1:]}",
            ):
                ws = await http.ws_connect(URL(f"{base}/ws/prices?{query}", encoded=True))
                await ws.receive(timeout=10)
                await ws.close()
            await asyncio.sleep(0.3)
    text = log.read_text()
    assert text.count('"WebSocket /ws/') == 5  # every handshake was logged...
    signature = admin.token.rsplit(".", 1)[1]
    assert signature not in text  # ...and no JWT, nor a part of one
    assert "tok%65n=[redacted]" in text
    assert "note=[redacted]" in text
    for line in text.splitlines():
        json.loads(line)  # still one JSON object per line


async def test_x_forwarded_for_is_believed_only_from_configured_proxies(settings, admin, tmp_path):
    body = {"email": admin.email, "password": "wrong-guess"}

    async def guesses(url: str) -> list[int]:
        codes = []
        async with aiohttp.ClientSession() as http:
            for n in range(7):
                headers = {"X-Forwarded-For": f"198.51.100.{n}"}
                async with http.post(f"{url}/auth/login", json=body, headers=headers) as r:
                    codes.append(r.status)
        return codes

    with logged_server(settings, tmp_path / "a.log") as url:
        await wait_http(f"{url}/health")
        # No proxy configured: the header is the attacker's own, the peer is what counts.
        assert await guesses(url) == [401] * 5 + [429] * 2
    await _forget_throttles(settings)
    with logged_server(settings, tmp_path / "b.log", FORWARDED_ALLOW_IPS="127.0.0.1") as url:
        await wait_http(f"{url}/health")
        # Behind the configured proxy, each client address is counted on its own.
        assert await guesses(url) == [401] * 7


async def _forget_throttles(settings) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(settings.redis_url)
    try:
        for key in await redis.keys("auth:login-failures:*"):
            await redis.delete(key)
    finally:
        await redis.aclose()


async def test_only_allowed_host_names_are_served(settings, admin, tmp_path):
    """Measured before: `GET /clients/` with `Host: evil.example` answered 307 with
    `Location: http://evil.example/clients`, and a socket whose Origin matched its own Host was
    let in (a DNS-rebinding page's)."""
    auth = {"Authorization": f"Bearer {admin.token}"}
    with logged_server(settings, tmp_path / "h.log") as url:
        await wait_http(f"{url}/health")
        port = url.rsplit(":", 1)[1]
        async with aiohttp.ClientSession() as http:
            for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example"):
                async with http.get(
                    f"{url}/clients/", headers={**auth, "Host": host}, allow_redirects=False
                ) as r:
                    assert r.status == 400
                    assert "location" not in r.headers
                    assert (await r.json())["code"] == "host_not_allowed"
                    assert r.headers["x-content-type-options"] == "nosniff"
            # The names `make run` and local probes use are served, redirect included.
            for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
                async with http.get(
                    f"{url}/clients/", headers={**auth, "Host": host}, allow_redirects=False
                ) as r:
                    assert r.status == 307
                    assert r.headers["location"] == f"http://{host}/clients"
            rebinding = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(
                    f"{url.replace('http', 'ws')}/ws/dashboard", headers={**rebinding, **auth}
                )
            assert refused.value.status == 403
    # Behind a proxy: the public name, or every name under a domain.
    allowed = "app.example.com,*.internal.example.com"
    with logged_server(settings, tmp_path / "p.log", ALLOWED_HOSTS=allowed) as url:
        async with aiohttp.ClientSession() as http:
            await _until_serving(http, f"{url}/health", host="app.example.com")
            for host, status in (
                ("app.example.com", 200),
                ("API.Internal.Example.com:8443", 200),
                ("internal.example.com", 400),
                ("127.0.0.1", 400),
            ):
                async with http.get(f"{url}/health", headers={"Host": host}) as r:
                    assert r.status == status, host


async def _until_serving(http: aiohttp.ClientSession, url: str, *, host: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(aiohttp.ClientConnectionError):
            async with http.get(url, headers={"Host": host}) as r:
                if r.status == 200:
                    return
        assert time.monotonic() < deadline, "the server never answered"
        await asyncio.sleep(0.2)


async def test_no_server_banner(settings, tmp_path):
    with logged_server(settings, tmp_path / "s.log") as url:
        await wait_http(f"{url}/health")
        async with aiohttp.ClientSession() as http, http.get(f"{url}/health") as r:
            assert "server" not in {name.lower() for name in r.headers}


# ---- slow downloads ----------------------------------------------------------------------


async def _slow_reader(url: str, path: str, token: str) -> tuple[socket.socket, bytes]:
    """A client that asks for a download, reads its first bytes, then stops reading."""
    raw, host = await raw_connection(url)
    loop = asyncio.get_running_loop()
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n"
    await loop.sock_sendall(raw, request.encode())
    head = await asyncio.wait_for(loop.sock_recv(raw, 512), 10)
    return raw, head


async def _many_buys(settings, as_admin, *, count: int) -> None:
    """`count` buys on 2 March 2026: a March inflows CSV of several megabytes."""
    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "PETR4.SA")
    conn = await connect(settings.database_url)
    try:
        day = date(2026, 3, 2)
        await copy_buys(
            conn, ((client["id"], asset["id"], 1, 10, day, day, day) for _ in range(count))
        )
    finally:
        await conn.close()


# The download every slow-reader test asks for: the March inflows CSV of `_many_buys`.
MARCH_INFLOWS_CSV = "/reports/inflows?year=2026&month=3&format=csv"


@contextlib.asynccontextmanager
async def _download_server(
    settings, as_admin, app, *, buys: int, ready_seconds: float = 30, **env: str
) -> AsyncIterator[tuple[str, Account]]:
    """`buys` buys in March, then `carteira serve` with `env`; yields its base URL and a third
    account (a reader besides `admin` and `reader`). Two export slots, one per user: `admin`
    and `reader` can take both and leave `third` refused."""
    await _many_buys(settings, as_admin, count=buys)
    port = free_port()
    third = await _third_account(app, settings)
    slots = {"EXPORT_MAX_CONCURRENT": "2", "EXPORT_MAX_PER_USER": "1"}
    with carteira_process("serve", "--port", str(port), env=process_env(settings, **slots, **env)):
        url = f"http://127.0.0.1:{port}"
        await wait_http(f"{url}/health", seconds=ready_seconds)
        yield url, third


async def test_slow_downloads_cannot_starve_the_pool(settings, as_admin, admin, reader, app):
    """Measured before: pool-size + 2 slow CSV readers made every route time out."""
    path = MARCH_INFLOWS_CSV
    async with _download_server(
        settings,
        as_admin,
        app,
        buys=150_000,
        # It listens once its warm-up has run (up to WARM_UP_SECONDS over 150,000 entries).
        ready_seconds=WARM_UP_SECONDS + 30,
        DATABASE_POOL_SIZE="2",
        EXPORT_TIMEOUT_SECONDS="4",
        DATABASE_ACQUIRE_TIMEOUT_SECONDS="2",
    ) as (url, third):
        first, head = await _slow_reader(url, path, admin.token)
        assert b" 200 " in head.split(b"\r\n")[0]
        second, head = await _slow_reader(url, path, reader.token)
        assert b" 200 " in head.split(b"\r\n")[0]
        async with aiohttp.ClientSession() as http:
            auth = {"Authorization": f"Bearer {admin.token}"}
            async with http.get(url + path, headers=auth) as r:
                assert r.status == 429  # this user already downloads
                assert r.headers["Retry-After"]
            async with http.get(
                url + path, headers={"Authorization": f"Bearer {third.token}"}
            ) as r:
                assert r.status == 429  # the process's export slots are all taken
            # Meanwhile every other route answers: the downloads hold their own pool.
            started = time.monotonic()
            for _ in range(10):
                async with http.get(f"{url}/clients", headers=auth) as r:
                    assert r.status == 200
            assert time.monotonic() - started < 5
            # Past the deadline the slow downloads are cut and their slots come back.
            deadline = time.monotonic() + 15
            while True:
                async with http.get(f"{url}/reports/clients?format=csv", headers=auth) as r:
                    if r.status == 200:
                        await r.read()
                        break
                assert time.monotonic() < deadline, "the slow downloads kept their slots"
                await asyncio.sleep(0.5)
        first.close()
        second.close()


async def _trickle(raw: socket.socket, *, bytes_per_read: int, every: float) -> None:
    """Reads `bytes_per_read` every `every` seconds, until it is cancelled or the server closes
    (after the bytes already in the sockets' buffers)."""
    loop = asyncio.get_running_loop()
    while await loop.sock_recv(raw, bytes_per_read):
        await asyncio.sleep(every)


async def test_trickling_readers_give_their_export_slots_back(
    settings, as_admin, admin, reader, app
):
    """Measured before: readers taking a few hundred bytes a second held every export slot
    until EXPORT_TIMEOUT_SECONDS (300 s by default). Small thresholds keep the test quick."""
    path = MARCH_INFLOWS_CSV
    async with _download_server(
        settings,
        as_admin,
        app,
        buys=60_000,
        EXPORT_TIMEOUT_SECONDS="300",
        EXPORT_MIN_BYTES_PER_SECOND="4096",
        EXPORT_SLOW_READER_SECONDS="2",
    ) as (url, third):
        slow = []
        for token in (admin.token, reader.token):
            raw, head = await _slow_reader(url, path, token)
            assert b" 200 " in head.split(b"\r\n")[0]
            slow.append(raw)
        # 1 KB a second each: a quarter of what a reader must take.
        trickles = [
            asyncio.create_task(_trickle(raw, bytes_per_read=100, every=0.1)) for raw in slow
        ]
        started = time.monotonic()
        async with aiohttp.ClientSession() as http:
            auth = {"Authorization": f"Bearer {third.token}"}
            async with http.get(url + path, headers=auth) as r:
                assert r.status == 429  # every slot is a trickling reader's
            # Cut after about two seconds of the server waiting on them: the slots come back.
            while True:
                async with http.get(url + path, headers=auth) as r:
                    if r.status == 200:
                        body = await r.read()  # a normal reader takes the whole file
                        break
                # Far below the 300 s the slots were held before, and loose enough for a
                # loaded machine (the cut needs the server to produce rows as well).
                assert time.monotonic() - started < 60, "the trickling readers kept the slots"
                await asyncio.sleep(0.2)
        for trickle, raw in zip(trickles, slow, strict=True):
            trickle.cancel()
            raw.close()
    lines = body.decode("utf-8-sig").splitlines()
    assert len(lines) == 60_001  # the header and every buy


async def _third_account(app, settings) -> Account:
    from carteira.auth.models import Role
    from tests.conftest import create_account

    return await create_account(app, settings, email="third@example.com", role=Role.READER)


async def test_an_exhausted_pool_answers_503_database_busy(client, admin, app):
    from tortoise import connections

    pool = connections.get("default")._pool
    held = []
    original = pool._timeout
    pool._timeout = 0.3
    try:
        while True:
            try:
                held.append(await pool.acquire())
            except Exception:
                break
        r = await client.get("/clients", headers=admin.headers)
        assert r.status_code == 503
        assert r.json()["code"] == "database_busy"
        assert r.headers["retry-after"]
    finally:
        for connection in held:
            await pool.release(connection)
        pool._timeout = original
    assert (await client.get("/clients", headers=admin.headers)).status_code == 200


# ---- a killed worker ---------------------------------------------------------------------


async def test_a_killed_workers_job_is_retried_within_a_minute(as_admin, app, settings, yahoo):
    from arq.constants import in_progress_key_prefix

    asset = await make_asset(as_admin, "PETR4.SA")
    env = process_env(settings, JOB_HEARTBEAT_SECONDS="1", TICK_SECONDS="60")
    yahoo.delay = 3.0  # each provider call is slow: the job is mid-flight when killed
    with carteira_process("worker", env=env) as worker:
        r = await as_admin.post("/jobs/daily-returns", json={"asset_id": asset["id"]})
        job_id = r.json()["job_id"]
        await _until(as_admin, job_id, {"in_progress"}, seconds=20)
        # Killed once the job runs: its claim is a short lease (three heartbeats), taken
        # before any of its work.
        claim = in_progress_key_prefix + job_id
        deadline = time.monotonic() + 10
        while not 0 < await app.state.redis.pttl(claim) <= 3000:
            assert time.monotonic() < deadline, await app.state.redis.pttl(claim)
            await asyncio.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(5)
    started = time.monotonic()
    # arq's own claim would last the job's 30-minute timeout; the heartbeat's lapses in ~3 s.
    await _until(as_admin, job_id, {"retrying"}, seconds=15)
    yahoo.delay = 0.0
    with carteira_process("worker", env=env):
        state = await _until(as_admin, job_id, {"complete"}, seconds=45)
    assert time.monotonic() - started < 60
    assert state["tries"] == 2


async def _until(api, job_id: str, statuses: set[str], *, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        state = (await api.get(f"/jobs/{job_id}")).json()
        if state["status"] in statuses:
            return state
        assert time.monotonic() < deadline, state
        await asyncio.sleep(0.2)


async def test_an_import_bomb_or_a_bottomless_upload_is_refused_in_bounded_memory(
    settings, as_admin, admin
):
    """Against a real `carteira serve`: an XLSX that inflates to 256 MB (honest about it, or
    lying about its sizes) and an upload without Content-Length that never ends are 422s,
    answered quickly, the server's memory hardly moving."""
    import psutil

    bomb = zip_bomb(inflated_mb=256)
    client_id = (await make_client(as_admin))["id"]
    port = free_port()
    with carteira_process("serve", "--port", str(port), env=process_env(settings)) as process:
        url = f"http://127.0.0.1:{port}"
        await wait_http(f"{url}/health")
        server = psutil.Process(process.pid)
        path = f"{url}/clients/{client_id}/imports"
        async with aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {admin.token}"}
        ) as http:
            baseline = server.memory_info().rss
            for data, code in (
                (bomb, "import_expands_too_much"),
                (lying(bomb), "import_unreadable_file"),
            ):
                form = aiohttp.FormData()
                form.add_field("format", "b3_negociacao")
                form.add_field("file", data, filename="bomba.xlsx")
                started = time.monotonic()
                async with http.post(path, data=form) as r:
                    assert (r.status, (await r.json())["code"]) == (422, code)
                assert time.monotonic() - started < 5
            assert server.memory_info().rss - baseline < 64 * 1024 * 1024  # never the 256 MB

            async def bottomless():  # a form whose file never ends, without Content-Length
                yield b'--b\r\nContent-Disposition: form-data; name="format"\r\n\r\n'
                yield b"b3_negociacao\r\n"
                yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.csv"'
                yield b"\r\n\r\n"
                while True:
                    yield b"0" * 65536

            started = time.monotonic()
            async with http.post(
                path, data=bottomless(), headers={"Content-Type": "multipart/form-data; boundary=b"}
            ) as r:
                assert (r.status, (await r.json())["code"]) == (422, "import_too_large")
            assert time.monotonic() - started < 10
            assert server.memory_info().rss - baseline < 64 * 1024 * 1024


# ---- a batch of statements -----------------------------------------------------------------


async def test_a_statements_zip_is_readable_by_its_creator_and_admins_only(
    settings, as_advisor_a, advisor_a, advisor_b, reader, admin
):
    """Against a real `carteira serve` and `carteira worker`: another advisor, a reader, no
    token, a forged token, the chunks' job ids and tampered ids get nothing of the ZIP."""
    await make_client(as_advisor_a, name="Cliente do assessor A")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = process_env(settings, MARKET_DATA_PROVIDER="simulated", TICK_SECONDS="60")

    def bearer(account: Account) -> dict[str, str]:
        return {"Authorization": f"Bearer {account.token}"}

    today = date.today()
    with (
        carteira_process("serve", "--port", str(port), env=env),
        carteira_process("worker", env=env),
    ):
        await wait_http(f"{url}/health")
        async with aiohttp.ClientSession() as http:
            body = {"year": today.year, "month": today.month}
            async with http.post(
                f"{url}/jobs/statements", json=body, headers=bearer(advisor_a)
            ) as r:
                assert r.status == 202, await r.text()
                job_id = (await r.json())["job_id"]
            deadline = time.monotonic() + 60
            while True:
                async with http.get(f"{url}/jobs/{job_id}", headers=bearer(advisor_a)) as r:
                    state = await r.json()
                if state["status"] == "complete":
                    break
                assert state["status"] != "failed", state
                assert time.monotonic() < deadline, state
                await asyncio.sleep(0.3)
            result = f"{url}/jobs/{job_id}/result"
            async with http.get(result, headers=bearer(advisor_a)) as r:
                assert r.status == 200
                assert r.content_type == "application/zip"
                assert (await r.read())[:2] == b"PK"
            async with http.get(result, headers=bearer(admin)) as r:
                assert r.status == 200
            for stranger in (advisor_b, reader):
                async with http.get(result, headers=bearer(stranger)) as r:
                    assert r.status == 404
                    assert (await r.json())["code"] == "statement_result_not_found"
            async with http.get(result) as r:
                assert r.status == 401
            forged = {"Authorization": f"Bearer {advisor_a.token[:-4]}AAAA"}
            async with http.get(result, headers=forged) as r:
                assert r.status == 401
            for tampered in (
                f"{job_id}-chunk-0",
                f"{job_id}x",
                job_id.replace("statements-", "statements-0"),
                f"{job_id}%2F..%2F..%2Fmeta",
                "statements-*",
            ):
                async with http.get(
                    f"{url}/jobs/{tampered}/result", headers=bearer(advisor_b)
                ) as r:
                    assert r.status in {404, 422}, (tampered, r.status)
                async with http.get(
                    f"{url}/jobs/{tampered}/result", headers=bearer(advisor_a)
                ) as r:
                    assert r.status in {404, 422}, (tampered, r.status)
            # A reader cannot start a batch either.
            async with http.post(f"{url}/jobs/statements", json=body, headers=bearer(reader)) as r:
                assert r.status == 403
