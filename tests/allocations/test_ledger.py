"""The ledger through the API: every kind of entry, preço médio and realized gains, cash,
captação, integrity on any order of writes, concurrency, and performance with money coming back."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest
import pyxirr
from tortoise import Tortoise

from carteira.allocations import service as allocations
from carteira.allocations import store
from carteira.allocations.ledger import Kind, flow_of
from carteira.pricing.closes import store_closes
from carteira.pricing.schemas import DailyClose
from tests.factories import (
    buy,
    client_and_assets,
    deposit,
    make_asset,
    make_client,
    post_entry,
    record,
    sell,
)


async def ledger_rows() -> int:
    _, rows = await Tortoise.get_connection("default").execute_query(
        "SELECT COUNT(*) AS n FROM transactions"
    )
    return int(rows[0]["n"])


@pytest.fixture
async def book(as_admin):
    """Maria's client id, PETR4 and VALE3."""
    petr = {"price": "40", "previous_close": "39"}
    vale = {"price": "60", "previous_close": "60"}
    client, *assets = await client_and_assets(
        as_admin, "Maria", {"PETR4.SA": petr, "VALE3.SA": vale}
    )
    return (client["id"], *assets)


async def test_every_kind_and_what_it_adds_up_to(as_admin, as_reader, book):
    cid, petr, _ = book
    await deposit(as_admin, cid, "10000", on="2026-01-02")
    await buy(as_admin, cid, petr, "100", "30", on="2026-01-05", fees="10", settlement="cash")
    await buy(as_admin, cid, petr, "50", "36", on="2026-02-02", fees="10", settlement="cash")
    dividend = await record(as_admin, cid, "dividend", on="2026-03-02", asset=petr, amount="150")
    jcp = await record(as_admin, cid, "jcp", on="2026-03-10", asset=petr, amount="100")
    assert jcp["tax"] == "17.5"  # 2026: 17.5 % withheld unless given (LC 224/2025)
    await sell(as_admin, cid, petr, "60", "45", on="2026-04-01", fees="9", settlement="cash")
    await record(as_admin, cid, "split", on="2026-05-04", asset=petr, ratio="2:1")
    await record(as_admin, cid, "bonus", on="2026-05-05", ticker="VALE3.SA", quantity="5")
    await record(as_admin, cid, "interest", on="2026-05-06", amount="12.5", tax="2.5")
    await record(as_admin, cid, "fee", on="2026-05-07", amount="20")
    await record(as_admin, cid, "tax", on="2026-05-08", amount="3")
    await record(as_admin, cid, "withdrawal", on="2026-05-11", amount="1000")

    ledger = (await as_reader.get(f"/clients/{cid}/transactions?page_size=100")).json()
    assert ledger["total"] == 12
    assert ledger["items"][0]["kind"] == "withdrawal"  # newest first
    assert {e["kind"] for e in ledger["items"]} == {
        "deposit",
        "buy",
        "dividend",
        "jcp",
        "sell",
        "split",
        "bonus",
        "interest",
        "fee",
        "tax",
        "withdrawal",
    }
    assert dividend["settlement"] == "cash"
    assert dividend["ticker"] == "PETR4.SA"

    body = (await as_reader.get(f"/clients/{cid}/positions")).json()
    petr4 = next(p for p in body["positions"] if p["ticker"] == "PETR4.SA")
    # Preço médio: (3000 + 10 + 1800 + 10) / 150 = 32.1333..., kept by the sale, halved by the
    # split: 90 shares became 180 at 16.0666...
    assert petr4["quantity"] == "180"
    assert Decimal(petr4["average_cost"]) == Decimal("16.06666667")
    assert petr4["cost"] == "2892"  # 4820 x 90 / 150, unchanged by the split
    # Realized: 60 x 45 - 9 - 60 x 32.1333... = 2691 - 1928 = 763.
    assert petr4["realized_pnl"] == "763"
    assert petr4["income"] == "232.5"  # 150 + 100 - 17.5, net of tax
    assert petr4["market_value"] == "7200"  # 180 x 40
    assert petr4["unrealized_pnl"] == "4308"
    assert petr4["total_return"] == "5303.5"  # 4308 + 763 + 232.5
    vale3 = next(p for p in body["positions"] if p["ticker"] == "VALE3.SA")
    assert (vale3["quantity"], vale3["cost"], vale3["average_cost"]) == ("5", "0", "0")
    # Cash: 10000 - 3010 - 1810 + 150 + 82.5 + 2691 + 10 - 20 - 3 - 1000
    assert body["cash"] == [{"currency": "BRL", "balance": "7090.5"}]
    (totals,) = body["totals"]
    assert (totals["cash"], totals["market_value"], totals["value"]) == (
        "7090.5",
        "7500",
        "14590.5",
    )

    realized = (await as_reader.get(f"/clients/{cid}/realized")).json()
    (sale,) = realized["sales"]
    assert (sale["proceeds"], sale["cost"], sale["gain"]) == ("2691", "1928", "763")
    assert realized["by_month"] == [
        {
            "month": "2026-04",
            "currency": "BRL",
            "sales": 1,
            "sale_value": "2700",
            "proceeds": "2691",
            "cost": "1928",
            "gain": "763",
        }
    ]
    assert realized["by_asset_type"][0]["asset_type"] == "EQUITY"
    assert (await as_reader.get(f"/clients/{cid}/realized?start=2026-05-01")).json()["sales"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "sell", "date": "2026-01-02", "asset_id": "{petr}", "price": "1"}, "quantity"),
        ({"kind": "split", "date": "2026-01-02", "asset_id": "{petr}", "ratio": "0:1"}, "ratio"),
        ({"kind": "split", "date": "2026-01-02", "asset_id": "{petr}", "ratio": "abc"}, "ratio"),
        (
            {"kind": "deposit", "date": "2026-01-02", "amount": "1", "asset_id": "{petr}"},
            "asset_id",
        ),
        ({"kind": "buy", "date": "2026-01-02", "quantity": "1", "price": "1"}, "asset_id"),
        (
            {"kind": "dividend", "date": "2026-01-02", "asset_id": "{petr}", "amount": "-5"},
            "amount",
        ),
        (
            {
                "kind": "buy",
                "date": "2026-01-02",
                "asset_id": "{petr}",
                "quantity": "1",
                "price": "1",
                "fees": "-1",
            },
            "fees",
        ),
        (
            {"kind": "jcp", "date": "2026-01-02", "asset_id": "{petr}", "amount": "5", "tax": "6"},
            "tax",
        ),
        ({"kind": "withdrawal", "date": "2999-01-02", "amount": "1"}, "date"),
        ({"kind": "teleport", "date": "2026-01-02"}, "kind"),
    ],
)
async def test_each_kind_validates_its_fields(as_admin, book, body, field):
    cid, petr, _ = book
    payload = {k: (petr["id"] if v == "{petr}" else v) for k, v in body.items()}
    r = await post_entry(as_admin, cid, **payload)
    assert r.status_code == 422, r.text
    assert field in r.text
    assert await ledger_rows() == 0


async def test_no_quantity_below_zero_whatever_the_order_of_writes(as_admin, book):
    cid, petr, _ = book
    bought = await buy(as_admin, cid, petr, "100", "10", on="2026-02-02")
    sale = {"kind": "sell", "asset_id": petr["id"], "price": "12"}
    # A sale larger than the holding, and a back-dated sale before the purchase.
    for date_, quantity in (("2026-03-02", "101"), ("2026-01-15", "1")):
        r = await post_entry(as_admin, cid, date=date_, quantity=quantity, **sale)
        assert r.status_code == 422
        assert r.json()["code"] == "insufficient_quantity"
        assert "PETR4.SA" in r.json()["detail"]
    later = await sell(as_admin, cid, petr, "80", "12", on="2026-03-02")
    before = await ledger_rows()
    # Editing the buy down, or its date after the sale, or deleting it under the later sale.
    for patch in ({"quantity": "79"}, {"date": "2026-03-03"}):
        r = await as_admin.patch(f"/clients/{cid}/transactions/{bought['id']}", json=patch)
        assert r.status_code == 422, patch
    r = await as_admin.delete(f"/clients/{cid}/transactions/{bought['id']}")
    assert r.status_code == 422
    r = await as_admin.delete(f"/clients/{cid}/allocations/{bought['id']}")
    assert r.status_code == 422
    # Nothing was written: the ledger and what derives from it are as they were.
    assert await ledger_rows() == before
    kept = (await as_admin.get(f"/clients/{cid}/transactions/{bought['id']}")).json()
    assert (kept["quantity"], kept["date"]) == ("100", "2026-02-02")
    position = (await as_admin.get(f"/clients/{cid}/positions")).json()["positions"][0]
    assert position["quantity"] == "20"
    assert (await as_admin.delete(f"/clients/{cid}/transactions/{later['id']}")).status_code == 200


async def test_twenty_concurrent_sales_of_ten_against_a_hundred(as_admin, book):
    cid, petr, _ = book
    await buy(as_admin, cid, petr, "100", "10", on="2026-02-02")
    sale = {
        "kind": "sell",
        "date": "2026-03-02",
        "asset_id": petr["id"],
        "quantity": "10",
        "price": "11",
    }
    results = await asyncio.gather(*(post_entry(as_admin, cid, **sale) for _ in range(20)))
    codes = sorted(r.status_code for r in results)
    assert codes == [201] * 10 + [422] * 10
    position = (await as_admin.get(f"/clients/{cid}/positions")).json()["positions"][0]
    assert (position["quantity"], position["realized_pnl"]) == ("0", "100")


async def test_positions_count_open_lots_as_stored_and_replay_rows_from_before_the_count(
    as_admin, book
):
    cid, petr, vale = book
    for day, quantity in (("2026-01-05", "10"), ("2026-01-06", "20"), ("2026-01-07", "30")):
        await buy(as_admin, cid, petr, quantity, "9", on=day)
    await buy(as_admin, cid, vale, "5", "50", on="2026-01-05")
    # FIFO: selling 15 closes the first lot and eats into the second.
    await sell(as_admin, cid, petr, "15", "12", on="2026-02-02")

    async def lots() -> dict[str, int]:
        r = await as_admin.get(f"/clients/{cid}/positions")
        assert r.status_code == 200, r.text
        return {p["ticker"]: p["lots"] for p in r.json()["positions"]}

    assert await lots() == {"PETR4.SA": 2, "VALE3.SA": 1}
    connection = Tortoise.get_connection("default")
    _, stored = await connection.execute_query(
        "SELECT open_lots FROM holdings WHERE client_id = $1 ORDER BY asset_id", [cid]
    )
    assert [row["open_lots"] for row in stored] == [2, 1]
    # A database upgraded from before the count: the rows say NULL, the ledger is replayed.
    await connection.execute_query(
        "UPDATE holdings SET open_lots = NULL WHERE client_id = $1", [cid]
    )
    assert await lots() == {"PETR4.SA": 2, "VALE3.SA": 1}


async def test_fractional_bitcoin_stays_exact(as_admin):
    client = await make_client(as_admin)
    btc = await make_asset(
        as_admin,
        "BTC-USD",
        price="61250",
        previous_close="61000",
        currency="USD",
        instrument_type="CRYPTOCURRENCY",
    )
    await buy(as_admin, client["id"], btc, "0.00012345", "60000.5", on="2026-02-02")
    await sell(as_admin, client["id"], btc, "0.00002345", "61000", on="2026-02-03")
    position = (await as_admin.get(f"/clients/{client['id']}/positions")).json()["positions"][0]
    assert position["quantity"] == "0.0001"
    assert position["cost"] == "6"  # 0.0001 x 60000.5 = 6.00005, shown to centavos
    assert position["market_value"] == "6.13"  # 0.0001 x 61250 = 6.125


async def test_switching_assets_through_cash_is_not_new_money(as_admin, book):
    """Measured before: a switch from PETR4 to VALE3 counted as captado, and shrinking a lot to
    record a sale rewrote the month it was bought in."""
    cid, petr, vale = book
    await buy(as_admin, cid, petr, "100", "35", on="2026-02-02")
    await sell(as_admin, cid, petr, "40", "35", on="2026-03-02", settlement="cash")
    await buy(as_admin, cid, vale, "20", "70", on="2026-03-03", settlement="cash")
    february = (await as_admin.get("/reports/inflows?year=2026&month=2")).json()
    march = (await as_admin.get("/reports/inflows?year=2026&month=3")).json()
    assert (february["inflows"], february["net"]) == ("3500", "3500")
    assert (march["inflows"], march["outflows"], march["net"], march["count"]) == ("0", "0", "0", 0)
    await record(as_admin, cid, "withdrawal", on="2026-03-20", amount="1400")
    march = (await as_admin.get("/reports/inflows?year=2026&month=3")).json()
    assert (march["outflows"], march["net"]) == ("1400", "-1400")
    assert (await as_admin.get("/reports/inflows?year=2026&month=2")).json()["net"] == "3500"


async def test_the_captacao_rule_is_one_in_the_engine_and_in_sql(as_admin, book):
    """The entries behind the flows (SQL, the inflows export) carry exactly what the engine's
    `flow_of` gives each entry of the ledger: every kind, trades settled both ways, fees on."""
    cid, petr, vale = book
    for kind, day, fields in [
        ("deposit", "2026-01-02", {"amount": "10000"}),
        ("buy", "2026-01-05", {"asset_id": petr["id"], "quantity": "100", "price": "30.5"}),
        ("buy", "2026-01-06", {"asset_id": vale["id"], "quantity": "7", "settlement": "cash"}),
        ("dividend", "2026-01-07", {"asset_id": petr["id"], "amount": "150"}),
        ("jcp", "2026-01-08", {"asset_id": petr["id"], "amount": "100"}),
        ("interest", "2026-01-09", {"amount": "12.5", "tax": "2.5"}),
        ("fee", "2026-01-12", {"amount": "20"}),
        ("tax", "2026-01-13", {"amount": "3"}),
        ("split", "2026-01-14", {"asset_id": petr["id"], "ratio": "2:1"}),
        ("bonus", "2026-01-15", {"ticker": "VALE3.SA", "quantity": "5"}),
        ("sell", "2026-01-16", {"asset_id": petr["id"], "quantity": "30", "price": "17"}),
        ("sell", "2026-01-19", {"asset_id": vale["id"], "quantity": "2", "settlement": "cash"}),
        ("withdrawal", "2026-01-20", {"amount": "1000"}),
    ]:
        trade = {"price": "61", "fees": "4.25"} if kind in ("buy", "sell") else {}
        await record(as_admin, cid, kind, on=day, **{**trade, **fields})

    entries = sorted(await store.client_entries(cid), key=lambda e: (e.date, e.id))
    assert {e.kind for e in entries} == set(Kind)
    expected = [
        (e.date, cid, e.kind.value, e.asset_id, e.currency, *flow_of(e))
        for e in entries
        if any(flow_of(e))
    ]
    assert [row[2] for row in expected] == ["deposit", "buy", "sell", "withdrawal"]
    listed = [
        row
        async for row in allocations.flow_entries(
            start=date(2026, 1, 1),
            end=date(2026, 12, 31),
            currency=None,
            idle_seconds=30,
            client_ids=[cid],
        )
    ]
    assert listed == expected


async def test_an_entry_of_another_client_is_as_absent_as_a_missing_one(as_admin, as_reader, book):
    cid, *_ = book
    other = await make_client(as_admin)
    entry = await deposit(as_admin, cid, "5", on="2026-01-02")
    for path in (
        f"/clients/{other['id']}/transactions/{entry['id']}",
        f"/clients/999999/transactions/{entry['id']}",
    ):
        assert (await as_admin.get(path)).status_code == 404
        assert (await as_admin.patch(path, json={"amount": "6"})).status_code == 404
        assert (await as_admin.delete(path)).status_code == 404
    assert (await as_admin.get("/clients/999999/transactions")).status_code == 404
    assert (await as_admin.get("/clients/999999/realized")).status_code == 404
    r = await as_reader.post(
        f"/clients/{cid}/transactions",
        json={"kind": "deposit", "date": "2026-01-02", "amount": "1"},
    )
    assert r.status_code == 403


async def test_a_patch_revalidates_the_whole_entry(as_admin, book):
    cid, petr, _ = book
    jcp = await record(as_admin, cid, "jcp", on="2026-01-05", asset=petr, amount="100")
    r = await as_admin.patch(f"/clients/{cid}/transactions/{jcp['id']}", json={"amount": "200"})
    assert r.status_code == 200
    assert (r.json()["amount"], r.json()["tax"]) == ("200", "35")  # the 17.5 % follows
    r = await as_admin.patch(f"/clients/{cid}/transactions/{jcp['id']}", json={"quantity": "1"})
    assert r.status_code == 422  # a jcp has no quantity
    r = await as_admin.patch(f"/clients/{cid}/transactions/{jcp['id']}", json={"kind": "buy"})
    assert r.status_code == 422  # the kind is fixed
    r = await as_admin.patch(f"/clients/{cid}/transactions/{jcp['id']}", json={"note": "cheque"})
    assert r.json()["note"] == "cheque"


# ---- performance with money coming back ----------------------------------------------------


async def test_a_jcp_without_tax_withholds_the_rate_in_force_on_its_date(as_admin, book):
    """15 % until 2025-12-31, 17.5 % from 2026-01-01 (LC 224/2025); a change of date moves it."""
    cid, petr, _ = book
    before = await record(as_admin, cid, "jcp", on="2025-12-31", asset=petr, amount="100")
    after = await record(as_admin, cid, "jcp", on="2026-01-01", asset=petr, amount="100")
    assert (before["tax"], after["tax"]) == ("15", "17.5")
    odd = await record(as_admin, cid, "jcp", on="2026-06-01", asset=petr, amount="33.33")
    assert odd["tax"] == "5.83"  # 33.33 x 0.175 = 5.83275, to the centavo


async def test_xirr_with_money_coming_back_matches_pyxirr_readme(as_admin):
    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "XIRR4.SA", price="5", previous_close="5")
    await store_closes(
        asset_id=asset["id"],
        closes=[
            DailyClose(date=date(2020, 1, 1), close=Decimal("10")),
            DailyClose(date=date(2021, 1, 1), close=Decimal("7.5")),
            DailyClose(date=date(2022, 1, 1), close=Decimal("5")),
        ],
    )
    await buy(as_admin, client["id"], asset, "200", "5", on="2020-01-01")
    await sell(as_admin, client["id"], asset, "100", "7.5", on="2021-01-01")
    body = (
        await as_admin.get(f"/clients/{client['id']}/performance", params={"end": "2022-01-01"})
    ).json()
    # -1000, +750, then 100 x 5 = 500 at the end: pyxirr's README vector.
    assert body["xirr_pct"] == pytest.approx(17.50092646, abs=1e-6)
    assert body["totals"]["invested"] == "250"
    assert body["totals"]["value"] == "500"


async def test_a_dividend_and_a_partial_sale_checked_by_hand(as_admin):
    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "HAND3.SA", price="13", previous_close="13")
    d0, d1, d2, d3 = date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5), date(2025, 3, 6)
    await store_closes(
        asset_id=asset["id"],
        closes=[
            DailyClose(date=d0, close=Decimal("10")),
            DailyClose(date=d1, close=Decimal("11")),
            DailyClose(date=d2, close=Decimal("12")),
            DailyClose(date=d3, close=Decimal("13")),
        ],
    )
    cid = client["id"]
    await buy(as_admin, cid, asset, "100", "10", on=str(d0))
    await record(as_admin, cid, "dividend", on=str(d1), asset=asset, amount="50")
    await sell(as_admin, cid, asset, "40", "12", on=str(d2))
    body = (await as_admin.get(f"/clients/{cid}/performance", params={"end": str(d3)})).json()
    # Values: d0 1000; d1 1100 + 50 cash; d2 720 + 50 (480 left: an outflow at the close);
    # d3 780 + 50. TWR by hand: 1150/1000 x (770 + 480)/1150 x 830/770 - 1 = 34.74025...
    assert [p["value"] for p in body["series"]] == ["1000", "1150", "770", "830"]
    expected_twr = (1150 / 1000) * ((770 + 480) / 1150) * (830 / 770) - 1
    assert body["twr_pct"] == pytest.approx(expected_twr * 100, abs=1e-6)
    # XIRR by hand: -1000 on d0, +480 on d2, +830 on d3.
    expected_xirr = pyxirr.xirr([d0, d2, d3], [-1000, 480, 830])
    assert body["xirr_pct"] == pytest.approx(expected_xirr * 100, rel=1e-6)
    assert body["totals"]["invested"] == "520"  # 1000 in, 480 out
    assert body["totals"]["pnl"] == "310"  # 830 - 520


async def test_a_jcp_without_tax_takes_the_rate_in_force_on_its_date(as_admin, book):
    cid, petr, _ = book
    # 15 % until 31/12/2025, 17.5 % from 01/01/2026 (LC 224/2025): 1000 x 0.15 = 150;
    # 1000 x 0.175 = 175.
    old = await record(as_admin, cid, "jcp", on="2025-12-31", asset=petr, amount="1000")
    new = await record(as_admin, cid, "jcp", on="2026-01-02", asset=petr, amount="1000")
    assert (old["tax"], new["tax"]) == ("150", "175")
    # A date moved across the change takes the other rate; one moved within a rate's span, or
    # a tax given, is kept: 1000 x 0.175 = 175 in 2026, then the 12.34 given.
    r = await as_admin.patch(
        f"/clients/{cid}/transactions/{old['id']}", json={"date": "2026-01-05"}
    )
    assert r.json()["tax"] == "175"
    r = await as_admin.patch(
        f"/clients/{cid}/transactions/{old['id']}", json={"date": "2026-02-05", "tax": "12.34"}
    )
    assert r.json()["tax"] == "12.34"
    r = await as_admin.patch(
        f"/clients/{cid}/transactions/{old['id']}", json={"date": "2026-03-05"}
    )
    assert r.json()["tax"] == "12.34"


async def test_realized_sales_say_their_category_and_day_trades_keep_the_preco_medio(
    as_admin, as_reader, book
):
    cid, petr, _ = book
    fii = await make_asset(as_admin, "HGLG11.SA", price="160", previous_close="160")
    r = await as_admin.patch(f"/assets/{fii['id']}", json={"asset_type": "FII"})
    assert (r.status_code, r.json()["asset_type"]) == (200, "FII")
    trades = [
        ("buy", "2026-03-02", petr, "100", "30", "0"),
        ("buy", "2026-03-04", petr, "200", "31", "0"),
        ("sell", "2026-03-04", petr, "250", "32", "10"),
        ("buy", "2026-03-02", fii, "10", "150", "0"),
        ("sell", "2026-03-05", fii, "10", "160", "0"),
    ]
    for kind, day, asset, quantity, price, fees in trades:
        await record(
            as_admin, cid, kind, on=day, asset=asset, quantity=quantity, price=price, fees=fees
        )
    body = (await as_reader.get(f"/clients/{cid}/realized")).json()
    # 04/03: 200 bought at 31, 250 sold at 32 (8000, 7990 net of the 10 of fees). Day trade:
    # 200 of the 250: 8000 x 200/250 = 6400 sold, 7990 x 200/250 = 6392 net, cost 6200,
    # gain 192. Swing: 50 from the position at 30: 1600 sold, 1598 net, cost 1500, gain 98.
    # The FII: 10 x 160 - 10 x 150 = 100, in its own pool.
    assert [
        (s["ticker"], s["category"], s["day_trade"], s["quantity"], s["sale_value"], s["proceeds"],
         s["cost"], s["gain"])
        for s in body["sales"]
    ] == [
        ("PETR4.SA", "day_trade", True, "200", "6400", "6392", "6200", "192"),
        ("PETR4.SA", "comum", False, "50", "1600", "1598", "1500", "98"),
        ("HGLG11.SA", "fii", False, "10", "1600", "1600", "1500", "100"),
    ]  # fmt: skip
    assert {c["category"]: (c["sales"], c["gain"]) for c in body["by_category"]} == {
        "comum": (1, "98"),
        "day_trade": (1, "192"),
        "fii": (1, "100"),
    }
    positions = (await as_reader.get(f"/clients/{cid}/positions")).json()["positions"]
    held = next(p for p in positions if p["ticker"] == "PETR4.SA")
    assert (held["quantity"], held["average_cost"], held["cost"]) == ("50", "30", "1500")
