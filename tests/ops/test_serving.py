"""`carteira serve` as a connection meets it: Nagle off, several processes sharing the
connections (read from the server's side of each connection), and a fresh process warm before it
listens."""

from __future__ import annotations

import asyncio
import ctypes
import os
import socket
import time
from urllib.parse import urlsplit

import aiohttp
import psutil
import pytest

from tests.factories import make_client
from tests.support import Postgres, carteira_process, free_port, process_env, wait_http

pytestmark = pytest.mark.multiprocess

SYS_PIDFD_GETFD = 438  # the same number on every Linux architecture
REQUEST = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def _server_processes(server_pid: int) -> list[psutil.Process]:
    parent = psutil.Process(server_pid)
    return [parent, *parent.children(recursive=True)]


def _server_end(server_pid: int, port: int, client_port: int) -> tuple[int, int]:
    """(pid, fd) of the server's socket for the connection from `client_port`."""
    for proc in _server_processes(server_pid):
        for conn in proc.net_connections(kind="tcp"):
            if conn.laddr.port == port and conn.raddr and conn.raddr.port == client_port:
                return proc.pid, conn.fd
    raise AssertionError(f"no server process holds the connection from port {client_port}")


def _server_nodelay(server_pid: int, port: int, client: socket.socket) -> int:
    """TCP_NODELAY as the server's own socket has it: a duplicate of the server process's file
    descriptor (pidfd_getfd, allowed on our own child processes), read with getsockopt."""
    pid, fd = _server_end(server_pid, port, client.getsockname()[1])
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        duplicate = libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
        assert duplicate >= 0, os.strerror(ctypes.get_errno())
    finally:
        os.close(pidfd)
    with socket.socket(fileno=duplicate) as server_end:
        return server_end.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def _ask(client: socket.socket) -> None:
    """One request answered on the kept-alive connection: the server has accepted it."""
    client.sendall(REQUEST)
    assert client.recv(4096).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("workers", [1, 2])
async def test_every_accepted_connection_has_nagle_off(settings, workers):
    """Measured before: with `--workers 2` every accepted socket kept Nagle's algorithm on, so
    a response written in two parts waited for the client's delayed ACK (~40 ms each)."""
    port = free_port()
    env = process_env(settings)
    with carteira_process(
        "serve", "--port", str(port), "--workers", str(workers), env=env
    ) as server:
        await wait_http(f"http://127.0.0.1:{port}/health")
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
        try:
            for client in clients:
                _ask(client)
            options = [_server_nodelay(server.pid, port, client) for client in clients]
        finally:
            for client in clients:
                client.close()
    assert options == [1] * len(clients)


ROUNDS = 8
CONNECTIONS = 64  # wrk -c64's burst


async def _burst(port: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """`CONNECTIONS` opened at once, each answered once and kept alive."""
    opened = await asyncio.gather(
        *(asyncio.open_connection("127.0.0.1", port) for _ in range(CONNECTIONS))
    )
    for _, writer in opened:
        writer.write(REQUEST)
    for reader, _ in opened:
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
    return opened


def _worker_processes(server_pid: int) -> list[psutil.Process]:
    """The serving processes (multiprocessing's resource tracker is a child too)."""
    serving = []
    for child in psutil.Process(server_pid).children():
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                serving.append(child)
        except psutil.Error:  # ended (a zombie until the supervisor reaps it)
            pass
    return serving


async def _listening(workers: list[psutil.Process], port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not all(
        any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in w.net_connections())
        for w in workers
    ):
        assert time.monotonic() < deadline, "a process never listened"
        await asyncio.sleep(0.2)


def _held(worker: psutil.Process, port: int, client_ports: set[int]) -> int:
    return sum(
        1
        for conn in worker.net_connections(kind="tcp")
        if conn.laddr.port == port and conn.raddr and conn.raddr.port in client_ports
    )


async def test_connections_spread_over_the_worker_processes(settings):
    """Measured before: the processes shared one listening socket and whichever woke first
    accepted every pending connection, so in half of wrk's runs one process held all 64
    connections and the other idled. Each process now listens on a socket of its own
    (SO_REUSEPORT) and the kernel spreads connections by their addresses' hash: for 64
    connections a process holding under 20 % has a probability of 5e-7, and over the 512 of all
    rounds, under 40 % or over 60 % one of 5e-6."""
    port = free_port()
    env = process_env(settings)
    with carteira_process("serve", "--port", str(port), "--workers", "2", env=env) as server:
        await wait_http(f"http://127.0.0.1:{port}/health")
        workers = _worker_processes(server.pid)
        assert len(workers) == 2
        await _listening(workers, port)  # a process still starting takes no connection
        rounds = []
        for _ in range(ROUNDS):
            opened = await _burst(port)
            client_ports = {writer.get_extra_info("sockname")[1] for _, writer in opened}
            rounds.append([_held(worker, port, client_ports) for worker in workers])
            for _, writer in opened:
                writer.close()
            await asyncio.gather(*(writer.wait_closed() for _, writer in opened))
    assert all(sum(held) == CONNECTIONS for held in rounds), rounds
    assert all(min(held) >= 0.2 * CONNECTIONS for held in rounds), rounds
    totals = [sum(column) for column in zip(*rounds, strict=True)]
    assert all(0.4 <= total / (ROUNDS * CONNECTIONS) <= 0.6 for total in totals), rounds


async def test_a_process_that_dies_is_replaced_and_none_outlives_the_server(settings):
    port = free_port()
    env = process_env(settings)
    with carteira_process("serve", "--port", str(port), "--workers", "2", env=env) as server:
        await wait_http(f"http://127.0.0.1:{port}/health")
        first = _worker_processes(server.pid)
        first[0].kill()
        deadline = time.monotonic() + 30
        while len(now := _worker_processes(server.pid)) < 2 or first[0] in now:
            assert time.monotonic() < deadline, "no process replaced the one that died"
            await asyncio.sleep(0.2)
        await _listening(now, port)
        # The supervisor killed outright: its processes end with it, rather than keep taking
        # their share of the port's connections from the next server started on it.
        server.kill()
        server.wait(5)
        _, alive = psutil.wait_procs(now, timeout=15)
    assert first[1] in now
    assert alive == []


# ---- a fresh process's warm-up --------------------------------------------------------------


async def _first_accept(port: int, seconds: float = 60) -> None:
    """Returns as soon as the port accepts a connection (nothing is sent on it)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert time.monotonic() < deadline, "the server never listened"
            await asyncio.sleep(0.01)
            continue
        writer.close()
        return


async def test_a_fresh_process_listens_only_once_warm(settings, servers, admin, as_admin):
    """Measured before: the soak's first 5-second window had a p99 of 2.4 s. The process
    listened at once, and its first requests opened the database pool, computed the answers
    every list page and dashboard share, and read the held quotes."""
    await make_client(as_admin, name="Ana Warm")
    database = urlsplit(settings.database_url).path.lstrip("/")
    postgres = Postgres(servers.postgres_admin_url, database)
    port = free_port()
    env = process_env(settings, DATABASE_POOL_MIN="3")
    with carteira_process("serve", "--port", str(port), env=env) as server:
        await _first_accept(port)
        opened = await postgres.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
            f"carteira-api/{server.pid}",
        )
        assert opened[0][0] >= 3  # the pool's floor, opened before the first connection
        headers = {"Authorization": f"Bearer {admin.token}"}
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession(headers=headers) as http:
            async with http.get(f"{base}/ready") as r:
                assert r.status == 200
            async with http.get(f"{base}/auth/me") as r:  # this session, now known here
                assert r.status == 200
            # What the warm-up computed is served without the database.
            await postgres.allow_connections(False)
            try:
                await postgres.kill_connections_of(psutil.Process(server.pid))
                async with http.get(f"{base}/clients") as r:
                    assert r.status == 200
                    assert [c["name"] for c in (await r.json())["items"]] == ["Ana Warm"]
                async with http.get(f"{base}/reports/inflows") as r:
                    assert r.status == 200
            finally:
                await postgres.allow_connections(True)


async def test_a_process_started_without_postgres_listens_and_warms_up_once_it_is_back(
    settings, servers
):
    database = urlsplit(settings.database_url).path.lstrip("/")
    postgres = Postgres(servers.postgres_admin_url, database)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    await postgres.allow_connections(False)
    try:
        with carteira_process("serve", "--port", str(port), env=process_env(settings)):
            await wait_http(f"{base}/health")  # it listens, to say what is missing
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{base}/ready") as r:
                    assert r.status == 503
                    body = await r.json()
                assert body["checks"]["warm_up"] == "pending"
                assert body["checks"]["database"].startswith("unavailable")
                await postgres.allow_connections(True)
                await wait_http(f"{base}/ready", seconds=30)  # warm, without a restart
    finally:
        await postgres.allow_connections(True)
