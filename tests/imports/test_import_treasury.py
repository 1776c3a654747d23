"""Tesouro Direto in B3's extracts (issue #31, point 3, with the treasury assets of #30): a row
names its title and the year of its maturity (`Tesouro Selic 2029`); the import finds the
maturity of that year in Tesouro Transparente's file (served by the fake), maps the row to that
title's treasury asset (registered at the commit, as `POST /assets` registers it), and keeps
the extract's fractional quantity and its unit price (or value). Figures by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from carteira.allocations import service as ledger
from carteira.pricing.corporate import store_events
from carteira.pricing.schemas import RedemptionEvent
from tests import b3_files
from tests.b3_files import (
    IPCA_JS,
    IPCA_JS_2035_BOUGHT,
    IPCA_JS_2035_COUPON,
    MOVIMENTACAO,
    NEGOCIACAO,
    SELIC_2029,
    SELIC_2029_BOUGHT,
    SELIC_2029_REDEEMED,
    SETTLED,
    debit,
    movement,
    trade,
)
from tests.factories import commit, ledger_of, make_client, preview, send, statuses
from tests.fakes.tesouro import FakeTesouro
from tests.support import count

SELIC_2029_DUE = date(2029, 3, 1)
IPCA_JS_2035_DUE = date(2035, 5, 15)
PRE_2026_DUE = date(2026, 1, 1)


def publish(tesouro: FakeTesouro) -> None:
    """Tesouro Transparente's file: the titles and maturities it has priced (a title up to its
    maturity), two Selic maturities besides 2029, and a title Carteira does not register."""
    tesouro.add_prices("Tesouro Selic", SELIC_2029_DUE, [(date(2026, 12, 4), "17345,67")])
    tesouro.add_prices("Tesouro Selic", date(2027, 3, 1), [(date(2026, 12, 4), "17888,01")])
    tesouro.add_prices("Tesouro Selic", date(2031, 3, 1), [(date(2026, 12, 4), "17012,40")])
    tesouro.add_prices(IPCA_JS, IPCA_JS_2035_DUE, [(date(2026, 12, 4), "4321,09")])
    tesouro.add_prices("Tesouro Prefixado", PRE_2026_DUE, [(date(2025, 12, 31), "999,87")])
    # Two maturities in one year: a year alone cannot say which.
    tesouro.add_prices(IPCA_JS, date(2045, 5, 15), [(date(2026, 12, 4), "4102,33")])
    tesouro.add_prices(IPCA_JS, date(2045, 8, 15), [(date(2026, 12, 4), "4098,76")])
    tesouro.add_prices(
        "Tesouro IGPM+ com Juros Semestrais", date(2031, 1, 1), [(date(2026, 12, 4), "9876,54")]
    )


@pytest.fixture
async def cid(as_admin, tesouro) -> int:
    """A client of the admin's, Tesouro Transparente's file published."""
    publish(tesouro)
    return (await make_client(as_admin))["id"]


async def positions_by_ticker(api, client_id: int) -> dict[str, dict]:
    r = await api.get(f"/clients/{client_id}/positions")
    assert r.status_code == 200, r.text
    return {p["ticker"]: p for p in r.json()["positions"]}


def shown(body: dict) -> list[tuple]:
    return [
        (r["status"], r["kind"], r["date"], r["ticker"], r["quantity"], r["price"], r["amount"])
        for r in body["rows"]
    ]


NEGOCIACAO_TESOURO = [
    trade(date(2025, 3, 10), "Compra", SELIC_2029, "0.37", "14523.18", market="-"),
    trade(
        date(2025, 3, 10), "Compra", f"{IPCA_JS} 2035", "2.5", "4210.52", market="Tesouro Direto"
    ),
    trade(date(2025, 6, 2), "Venda", SELIC_2029, "0.12", "14601.90", market="-"),
]


async def test_a_negociacao_with_tesouro_trades_maps_them_to_the_titles_and_commits(as_admin, cid):
    data = b3_files.xlsx(NEGOCIACAO, NEGOCIACAO_TESOURO)

    body = await preview(as_admin, cid, data, "b3_negociacao")
    assert shown(body) == [
        # `Valor` as the file gives it (quantity x price): shown, not recorded.
        ("new", "buy", "2025-03-10", "TD-SELIC-20290301", "0.37", "14523.18", "5373.5766"),
        ("new", "buy", "2025-03-10", "TD-IPCAJS-20350515", "2.5", "4210.52", "10526.3"),
        ("new", "sell", "2025-06-02", "TD-SELIC-20290301", "0.12", "14601.9", "1752.228"),
    ]
    assert await count("assets") == 0  # a preview registers nothing

    done = await commit(as_admin, cid, body["id"])
    assert done["written"] == {"created": 3, "duplicate": 0, "skipped_errors": 0}
    assets = (await as_admin.get("/assets", params={"search": "TD-"})).json()["items"]
    assert sorted(
        (a["ticker"], a["kind"], a["name"], a["terms"]["maturity_date"]) for a in assets
    ) == [
        ("TD-IPCAJS-20350515", "treasury", f"{IPCA_JS} 15/05/2035", "2035-05-15"),
        ("TD-SELIC-20290301", "treasury", "Tesouro Selic 01/03/2029", "2029-03-01"),
    ]
    held = await positions_by_ticker(as_admin, cid)
    selic, ipca = held["TD-SELIC-20290301"], held["TD-IPCAJS-20350515"]
    # Selic: 0.37 x 14523.18 = 5373.5766; 0.12 sold at 14601.90 = 1752.228 against a cost of
    # 0.12 x 14523.18 = 1742.7816: realized 9.4464; left 0.25 costing 3630.795.
    assert (selic["quantity"], selic["cost"], selic["realized_pnl"]) == ("0.25", "3630.8", "9.45")
    assert Decimal(selic["average_cost"]) == Decimal("14523.18")
    # IPCA+ com Juros Semestrais: 2.5 x 4210.52 = 10526.30.
    assert (ipca["quantity"], ipca["cost"]) == ("2.5", "10526.3")
    entries = await ledger_of(as_admin, cid)
    assert {(e["source"], e["settlement"]) for e in entries} == {("import", "external")}

    # The same extract again: nothing twice, nothing registered twice.
    again = await preview(as_admin, cid, data, "b3_negociacao")
    assert [r["status"] for r in again["rows"]] == ["duplicate"] * 3
    assert (await commit(as_admin, cid, again["id"]))["written"]["created"] == 0
    assert (len(await ledger_of(as_admin, cid)), await count("assets")) == (3, 2)
    # The same purchase in the movimentação: one trade.
    same = SELIC_2029_BOUGHT
    other = await preview(as_admin, cid, b3_files.xlsx(MOVIMENTACAO, [same]), "b3_movimentacao")
    assert statuses(other) == [(2, "duplicate", None)]


MOVIMENTACAO_TESOURO = [
    movement(date(2024, 6, 3), "Compra", "Tesouro Prefixado 2026", "1.5", "873.20", "1309.80"),
    SELIC_2029_BOUGHT,
    IPCA_JS_2035_BOUGHT,
    movement(date(2025, 3, 11), SETTLED, SELIC_2029, "0.37", None, "5373.58"),
    IPCA_JS_2035_COUPON,
    SELIC_2029_REDEEMED,
    debit(date(2025, 7, 1), "Cobrança de Taxa Semestral", SELIC_2029, None, None, "3.10"),
    # Matured on 01/01/2026, a holiday: B3 credits it on the next business day.
    debit(date(2026, 1, 2), "Vencimento", "Tesouro Prefixado 2026", "1.5", "1000", "1500"),
]


async def test_a_movimentacao_with_tesouro_rows_maps_trades_coupons_and_the_maturity(as_admin, cid):
    data = b3_files.xlsx(MOVIMENTACAO, MOVIMENTACAO_TESOURO)

    body = await preview(as_admin, cid, data, "b3_movimentacao")
    assert shown(body) == [
        ("new", "buy", "2024-06-03", "TD-PRE-20260101", "1.5", "873.2", "1309.8"),
        ("new", "buy", "2025-03-10", "TD-SELIC-20290301", "0.37", "14523.18", "5373.58"),
        ("new", "buy", "2025-03-10", "TD-IPCAJS-20350515", "2.5", "4210.52", "10526.3"),
        ("ignored", None, "2025-03-11", "Tesouro Selic 2029", "0.37", None, "5373.58"),
        ("new", "interest", "2025-05-15", "TD-IPCAJS-20350515", "2.5", "54.1684", "135.42"),
        # 1752.23 / 0.12 = 14601.91666666... (kept to 8 places)
        ("new", "sell", "2025-06-02", "TD-SELIC-20290301", "0.12", "14601.91666667", "1752.23"),
        ("ignored", None, "2025-07-01", "Tesouro Selic 2029", None, None, "3.1"),
        # The redemption at maturity, dated on the maturity (as the ledger redeems a title).
        ("new", "sell", "2026-01-01", "TD-PRE-20260101", "1.5", "1000", "1500"),
    ]
    assert [r["code"] for r in body["rows"] if r["status"] == "ignored"] == [
        "settlement_row",
        "movement_not_recorded",
    ]

    done = await commit(as_admin, cid, body["id"])
    assert done["written"] == {"created": 6, "duplicate": 0, "skipped_errors": 0}
    assert await count("assets") == 3
    held = await positions_by_ticker(as_admin, cid)
    pre, selic, ipca = (
        held["TD-PRE-20260101"],
        held["TD-SELIC-20290301"],
        held["TD-IPCAJS-20350515"],
    )
    # Prefixado: 1.5 x 873.20 = 1309.80 paid, 1.5 x 1000 = 1500 at maturity: 190.20 realized.
    assert (pre["quantity"], pre["realized_pnl"]) == ("0", "190.2")
    # Selic: 0.12 x 14601.91666667 = 1752.23 against 0.12 x 14523.18 = 1742.7816: 9.4484.
    assert (selic["quantity"], selic["realized_pnl"]) == ("0.25", "9.45")
    # The coupon: 135.42 of income.
    assert (ipca["quantity"], ipca["income"]) == ("2.5", "135.42")
    redemption = [e for e in await ledger_of(as_admin, cid) if e["ticker"] == "TD-PRE-20260101"]
    assert [(e["kind"], e["date"], e["quantity"]) for e in redemption] == [
        ("sell", "2026-01-01", "1.5"),
        ("buy", "2024-06-03", "1.5"),
    ]

    # The same extract again: every row a duplicate, nothing written.
    again = await preview(as_admin, cid, data, "b3_movimentacao")
    assert [r["status"] for r in again["rows"] if r["status"] != "ignored"] == ["duplicate"] * 6
    assert (await commit(as_admin, cid, again["id"]))["written"]["created"] == 0
    assert (len(await ledger_of(as_admin, cid)), await count("assets")) == (6, 3)


async def test_an_imported_redemption_and_the_ledgers_own_never_count_twice(as_admin, app, tesouro):
    publish(tesouro)
    r = await as_admin.post(
        "/assets",
        json={"kind": "treasury", "title": "Tesouro Prefixado", "maturity_date": "2026-01-01"},
    )
    assert r.status_code == 201, r.text
    title = r.json()
    # The redemption at maturity as Tesouro Transparente's file gives it (its last price).
    await store_events(
        asset_id=title["id"],
        dividends=[],
        splits=[],
        redemptions=[RedemptionEvent(date=PRE_2026_DUE, amount=Decimal("999.87"))],
        source="tesouro",
    )
    cid = (await make_client(as_admin))["id"]
    rows = [MOVIMENTACAO_TESOURO[0], MOVIMENTACAO_TESOURO[-1]]  # bought, then redeemed
    body = await preview(as_admin, cid, b3_files.xlsx(MOVIMENTACAO, rows), "b3_movimentacao")
    done = await commit(as_admin, cid, body["id"])
    assert done["written"]["created"] == 2
    entries = await ledger_of(as_admin, cid)
    assert [(e["kind"], e["date"], e["price"], e["source"]) for e in entries] == [
        ("sell", "2026-01-01", "1000", "import"),
        ("buy", "2024-06-03", "873.2", "import"),
    ]
    # The provider's job again: the imported sale stands for the redemption.
    state = app.state
    services = ledger.Services(
        events=state.events, market=state.market, jobs=state.jobs, reporting_currency="BRL"
    )
    assert await ledger.apply_corporate_actions(asset_ids=[title["id"]], services=services) == 0
    assert len(await ledger_of(as_admin, cid)) == 2
    held = await positions_by_ticker(as_admin, cid)
    # 1.5 x 1000 - 1.5 x 873.20 = 190.20, once.
    assert (held["TD-PRE-20260101"]["quantity"], held["TD-PRE-20260101"]["realized_pnl"]) == (
        "0",
        "190.2",
    )


async def test_a_title_and_year_the_file_cannot_place_is_an_error_row(as_admin, cid):
    rows = [
        movement(date(2025, 3, 10), "Compra", "Tesouro Selic 2030", "1", "14000"),
        movement(
            date(2025, 3, 10), "Compra", "Tesouro IGPM+ com Juros Semestrais 2031", "1", "9000"
        ),
        movement(date(2025, 3, 10), "Compra", f"{IPCA_JS} 2045", "1", "4000"),
        movement(date(2025, 3, 10), "Compra", SELIC_2029, "0.5", "14523.18"),
        debit(date(2026, 2, 10), "Vencimento", SELIC_2029, "0.5", "17000"),
    ]
    body = await preview(as_admin, cid, b3_files.xlsx(MOVIMENTACAO, rows), "b3_movimentacao")
    assert statuses(body) == [
        (2, "error", "unknown_treasury_maturity"),
        (3, "error", "unknown_treasury_maturity"),
        (4, "error", "ambiguous_treasury_maturity"),
        (5, "new", None),
        (6, "error", "before_maturity"),
    ]
    no_2030, igpm, ambiguous, _, early = body["rows"]
    assert (no_2030["field"], no_2030["values"]) == (
        "Produto",
        {
            "product": "Tesouro Selic 2030",
            "title": "Tesouro Selic",
            "year": "2030",
            "available": "01/03/2027, 01/03/2029, 01/03/2031",
        },
    )
    assert igpm["values"]["available"] == ""  # in the file, not a title Carteira registers
    assert (ambiguous["field"], ambiguous["values"]["maturities"]) == (
        "Produto",
        "15/05/2045, 15/08/2045",
    )
    assert (early["field"], early["values"]["maturity_date"]) == ("Data", "2029-03-01")

    refused = await as_admin.post(f"/clients/{cid}/imports/{body['id']}/commit")
    assert (refused.status_code, refused.json()["code"]) == (422, "import_has_errors")
    assert await count("assets") == 0
    done = await commit(as_admin, cid, body["id"], skip_errors="true")
    assert done["written"] == {"created": 1, "duplicate": 0, "skipped_errors": 4}
    assert [(e["ticker"], e["quantity"]) for e in await ledger_of(as_admin, cid)] == [
        ("TD-SELIC-20290301", "0.5")
    ]
    assert await count("assets") == 1


async def test_tesouro_rows_are_errors_while_the_file_cannot_be_read(as_admin, tesouro):
    tesouro.down = True
    cid = (await make_client(as_admin))["id"]
    rows = [
        movement(date(2025, 3, 10), "Compra", SELIC_2029, "1", "14000"),
        movement(date(2025, 3, 11), "Atualização", SELIC_2029, "1"),
    ]
    r = await send(as_admin, cid, b3_files.xlsx(MOVIMENTACAO, rows), "b3_movimentacao")
    assert r.status_code == 201, r.text
    bought, update = r.json()["rows"]
    assert (bought["status"], bought["code"], bought["field"]) == (
        "error",
        "market_data_unavailable",
        "Produto",
    )
    assert bought["message"].startswith("Tesouro Selic 2029: ")
    assert (update["status"], update["code"]) == ("ignored", "update_row")
