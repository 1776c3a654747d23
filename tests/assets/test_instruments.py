"""Instruments beyond tickers (issue #30): renda fixa, Tesouro Direto and funds registered by
their terms, and fixed income priced on the curve from the SGS rates (the fake SGS), through the
API, the jobs and the one quotes/history interface."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tortoise import Tortoise

from carteira.assets import service as assets
from carteira.core import clock
from carteira.core.jobs import JobQueue
from carteira.pricing import service as pricing
from carteira.pricing.bcb import CDI, IPCA
from tests.factories import APRIL, CDB, CDI_APRIL, LOW, make_asset, make_client, record, register
from tests.support import run_jobs


async def closes(api, asset_id: int, start: str, end: str) -> dict[str, str]:
    r = await api.get(f"/assets/{asset_id}/history", params={"start": start, "end": end})
    assert r.status_code == 200, r.text
    return {item["date"]: item["close"] for item in r.json()["items"]}


def test_the_month_is_what_the_figures_assume():
    assert len(APRIL) == 20
    assert date(2026, 4, 3) not in APRIL
    assert date(2026, 4, 21) not in APRIL


async def test_a_cdb_is_registered_backfilled_from_its_issue_and_quoted_on_the_curve(
    as_admin, as_reader, settings, bcb, yahoo
):
    bcb.add_series(CDI, CDI_APRIL)
    cdb = await register(as_admin, CDB)
    assert cdb["ticker"] == "CDB-BANCOX-110CDI-20290515"
    assert cdb["name"] == "CDB Banco X 110% do CDI, vencimento 15/05/2029"
    assert (cdb["kind"], cdb["asset_class"], cdb["tax_exempt"]) == (
        "fixed_income",
        "pos_fixado",
        False,
    )
    assert (cdb["currency"], cdb["asset_type"]) == ("BRL", "OTHER")
    assert cdb["terms"] == {**CDB, "face_value": "1000"}
    listed = (await as_reader.get("/assets", params={"search": "CDB-"})).json()["items"]
    assert listed == [cdb]
    queued = (await as_admin.get(f"/jobs/backfill:{cdb['id']}:2026-04-01")).json()
    assert (queued["status"], queued["function"]) == ("queued", "backfill_asset")

    await run_jobs(settings)
    stored = await closes(as_reader, cdb["id"], "2026-03-01", "2026-05-31")
    # Every published day and 4 May, which the 30 April rate completes.
    assert list(stored) == [d.isoformat() for d in [*APRIL, date(2026, 5, 4)]]
    assert stored["2026-04-01"] == "1000"
    # 1000 x (1 + 0.00054266 x 1.1)^10 x (1 + 0.00052531 x 1.1)^3 (16, 17, 20 April)
    assert stored["2026-04-22"] == "1007.73022656"
    # 1000 x (1 + 0.00054266 x 1.1)^10 x (1 + 0.00052531 x 1.1)^10
    assert stored["2026-05-04"] == "1011.81345437"

    quote = (await as_reader.get("/quotes", params={"tickers": cdb["ticker"]})).json()
    [item] = quote["items"]
    # No rate is published after April: today's price is the one 4 May reached.
    assert (item["price"], item["previous_close"], item["change_pct"]) == (
        "1011.81345437",
        "1011.81345437",
        0.0,
    )
    assert (item["source"], item["currency"], item["estimated"], item["stale"]) == (
        "curve",
        "BRL",
        False,
        False,
    )
    assert item["as_of"].startswith(clock.today().isoformat())
    assert yahoo.count() == 0  # an instrument is never asked of the listings' provider
    assert len(bcb.windows(CDI)) == 1  # the rates were fetched once, then read as stored


async def test_ipca_plus_is_estimated_while_a_month_is_unpublished(
    as_admin, as_reader, settings, bcb
):
    bcb.add_series(
        IPCA,
        [(date(2026, 9, 1), "0.48"), (date(2026, 10, 1), "0.09")],
        daily=False,
    )
    body = {
        **CDB,
        "product": "DEBENTURE_INCENTIVADA",
        "issuer": "Energia",
        "indexer": "IPCA",
        "rate": "6",
        "rate_mode": "index_plus",
        "issue_date": "2026-10-15",
        "maturity_date": "2035-05-15",
    }
    debenture = await register(as_admin, body)
    assert debenture["ticker"] == "DEBI-ENERGIA-IPCA6-20350515"
    assert (debenture["asset_class"], debenture["tax_exempt"]) == ("inflacao", True)
    await run_jobs(settings)
    stored = await closes(as_reader, debenture["id"], "2026-10-01", "2026-11-30")
    # 1000 x 1.0009^(11/21) x 1.06^(11/252): October's 0.09 % over 11 of its 21 business days
    assert stored["2026-10-30"] == "1003.01924942"
    # November is not published: October's 0.09 % stands in (not September's 0.48 %).
    # 1000 x 1.0009^(12/21) x 1.0009^(9/19) x 1.06^(21/252)
    assert stored["2026-11-16"] == "1005.81274968"
    [quote] = (await as_reader.get("/quotes", params={"tickers": debenture["ticker"]})).json()[
        "items"
    ]
    assert quote["estimated"] is True


@pytest.mark.parametrize(
    ("changes", "ticker", "asset_class", "tax_exempt"),
    [
        ({"product": "LCI"}, "LCI-BANCOX-110CDI-20290515", "pos_fixado", True),
        ({"product": "LCA"}, "LCA-BANCOX-110CDI-20290515", "pos_fixado", True),
        ({"product": "CRI"}, "CRI-BANCOX-110CDI-20290515", "pos_fixado", True),
        ({"product": "CRA"}, "CRA-BANCOX-110CDI-20290515", "pos_fixado", True),
        ({"product": "LC"}, "LC-BANCOX-110CDI-20290515", "pos_fixado", False),
        ({"product": "DEBENTURE"}, "DEB-BANCOX-110CDI-20290515", "pos_fixado", False),
        (
            {"indexer": "SELIC", "rate": "100"},
            "CDB-BANCOX-100SELIC-20290515",
            "pos_fixado",
            False,
        ),
        (
            {"rate_mode": "index_plus", "rate": "1.5"},
            "CDB-BANCOX-CDI1.5-20290515",
            "pos_fixado",
            False,
        ),
        (
            {"indexer": "PRE", "rate_mode": "fixed", "rate": "12.5"},
            "CDB-BANCOX-PRE12.5-20290515",
            "prefixado",
            False,
        ),
    ],
)
async def test_class_and_exemption_follow_the_product(
    as_admin, changes, ticker, asset_class, tax_exempt
):
    asset = await register(as_admin, {**CDB, **changes})
    assert (asset["ticker"], asset["asset_class"], asset["tax_exempt"]) == (
        ticker,
        asset_class,
        tax_exempt,
    )


async def test_treasury_and_fund_registration(as_admin, tesouro):
    # Titles Tesouro Transparente's file prices (registration checks them against it).
    tesouro.add_prices("Tesouro Selic", date(2029, 3, 1), [(date(2026, 12, 4), "17345,67")])
    tesouro.add_prices(
        "Tesouro IPCA+ com Juros Semestrais", date(2035, 5, 15), [(date(2026, 12, 4), "4321,09")]
    )
    selic = await register(
        as_admin, {"kind": "treasury", "title": "Tesouro Selic", "maturity_date": "2029-03-01"}
    )
    assert (selic["ticker"], selic["name"], selic["asset_class"]) == (
        "TD-SELIC-20290301",
        "Tesouro Selic 01/03/2029",
        "pos_fixado",
    )
    assert (selic["kind"], selic["tax_exempt"]) == ("treasury", False)
    ipca = await register(
        as_admin,
        {
            "kind": "treasury",
            "title": "Tesouro IPCA+ com Juros Semestrais",
            "maturity_date": "2035-05-15",
        },
    )
    assert (ipca["ticker"], ipca["asset_class"]) == ("TD-IPCAJS-20350515", "inflacao")
    fund = await register(
        as_admin,
        {"kind": "fund", "cnpj": "11.222.333/0001-81", "fund_class": "multimercado"},
    )
    assert (fund["ticker"], fund["name"], fund["asset_class"], fund["asset_type"]) == (
        "FI-11222333000181",
        "Fundo 11.222.333/0001-81",
        "multimercado",
        "MUTUALFUND",
    )
    assert fund["terms"] == {
        "kind": "fund",
        "cnpj": "11222333000181",
        "name": None,
        "fund_class": "multimercado",
    }
    named = await register(
        as_admin,
        {
            "kind": "fund",
            "cnpj": "60.746.948/0001-12",
            "name": "Fundo RF",
            "fund_class": "renda_fixa",
        },
    )
    assert (named["name"], named["asset_class"]) == ("Fundo RF", "fundos_rf")
    # The same title and maturity, the same fund (whatever name or class is given): the same
    # instrument, registered once.
    for body in (
        {"kind": "fund", "cnpj": "11222333000181", "fund_class": "multimercado"},
        {"kind": "fund", "cnpj": "11222333000181", "name": "Outro", "fund_class": "acoes"},
        {"kind": "treasury", "title": "Tesouro Selic", "maturity_date": "2029-03-01"},
    ):
        again = await as_admin.post("/assets", json=body)
        assert (again.status_code, again.json()["code"]) == (409, "ticker_taken")


async def test_generated_tickers_are_unique(as_admin):
    first = await register(as_admin, CDB)
    # The same terms again: the same instrument.
    again = await as_admin.post("/assets", json=CDB)
    assert (again.status_code, again.json()["code"]) == (409, "ticker_taken")
    assert first["ticker"] in again.json()["detail"]
    # Another issue of the same paper: the same name, told apart by a suffix.
    other = await register(as_admin, {**CDB, "issue_date": "2026-05-04"})
    third = await register(as_admin, {**CDB, "issue_date": "2026-06-01"})
    assert (other["ticker"], third["ticker"]) == (f"{first['ticker']}-2", f"{first['ticker']}-3")
    # A long issuer's name is cut to keep the ticker a ticker (31 characters at most).
    long = await register(
        as_admin, {**CDB, "issuer": "Banco Internacional de Desenvolvimento Ã Longo Prazo S.A."}
    )
    assert long["ticker"] == "CDB-BANCOINT-110CDI-20290515"
    assert (await as_admin.get("/quotes", params={"tickers": long["ticker"]})).status_code == 200


def issue(response, *path: str) -> dict[str, Any]:
    """The 422 issue at `path` (the body, the kind, the field)."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    found = [i for i in body["detail"] if tuple(i["loc"][-len(path) :]) == path]
    assert found, body["detail"]
    return found[0]


async def test_each_kind_names_its_missing_fields(as_admin):
    r = await as_admin.post("/assets", json={"kind": "fixed_income"})
    named = {tuple(i["loc"]) for i in r.json()["detail"] if i["type"] == "missing"}
    assert named == {
        ("body", "fixed_income", field)
        for field in (
            "product",
            "issuer",
            "indexer",
            "rate",
            "rate_mode",
            "issue_date",
            "maturity_date",
        )
    }
    r = await as_admin.post("/assets", json={"kind": "treasury"})
    assert {tuple(i["loc"]) for i in r.json()["detail"]} == {
        ("body", "treasury", "title"),
        ("body", "treasury", "maturity_date"),
    }
    r = await as_admin.post("/assets", json={"kind": "fund"})
    assert {tuple(i["loc"]) for i in r.json()["detail"]} == {
        ("body", "fund", "cnpj"),
        ("body", "fund", "fund_class"),
    }
    r = await as_admin.post("/assets", json={"kind": "bond", "ticker": "X"})
    unknown = issue(r, "body")
    assert unknown["type"] == "union_tag_invalid"
    for kind in ("listed", "fixed_income", "treasury", "fund"):
        assert kind in unknown["msg"]


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"rate": "0"}, "rate", "greater_than"),
        ({"rate": "-1"}, "rate", "greater_than"),
        ({"face_value": "0"}, "face_value", "greater_than"),
        ({"maturity_date": "2026-03-31"}, None, "maturity_not_after_issue"),
        ({"maturity_date": "2026-04-01"}, None, "maturity_not_after_issue"),
        ({"indexer": "PRE"}, None, "rate_mode_indexer"),
        ({"indexer": "IPCA"}, None, "rate_mode_indexer"),
        ({"rate_mode": "fixed"}, None, "rate_mode_indexer"),
        ({"product": "POUPANCA"}, "product", "enum"),
        ({"issue_date": "2026-02-30"}, "issue_date", "date_from_datetime_parsing"),
        ({"ticker": "CDB"}, "ticker", "extra_forbidden"),
    ],
)
async def test_fixed_income_terms_are_validated(as_admin, changes, field, code):
    r = await as_admin.post("/assets", json={**CDB, **changes})
    found = issue(r, *(("fixed_income", field) if field else ("fixed_income",)))
    assert found["type"] == code


async def test_treasury_and_fund_terms_are_validated(as_admin):
    r = await as_admin.post(
        "/assets",
        json={"kind": "treasury", "title": "Tesouro Poupança", "maturity_date": "2029-03-01"},
    )
    title = issue(r, "treasury", "title")
    assert title["type"] == "enum"
    assert "Tesouro Selic" in title["msg"]
    assert "Tesouro Educa+" in title["msg"]
    r = await as_admin.post(
        "/assets",
        json={"kind": "treasury", "title": "Tesouro Selic", "maturity_date": "01/03/2029"},
    )
    assert issue(r, "treasury", "maturity_date")["type"] == "date_from_datetime_parsing"
    for cnpj, code in (
        ("11.222.333/0001-82", "cnpj_check_digits"),
        ("11.111.111/1111-11", "cnpj_check_digits"),
        ("1122233300018", "cnpj_format"),
    ):
        r = await as_admin.post(
            "/assets", json={"kind": "fund", "cnpj": cnpj, "fund_class": "acoes"}
        )
        assert issue(r, "fund", "cnpj")["type"] == code


async def test_listings_get_a_class_from_their_type_and_currency(as_admin):
    expected = {
        "PETR4.SA": ("EQUITY", "BRL", "acoes"),
        "BOVA11.SA": ("ETF", "BRL", "etfs"),
        "AAPL": ("EQUITY", "USD", "exterior"),
        "IVV": ("ETF", "USD", "exterior"),
        "BTC-USD": ("CRYPTOCURRENCY", "USD", "cripto"),
    }
    for ticker, (kind, currency, asset_class) in expected.items():
        asset = await make_asset(as_admin, ticker, instrument_type=kind, currency=currency)
        assert (asset["kind"], asset["asset_class"], asset["terms"]) == (
            "listed",
            asset_class,
            None,
        )
    # The body of before (no kind) and an explicit `listed` both register a listing.
    asset = await make_asset(as_admin, "VALE3.SA")
    assert asset["kind"] == "listed"
    r = await as_admin.post("/assets", json={"kind": "listed", "ticker": "ITUB4.SA"})
    assert r.status_code == 422  # unknown to the provider: a listing, validated as before


async def test_admins_correct_class_and_exemption_others_cannot(as_admin, as_advisor_a, as_reader):
    cdb = await register(as_admin, CDB)
    fii = await make_asset(as_admin, "HGLG11.SA")
    change = {"tax_exempt": True, "asset_class": "prefixado"}
    for api in (as_advisor_a, as_reader):
        r = await api.patch(f"/assets/{cdb['id']}", json=change)
        assert r.status_code == 403
    r = await as_admin.patch(f"/assets/{cdb['id']}", json=change)
    assert r.status_code == 200
    assert (r.json()["tax_exempt"], r.json()["asset_class"]) == (True, "prefixado")
    r = await as_admin.patch(f"/assets/{fii['id']}", json={"asset_class": "fiis"})
    assert r.json()["asset_class"] == "fiis"
    # A null leaves them as they are; an unknown class is a 422.
    r = await as_admin.patch(f"/assets/{cdb['id']}", json={"tax_exempt": None})
    assert r.json()["tax_exempt"] is True
    r = await as_admin.patch(f"/assets/{cdb['id']}", json={"asset_class": "imoveis"})
    assert r.status_code == 422
    entries = (await as_admin.get("/audit", params={"entity": "asset"})).json()["items"]
    changed = [e["changes"] for e in entries if e["action"] == "update"]
    assert {
        "tax_exempt": {"from": False, "to": True},
        "asset_class": {"from": "pos_fixado", "to": "prefixado"},
    } in changed


async def test_readers_cannot_register_instruments(as_reader, as_advisor_a):
    r = await as_reader.post("/assets", json=CDB)
    assert r.status_code == 403
    # An advisor registers instruments (as listings), as a writer.
    assert (await as_advisor_a.post("/assets", json=CDB)).status_code == 201


async def test_how_a_holding_is_taxed_comes_with_the_asset(as_admin, app):
    cdb = await register(as_admin, CDB)
    lci = await register(as_admin, {**CDB, "product": "LCI"})
    fund = await register(
        as_admin, {"kind": "fund", "cnpj": "11222333000181", "fund_class": "renda_fixa"}
    )
    stock = await make_asset(as_admin, "PETR4.SA")
    infos = await assets.describe(
        asset_ids=[cdb["id"], lci["id"], fund["id"], stock["id"]], events=app.state.events
    )
    assert [
        (infos[a["id"]].kind, infos[a["id"]].asset_class, infos[a["id"]].income_tax)
        for a in (cdb, lci, fund, stock)
    ] == [
        ("fixed_income", "pos_fixado", "regressive"),
        ("fixed_income", "pos_fixado", "exempt"),
        ("fund", "fundos_rf", "fund"),
        ("listed", "acoes", "none"),
    ]
    # An admin's exemption reaches every process's cached view (asset.changed).
    await as_admin.patch(f"/assets/{cdb['id']}", json={"tax_exempt": True})
    infos = await assets.describe(asset_ids=[cdb["id"]], events=app.state.events)
    assert infos[cdb["id"]].income_tax == "exempt"


async def test_the_lookup_learns_registrations_and_deletions(as_admin, app):
    lookup = app.state.market.instruments
    ticker = "CDB-BANCOX-110CDI-20290515"
    assert await lookup.instruments([ticker, "PETR4.SA"]) == {}  # remembered as no instrument
    cdb = await register(as_admin, CDB)
    found = await lookup.instruments([ticker, "PETR4.SA"])
    assert list(found) == [ticker]
    assert (found[ticker].asset_id, found[ticker].kind, found[ticker].terms.rate) == (
        cdb["id"],
        "fixed_income",
        Decimal(110),
    )
    assert (await as_admin.delete(f"/assets/{cdb['id']}")).status_code == 204
    assert await lookup.instruments([ticker]) == {}


async def test_a_redemption_is_stored_at_maturity_with_the_final_unit_price(
    as_admin, as_reader, settings, bcb
):
    bcb.add_series(CDI, CDI_APRIL)
    short = await register(
        as_admin, {**CDB, "rate": "100", "maturity_date": "2026-04-30", "product": "LCA"}
    )
    await run_jobs(settings)
    stored = await closes(as_reader, short["id"], "2026-04-01", "2026-05-31")
    # 1000 x 1.00054266^10 x 1.00052531^9: every published day before 30 April.
    assert list(stored)[-1] == "2026-04-30"
    assert stored["2026-04-30"] == "1010.20337987"
    events = await pricing.asset_events(asset_ids=[short["id"]])
    assert [(e.kind, e.ex_date, e.amount) for e in events] == [
        (pricing.REDEMPTION, date(2026, 4, 30), Decimal("1010.20337987"))
    ]
    _, rows = await Tortoise.get_connection("default").execute_query(
        "SELECT source FROM asset_events WHERE asset_id = $1", [short["id"]]
    )
    assert [row["source"] for row in rows] == ["curve"]


async def test_new_rates_bring_the_closes_of_the_instruments_on_them(
    as_admin, as_reader, settings, bcb, app
):
    bcb.add_series(CDI, CDI_APRIL)
    cdb = await register(as_admin, CDB)
    pre = await register(as_admin, {**CDB, "indexer": "PRE", "rate_mode": "fixed", "rate": "12.5"})
    await run_jobs(settings)
    assert list(await closes(as_reader, cdb["id"], "2026-05-05", "2026-05-31")) == []
    # May's first rates are published: the rates job stores them, and the CDB's closes follow.
    may = [date(2026, 5, 4), date(2026, 5, 5)]
    bcb.add_series(CDI, [(day, LOW) for day in may])
    await pricing.schedule_benchmark(
        jobs=JobQueue(app.state.redis), series="CDI", start=date(2026, 4, 20), end=date(2026, 5, 6)
    )
    await run_jobs(settings)
    stored = await closes(as_reader, cdb["id"], "2026-05-04", "2026-05-31")
    # 1000 x (1 + 0.00054266 x 1.1)^10 x (1 + 0.00052531 x 1.1)^n, n = 10, 11, 12: the 4th
    # and the 5th of May accrue into the next business day.
    assert stored == {
        "2026-05-04": "1011.81345437",
        "2026-05-05": "1012.39812167",
        "2026-05-06": "1012.98312681",
    }
    # A prefixado is priced on no rate: its closes were not computed again.
    assert list(await closes(as_reader, pre["id"], "2026-05-05", "2026-05-06")) == [
        "2026-05-05",
        "2026-05-06",
    ]


async def test_quotes_of_instruments_are_cached_single_flight_and_stale_when_the_source_fails(
    as_admin, app, bcb
):
    bcb.add_series(CDI, CDI_APRIL)
    cdb = await register(as_admin, CDB)
    market = app.state.market
    # Concurrent cold quotes: one computation, one fetch of the rates.
    quotes = await asyncio.gather(*(market.quote(cdb["ticker"]) for _ in range(5)))
    assert {q.price for q in quotes} == {Decimal("1011.81345437")}
    assert len(bcb.windows(CDI)) == 1
    # A new rate, while the quote is fresh: the cached price is served.
    bcb.add_series(CDI, [(date(2026, 5, 4), LOW)])
    await pricing.store_benchmark(
        market=market, series="CDI", start=date(2026, 5, 1), end=clock.today()
    )
    assert (await market.quote(cdb["ticker"])).price == Decimal("1011.81345437")
    # Expired, and the rates cannot be had (their window forgotten, the SGS down): the last
    # quote is served, flagged stale.
    await Tortoise.get_connection("default").execute_query("DELETE FROM benchmark_coverage")
    bcb.down = True
    await asyncio.sleep(1.1)
    stale = await market.quote(cdb["ticker"], fresh_for=1)
    assert (stale.price, stale.stale) == (Decimal("1011.81345437"), True)


async def test_a_client_holding_only_a_110_pct_cdi_cdb_shows_110_pct_of_cdi(
    as_admin, as_reader, settings, bcb, yahoo
):
    bcb.add_series(CDI, CDI_APRIL)
    cdb = await register(as_admin, CDB)
    await run_jobs(settings)
    client = await make_client(as_admin)
    await record(as_admin, client["id"], "buy", on="2026-04-01", asset=cdb, amount="10000")
    asked_sgs, asked_yahoo = len(bcb.calls), yahoo.count()
    r = await as_reader.get(
        f"/clients/{client['id']}/performance", params={"end": "2026-05-04", "benchmarks": "CDI"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    # From 1 April's close (the buy, at the face value) to 4 May's: the CDB accrues 110 % of
    # each of the 20 rates published in April, the CDI 100 % of the same 20.
    cdb_growth = (1 + 0.00054266 * 1.1) ** 10 * (1 + 0.00052531 * 1.1) ** 10 - 1
    cdi_growth = 1.00054266**10 * 1.00052531**10 - 1
    assert body["as_of"] == "2026-05-04"
    assert body["twr_pct"] == pytest.approx(cdb_growth * 100, abs=1e-6)
    assert body["benchmarks"][0]["twr_pct"] == pytest.approx(cdi_growth * 100, abs=1e-6)
    assert body["pct_of_cdi"] == pytest.approx(cdb_growth / cdi_growth * 100, rel=1e-6)
    assert 110 < body["pct_of_cdi"] < 110.1  # gross: a touch above 110 from compounding
    assert body["prices_missing"] == []
    # The walk read the stored closes: no provider was asked for any day's price (the SGS at
    # most once, for the benchmark's window before the CDB's issue).
    assert yahoo.count() == asked_yahoo
    assert len(bcb.calls) - asked_sgs <= 1


async def test_a_fund_registered_is_backfilled_from_cvm_and_quoted_with_its_quota_date(
    as_admin, as_reader, settings, cvm, yahoo
):
    """Registration → the backfill job → CVM's monthly zip → stored quotas → the quote."""
    cvm.add_quotas("11.222.333/0001-81", [(date(2026, 11, 27), "1.52391234")])
    cvm.add_quotas(
        "11.222.333/0001-81",
        [(date(2026, 11, 30), "1.52440001"), (date(2026, 12, 1), "1.52488888")],
    )
    cvm.add_quotas("33.444.555/0001-10", [(date(2026, 11, 30), "7.5")])  # not registered
    with clock.frozen_at(datetime(2026, 12, 4, 19, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))):
        fund = await register(
            as_admin, {"kind": "fund", "cnpj": "11.222.333/0001-81", "fund_class": "renda_fixa"}
        )
        await run_jobs(settings)
        stored = await closes(as_reader, fund["id"], "2026-11-01", "2026-12-31")
        # CVM's quotas as published, to the eighth decimal; nothing else was stored.
        assert stored == {
            "2026-11-27": "1.52391234",
            "2026-11-30": "1.52440001",
            "2026-12-01": "1.52488888",
        }
        [item] = (await as_reader.get("/quotes", params={"tickers": fund["ticker"]})).json()[
            "items"
        ]
    # CVM publishes with a lag: the latest known quota, dated its day, not today.
    assert (item["price"], item["source"], item["as_of"][:10]) == (
        "1.52488888",
        "cvm",
        "2026-12-01",
    )
    assert yahoo.count() == 0
