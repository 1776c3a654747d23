"""Builders of test data: clients, assets of every kind, ledger entries and imports through the
real API (each asserts the API accepted it), and the pure ledger's entries for unit tests.
Users of each role are the conftest's fixtures (`admin`, `reader`, `advisor_a`, `advisor_b` and
their `as_*` API clients, made by `create_account`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from carteira.allocations.ledger import Entry, Kind, Settlement
from carteira.assets.models import Asset
from carteira.core.calendar import business_days
from carteira.pricing.bcb import CDI
from carteira.pricing.closes import store_closes
from carteira.pricing.corporate import store_events
from carteira.pricing.instruments import AssetKind
from carteira.pricing.schemas import DailyClose, DividendEvent, SplitEvent
from carteira.pricing.sources import Instrument
from tests import support

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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


async def client_and_assets(
    api: httpx.AsyncClient, name: str, listings: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], ...]:
    """A client called `name`, then the assets `listings` names (ticker: how the fake Yahoo lists
    it), registered in that order; their API answers, the client first."""
    client = await make_client(api, name=name)
    assets = [await make_asset(api, ticker, **listing) for ticker, listing in listings.items()]
    return (client, *assets)


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


async def hold(
    api: httpx.AsyncClient,
    client_id: int,
    asset: dict[str, Any],
    quantity: str,
    price: str,
    *,
    on: Any = "2025-01-15",
) -> dict[str, Any]:
    """A lot through `POST /allocations`: `quantity` of `asset` (its API answer) at `price`."""
    return await make_allocation(
        api, client_id, asset_id=asset["id"], quantity=quantity, buy_price=price, buy_date=on
    )


async def post_json(api: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Any write the API answers with 200 or 201."""
    r = await api.post(path, json=body)
    assert r.status_code in (200, 201), r.text
    result: dict[str, Any] = r.json()
    return result


# ---- ledger entries through the API ------------------------------------------------------------


def _as_json(value: Any) -> Any:
    """Dates and amounts as the API reads them (exact strings)."""
    if isinstance(value, date | Decimal | int) and not isinstance(value, bool):
        return str(value)
    return value


def _reference(asset: dict[str, Any] | int | str | None) -> dict[str, Any]:
    """An asset as the ledger names it: its API answer or id (`asset_id`), or a ticker."""
    if asset is None:
        return {}
    if isinstance(asset, str):
        return {"ticker": asset}
    return {"asset_id": asset if isinstance(asset, int) else asset["id"]}


async def post_entry(api: httpx.AsyncClient, client_id: int, **body: Any) -> httpx.Response:
    """The raw answer to a ledger entry (for the tests of refusals)."""
    return await api.post(f"/clients/{client_id}/transactions", json=body)


async def attempt_entry(
    api: httpx.AsyncClient,
    client_id: int,
    kind: str,
    *,
    on: date | str,
    asset: dict[str, Any] | int | str | None = None,
    **fields: Any,
) -> httpx.Response:
    """The raw answer to a ledger entry of any kind on day `on`; `fields` as the API names them."""
    body = {"kind": kind, "date": str(on), **_reference(asset)}
    body.update({key: _as_json(value) for key, value in fields.items()})
    return await post_entry(api, client_id, **body)


async def record(
    api: httpx.AsyncClient,
    client_id: int,
    kind: str,
    *,
    on: date | str,
    asset: dict[str, Any] | int | str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A ledger entry of any kind on day `on`, which the API accepts."""
    r = await attempt_entry(api, client_id, kind, on=on, asset=asset, **fields)
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def buy(api, client_id: int, asset, quantity, price, *, on, **fields) -> dict[str, Any]:
    """`asset`: its API answer, its id or a ticker; amounts as numbers or exact strings."""
    return await record(
        api, client_id, "buy", on=on, asset=asset, **fields, quantity=quantity, price=price
    )


async def sell(api, client_id: int, asset, quantity, price, *, on, **fields) -> dict[str, Any]:
    return await record(
        api, client_id, "sell", on=on, asset=asset, **fields, quantity=quantity, price=price
    )


async def deposit(
    api: httpx.AsyncClient, client_id: int, amount: Any, *, on: date | str, **fields: Any
) -> dict[str, Any]:
    return await record(api, client_id, "deposit", on=on, amount=amount, **fields)


async def ledger_of(api: httpx.AsyncClient, client_id: int) -> list[dict[str, Any]]:
    r = await api.get(f"/clients/{client_id}/transactions", params={"page_size": 100})
    items: list[dict[str, Any]] = r.json()["items"]
    return items


# ---- corporate events as the market-data provider gives them -----------------------------------


def dividend_event(ex_date: date, amount: Decimal | str | int) -> DividendEvent:
    return DividendEvent(ex_date=ex_date, amount=Decimal(amount))


async def provider_events(
    asset: dict[str, Any] | int,
    *,
    dividends: list[DividendEvent] | None = None,
    splits: list[SplitEvent] | None = None,
) -> None:
    """The provider's dividends and splits of `asset` (its API answer or id), stored."""
    await store_events(
        asset_id=asset if isinstance(asset, int) else asset["id"],
        dividends=dividends or [],
        splits=splits or [],
        source="test",
    )


# ---- instruments registered by their terms -----------------------------------------------------

# CDI as the SGS publishes it in April 2026: every banking business day but Good Friday
# (3 April) and Tiradentes (21 April), 20 days; the rate moves after the 15th.
APRIL = business_days(date(2026, 4, 1), date(2026, 4, 30), market="ANBIMA")
HIGH, LOW = "0.054266", "0.052531"
CDI_APRIL = [(day, HIGH if day.day <= 15 else LOW) for day in APRIL]

CDB = {
    "kind": "fixed_income",
    "product": "CDB",
    "issuer": "Banco X",
    "indexer": "CDI",
    "rate": "110",
    "rate_mode": "pct_of_index",
    "issue_date": "2026-04-01",
    "maturity_date": "2029-05-15",
}


async def register(api: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    """An instrument registered by its terms (renda fixa, Tesouro Direto, a fund)."""
    r = await api.post("/assets", json=body)
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


# ---- instruments as pricing sees them (an asset row and the terms the registry gives) ---------


@dataclass(frozen=True)
class TreasuryTerms:
    title: str
    maturity_date: date


@dataclass(frozen=True)
class FundTerms:
    cnpj: str


async def instrument(ticker: str, kind: AssetKind, terms: object) -> Instrument:
    asset = await Asset.create(ticker=ticker, name=ticker, currency="BRL")
    return Instrument(asset.id, ticker, kind, terms)


# ---- the web app's sample book: two clients over fourteen months --------------------------------


@dataclass
class Book:
    ana: dict[str, Any]
    bruno: dict[str, Any]
    today: date


@dataclass(frozen=True)
class Sessions:
    """320 weekdays up to yesterday, and the wave prices ride on: 1 on the first day, swinging
    8 % and drifting up."""

    days: list[date]
    wave: dict[date, float]

    @classmethod
    def before(cls, today: date) -> Sessions:
        days = [d for d in support.weekdays(today - timedelta(days=430), 320) if d < today]
        return cls(days, {d: 1 + 0.08 * math.sin(n / 17) + n * 0.0006 for n, d in enumerate(days)})

    def publish_cdi(self, bcb: Any) -> None:
        """The CDI at 0.04 % a day on every session."""
        bcb.add_series(CDI, [(d, "0.04") for d in self.days])

    async def store_closes(self, asset: dict[str, Any], level: float) -> None:
        """The asset's close on every session: `level` on the wave, to the centavo."""
        closes = [
            DailyClose(date=d, close=Decimal(str(round(level * self.wave[d], 2))))
            for d in self.days
        ]
        await store_closes(asset_id=asset["id"], closes=closes)


async def ana_and_bruno(api: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    ana = await make_client(api, name="Ana Lima", email="ana@example.com")
    bruno = await make_client(api, name="Bruno Costa", email="bruno@example.com")
    return ana, bruno


# ---- imports ----------------------------------------------------------------------------------


async def send(api, client_id: int, data: bytes, fmt: str, *, name: str = "extrato.xlsx"):
    kind = XLSX if name.endswith(".xlsx") else "text/csv"
    return await api.post(
        f"/clients/{client_id}/imports",
        files={"file": (name, data, kind)},
        data={"format": fmt},
    )


async def preview(api, client_id: int, data: bytes, fmt: str, **kwargs) -> dict:
    r = await send(api, client_id, data, fmt, **kwargs)
    assert r.status_code == 201, r.text
    return r.json()


async def commit(api, client_id: int, import_id: int, **params) -> dict:
    r = await api.post(f"/clients/{client_id}/imports/{import_id}/commit", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def statuses(body: dict) -> list[tuple[int, str, str | None]]:
    return [(row["line"], row["status"], row["code"]) for row in body["rows"]]


# ---- the pure ledger's entries (unit tests) ---------------------------------------------------

AMOUNTS = ("quantity", "price", "amount", "fees", "tax", "ratio")
_ids = iter(range(1, 10_000))


def tx(kind: Kind, day: str, **fields: object) -> Entry:
    """An entry, amounts given as ints or strings (exact)."""
    trade = kind in (Kind.BUY, Kind.SELL)
    values = {k: Decimal(str(v)) if k in AMOUNTS else v for k, v in fields.items()}
    values.setdefault("settlement", Settlement.EXTERNAL if trade else Settlement.CASH)
    values.setdefault("currency", "BRL")
    return Entry(id=next(_ids), kind=kind, date=date.fromisoformat(day), **values)
