from __future__ import annotations

from datetime import date, timedelta

import pytest

from carteira.core import clock
from tests.factories import client_and_assets, hold, make_allocation, make_client


@pytest.fixture
async def portfolio(as_admin):
    petr = {"name": "Petrobras PN", "currency": "BRL"}
    aapl = {"name": "Apple", "currency": "USD"}
    return await client_and_assets(as_admin, "Investor", {"PETR4.SA": petr, "AAPL": aapl})


async def test_lot_lifecycle_with_exact_decimals(as_admin, portfolio):
    client, petr, _ = portfolio
    lot = await hold(as_admin, client["id"], petr, "100.12345678", "0.1")
    assert lot["quantity"] == "100.12345678"
    assert lot["buy_price"] == "0.1"
    assert lot["cost"] == "10.01"  # money leaves rounded to centavos (kept exact inside)
    assert lot["ticker"] == "PETR4.SA"
    assert lot["current_price"] is None

    r = await as_admin.patch(
        f"/clients/{client['id']}/allocations/{lot['id']}", json={"quantity": "200"}
    )
    assert r.status_code == 200
    assert r.json()["quantity"] == "200"
    assert r.json()["cost"] == "20"

    r = await as_admin.delete(f"/clients/{client['id']}/allocations/{lot['id']}")
    assert r.status_code == 204
    listing = (await as_admin.get(f"/clients/{client['id']}/allocations")).json()
    assert listing["total"] == 0


async def test_lot_by_ticker_of_a_registered_asset(as_admin, portfolio):
    client, petr, _ = portfolio
    lot = await make_allocation(as_admin, client["id"], ticker="petr4.sa")
    assert lot["asset_id"] == petr["id"]


async def test_unknown_asset_reference_is_422(as_admin, portfolio):
    client, _, _ = portfolio
    body = {"quantity": "1", "buy_price": "1", "buy_date": "2024-01-02"}
    r = await as_admin.post(f"/clients/{client['id']}/allocations", json={**body, "asset_id": 999})
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_asset"


@pytest.mark.parametrize(
    ("raw", "stored"), [(0.1, "0.1"), (1.5, "1.5"), (100, "100"), (0.00000001, "0.00000001")]
)
async def test_json_floats_are_taken_only_when_exact(as_admin, portfolio, raw, stored):
    client, petr, _ = portfolio
    lot = await make_allocation(as_admin, client["id"], asset_id=petr["id"], quantity=raw)
    assert lot["quantity"] == stored


@pytest.mark.parametrize(
    "change",
    [
        {"quantity": "0"},
        {"quantity": "-1"},
        {"quantity": "1.123456789"},  # 9 decimals
        {"quantity": 0.30000000000000004},
        {"quantity": "NaN"},
        {"quantity": "Infinity"},
        {"quantity": "1e30"},
        {"quantity": True},
        {"buy_price": "0"},
        {"buy_price": "abc"},
        {"buy_date": "1899-12-31"},
        {"buy_date": (clock.today() + timedelta(days=2)).isoformat()},
        {"buy_date": "2024-02-30"},
        {"asset_id": None, "ticker": None},
        {"ticker": "PETR4.SA"},  # both references at once
        {"client_id": 2},  # not a field: no mass assignment
    ],
)
async def test_bad_lots_are_422(as_admin, portfolio, change):
    client, petr, _ = portfolio
    body = {"asset_id": petr["id"], "quantity": "1", "buy_price": "1", "buy_date": "2024-01-02"}
    body.update(change)
    r = await as_admin.post(f"/clients/{client['id']}/allocations", json=body)
    assert r.status_code == 422, r.text


async def test_nan_as_a_json_number_is_422(as_admin, portfolio):
    client, petr, _ = portfolio
    raw = '{"asset_id": ASSET, "quantity": NaN, "buy_price": 1, "buy_date": "2024-01-02"}'
    raw = raw.replace("ASSET", str(petr["id"]))
    r = await as_admin.post(
        f"/clients/{client['id']}/allocations",
        content=raw,
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 422


async def test_today_is_a_valid_buy_date(as_admin, portfolio):
    client, petr, _ = portfolio
    today = clock.today()
    lot = await make_allocation(as_admin, client["id"], asset_id=petr["id"], buy_date=today)
    assert lot["buy_date"] == today.isoformat()


async def test_another_clients_lot_is_404(as_admin, portfolio):
    client, petr, _ = portfolio
    other = await make_client(as_admin)
    lot = await make_allocation(as_admin, client["id"], asset_id=petr["id"])
    path = f"/clients/{other['id']}/allocations/{lot['id']}"
    assert (await as_admin.patch(path, json={"quantity": "5"})).status_code == 404
    r = await as_admin.delete(path)
    assert r.status_code == 404
    assert r.json()["code"] == "allocation_not_found"
    assert (await as_admin.get(f"/clients/{client['id']}/allocations")).json()["total"] == 1


async def test_unknown_client_is_404_everywhere(as_admin, portfolio):
    _, petr, _ = portfolio
    assert (await as_admin.get("/clients/999/allocations")).status_code == 404
    assert (await as_admin.get("/clients/999/positions")).status_code == 404
    r = await as_admin.post(
        "/clients/999/allocations",
        json={"asset_id": petr["id"], "quantity": "1", "buy_price": "1", "buy_date": "2024-01-02"},
    )
    assert r.status_code == 404
    assert (await as_admin.delete("/clients/999/allocations/1")).status_code == 404


async def test_patch_rejects_null_and_unknown_fields(as_admin, portfolio):
    client, petr, _ = portfolio
    lot = await make_allocation(as_admin, client["id"], asset_id=petr["id"])
    path = f"/clients/{client['id']}/allocations/{lot['id']}"
    assert (await as_admin.patch(path, json={"quantity": None})).status_code == 422
    assert (await as_admin.patch(path, json={"asset_id": 3})).status_code == 422


async def test_positions_weighted_average_cost(as_admin, as_reader, portfolio):
    client, petr, aapl = portfolio
    await hold(as_admin, client["id"], petr, "10", "20")
    await hold(as_admin, client["id"], petr, "30", "24")
    await hold(as_admin, client["id"], aapl, "3", "0.1")
    body = (await as_reader.get(f"/clients/{client['id']}/positions")).json()
    by_ticker = {p["ticker"]: p for p in body["positions"]}
    assert list(by_ticker) == ["AAPL", "PETR4.SA"]
    petr_position = by_ticker["PETR4.SA"]
    assert petr_position["quantity"] == "40"
    assert petr_position["cost"] == "920"
    assert petr_position["average_cost"] == "23"
    assert petr_position["lots"] == 2
    assert by_ticker["AAPL"]["cost"] == "0.3"
    # Never a sum of reais and dollars: one total per currency.
    assert [(t["currency"], t["cost"]) for t in body["totals"]] == [("BRL", "920"), ("USD", "0.3")]


async def test_listing_is_paginated_newest_first(as_admin, portfolio):
    client, petr, _ = portfolio
    for day in (1, 2, 3):
        await make_allocation(
            as_admin, client["id"], asset_id=petr["id"], buy_date=date(2024, 5, day)
        )
    page = (await as_admin.get(f"/clients/{client['id']}/allocations?page_size=2")).json()
    assert page["total"] == 3
    assert page["pages"] == 2
    assert [lot["buy_date"] for lot in page["items"]] == ["2024-05-03", "2024-05-02"]


async def test_listing_does_not_query_per_row(as_admin, portfolio, count_queries):
    client, petr, aapl = portfolio
    for n in range(20):
        await make_allocation(
            as_admin, client["id"], asset_id=(petr if n % 2 else aapl)["id"], quantity=str(n + 1)
        )
    count_queries.statements.clear()
    r = await as_admin.get(f"/clients/{client['id']}/allocations?page_size=20")
    assert len(r.json()["items"]) == 20
    assert count_queries.count == 1, count_queries.statements


async def test_allocation_writes_are_audited(as_admin, admin, portfolio):
    client, petr, _ = portfolio
    lot = await make_allocation(as_admin, client["id"], asset_id=petr["id"], quantity="1")
    await as_admin.patch(
        f"/clients/{client['id']}/allocations/{lot['id']}", json={"buy_price": "30.5"}
    )
    await as_admin.delete(f"/clients/{client['id']}/allocations/{lot['id']}")
    entries = (
        await as_admin.get("/audit", params={"entity": "transaction", "entity_id": lot["id"]})
    ).json()["items"]
    assert [e["action"] for e in entries] == ["delete", "update", "create"]
    assert entries[1]["changes"] == {"price": {"from": "25.5", "to": "30.5"}}
    assert entries[2]["changes"]["quantity"] == "1"


async def test_cached_listing_follows_lot_and_asset_writes(as_admin, portfolio):
    client, petr, _ = portfolio
    path = f"/clients/{client['id']}/allocations"
    assert (await as_admin.get(path)).json()["total"] == 0
    lot = await make_allocation(as_admin, client["id"], asset_id=petr["id"], quantity="1")
    assert [i["id"] for i in (await as_admin.get(path)).json()["items"]] == [lot["id"]]
    await as_admin.patch(f"{path}/{lot['id']}", json={"quantity": "2"})
    assert (await as_admin.get(path)).json()["items"][0]["quantity"] == "2"
    await as_admin.patch(f"/assets/{petr['id']}", json={"name": "Petróleo Brasileiro"})
    assert (await as_admin.get(path)).json()["items"][0]["asset_name"] == "Petróleo Brasileiro"
    await as_admin.delete(f"{path}/{lot['id']}")
    assert (await as_admin.get(path)).json()["items"] == []
