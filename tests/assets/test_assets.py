from __future__ import annotations

import pytest

from tests.factories import make_allocation, make_asset, make_client


async def test_register_read_patch_delete(as_admin, as_reader):
    asset = await make_asset(
        as_admin, " petr4.sa ", name="Petrobras PN", exchange="SAO", instrument_type="EQUITY"
    )
    assert asset["ticker"] == "PETR4.SA"
    assert (await as_reader.get(f"/assets/{asset['id']}")).json() == asset

    r = await as_admin.patch(f"/assets/{asset['id']}", json={"sector": "Energy"})
    assert r.json()["sector"] == "Energy"
    assert (await as_admin.delete(f"/assets/{asset['id']}")).status_code == 204
    assert (await as_admin.get(f"/assets/{asset['id']}")).status_code == 404


async def test_duplicate_ticker_is_409_whatever_the_case(as_admin):
    await make_asset(as_admin, "AAPL")
    r = await as_admin.post("/assets", json={"ticker": "aapl"})
    assert r.status_code == 409
    assert r.json()["code"] == "ticker_taken"


@pytest.mark.parametrize("ticker", ["", "PETR4 SA", "A" * 40, "$$$", "PETR4.SA;DROP"])
async def test_malformed_tickers_are_422(as_admin, ticker):
    r = await as_admin.post("/assets", json={"ticker": ticker})
    assert r.status_code == 422


async def test_special_yahoo_symbols_are_accepted(as_admin):
    for ticker in ("^BVSP", "BRL=X", "ES=F", "BTC-USD"):
        await make_asset(as_admin, ticker)


async def test_delete_with_allocations_is_409(as_admin):
    asset = await make_asset(as_admin, "VALE3.SA")
    client = await make_client(as_admin)
    await make_allocation(as_admin, client["id"], asset_id=asset["id"])
    r = await as_admin.delete(f"/assets/{asset['id']}")
    assert r.status_code == 409
    assert r.json()["code"] == "asset_has_transactions"


async def test_listing_search_and_type(as_admin, as_reader):
    await make_asset(as_admin, "PETR4.SA", name="Petrobras", instrument_type="EQUITY")
    await make_asset(as_admin, "BOVA11.SA", name="iShares Ibovespa", instrument_type="ETF")
    await make_asset(as_admin, "BTC-USD", name="Bitcoin", instrument_type="CRYPTOCURRENCY")
    listing = (await as_reader.get("/assets")).json()
    assert [a["ticker"] for a in listing["items"]] == ["BOVA11.SA", "BTC-USD", "PETR4.SA"]
    etfs = (await as_reader.get("/assets", params={"asset_type": "ETF"})).json()
    assert [a["ticker"] for a in etfs["items"]] == ["BOVA11.SA"]
    found = (await as_reader.get("/assets", params={"search": "bitc"})).json()
    assert [a["ticker"] for a in found["items"]] == ["BTC-USD"]
    assert (await as_reader.get("/assets?asset_type=BOND")).status_code == 422


async def test_asset_writes_are_audited(as_admin):
    asset = await make_asset(as_admin, "ITUB4.SA")
    await as_admin.patch(f"/assets/{asset['id']}", json={"name": "Itaú Unibanco PN"})
    entries = (await as_admin.get("/audit", params={"entity": "asset"})).json()["items"]
    assert [e["action"] for e in entries] == ["update", "create"]
    assert entries[0]["changes"]["name"]["to"] == "Itaú Unibanco PN"
