"""Income tax through the API: the monthly apuração, its DARFs, the annual figures and the
office's DARFs due. Every figure is worked out by hand in the test (arithmetic in the comments);
none comes from the code under test."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from pypdf import PdfReader

from carteira.core import clock
from carteira.core.database import db
from tests.factories import buy, make_asset, make_client, record, sell

ZEROS = {
    "sales": "0",
    "gains": "0",
    "losses": "0",
    "exempt_gains": "0",
    "loss_carried_in": "0",
    "loss_used": "0",
    "taxable": "0",
    "tax": "0",
    "irrf": "0",
    "loss_carried_out": "0",
}


async def monthly(api, client_id: int, year: int) -> dict:
    r = await api.get(f"/clients/{client_id}/tax/monthly", params={"year": year})
    assert r.status_code == 200, r.text
    return r.json()


def pools(answer: dict, month: str) -> dict[str, dict]:
    """The month's pools, without the fields every test states the same."""
    (found,) = [m for m in answer["months"] if m["month"] == month]
    return {
        p["category"]: {k: v for k, v in p.items() if k not in ("category", "rate_pct")}
        for p in found["categories"]
    }


def darf(answer: dict, month: str) -> dict:
    (found,) = [m for m in answer["months"] if m["month"] == month]
    return found["darf"]


def pool(**figures: str) -> dict[str, str]:
    return {**ZEROS, **figures}


@pytest.fixture(autouse=True)
def december_2026() -> Iterator[None]:
    """The firm's today: 07/12/2026 (the current year's months run to December)."""
    with clock.frozen_at(datetime(2026, 12, 7, 12, tzinfo=ZoneInfo("America/Sao_Paulo"))):
        yield


@pytest.fixture
async def assets(as_admin):
    made = {
        "petr": await make_asset(as_admin, "PETR4.SA", price="35", previous_close="35"),
        "vale": await make_asset(as_admin, "VALE3.SA", price="60", previous_close="60"),
        "itsa": await make_asset(as_admin, "ITSA4.SA", price="10", previous_close="10"),
        "bova": await make_asset(
            as_admin, "BOVA11.SA", price="110", previous_close="110", instrument_type="ETF"
        ),
        "bdr": await make_asset(as_admin, "AAPL34.SA", price="60", previous_close="60"),
        "fii": await make_asset(as_admin, "HGLG11.SA", price="160", previous_close="160"),
        "aapl": await make_asset(
            as_admin,
            "AAPL",
            price="200",
            previous_close="200",
            currency="USD",
            exchange="NMS",
            full_exchange="NasdaqGS",
        ),
    }
    r = await as_admin.patch(f"/assets/{made['fii']['id']}", json={"asset_type": "FII"})
    assert r.status_code == 200
    return made


async def test_an_exempt_month_a_bdr_beside_it_and_a_taxed_month_with_irrf_and_fees(
    as_admin, as_reader, assets
):
    cid = (await make_client(as_admin))["id"]
    petr, bdr = assets["petr"], assets["bdr"]
    await buy(as_admin, cid, petr, "1000", "20", on="2025-03-03", fees="10")
    await buy(as_admin, cid, bdr, "100", "50", on="2025-03-03")
    await sell(as_admin, cid, petr, "500", "30", on="2025-04-10", fees="5")
    await sell(as_admin, cid, bdr, "100", "60", on="2025-04-10")
    await sell(as_admin, cid, petr, "500", "50", on="2025-05-12", fees="25")
    answer = await monthly(as_reader, cid, 2025)
    assert [m["month"] for m in answer["months"]] == [f"2025-{n:02d}" for n in range(1, 13)]
    assert pools(answer, "2025-03")["comum"] == pool()

    # April. PETR4: preço médio (1000 x 20 + 10) / 1000 = 20.01; 500 x 30 = 15000 sold,
    # 15000 - 5 = 14995 net, cost 500 x 20.01 = 10005, gain 4990. The BDR: 100 x 60 = 6000
    # sold, cost 5000, gain 1000. Stock sales 15000 <= 20000 (a BDR is no stock): PETR4's 4990
    # exempt; the BDR's 1000 taxed at 15 % = 150. IRRF 0.005 % x (15000 + 6000) = 1.05 (over
    # R$ 1.00). DARF 150 - 1.05 = 148.95, due Friday 30/05/2025.
    april = pools(answer, "2025-04")
    assert april["comum"] == pool(
        sales="21000", gains="5990", exempt_gains="4990", taxable="1000", tax="150", irrf="1.05"
    )
    assert april["day_trade"] == april["fii"] == pool()
    assert darf(answer, "2025-04") == {
        "code": "6015",
        "period": "2025-04-30",
        "tax_due": "150",
        "irrf_deducted": "1.05",
        "carried_in": "0",
        "amount": "148.95",
        "due_date": "2025-05-30",
        "carried_under_minimum": "0",
    }
    # May: 500 x 50 = 25000 sold (over 20000: taxed), 25000 - 25 = 24975 net, cost 10005,
    # gain 14970; 15 % = 2245.50. IRRF 0.005 % x 25000 = 1.25. DARF 2245.50 - 1.25 = 2244.25,
    # due Monday 30/06/2025.
    assert pools(answer, "2025-05")["comum"] == pool(
        sales="25000", gains="14970", taxable="14970", tax="2245.5", irrf="1.25"
    )
    may = darf(answer, "2025-05")
    assert (may["amount"], may["due_date"], may["irrf_deducted"]) == (
        "2244.25",
        "2025-06-30",
        "1.25",
    )
    assert [m["month"] for m in answer["months"] if m["darf"]["amount"] != "0"] == [
        "2025-04",
        "2025-05",
    ]


async def test_a_loss_carries_across_months_and_into_the_next_year(as_admin, as_reader, assets):
    cid = (await make_client(as_admin))["id"]
    vale = assets["vale"]
    await buy(as_admin, cid, vale, "1000", "60", on="2025-09-01")
    await sell(as_admin, cid, vale, "500", "50", on="2025-10-06")
    await sell(as_admin, cid, vale, "100", "58", on="2025-11-03")
    await sell(as_admin, cid, vale, "400", "80", on="2026-02-02")
    year = await monthly(as_reader, cid, 2025)
    # October: 500 x 50 = 25000 sold, cost 500 x 60 = 30000: a loss of 5000, carried. IRRF
    # 0.005 % x 25000 = 1.25, nothing to deduct it from: left for later months of 2025.
    assert pools(year, "2025-10")["comum"] == pool(
        sales="25000", losses="5000", irrf="1.25", loss_carried_out="5000"
    )
    assert darf(year, "2025-10")["amount"] == "0"
    # November, an exempt month (5800 of sales): its loss of 100 x (58 - 60) = 200 still
    # counts: 5000 + 200 = 5200 carried. IRRF 0.005 % x 5800 = 0.29 <= 1.00: none.
    assert pools(year, "2025-11")["comum"] == pool(
        sales="5800", losses="200", loss_carried_in="5000", loss_carried_out="5200"
    )
    assert pools(year, "2025-12")["comum"] == pool(loss_carried_in="5200", loss_carried_out="5200")
    assert year["irrf_left"] == "1.25"  # claimed in the 2025 DIRPF, not carried into 2026

    following = await monthly(as_reader, cid, 2026)
    # February 2026: 400 x 80 = 32000 sold, cost 24000, gain 8000; the 5200 of 2025 offset:
    # 2800 taxed at 15 % = 420. IRRF 0.005 % x 32000 = 1.60 (2025's 1.25 does not carry).
    # DARF 420 - 1.60 = 418.40, due Tuesday 31/03/2026.
    assert pools(following, "2026-01")["comum"] == pool(
        loss_carried_in="5200", loss_carried_out="5200"
    )
    assert pools(following, "2026-02")["comum"] == pool(
        sales="32000",
        gains="8000",
        loss_carried_in="5200",
        loss_used="5200",
        taxable="2800",
        tax="420",
        irrf="1.6",
    )
    assert darf(following, "2026-02")["amount"] == "418.4"
    assert darf(following, "2026-02")["due_date"] == "2026-03-31"


async def test_day_trades_with_and_without_a_position_an_fii_and_an_etf_in_one_month(
    as_admin, as_reader, assets
):
    cid = (await make_client(as_admin))["id"]
    petr, vale, bova, fii = assets["petr"], assets["vale"], assets["bova"], assets["fii"]
    await buy(as_admin, cid, petr, "100", "30", on="2026-03-02")
    await buy(as_admin, cid, bova, "100", "100", on="2026-03-02")
    await buy(as_admin, cid, fii, "100", "150", on="2026-03-02")
    # A day trade beside a position of 100 at 30, and one with nothing held.
    await buy(as_admin, cid, petr, "200", "31", on="2026-03-10")
    await sell(as_admin, cid, petr, "200", "33", on="2026-03-10")
    await buy(as_admin, cid, vale, "100", "60", on="2026-03-11")
    await sell(as_admin, cid, vale, "100", "59", on="2026-03-11")
    await sell(as_admin, cid, petr, "100", "35", on="2026-03-16")
    await sell(as_admin, cid, fii, "100", "160", on="2026-03-20")
    await sell(as_admin, cid, bova, "100", "110", on="2026-03-23")
    answer = await monthly(as_reader, cid, 2026)
    march = pools(answer, "2026-03")
    # Day trade: PETR4 200 x (33 - 31) = 400; VALE3 100 x (59 - 60) = -100; sold 6600 + 5900.
    # 20 % of 300 = 60. IRRF 1 % of each day's positive result: 10/03 400 -> 4.00; 11/03 none.
    assert march["day_trade"] == pool(
        sales="12500", gains="400", losses="100", taxable="300", tax="60", irrf="4"
    )
    # Swing: PETR4 100 x 35 = 3500 sold at the preço médio of 30 the day trade left alone:
    # gain 500, exempt (stock sales 3500 <= 20000). BOVA11 (an ETF, never exempt): 11000
    # sold, gain 1000, 15 % = 150. IRRF 0.005 % of every swing sale, 3500 + 11000 + 16000 =
    # 30500 -> 1.525 over R$ 1.00: comum 0.005 % x 14500 = 0.725 -> 0.73, FII 0.80.
    assert march["comum"] == pool(
        sales="14500", gains="1500", exempt_gains="500", taxable="1000", tax="150", irrf="0.73"
    )
    # The FII: 100 x 160 = 16000 sold (under 20000, still taxed), gain 1000, 20 % = 200.
    assert march["fii"] == pool(sales="16000", gains="1000", taxable="1000", tax="200", irrf="0.8")
    rates = {p["category"]: p["rate_pct"] for p in answer["months"][2]["categories"]}
    assert rates == {"comum": 15.0, "day_trade": 20.0, "fii": 20.0}
    # DARF: stocks' sheet 150 + 60 - (0.73 + 4.00) = 205.27; the FII's 200 - 0.80 = 199.20;
    # 404.47 in all, due Thursday 30/04/2026.
    assert darf(answer, "2026-03") == {
        "code": "6015",
        "period": "2026-03-31",
        "tax_due": "410",
        "irrf_deducted": "5.53",
        "carried_in": "0",
        "amount": "404.47",
        "due_date": "2026-04-30",
        "carried_under_minimum": "0",
    }


async def test_a_darf_under_ten_reais_is_carried_twice_then_paid(as_admin, as_reader, assets):
    cid = (await make_client(as_admin))["id"]
    itsa = assets["itsa"]
    await buy(as_admin, cid, itsa, "10000", "10", on="2025-12-01")
    for day in ("2026-01-20", "2026-02-10", "2026-03-10"):
        await sell(as_admin, cid, itsa, "2000", "10.015", on=day)
    answer = await monthly(as_reader, cid, 2026)
    # Each month: 2000 x 10.015 = 20030 sold (over 20000), cost 20000, gain 30, 15 % = 4.50;
    # IRRF 0.005 % x 20030 = 1.0015 -> 1.00 (over R$ 1.00). Due 3.50 a month: January 3.50
    # and February 3.50 + 3.50 = 7.00 stay under R$ 10.00; March 7.00 + 3.50 = 10.50 is paid,
    # by Thursday 30/04/2026.
    for month in ("2026-01", "2026-02", "2026-03"):
        assert pools(answer, month)["comum"] == pool(
            sales="20030", gains="30", taxable="30", tax="4.5", irrf="1"
        )
    figures = [
        (d["carried_in"], d["amount"], d["due_date"], d["carried_under_minimum"])
        for d in (darf(answer, m) for m in ("2026-01", "2026-02", "2026-03", "2026-04"))
    ]
    assert figures == [
        ("0", "0", None, "3.5"),
        ("3.5", "0", None, "7"),
        ("7", "10.5", "2026-04-30", "0"),
        ("0", "0", None, "0"),
    ]


async def test_a_split_and_a_bonus_before_the_sale(as_admin, as_reader, assets):
    cid = (await make_client(as_admin))["id"]
    petr = assets["petr"]
    await buy(as_admin, cid, petr, "1000", "30", on="2025-01-06")
    await record(as_admin, cid, "split", on="2025-02-03", asset=petr, ratio="2:1")
    await record(as_admin, cid, "bonus", on="2025-03-03", asset=petr, quantity="200", amount="1000")
    await sell(as_admin, cid, petr, "1100", "20", on="2025-04-07", fees="10")
    answer = await monthly(as_reader, cid, 2025)
    # 1000 x 30 = 30000; the split makes 2000 shares at 15; the bonus adds 200 shares and
    # 1000 of cost: 2200 shares for 31000. The sale: 1100 x 20 = 22000 (over 20000),
    # 21990 net, cost 1100 x 31000 / 2200 = 15500, gain 6490; 15 % = 973.50. IRRF
    # 0.005 % x 22000 = 1.10. DARF 972.40, due Friday 30/05/2025.
    assert pools(answer, "2025-04")["comum"] == pool(
        sales="22000", gains="6490", taxable="6490", tax="973.5", irrf="1.1"
    )
    assert (darf(answer, "2025-04")["amount"], darf(answer, "2025-04")["due_date"]) == (
        "972.4",
        "2025-05-30",
    )


async def test_the_annual_figures(as_admin, as_reader, assets):
    cid = (await make_client(as_admin))["id"]
    petr, fii, aapl = assets["petr"], assets["fii"], assets["aapl"]
    await buy(as_admin, cid, petr, "100", "30", on="2025-06-02", fees="10")
    await buy(as_admin, cid, fii, "10", "150", on="2025-06-02")
    await buy(as_admin, cid, aapl, "5", "200", on="2025-07-01")
    await buy(as_admin, cid, petr, "50", "40", on="2026-02-02")
    await record(as_admin, cid, "dividend", on="2026-03-02", asset=petr, amount="120")
    await record(as_admin, cid, "jcp", on="2026-04-01", asset=petr, amount="1000")
    await record(as_admin, cid, "dividend", on="2026-05-04", asset=fii, amount="11")
    await record(as_admin, cid, "dividend", on="2026-05-11", asset=aapl, amount="1")
    await sell(as_admin, cid, petr, "50", "40", on="2026-06-01")
    r = await as_reader.get(f"/clients/{cid}/tax/annual", params={"year": 2026})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["holdings_dates"] == ["2025-12-31", "2026-12-31"]
    # PETR4: 31/12/2025 100 for 3000 + 10 = 3010 (30.10 each); 2026 adds 50 for 2000 (5010
    # for 150, 33.40 each) and sells 50 at cost 1670: 100 for 3340. The FII: 10 for 1500.
    # AAPL is listed abroad: not computed.
    assert [
        (
            h["ticker"], h["asset_class"], h["quantity_before"], h["average_cost_before"],
            h["cost_before"], h["quantity"], h["average_cost"], h["cost"],
        )
        for h in body["holdings"]
    ] == [
        ("HGLG11.SA", "fiis", "10", "150", "1500", "10", "150", "1500"),
        ("PETR4.SA", "acoes", "100", "30.1", "3010", "100", "33.4", "3340"),
    ]  # fmt: skip
    assert body["holdings_by_class"] == [
        {"asset_class": "acoes", "cost_before": "3010", "cost": "3340"},
        {"asset_class": "fiis", "cost_before": "1500", "cost": "1500"},
    ]
    # Exempt: PETR4's dividend 120, the FII's income 11, and June's gain: 50 x 40 = 2000
    # sold (<= 20000), cost 1670, 330. JCP: 1000 gross, 17.5 % = 175 withheld (2026), 825 net.
    assert [
        (i["kind"], i["ticker"], i["gross"], i["withheld"], i["net"]) for i in body["exempt_income"]
    ] == [
        ("dividends", "PETR4.SA", "120", "0", "120"),
        ("fii_income", "HGLG11.SA", "11", "0", "11"),
        ("exempt_stock_gains", None, "330", "0", "330"),
    ]
    assert body["exempt_income_total"] == "461"  # 120 + 11 + 330
    assert [
        (i["kind"], i["ticker"], i["gross"], i["withheld"], i["net"])
        for i in body["exclusive_taxation"]
    ] == [("jcp", "PETR4.SA", "1000", "175", "825")]
    assert body["exclusive_taxation_total"] == "825"
    assert [(n["ticker"], n["reason"]) for n in body["not_computed"]] == [("AAPL", "foreign_asset")]
    assert [n["code"] for n in body["notes"]] == ["irrf_from_sales"]
    assert len(body["monthly"]) == 12  # the year's monthly table (today is in December)


async def test_workbooks_of_the_monthly_and_annual_answers(as_admin, as_reader, assets):
    cid = (await make_client(as_admin))["id"]
    petr = assets["petr"]
    await buy(as_admin, cid, petr, "1000", "20", on="2025-03-03")
    await sell(as_admin, cid, petr, "500", "50", on="2025-05-12")
    r = await as_reader.get(f"/clients/{cid}/tax/monthly?year=2025&format=xlsx")
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(r.content))
    assert workbook.sheetnames[1:] == ["darf", "not_computed"]
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("month", "category", "sales")
    # May's comum row: 25000 sold, gain 500 x (50 - 20) = 15000, 15 % = 2250.
    (may,) = [row for row in rows[1:] if row[0] == "2025-05" and row[1] == "comum"]
    assert (may[2], may[3], may[10]) == (25000, 15000, 2250)
    darfs = list(workbook["darf"].iter_rows(values_only=True))
    (may_darf,) = [row for row in darfs if row[0] == "2025-05"]
    # 2250 - 0.005 % x 25000 (1.25) = 2248.75.
    assert may_darf[6] == 2248.75
    r = await as_reader.get(f"/clients/{cid}/tax/annual?year=2025&format=xlsx")
    assert r.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(r.content))
    assert workbook.sheetnames[1:] == [
        "exempt_income",
        "exclusive_taxation",
        "monthly",
        "darf",
        "not_computed",
    ]
    holding = list(workbook.worksheets[0].iter_rows(values_only=True))[1]
    assert (holding[0], holding[8]) == ("PETR4.SA", 10000)  # 500 left at 20
    r = await as_reader.get(f"/clients/{cid}/tax/monthly?year=2025&format=ods")
    assert r.status_code == 422  # not a format of this answer


async def test_a_year_not_begun_and_a_client_out_of_sight(as_admin, as_advisor_a, assets):
    cid = (await make_client(as_admin))["id"]
    r = await as_admin.get(f"/clients/{cid}/tax/monthly?year=2027")
    assert (r.status_code, r.json()["code"]) == (422, "tax_period_in_future")
    r = await as_admin.get(f"/clients/{cid}/tax/annual?year=2027")
    assert r.json()["code"] == "tax_period_in_future"
    for path in ("monthly", "annual"):
        r = await as_advisor_a.get(f"/clients/{cid}/tax/{path}")
        assert (r.status_code, r.json()["code"]) == (404, "client_not_found")
    r = await as_admin.get("/reports/tax?year=2027&month=2")
    assert r.json()["code"] == "tax_period_in_future"


async def test_a_ledger_kept_before_the_realized_table_reads_the_same(as_admin, as_reader, assets):
    cid = (await make_client(as_admin))["id"]
    vale = assets["vale"]
    await buy(as_admin, cid, vale, "1000", "60", on="2026-01-05")
    await sell(as_admin, cid, vale, "500", "70", on="2026-02-02")
    stored = await monthly(as_reader, cid, 2026)
    # As the upgrade leaves a ledger with sales: no rows, not marked complete.
    await db().execute_query("DELETE FROM realized_sales WHERE client_id = $1", [cid])
    await db().execute_query("DELETE FROM realized_kept WHERE client_id = $1", [cid])
    assert await monthly(as_reader, cid, 2026) == stored
    # Its next write stores every row again (not only from the write's date on).
    await sell(as_admin, cid, vale, "100", "70", on="2026-03-02")
    rows = await db().execute_query_dict(
        "SELECT date, gain FROM realized_sales WHERE client_id = $1 ORDER BY date", [cid]
    )
    # 500 x (70 - 60) = 5000 in February; 100 x (70 - 60) = 1000 in March.
    assert [(r["date"], r["gain"]) for r in rows] == [
        (date(2026, 2, 2), 5000),
        (date(2026, 3, 2), 1000),
    ]
    # A back-dated write moves what follows: a purchase at 40 on 20/01 makes the average
    # (60000 + 500 x 40) / 1500 = 53.333...; February's gain 500 x (70 - 53.333...) = 8333.33.
    await buy(as_admin, cid, vale, "500", "40", on="2026-01-20")
    after = await monthly(as_reader, cid, 2026)
    assert pools(after, "2026-02")["comum"]["gains"] == "8333.33"


async def test_the_office_darfs_due_in_a_month(as_admin, as_advisor_a, advisor_a, assets):
    petr = assets["petr"]
    mine = await make_client(as_advisor_a, name="Zélia")
    theirs = await make_client(as_admin, name="Bruno")
    small = await make_client(as_admin, name="Ciro")
    for client, quantity in ((mine, "1000"), (theirs, "2000"), (small, "2000")):
        await buy(as_admin, client["id"], petr, quantity, "20", on="2026-09-01")
    # Zélia: 1000 x 30 = 30000 sold, gain 1000 x (30 - 20) = 10000; 15 % = 1500, IRRF
    # 0.005 % x 30000 = 1.50: 1498.50. Bruno: 2000 x 25 = 50000 sold, gain
    # 10000, 1500 - 2.50 = 1497.50. Ciro: 2000 x 10.015 = 20030 sold, gain 30, 4.50 - 1.00 =
    # 3.50: under R$ 10.00, nothing due.
    await sell(as_admin, mine["id"], petr, "1000", "30", on="2026-10-05")
    await sell(as_admin, theirs["id"], petr, "2000", "25", on="2026-10-06")
    await sell(as_admin, small["id"], petr, "2000", "10.015", on="2026-10-07")
    r = await as_admin.get("/reports/tax", params={"year": 2026, "month": 11})
    assert r.status_code == 200, r.text
    body = r.json()
    # October's DARFs, due on the last banking day of November: Monday 30/11/2026.
    assert (body["period"], body["due_date"], body["code"]) == ("2026-10", "2026-11-30", "6015")
    assert [(c["name"], c["amount"], c["due_date"]) for c in body["clients"]] == [
        ("Bruno", "1497.5", "2026-11-30"),
        ("Zélia", "1498.5", "2026-11-30"),
    ]
    assert (body["count"], body["total"]) == (2, "2996")
    # An advisor sees their own clients only.
    own = (await as_advisor_a.get("/reports/tax?year=2026&month=11")).json()
    assert [c["name"] for c in own["clients"]] == ["Zélia"]
    assert (own["count"], own["total"]) == (1, "1498.5")
    # As files.
    r = await as_advisor_a.get("/reports/tax?year=2026&month=11&format=csv&dialect=br")
    assert r.status_code == 200
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == [
        "Código do cliente",
        "Cliente",
        "Código da receita",
        "Período de apuração",
        "Valor",
        "Vencimento",
    ]
    assert lines[1][1:] == ["Zélia", "6015", "2026-10", "1498,5", "30/11/2026"]
    r = await as_admin.get("/reports/tax?year=2026&month=11&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).worksheets[0]
    amounts = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert amounts == [1497.5, 1498.5, 2996]  # and the totals row
    # A month nobody sold in the month before: nobody.
    quiet = (await as_admin.get("/reports/tax?year=2026&month=10")).json()
    assert (quiet["count"], quiet["clients"]) == (0, [])


async def test_only_an_admin_sets_an_assets_type(as_admin, as_advisor_a, as_reader, assets):
    petr = assets["petr"]
    for api in (as_reader, as_advisor_a):
        r = await api.patch(f"/assets/{petr['id']}", json={"asset_type": "FII"})
        assert r.status_code == 403
    r = await as_admin.patch(f"/assets/{petr['id']}", json={"asset_type": "HOUSE"})
    assert r.status_code == 422
    r = await as_admin.patch(f"/assets/{petr['id']}", json={"asset_type": None, "sector": "Oil"})
    assert (r.status_code, r.json()["asset_type"], r.json()["sector"]) == (200, "EQUITY", "Oil")


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def brl(amount: str) -> str:
    """The JSON's "2244.25" as the PDF writes it: R$ 2.244,25."""
    units, _, cents = amount.partition(".")
    grouped = f"{int(units):,}".replace(",", ".")
    return f"R$ {grouped},{cents.ljust(2, '0')}"


def ddmmyyyy(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


async def test_the_answers_as_pdfs_with_the_darf_fields(as_admin, as_reader, as_advisor_a, assets):
    cid = (await make_client(as_admin, name="Ana Lúcia"))["id"]
    petr, fii, aapl = assets["petr"], assets["fii"], assets["aapl"]
    await buy(as_admin, cid, petr, "2000", "20", on="2025-03-03")
    await buy(as_admin, cid, fii, "100", "100", on="2025-03-03")
    await buy(as_admin, cid, aapl, "1", "200", on="2025-03-03")
    await sell(as_admin, cid, petr, "1000", "50", on="2025-05-12")
    await sell(as_admin, cid, fii, "100", "110", on="2025-08-05")
    await record(as_admin, cid, "jcp", on="2025-09-01", asset=petr, amount="1000")
    answer = await monthly(as_reader, cid, 2025)
    # May: 1000 x 50 = 50000 sold, gain 30000, 15 % = 4500, IRRF 2.50: 4497.50, due
    # 30/06/2025. August: the FII's 100 x 10 = 1000 gained, 20 % = 200, IRRF 0.005 % x 11000 =
    # 0.55 (R$ 1.00 or less: none withheld): 200, due Friday 30/09/2025.
    paid = [(m["month"], m["darf"]["amount"]) for m in answer["months"]]
    assert [(month, amount) for month, amount in paid if amount != "0"] == [
        ("2025-05", "4497.5"),
        ("2025-08", "200"),
    ]
    r = await as_reader.get(f"/clients/{cid}/tax/monthly", params={"year": 2025, "format": "pdf"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith(
        f'attachment; filename="carteira-client-{cid}-tax-monthly-2025-'
    )
    text = pdf_text(r.content)
    assert "Ana Lúcia" in text
    assert "apuração mensal de 2025" in text
    for month in ("2025-05", "2025-08"):
        fields = darf(answer, month)
        assert f"02 Período de apuração {ddmmyyyy(fields['period'])}" in text
        assert f"06 Data de vencimento {ddmmyyyy(fields['due_date'])}" in text
        assert f"07 Valor do principal {brl(fields['amount'])}" in text
        assert f"10 Valor total {brl(fields['amount'])}" in text
    assert text.count("04 Código da receita 6015") == 2
    assert "02 Período de apuração 31/05/2025" in text  # by hand, as well as from the JSON
    assert "07 Valor do principal R$ 4.497,50" in text
    assert "06 Data de vencimento 30/09/2025" in text
    assert "R$ 50.000,00" in text  # May's sales

    r = await as_reader.get(f"/clients/{cid}/tax/annual", params={"year": 2025})
    annual = r.json()
    r = await as_reader.get(f"/clients/{cid}/tax/annual", params={"year": 2025, "format": "pdf"})
    assert (r.status_code, r.headers["content-type"]) == (200, "application/pdf")
    text = pdf_text(r.content)
    assert "ano-calendário 2025" in text
    assert "Lei 14.754/2023" in text  # AAPL, held, not computed: in Portuguese
    # PETR4: 1000 left at 20 = R$ 20.000,00 on 31/12/2025. JCP 1000, 15 % withheld (2025): 850.
    (held,) = annual["holdings"]
    assert (held["ticker"], held["cost"]) == ("PETR4.SA", "20000")
    assert "R$ 20.000,00" in text
    (jcp,) = annual["exclusive_taxation"]
    assert (jcp["gross"], jcp["withheld"], jcp["net"]) == ("1000", "150", "850")
    assert "Juros sobre capital próprio PETR4.SA R$ 1.000,00 R$ 0,00 R$ 150,00 R$ 850,00" in text
    assert "07 Valor do principal R$ 4.497,50" in text
    assert "07 Valor do principal R$ 200,00" in text
    # An advisor who does not see the client gets no PDF either.
    r = await as_advisor_a.get(f"/clients/{cid}/tax/annual?year=2025&format=pdf")
    assert (r.status_code, r.json()["code"]) == (404, "client_not_found")
