"""Renda fixa in the income tax: yields redeemed in the year, exempt (LCI, LCA, CRI, CRA,
incentivized debentures) or net of the IOF and the regressive income tax, in the annual
figures; never in the monthly apuração of renda variável. Every figure by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from carteira.core import clock
from tests.factories import make_asset, make_client, register

TERMS = {
    "kind": "fixed_income",
    "issuer": "Banco X",
    "indexer": "CDI",
    "rate": "100",
    "rate_mode": "pct_of_index",
    "issue_date": "2025-01-02",
    "maturity_date": "2029-05-15",
}


@pytest.fixture(autouse=True)
def december_2026() -> Iterator[None]:
    with clock.frozen_at(datetime(2026, 12, 7, 12, tzinfo=ZoneInfo("America/Sao_Paulo"))):
        yield


async def entry(api, client_id: int, kind: str, day: str, asset: dict, **fields) -> None:
    r = await api.post(
        f"/clients/{client_id}/transactions",
        json={"kind": kind, "date": day, "asset_id": asset["id"], **fields},
    )
    assert r.status_code == 201, r.text


async def trade(api, client_id, kind, day, asset, quantity, price, fees="0") -> None:
    await entry(api, client_id, kind, day, asset, quantity=quantity, price=price, fees=fees)


async def test_fixed_income_redeemed_in_the_annual_figures_and_not_in_the_monthly(
    as_admin, as_reader
):
    cdb = await register(as_admin, {**TERMS, "product": "CDB"})
    lci = await register(as_admin, {**TERMS, "product": "LCI"})
    debi = await register(as_admin, {**TERMS, "product": "DEBENTURE_INCENTIVADA"})
    cri = await register(as_admin, {**TERMS, "product": "CRI"})
    petr = await make_asset(as_admin, "PETR4.SA", price="35", previous_close="35")
    cid = (await make_client(as_admin))["id"]
    # The CDB: lot A 10 x 1000 on 10/03/2025, lot B 5 x 1080 on 01/06/2026; 12 sold at 1100
    # on 11/06/2026 with 12 of fees.
    await trade(as_admin, cid, "buy", "2025-03-10", cdb, "10", "1000")
    await trade(as_admin, cid, "buy", "2026-06-01", cdb, "5", "1080")
    await trade(as_admin, cid, "sell", "2026-06-11", cdb, "12", "1100", fees="12")
    # The LCI: 3 x 1000; 1 sold in 2025 (another year), 2 at 1090 in 2026.
    await trade(as_admin, cid, "buy", "2025-02-03", lci, "3", "1000")
    await trade(as_admin, cid, "sell", "2025-08-01", lci, "1", "1050")
    await trade(as_admin, cid, "sell", "2026-02-02", lci, "2", "1090")
    # The incentivized debenture: 1 x 1000, redeemed at 1100.
    await trade(as_admin, cid, "buy", "2025-05-05", debi, "1", "1000")
    await trade(as_admin, cid, "sell", "2026-09-01", debi, "1", "1100")
    # The CRI still held pays a coupon (an interest entry): not a dividend.
    await trade(as_admin, cid, "buy", "2025-05-05", cri, "1", "1000")
    await entry(as_admin, cid, "interest", "2026-11-16", cri, amount="40")
    # A stock beside them, sold in June too.
    await trade(as_admin, cid, "buy", "2026-01-05", petr, "100", "30")
    await trade(as_admin, cid, "sell", "2026-06-11", petr, "100", "35")

    r = await as_reader.get(f"/clients/{cid}/tax/annual", params={"year": 2026})
    assert r.status_code == 200, r.text
    body = r.json()
    # The CDB's sale: 12 x 1100 - 12 = 13188, 1099 a unit. First in, first out: lot A's 10
    # (cost 10000) and 2 of lot B (cost 2160): cost 12160, yield 1028.
    # Lot A: 10 x 1099 = 10990, gain 990, held 10/03/2025 -> 11/06/2026 = 365 + 93 = 458 days
    # (over 360, up to 720): 17.5 % = 173.25; no IOF (30 days or more).
    # Lot B: 2 x 1099 = 2198, gain 38, held 10 days: IOF 66 % = 25.08; income tax 22.5 % of
    # (38 - 25.08 = 12.92) = 2.907.
    # IOF 25.08; income tax 173.25 + 2.907 = 176.157 (176.16); net 1028 - 25.08 - 176.157 =
    # 826.763 (826.76).
    assert [
        (i["kind"], i["ticker"], i["gross"], i["iof"], i["withheld"], i["net"])
        for i in body["exclusive_taxation"]
    ] == [("fixed_income", cdb["ticker"], "1028", "25.08", "176.16", "826.76")]
    assert body["exclusive_taxation_total"] == "826.76"
    # Exempt: the stock's June gain (100 x 35 = 3500 sold, <= 20000; 3500 - 3000 = 500), the
    # debenture's 1100 - 1000 = 100, the LCI's 2026 sale 2 x 1090 - 2 x 1000 = 180 (its 2025
    # sale is another year's). The CRI's coupon is not a dividend.
    assert [
        (i["kind"], i["ticker"], i["gross"], i["iof"], i["withheld"], i["net"])
        for i in body["exempt_income"]
    ] == [
        ("exempt_stock_gains", None, "500", "0", "0", "500"),
        ("fixed_income_exempt", debi["ticker"], "100", "0", "0", "100"),
        ("fixed_income_exempt", lci["ticker"], "180", "0", "0", "180"),
    ]
    assert body["exempt_income_total"] == "780"  # 500 + 100 + 180
    notes = {n["code"]: n for n in body["notes"]}
    assert notes["interest_not_listed"]["tickers"] == [cri["ticker"]]
    assert "fixed_income_not_listed" not in notes
    # Holdings by the assets' own classes: renda fixa indexed to the CDI is pos_fixado.
    classes = {h["ticker"]: h["asset_class"] for h in body["holdings"]}
    held = [cdb["ticker"], cri["ticker"], debi["ticker"], lci["ticker"]]
    assert classes == dict.fromkeys(held, "pos_fixado")

    # The monthly apuração of June: the stock's 3500 only, exempt; the CDB's 13200 is not a
    # sale of renda variável (a 15 % comum pool would tax its 1028).
    r = await as_reader.get(f"/clients/{cid}/tax/monthly", params={"year": 2026})
    (june,) = [m for m in r.json()["months"] if m["month"] == "2026-06"]
    comum = next(p for p in june["categories"] if p["category"] == "comum")
    assert (comum["sales"], comum["exempt_gains"], comum["tax"]) == ("3500", "500", "0")
    (february,) = [m for m in r.json()["months"] if m["month"] == "2026-02"]
    assert all(p["sales"] == "0" for p in february["categories"])
    # The ledger's realized view: no pool for the renda fixa sales.
    r = await as_reader.get(f"/clients/{cid}/realized")
    pools = {(s["ticker"], s["date"]): s["category"] for s in r.json()["sales"]}
    assert pools[(cdb["ticker"], "2026-06-11")] is None
    assert pools[(petr["ticker"], "2026-06-11")] == "comum"
