"""Positions of renda fixa, Tesouro and funds (issue #30, points 6, 7 and 11): gross value, IOF,
income tax and net value per position and in the totals, the patrimônio per asset class, and
the last known prices marked stale when a source fails. Figures by hand."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from carteira.core import clock
from carteira.pricing import service as pricing
from carteira.pricing.bcb import CDI
from carteira.pricing.closes import store_closes
from carteira.pricing.schemas import DailyClose
from tests.factories import CDB, CDI_APRIL, deposit, make_client, record, register
from tests.support import run_jobs

# 4 May 2026, evening: the CDB (110 % do CDI from 1 April) is at 1011.81345437, the price
# every April rate brings it to (test_instruments works it out).
EVENING = datetime(2026, 5, 4, 19, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
FUND = {"kind": "fund", "cnpj": "11222333000181", "fund_class": "renda_fixa"}


async def fund_at(as_admin, close: str) -> dict:
    fund = await register(as_admin, FUND)
    await store_closes(
        asset_id=fund["id"], closes=[DailyClose(date=date(2026, 4, 30), close=Decimal(close))]
    )
    return fund


async def buy(api, client_id: int, asset_id: int, quantity: str, price: str, day: str) -> None:
    await record(api, client_id, "buy", on=day, asset_id=asset_id, quantity=quantity, price=price)


async def test_positions_show_gross_iof_income_tax_and_net(as_admin, settings, bcb):
    bcb.add_series(CDI, CDI_APRIL)
    with clock.frozen_at(EVENING):
        cdb = await register(as_admin, CDB)
        lci = await register(as_admin, {**CDB, "product": "LCI"})
        await run_jobs(settings)
        fund = await fund_at(as_admin, "1.52")
        client = await make_client(as_admin)
        cid = client["id"]
        await buy(as_admin, cid, cdb["id"], "10", "1000", "2026-04-01")
        await buy(as_admin, cid, cdb["id"], "5", "1010", "2026-04-27")
        await buy(as_admin, cid, lci["id"], "2", "1000", "2026-04-01")
        await buy(as_admin, cid, fund["id"], "1000", "1.50", "2026-04-01")
        await deposit(as_admin, cid, "100", on="2026-04-01")
        r = await as_admin.get(f"/clients/{cid}/positions")
        aum = (await as_admin.get("/reports/aum")).json()
    assert r.status_code == 200, r.text
    body = r.json()
    # The office's AUM groups the same money by class.
    assert [(c["asset_class"], c["value"]) for c in aum["by_class"]] == [
        ("pos_fixado", "17200.83"),
        ("fundos_rf", "1520"),
        ("caixa", "100"),
    ]
    by_ticker = {p["ticker"]: p for p in body["positions"]}
    taxed = by_ticker[cdb["ticker"]]
    # Lot 1: 10 x 1011.81345437 = 10118.1345437 over 10000, held 33 days: no IOF; 22.5 % of
    # 118.1345437 = 26.58027233.
    # Lot 2: 5 x 1011.81345437 = 5059.06727185 over 5050, held 7 days: IOF 76 % of
    # 9.06727185 = 6.89112661; 22.5 % of the 2.17614524 left = 0.48963268.
    # Gross 15177.20181555; IOF 6.89112661; income tax 27.07; net 15143.24078393.
    assert (taxed["gross_value"], taxed["iof"], taxed["income_tax"], taxed["net_value"]) == (
        "15177.2",
        "6.89",
        "27.07",
        "15143.24",
    )
    assert taxed["asset_class"] == "pos_fixado"
    exempt = by_ticker[lci["ticker"]]
    # 2 x 1011.81345437 = 2023.62690874, and an LCI pays neither.
    assert (exempt["gross_value"], exempt["iof"], exempt["income_tax"], exempt["net_value"]) == (
        "2023.63",
        "0",
        "0",
        "2023.63",
    )
    held_fund = by_ticker[fund["ticker"]]
    # 1000 x 1.52, gross only: come-cotas is not modelled, and the answer says so.
    assert (held_fund["gross_value"], held_fund["income_tax"], held_fund["net_value"]) == (
        "1520",
        None,
        None,
    )
    assert held_fund["price_as_of"].startswith("2026-04-30")
    assert [n["code"] for n in body["notes"]] == ["come_cotas_not_modelled"]
    # Totals: 15177.20181555 + 2023.62690874 + 1520 + 100 of cash = 18820.82872429 gross;
    # net of 6.891126606 IOF and 27.0699050124 income tax: 18786.86769267.
    [brl] = body["totals"]
    assert (brl["value"], brl["iof"], brl["income_tax"], brl["net_value"]) == (
        "18820.83",
        "6.89",
        "27.07",
        "18786.87",
    )
    consolidated = body["consolidated"]
    assert (
        consolidated["value"],
        consolidated["iof"],
        consolidated["income_tax"],
        consolidated["net_value"],
    ) == ("18820.83", "6.89", "27.07", "18786.87")
    # Per class: the CDB and the LCI are pós-fixados (17 x 1011.81345437 = 17200.82872429).
    assert [(c["asset_class"], c["market_value"]) for c in body["by_class"]] == [
        ("pos_fixado", "17200.83"),
        ("fundos_rf", "1520"),
        ("caixa", "100"),
    ]
    assert body["prices_stale"] == []


async def test_the_positions_csv_carries_class_and_taxes(as_admin, settings, bcb):
    bcb.add_series(CDI, CDI_APRIL)
    with clock.frozen_at(EVENING):
        cdb = await register(as_admin, CDB)
        await run_jobs(settings)
        client = await make_client(as_admin)
        await buy(as_admin, client["id"], cdb["id"], "5", "1010", "2026-04-27")
        r = await as_admin.get(
            f"/clients/{client['id']}/positions", params={"format": "csv", "dialect": "br"}
        )
    assert r.status_code == 200, r.text
    columns, row, *_ = csv.reader(io.StringIO(r.text.lstrip("\ufeff")), delimiter=";")
    assert columns[-5:] == ["Classe", "Valor bruto", "IOF", "IR", "Valor líquido"]
    cells = dict(zip(columns, row, strict=True))
    # Lot 2 of the test above alone: 5059.06727185 gross, IOF 6.89112661, income tax
    # 0.48963268, net 5051.68651256.
    assert (cells["Classe"], cells["Valor bruto"], cells["IOF"], cells["IR"]) == (
        "pos_fixado",
        "5059,07",
        "6,89",
        "0,49",
    )
    assert cells["Valor líquido"] == "5051,69"


async def test_a_failed_source_leaves_positions_at_the_last_prices_marked_stale(as_admin, cvm, app):
    fund = await fund_at(as_admin, "1.52")
    client = await make_client(as_admin)
    await buy(as_admin, client["id"], fund["id"], "1000", "1.50", "2026-04-01")
    cvm.down = True  # the daily refresh cannot read CVM's file
    [report] = await pricing.refresh_published_prices(
        market=app.state.market, start=date(2026, 4, 1), end=clock.today()
    )
    assert report.failed
    r = await as_admin.get(f"/clients/{client['id']}/positions")
    assert r.status_code == 200, r.text
    body = r.json()
    [position] = body["positions"]
    assert (position["market_value"], position["price_stale"]) == ("1520", True)
    assert body["prices_stale"] == [fund["ticker"]]
    assert body["prices_unavailable"] is False
    # The AUM counts it at the same price and lists it as stale, with its date.
    aum = (await as_admin.get("/reports/aum")).json()
    assert aum["value"] == "1520"
    assert aum["prices_stale"] == [{"name": fund["ticker"], "price": "1.52", "as_of": "2026-04-30"}]
