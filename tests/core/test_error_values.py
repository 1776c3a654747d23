"""What a client needs to say the API's refusals and notes in its own language (issue #28,
point 13): English `detail` plus a machine `code`, and the values the message names beside
them; a 422's issues typed by code; benchmark notes and XIRR's reason with codes."""

from __future__ import annotations

from datetime import timedelta

from carteira.core import clock
from tests.factories import make_asset, make_client


async def test_an_insufficient_quantity_names_its_ticker_date_and_quantity(as_admin):
    await make_asset(as_admin, "VALE3.SA", price="60")
    client = await make_client(as_admin)
    ledger = f"/clients/{client['id']}/transactions"
    day = clock.today() - timedelta(days=3)
    buy = {"kind": "buy", "ticker": "VALE3.SA", "quantity": "20", "price": "60", "date": str(day)}
    assert (await as_admin.post(ledger, json=buy)).status_code == 201
    sale = {**buy, "kind": "sell", "quantity": "1000", "date": str(clock.today())}
    r = await as_admin.post(ledger, json=sale)
    assert r.status_code == 422
    assert r.json() == {
        "detail": f"This would leave VALE3.SA 980 below zero on {clock.today()}: nothing was "
        "written.",
        "code": "insufficient_quantity",
        "ticker": "VALE3.SA",
        "date": str(clock.today()),
        "quantity": "-980",  # what the write would leave: 20 - 1000
    }
    # Every other error keeps exactly {"detail", "code"}.
    r = await as_admin.get("/clients/999999")
    assert r.json() == {"detail": "Client not found.", "code": "client_not_found"}


async def test_the_ledgers_own_refusals_are_typed_by_code(as_admin):
    client = await make_client(as_admin)
    ledger = f"/clients/{client['id']}/transactions"
    tomorrow = clock.today() + timedelta(days=1)
    r = await as_admin.post(ledger, json={"kind": "deposit", "amount": "10", "date": str(tomorrow)})
    (issue,) = r.json()["detail"]
    assert (issue["type"], issue["loc"]) == ("date_in_future", ["body", "deposit", "date"])
    assert issue["msg"] == "the date cannot be in the future"
    r = await as_admin.post(ledger, json={"kind": "deposit", "amount": "10", "date": "1899-12-31"})
    (issue,) = r.json()["detail"]
    assert (issue["type"], issue["ctx"]) == ("date_too_early", {"earliest": "1900-01-01"})
    sale = {"kind": "sell", "quantity": "1", "price": "2", "date": str(clock.today())}
    (issue,) = (await as_admin.post(ledger, json=sale)).json()["detail"]
    assert (issue["type"], issue["loc"]) == ("asset_reference_missing", ["body", "sell"])
    r = await as_admin.post("/clients", json={"name": "A", "email": "a@ex.com", "document": "1"})
    assert [i["type"] for i in r.json()["detail"]] == ["cpf_format"]


async def test_xirr_says_why_it_is_undefined_by_code(as_admin):
    client = await make_client(as_admin)
    body = (await as_admin.get(f"/clients/{client['id']}/performance")).json()
    assert (body["xirr_pct"], body["xirr_note_code"]) == (None, "needs_purchase_and_value")
    assert body["xirr_note"] == "needs at least one purchase and a later value"
