"""Huge totals against a running `carteira serve`, each sent on one keep-alive connection:
measured before, each answered 500 (decimal.InvalidOperation while storing the derived
tables) and uvicorn then closed the connection. Now a figure of the ledger that would reach
10^16 is a 422 `amount_out_of_range`, nothing is written, the client goes on taking ordinary
entries, and the connection goes on answering."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI

from carteira.core.errors import install_error_handlers
from tests.factories import make_asset, make_client
from tests.support import carteira_process, free_port, process_env, wait_http

pytestmark = pytest.mark.multiprocess

DAY = "2026-03-02"
NEXT_DAY = "2026-03-03"


class KeepAlive:
    """One HTTP/1.1 connection, kept open between requests (http.client never reconnects
    by itself while the server keeps the connection)."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        self.connection.connect()
        self.local_address = self.connection.sock.getsockname()
        self.headers = {"Content-Type": "application/json"}
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def _request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = None if body is None else json.dumps(body)
        self.connection.request(method, path, body=payload, headers=self.headers)
        response = self.connection.getresponse()
        data = response.read()
        assert self.connection.sock is not None, "the server closed the connection"
        assert self.connection.sock.getsockname() == self.local_address  # the same connection
        return response.status, json.loads(data) if data else None

    async def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return await asyncio.to_thread(self._request, method, path, body)

    def close(self) -> None:
        self.connection.close()


@contextmanager
def serving(settings) -> Iterator[int]:
    port = free_port()
    with carteira_process("serve", "--port", str(port), env=process_env(settings)):
        yield port


async def _transactions(as_admin, client_id: int) -> list[dict[str, Any]]:
    r = await as_admin.get(f"/clients/{client_id}/transactions", params={"page_size": 100})
    return r.json()["items"]


async def _cash(as_admin, client_id: int) -> str:
    r = await as_admin.get(f"/clients/{client_id}/positions")
    return {c["currency"]: c["balance"] for c in r.json()["cash"]}["BRL"]


def _refused(status: int, body: Any) -> None:
    assert status == 422, body
    assert body["code"] == "amount_out_of_range"
    assert "nothing was written" in body["detail"]


async def test_huge_totals_are_refused_and_the_connection_keeps_answering(
    settings, as_admin, admin
):
    asset = await make_asset(as_admin, "PETR4.SA")
    clients = [(await make_client(as_admin))["id"] for _ in range(4)]
    fees_client, deposits_client, split_client, patch_client = clients
    with serving(settings) as port:
        await wait_http(f"http://127.0.0.1:{port}/health")
        api = KeepAlive(port, admin.token)
        try:

            async def post(client_id: int, body: dict[str, Any]) -> tuple[int, Any]:
                return await api("POST", f"/clients/{client_id}/transactions", body)

            async def ordinary_deposit(client_id: int) -> None:
                status, body = await post(
                    client_id, {"kind": "deposit", "date": NEXT_DAY, "amount": "100"}
                )
                assert status == 201, body

            # 1. A buy whose fees alone are 10^16 - 1: its cost would be 10^16.
            buy = {"kind": "buy", "date": DAY, "asset_id": asset["id"], "quantity": "1"}
            _refused(*await post(fees_client, {**buy, "price": "1", "fees": "9999999999999999"}))
            assert await _transactions(as_admin, fees_client) == []
            await ordinary_deposit(fees_client)

            # 2. A second deposit of 9.99e15: the cash would be 1.998e16.
            huge = {"kind": "deposit", "date": DAY, "amount": "9990000000000000"}
            assert (await post(deposits_client, huge))[0] == 201
            _refused(*await post(deposits_client, huge))
            assert len(await _transactions(as_admin, deposits_client)) == 1
            await ordinary_deposit(deposits_client)
            assert await _cash(as_admin, deposits_client) == "9990000000000100"

            # 3. A split "100:1" of 10^15 shares: 10^17 shares.
            shares = {**buy, "quantity": "1000000000000000", "price": "0.01"}
            assert (await post(split_client, shares))[0] == 201
            split = {"kind": "split", "date": NEXT_DAY, "asset_id": asset["id"], "ratio": "100:1"}
            _refused(*await post(split_client, split))
            assert [t["kind"] for t in await _transactions(as_admin, split_client)] == ["buy"]
            await ordinary_deposit(split_client)

            # 4. A PATCH of a buy's price to 9e15: 10 shares would cost 9e16.
            status, bought = await post(patch_client, {**buy, "quantity": "10", "price": "10"})
            assert status == 201
            path = f"/clients/{patch_client}/transactions/{bought['id']}"
            _refused(*await api("PATCH", path, {"price": "9000000000000000"}))
            assert (await api("GET", path))[1]["price"] == "10"
            await ordinary_deposit(patch_client)
        finally:
            api.close()


def _app_with_a_bug() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/bug")
    async def bug() -> None:
        raise RuntimeError("a bug")

    return app


async def test_a_500_answers_without_closing_a_keep_alive_connection():
    """An exception no handler takes: uvicorn used to close the connection after the 500."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(_app_with_a_bug(), host="127.0.0.1", port=port, log_level="critical")
    )
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]  # pytest's
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    api = KeepAlive(port)
    try:
        for _ in range(3):
            status, body = await api("GET", "/bug")
            assert status == 500
            assert body == {"detail": "Internal server error.", "code": "internal_error"}
    finally:
        api.close()
        server.should_exit = True
        await task
