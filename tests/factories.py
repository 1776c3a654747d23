"""Small builders for test data through the real API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from tests import support

_counter = iter(range(1, 10**9))


async def make_client(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    body = {"name": f"Client {n}", "email": f"client{n}@example.com", **overrides}
    r = await api.post("/clients", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def list_on_yahoo(
    ticker: str,
    *,
    price: str | Decimal = "10",
    previous_close: str | Decimal = "10",
    name: str | None = None,
    **details: Any,
) -> None:
    """Make the fake Yahoo know the ticker (the API validates tickers against it)."""
    support.yahoo.add_symbol(
        ticker.strip().upper(),
        price=Decimal(price),
        previous_close=Decimal(previous_close),
        long_name=name or f"{ticker.strip().upper()} name",
        **details,
    )


async def make_asset(
    api: httpx.AsyncClient, ticker: str, *, sector: str | None = None, **listing: Any
) -> dict[str, Any]:
    list_on_yahoo(ticker, **listing)
    body: dict[str, Any] = {"ticker": ticker}
    if sector is not None:
        body["sector"] = sector
    r = await api.post("/assets", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def make_allocation(
    api: httpx.AsyncClient,
    client_id: int,
    *,
    quantity: str = "10",
    buy_price: str = "25.5",
    buy_date: str | date = "2025-01-15",
    **reference: Any,
) -> dict[str, Any]:
    body = {
        "quantity": quantity,
        "buy_price": buy_price,
        "buy_date": str(buy_date),
        **reference,
    }
    r = await api.post(f"/clients/{client_id}/allocations", json=body)
    assert r.status_code == 201, r.text
    return r.json()
