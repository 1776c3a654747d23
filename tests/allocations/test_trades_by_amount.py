"""A buy or a sell given by its money (`amount`) instead of its quantity: the quantity is the
amount over the unit price of the date — the one given, else the asset's close of that date,
whatever its kind (a listing's stored close, an instrument's curve)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tortoise import Tortoise

from carteira.pricing.bcb import CDI
from carteira.pricing.closes import store_closes
from carteira.pricing.schemas import DailyClose
from tests.factories import CDB, CDI_APRIL, attempt_entry, make_asset, make_client, register
from tests.support import run_jobs


async def ledger_rows() -> int:
    _, rows = await Tortoise.get_connection("default").execute_query(
        "SELECT COUNT(*) AS n FROM transactions"
    )
    return int(rows[0]["n"])


async def test_renda_fixa_is_bought_and_sold_by_amount_at_the_close_of_the_date(
    as_admin, as_reader, settings, bcb
):
    bcb.add_series(CDI, CDI_APRIL)
    cdb = await register(as_admin, CDB)
    await run_jobs(settings)
    client = await make_client(as_admin)
    r = await attempt_entry(
        as_admin, client["id"], "buy", on="2026-04-22", asset=cdb, amount="10000"
    )
    assert r.status_code == 201, r.text
    bought = r.json()
    # The close of 22 April, 1007.73022656; 10000 / 1007.73022656 = 9.92329071 (8 places).
    assert (bought["price"], bought["quantity"], bought["amount"]) == (
        "1007.73022656",
        "9.92329071",
        None,
    )
    r = await attempt_entry(
        as_admin, client["id"], "sell", on="2026-05-04", asset=cdb, amount="5000", settlement="cash"
    )
    assert r.status_code == 201, r.text
    # The close of 4 May, 1011.81345437; 5000 / 1011.81345437 = 4.94162237.
    assert (r.json()["price"], r.json()["quantity"]) == ("1011.81345437", "4.94162237")
    positions = (await as_reader.get(f"/clients/{client['id']}/positions")).json()
    [position] = positions["positions"]
    assert position["quantity"] == "4.98166834"  # 9.92329071 - 4.94162237


async def test_an_instrument_not_yet_backfilled_is_priced_on_the_curve(as_admin, bcb):
    bcb.add_series(CDI, CDI_APRIL)
    cdb = await register(as_admin, CDB)  # its backfill still queued
    client = await make_client(as_admin)
    r = await attempt_entry(
        as_admin, client["id"], "buy", on="2026-04-01", asset=cdb["ticker"], amount="5000"
    )
    assert r.status_code == 201, r.text
    assert (r.json()["price"], r.json()["quantity"]) == ("1000", "5")  # the face value


async def test_a_listing_by_amount_takes_the_price_given_or_its_stored_close(as_admin):
    petr = await make_asset(as_admin, "PETR4.SA")
    await store_closes(
        asset_id=petr["id"], closes=[DailyClose(date=date(2026, 3, 2), close=Decimal("12.5"))]
    )
    client = await make_client(as_admin)
    r = await attempt_entry(
        as_admin, client["id"], "buy", on="2026-03-02", asset=petr, amount="1000"
    )
    # 1000 / 12.5 = 80
    assert (r.json()["price"], r.json()["quantity"]) == ("12.5", "80")
    r = await attempt_entry(
        as_admin, client["id"], "buy", on="2026-03-02", asset=petr, amount="1000", price="30"
    )
    # 1000 / 30 = 33.33333333 (8 places)
    assert (r.json()["price"], r.json()["quantity"]) == ("30", "33.33333333")


async def test_no_close_on_the_date_is_a_clear_422(as_admin):
    petr = await make_asset(as_admin, "PETR4.SA")  # the provider knows no history for it
    client = await make_client(as_admin)
    r = await attempt_entry(
        as_admin, client["id"], "buy", on="2026-03-07", asset=petr, amount="1000"
    )
    assert r.status_code == 422
    assert r.json()["code"] == "no_price_on_date"
    assert "PETR4.SA" in r.json()["detail"]
    assert "2026-03-07" in r.json()["detail"]
    assert await ledger_rows() == 0


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ({"quantity": "1", "amount": "100", "price": "10"}, "quantity_or_amount"),
        ({"price": "10"}, "quantity_or_amount"),
        ({"quantity": "1"}, "price_missing"),
        ({"amount": "0"}, "greater_than"),
    ],
)
async def test_quantity_or_amount_one_of_the_two(as_admin, given, code):
    petr = await make_asset(as_admin, "PETR4.SA")
    client = await make_client(as_admin)
    r = await attempt_entry(as_admin, client["id"], "buy", on="2026-03-02", asset=petr, **given)
    assert r.status_code == 422
    assert code in {issue["type"] for issue in r.json()["detail"]}
    assert await ledger_rows() == 0


async def test_a_reader_cannot_trade_by_amount(as_admin, as_reader):
    petr = await make_asset(as_admin, "PETR4.SA")
    client = await make_client(as_admin)
    r = await attempt_entry(
        as_reader, client["id"], "buy", on="2026-03-02", asset=petr, amount="1000", price="10"
    )
    assert r.status_code == 403
