"""Imports of a client's history (issue #31): B3's negociação and movimentação extracts and the
ledger's own export, previewed (nothing written), committed in one write through the ledger,
idempotent, all or nothing — against files built from B3's documented layouts."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest

from carteira.allocations import service as ledger
from tests import b3_files
from tests.b3_files import MOVIMENTACAO, NEGOCIACAO, SETTLED, Mess, debit, movement, trade, zip_bomb
from tests.factories import (
    attempt_entry,
    commit,
    dividend_event,
    ledger_of,
    list_on_yahoo,
    make_asset,
    make_client,
    preview,
    provider_events,
    send,
    statuses,
)
from tests.support import count, process_env, run_carteira

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


NEGOCIACAO_ROWS = [
    trade(date(2026, 3, 2), "Compra", "PETR4", "100", "37.50"),
    trade(date(2026, 3, 2), "Compra", "PETR4F", "7", "37.60"),
    trade(date(2026, 3, 9), "Venda", "PETR4", "50", "38.10"),
    trade(date(2026, 3, 10), "Compra", "PETRC400", "100", "0.52", market="Opção de Compra"),
    trade(date(2026, 4, 1), "Compra", "VALE3", "10", "61.20"),
]


async def test_a_negociacao_extract_previews_then_commits_through_the_ledger(as_admin, yahoo):
    list_on_yahoo("PETR4.SA", price="40")
    list_on_yahoo("VALE3.SA", price="60")
    cid = (await make_client(as_admin, name="Joana"))["id"]
    data = b3_files.xlsx(NEGOCIACAO, NEGOCIACAO_ROWS, sheet="Negociação")

    shown = await preview(as_admin, cid, data, "b3_negociacao")
    assert shown["status"] == "preview"
    assert shown["counts"] == {"rows": 5, "new": 4, "duplicate": 0, "ignored": 1, "error": 0}
    assert statuses(shown) == [
        (2, "new", None),
        (3, "new", None),
        (4, "new", None),
        (5, "ignored", "market_not_recorded"),
        (6, "new", None),
    ]
    odd_lot = shown["rows"][1]
    assert (odd_lot["kind"], odd_lot["ticker"], odd_lot["quantity"], odd_lot["price"]) == (
        "buy",
        "PETR4.SA",
        "7",
        "37.6",
    )
    assert await ledger_of(as_admin, cid) == []  # nothing written by a preview
    assert await count("assets") == 0  # nor any ticker registered

    done = await commit(as_admin, cid, shown["id"])
    assert done["status"] == "committed"
    assert done["written"] == {"created": 4, "duplicate": 0, "skipped_errors": 0}
    entries = await ledger_of(as_admin, cid)
    assert {(e["kind"], e["ticker"], e["quantity"], e["source"]) for e in entries} == {
        ("buy", "PETR4.SA", "100", "import"),
        ("buy", "PETR4.SA", "7", "import"),
        ("sell", "PETR4.SA", "50", "import"),
        ("buy", "VALE3.SA", "10", "import"),
    }
    assert all(e["settlement"] == "external" and e["external_ref"] for e in entries)
    positions = (await as_admin.get(f"/clients/{cid}/positions")).json()["positions"]
    petr = next(p for p in positions if p["ticker"] == "PETR4.SA")
    # (100 x 37.50 + 7 x 37.60) / 107 = 4013.2 / 107 = 37.50654205..., kept by the sale.
    assert petr["quantity"] == "57"
    assert Decimal(petr["average_cost"]) == Decimal("37.50654206")


async def test_a_commit_is_one_write_audited_with_the_file_and_announced_once(as_admin, app, admin):
    received = []
    app.state.events.subscribe(ledger.LEDGER_CHANGED, received.append)
    list_on_yahoo("PETR4.SA")
    list_on_yahoo("VALE3.SA")
    cid = (await make_client(as_admin))["id"]
    data = b3_files.xlsx(NEGOCIACAO, NEGOCIACAO_ROWS)
    shown = await preview(as_admin, cid, data, "b3_negociacao", name="negociacao-2026.xlsx")
    assert (shown["file_name"], shown["created_by"], shown["created_by_email"]) == (
        "negociacao-2026.xlsx",
        admin.id,
        "admin@example.com",
    )
    assert [e for e in received if e["client_id"] == cid] == []  # a preview writes nothing
    await commit(as_admin, cid, shown["id"])
    (announced,) = [e for e in received if e["client_id"] == cid]
    # 100 x 37.50 + 7 x 37.60 = 4013.20 in on 2 March; 50 x 38.10 = 1905 out on the 9th.
    assert announced["flows"] == [
        {"date": "2026-03-02", "currency": "BRL", "inflow": "4013.2", "outflow": "0"},
        {"date": "2026-03-09", "currency": "BRL", "inflow": "0", "outflow": "1905"},
        {"date": "2026-04-01", "currency": "BRL", "inflow": "612", "outflow": "0"},
    ]
    march = (await as_admin.get("/reports/inflows?year=2026&month=3")).json()
    assert march["net"] == "2108.2"

    trail = (await as_admin.get("/audit", params={"entity": "import", "page_size": 10})).json()
    assert [(e["action"], e["changes"]["file_name"]) for e in trail["items"]] == [
        ("update", "negociacao-2026.xlsx"),
        ("create", "negociacao-2026.xlsx"),
    ]
    created, updated = trail["items"][1]["changes"], trail["items"][0]["changes"]
    assert created["counts"] == {"rows": 5, "new": 4, "duplicate": 0, "ignored": 1, "error": 0}
    assert updated["written"] == {"created": 4, "duplicate": 0, "skipped_errors": 0}
    entries = (await as_admin.get("/audit", params={"entity": "transaction"})).json()
    assert entries["total"] == 4  # each entry audited as any write
    assert {e["changes"]["source"] for e in entries["items"]} == {"import"}

    listed = (await as_admin.get(f"/clients/{cid}/imports")).json()
    assert [(i["id"], i["status"], i["file_name"]) for i in listed["items"]] == [
        (shown["id"], "committed", "negociacao-2026.xlsx")
    ]
    assert "rows" not in listed["items"][0]
    one = (await as_admin.get(f"/clients/{cid}/imports/{shown['id']}")).json()
    assert (one["committed_by"], len(one["rows"])) == (admin.id, 5)
    again = await as_admin.post(f"/clients/{cid}/imports/{shown['id']}/commit")
    assert (again.status_code, again.json()["code"]) == (409, "import_already_committed")
    assert len(await ledger_of(as_admin, cid)) == 4
    missing = await as_admin.get(f"/clients/{cid}/imports/999999")
    assert (missing.status_code, missing.json()["code"]) == (404, "import_not_found")


async def test_the_same_file_again_or_an_overlapping_one_creates_nothing_twice(as_admin, yahoo):
    list_on_yahoo("PETR4.SA")
    cid = (await make_client(as_admin))["id"]
    same_trade = trade(date(2026, 3, 2), "Compra", "PETR4", "100", "37.50")
    first = [same_trade, same_trade, trade(date(2026, 3, 3), "Compra", "PETR4", "10", "38")]
    shown = await preview(as_admin, cid, b3_files.xlsx(NEGOCIACAO, first), "b3_negociacao")
    assert shown["counts"]["new"] == 3  # two identical trades on a day are two trades
    assert (await commit(as_admin, cid, shown["id"]))["written"]["created"] == 3

    again = await preview(as_admin, cid, b3_files.xlsx(NEGOCIACAO, first), "b3_negociacao")
    assert [row["status"] for row in again["rows"]] == ["duplicate"] * 3
    assert (await commit(as_admin, cid, again["id"]))["written"] == {
        "created": 0,
        "duplicate": 0,
        "skipped_errors": 0,
    }

    # A later extract overlapping the first (as a CSV this time): the same trades are
    # duplicates whatever the file's layout; a third identical one is new.
    later = [
        same_trade,
        same_trade,
        same_trade,
        trade(date(2026, 4, 1), "Venda", "PETR4", "5", "40"),
    ]
    overlap = await preview(
        as_admin,
        cid,
        b3_files.csv_file(NEGOCIACAO, later, encoding="latin-1"),
        "b3_negociacao",
        name="negociacao.csv",
    )
    assert [row["status"] for row in overlap["rows"]] == ["duplicate", "duplicate", "new", "new"]
    await commit(as_admin, cid, overlap["id"])
    positions = (await as_admin.get(f"/clients/{cid}/positions")).json()["positions"]
    assert positions[0]["quantity"] == "305"  # 3 x 100 + 10 - 5


@pytest.mark.parametrize(
    ("name", "data"),
    [
        (
            "messy.csv",
            b3_files.csv_file(
                NEGOCIACAO,
                NEGOCIACAO_ROWS,
                mess=Mess(title_rows=2, footer=True, trailing_spaces=True),
                encoding="latin-1",
            ),
        ),
        (
            "messy.xlsx",
            b3_files.xlsx(
                NEGOCIACAO,
                NEGOCIACAO_ROWS,
                mess=Mess(title_rows=1, footer=True, dates="serials", numbers="text"),
            ),
        ),
        ("comma.csv", b3_files.csv_file(NEGOCIACAO, NEGOCIACAO_ROWS, delimiter=",")),
    ],
)
async def test_messy_files_come_in_as_the_clean_one(as_admin, yahoo, name, data):
    list_on_yahoo("PETR4.SA")
    list_on_yahoo("VALE3.SA")
    cid = (await make_client(as_admin))["id"]
    shown = await preview(as_admin, cid, data, "b3_negociacao", name=name)
    real = [row for row in shown["rows"] if row["code"] != "totals_row"]
    assert [
        (r["status"], r["kind"], r["date"], r["ticker"], r["quantity"], r["price"]) for r in real
    ] == [
        ("new", "buy", "2026-03-02", "PETR4.SA", "100", "37.5"),
        ("new", "buy", "2026-03-02", "PETR4.SA", "7", "37.6"),
        ("new", "sell", "2026-03-09", "PETR4.SA", "50", "38.1"),
        ("ignored", None, "2026-03-10", "PETRC400", "100", "0.52"),
        ("new", "buy", "2026-04-01", "VALE3.SA", "10", "61.2"),
    ]
    if "footer" in name or name.startswith("messy"):
        (footer,) = [row for row in shown["rows"] if row["code"] == "totals_row"]
        assert footer["status"] == "ignored"


async def test_an_unknown_ticker_is_an_error_row_and_the_commit_waits_for_a_decision(
    as_admin, yahoo
):
    list_on_yahoo("PETR4.SA")
    cid = (await make_client(as_admin))["id"]
    rows = [
        trade(date(2026, 3, 2), "Compra", "PETR4", "100", "37.50"),
        trade(date(2026, 3, 3), "Compra", "ZZZZ3", "10", "5"),  # the provider does not know it
        trade(date(2026, 3, 4), "Venda", "PETR4", "150", "38"),  # more than held
    ]
    shown = await preview(as_admin, cid, b3_files.xlsx(NEGOCIACAO, rows), "b3_negociacao")
    assert statuses(shown) == [
        (2, "new", None),
        (3, "error", "unknown_ticker"),
        (4, "error", "insufficient_quantity"),
    ]
    unknown, short = shown["rows"][1], shown["rows"][2]
    assert (unknown["field"], unknown["values"]) == ("Código de Negociação", {"ticker": "ZZZZ3.SA"})
    assert short["field"] == "Quantidade"
    assert short["values"] == {"ticker": "PETR4.SA", "date": "2026-03-04", "quantity": "-50"}

    refused = await as_admin.post(f"/clients/{cid}/imports/{shown['id']}/commit")
    assert (refused.status_code, refused.json()["code"]) == (422, "import_has_errors")
    assert refused.json()["errors"] == "2"
    assert await ledger_of(as_admin, cid) == []

    done = await commit(as_admin, cid, shown["id"], skip_errors="true")
    assert done["written"] == {"created": 1, "duplicate": 0, "skipped_errors": 2}
    assert [e["ticker"] for e in await ledger_of(as_admin, cid)] == ["PETR4.SA"]
    assert await count("assets") == 1  # the unknown ticker was never registered


PETR = "PETR4 - PETROLEO BRASILEIRO S/A PETROBRAS"


async def test_a_movimentacao_extract_maps_every_movement(as_admin, yahoo):
    list_on_yahoo("PETR4.SA")
    list_on_yahoo("HGLG11.SA", price="160")
    cid = (await make_client(as_admin))["id"]
    bought = [
        trade(date(2026, 3, 2), "Compra", "PETR4", "100", "37.50"),
        trade(date(2026, 3, 2), "Compra", "HGLG11", "10", "160"),
    ]
    first = await preview(as_admin, cid, b3_files.xlsx(NEGOCIACAO, bought), "b3_negociacao")
    await commit(as_admin, cid, first["id"])
    movements = [
        movement(date(2025, 11, 28), "Juros Sobre Capital Próprio", PETR, "100", None, "85.00"),
        movement(date(2026, 3, 4), SETTLED, PETR, "100", "37.5", "3750"),
        movement(date(2026, 3, 20), "Juros Sobre Capital Próprio", PETR, "100", None, "82.50"),
        movement(date(2026, 3, 25), "Juros Sobre Capital Próprio", PETR, "100", None, "10.00"),
        movement(date(2026, 4, 15), "Dividendo", PETR, "100", "0.5", "50.00"),
        movement(
            date(2026, 4, 15), "Rendimento", "HGLG11 - CSHG LOGISTICA FII", "10", None, "11.00"
        ),
        movement(date(2026, 5, 4), "Desdobro", PETR, "100"),
        movement(date(2026, 5, 6), "Grupamento", PETR, "20"),
        movement(date(2026, 5, 7), "Bonificação em Ativos", PETR, "2.4", None, "24.00"),
        debit(date(2026, 5, 8), "Fração em Ativos", PETR, "0.4"),
        movement(date(2026, 5, 20), "Leilão de Fração", PETR, "0.4", None, "15.00"),
        movement(date(2026, 6, 1), "Atualização", PETR, "22"),
    ]
    shown = await preview(
        as_admin,
        cid,
        b3_files.xlsx(MOVIMENTACAO, movements, mess=Mess(title_rows=1, footer=True)),
        "b3_movimentacao",
    )
    got = [
        (r["status"], r["kind"] or r["code"], r["amount"], r["tax"], r["ratio"])
        for r in shown["rows"]
    ]
    assert got == [
        ("new", "jcp", "100", "15", None),  # 85.00 / (1 - 15 %)
        ("ignored", "settlement_row", "3750", None, None),
        ("new", "jcp", "100", "17.5", None),  # 82.50 / (1 - 17.5 %)
        ("new", "jcp", "12.12", "2.12", None),  # 10.00 / 0.825 = 12.1212...
        ("new", "dividend", "50", "0", None),
        ("new", "dividend", "11", "0", None),
        ("new", "split", None, None, "2:1"),  # 100 held, 100 credited
        ("new", "split", None, None, "1:10"),  # 200 held, 20 left
        ("new", "bonus", "24", None, None),
        ("ignored", "fraction_moved", None, None, None),
        ("new", "sell", "15", None, None),
        ("ignored", "update_row", None, None, None),
        ("ignored", "totals_row", None, None, None),
    ]
    await commit(as_admin, cid, shown["id"])
    positions = {
        p["ticker"]: p
        for p in (await as_admin.get(f"/clients/{cid}/positions")).json()["positions"]
    }
    petr = positions["PETR4.SA"]
    # 100 -> 200 (2:1) -> 20 (1:10) + 2.4 bonus -> 22.4, less 0.4 sold at 37.50 -> 22.
    # Cost 3750 + 24 = 3774 over 22.4; the sale takes 3774 x 0.4 / 22.4 = 67.392857...:
    # realized 15 - 67.39 = -52.39; left 3706.607142... Income 85 + 82.5 + 10 + 50 net.
    assert petr["quantity"] == "22"
    assert (petr["cost"], petr["realized_pnl"], petr["income"]) == ("3706.61", "-52.39", "227.5")
    assert positions["HGLG11.SA"]["income"] == "11"


async def test_an_imported_provento_supersedes_the_providers(as_admin, app):
    petr = await make_asset(as_admin, "PETR4.SA", price="40", previous_close="40")
    await provider_events(petr, dividends=[dividend_event(date(2026, 3, 10), "0.5")])
    cid = (await make_client(as_admin))["id"]
    bought = await attempt_entry(
        as_admin, cid, "buy", on="2026-03-02", asset=petr, quantity="100", price="40"
    )
    assert [c["change"] for c in bought.json()["provider_changes"]] == ["created"]  # 50
    paid = [movement(date(2026, 3, 25), "Dividendo", PETR, "100", None, "50.00")]
    shown = await preview(as_admin, cid, b3_files.xlsx(MOVIMENTACAO, paid), "b3_movimentacao")
    done = await commit(as_admin, cid, shown["id"])
    assert [(c["change"], c["date"], c["old_amount"]) for c in done["provider_changes"]] == [
        ("removed", "2026-03-10", "50")
    ]
    entries = await ledger_of(as_admin, cid)
    assert [(e["kind"], e["date"], e["source"]) for e in entries] == [
        ("dividend", "2026-03-25", "import"),
        ("buy", "2026-03-02", "manual"),
    ]
    income = lambda body: body["positions"][0]["income"]  # noqa: E731
    assert income((await as_admin.get(f"/clients/{cid}/positions")).json()) == "50"  # once
    # The provider's job again: nothing comes back.
    state = app.state
    services = ledger.Services(
        events=state.events, market=state.market, jobs=state.jobs, reporting_currency="BRL"
    )
    assert await ledger.apply_corporate_actions(asset_ids=[petr["id"]], services=services) == 0
    assert len(await ledger_of(as_admin, cid)) == 2
    # Deleted, the imported one gives the provider's back (it was removed, not dismissed).
    deleted = await as_admin.delete(f"/clients/{cid}/transactions/{entries[0]['id']}")
    assert [(c["change"], c["date"]) for c in deleted.json()["provider_changes"]] == [
        ("created", "2026-03-10")
    ]


async def test_an_import_before_the_providers_events_keeps_them_from_counting_twice(as_admin, app):
    list_on_yahoo("PETR4.SA")
    cid = (await make_client(as_admin))["id"]
    bought = [trade(date(2026, 3, 2), "Compra", "PETR4", "100", "40")]
    await commit(
        as_admin,
        cid,
        (await preview(as_admin, cid, b3_files.xlsx(NEGOCIACAO, bought), "b3_negociacao"))["id"],
    )
    paid = [movement(date(2026, 3, 25), "Juros Sobre Capital Próprio", PETR, "100", None, "41.25")]
    await commit(
        as_admin,
        cid,
        (await preview(as_admin, cid, b3_files.xlsx(MOVIMENTACAO, paid), "b3_movimentacao"))["id"],
    )
    (asset,) = (await as_admin.get("/assets")).json()["items"]
    # The ticker was registered at the commit; its events arrive afterwards.
    await provider_events(
        asset,
        dividends=[
            dividend_event(date(2026, 3, 10), "0.5"),
            dividend_event(date(2026, 4, 10), "0.5"),
        ],
    )
    state = app.state
    services = ledger.Services(
        events=state.events, market=state.market, jobs=state.jobs, reporting_currency="BRL"
    )
    assert await ledger.apply_corporate_actions(asset_ids=[asset["id"]], services=services) == 1
    entries = await ledger_of(as_admin, cid)
    assert [(e["kind"], e["date"], e["amount"], e["source"]) for e in entries] == [
        ("dividend", "2026-04-10", "50", "provider"),  # not imported: the provider's stands
        ("jcp", "2026-03-25", "50", "import"),  # 41.25 / 0.825; stands for 10 March's
        ("buy", "2026-03-02", None, "import"),
    ]


# ---- bad files and limits ----------------------------------------------------------------------


async def test_files_that_cannot_be_imported_are_clear_422s(as_admin, settings):
    cid = (await make_client(as_admin))["id"]
    cases = [
        (b"%PDF-1.7 an extract printed to PDF", "extrato.pdf", "import_unsupported_file"),
        (b"PK\x03\x04 broken", "extrato.xlsx", "import_unreadable_file"),
        (
            b3_files.xlsx(MOVIMENTACAO, []),  # the other extract
            "movimentacao.xlsx",
            "import_columns_not_found",
        ),
        (zip_bomb(), "bomba.xlsx", "import_expands_too_much"),
    ]
    for data, name, code in cases:
        r = await send(as_admin, cid, data, "b3_negociacao", name=name)
        assert (r.status_code, r.json()["code"]) == (422, code), (name, r.text)
    r = await send(as_admin, cid, b"x", "b3_excel")
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
    assert await count("imports") == 0  # nothing kept of a refused file


async def test_a_file_over_max_import_bytes_is_refused(as_admin, settings):
    cid = (await make_client(as_admin))["id"]
    limit = settings.max_import_bytes
    assert limit == 10 * 1024 * 1024
    header = (";".join(NEGOCIACAO) + "\r\n").encode()
    over = header + b" " * (limit + 1 - len(header))
    r = await send(as_admin, cid, over, "b3_negociacao", name="big.csv")
    assert (r.status_code, r.json()["code"]) == (422, "import_too_large")
    # A body far beyond it is refused before it is read, with the same answer.
    huge = await as_admin.post(
        f"/clients/{cid}/imports",
        content=b"x" * 1024,
        headers={
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(3 * limit),
        },
    )
    assert (huge.status_code, huge.json()["code"]) == (422, "import_too_large")
    # Under it, a file larger than MAX_BODY_BYTES goes through (2 MB: a header, blank lines).
    assert settings.max_body_bytes == 1024 * 1024
    blank = header + b"\r\n" * (1024 * 1024)
    r = await send(as_admin, cid, blank, "b3_negociacao", name="blank.csv")
    assert (r.status_code, r.json()["counts"]["rows"]) == (201, 0)
    # Every other route keeps MAX_BODY_BYTES.
    body = {"kind": "deposit", "date": "2026-03-02", "amount": "1", "note": "x" * (2 * 1024 * 1024)}
    other = await as_admin.post(f"/clients/{cid}/transactions", json=body)
    assert other.status_code == 413


async def test_more_than_20000_rows_are_refused(as_admin):
    cid = (await make_client(as_admin))["id"]
    row = "02/03/2026;Compra;Mercado à Vista;-;X;PETR4;1;10,00;10,00\r\n"
    header = ";".join(NEGOCIACAO) + "\r\n"
    data = (header + row * 20_001).encode()
    r = await send(as_admin, cid, data, "b3_negociacao", name="many.csv")
    assert (r.status_code, r.json()["code"]) == (422, "import_too_many_rows")
    assert r.json()["limit"] == "20000"


async def test_another_advisors_client_is_missing_and_a_reader_writes_nothing(
    as_admin, as_advisor_a, as_advisor_b, as_reader, advisor_a, yahoo
):
    list_on_yahoo("PETR4.SA")
    theirs = (await make_client(as_admin, advisor_id=advisor_a.id))["id"]
    data = b3_files.xlsx(NEGOCIACAO, NEGOCIACAO_ROWS[:1])
    shown = await preview(as_advisor_a, theirs, data, "b3_negociacao")
    base = f"/clients/{theirs}/imports"
    for method, url in (
        ("GET", base),
        ("GET", f"{base}/{shown['id']}"),
        ("POST", f"{base}/{shown['id']}/commit"),
    ):
        r = await as_advisor_b.request(method, url)
        assert (r.status_code, r.json()["code"]) == (404, "client_not_found"), url
    r = await send(as_advisor_b, theirs, data, "b3_negociacao")
    assert (r.status_code, r.json()["code"]) == (404, "client_not_found")
    for attempt in (
        await send(as_reader, theirs, data, "b3_negociacao"),
        await as_reader.post(f"{base}/{shown['id']}/commit"),
    ):
        assert (attempt.status_code, attempt.json()["code"]) == (403, "read_only")
    assert (await as_reader.get(f"{base}/{shown['id']}")).status_code == 200  # readers read
    assert await count("imports") == 1
    assert await ledger_of(as_admin, theirs) == []
    await commit(as_advisor_a, theirs, shown["id"])  # the client's own advisor


async def test_two_commits_of_one_preview_write_it_once(as_admin, yahoo):
    list_on_yahoo("PETR4.SA")
    cid = (await make_client(as_admin))["id"]
    shown = await preview(
        as_admin, cid, b3_files.xlsx(NEGOCIACAO, NEGOCIACAO_ROWS[:3]), "b3_negociacao"
    )
    url = f"/clients/{cid}/imports/{shown['id']}/commit"
    answers = await asyncio.gather(as_admin.post(url), as_admin.post(url))
    assert sorted(r.status_code for r in answers) == [200, 409]
    assert len(await ledger_of(as_admin, cid)) == 3


# ---- the ledger's own export, round trip -------------------------------------------------------

FIGURES = (
    "kind",
    "date",
    "ticker",
    "quantity",
    "price",
    "amount",
    "fees",
    "tax",
    "ratio",
    "currency",
    "settlement",
    "note",
)


async def figures_of(api, client_id: int) -> tuple[list[tuple], dict]:
    entries = await ledger_of(api, client_id)
    positions = (await api.get(f"/clients/{client_id}/positions")).json()
    held = [
        {k: p[k] for k in ("ticker", "quantity", "cost", "realized_pnl", "income")}
        for p in positions["positions"]
    ]
    return sorted(tuple(str(e[k]) for k in FIGURES) for e in entries), {
        "positions": held,
        "cash": positions["cash"],
    }


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"format": "csv"}, "ledger.csv"),
        ({"format": "csv", "dialect": "br"}, "ledger-br.csv"),
        ({"format": "xlsx"}, "ledger.xlsx"),
    ],
)
async def test_export_then_import_makes_an_identical_ledger(as_admin, yahoo, params, name):
    petr = await make_asset(as_admin, "PETR4.SA", price="40")
    await make_asset(as_admin, "VALE3.SA", price="60")
    await provider_events(petr, dividends=[dividend_event(date(2026, 3, 16), "0.12345678")])
    source = (await make_client(as_admin, name="Origem"))["id"]
    entries = [
        {"kind": "deposit", "date": "2026-02-27", "amount": "10000.55"},
        {
            "kind": "buy",
            "date": "2026-03-02",
            "ticker": "PETR4.SA",
            "quantity": "100",
            "price": "37.5",
            "fees": "4.9",
            "settlement": "cash",
            "note": "=1+1, via the broker",
        },
        {
            "kind": "buy",
            "date": "2026-03-02",
            "ticker": "PETR4.SA",
            "quantity": "0.00000001",
            "price": "37.12345678",
        },
        {"kind": "jcp", "date": "2026-03-10", "ticker": "PETR4.SA", "amount": "100"},
        {
            "kind": "dividend",
            "date": "2026-03-11",
            "ticker": "PETR4.SA",
            "amount": "33.3",
            "tax": "1",
        },
        {
            "kind": "sell",
            "date": "2026-04-01",
            "ticker": "PETR4.SA",
            "quantity": "60",
            "price": "45",
            "fees": "9",
            "settlement": "cash",
        },
        {"kind": "split", "date": "2026-05-04", "ticker": "PETR4.SA", "ratio": "2:1"},
        {
            "kind": "bonus",
            "date": "2026-05-05",
            "ticker": "VALE3.SA",
            "quantity": "5",
            "amount": "12",
        },
        {"kind": "interest", "date": "2026-05-06", "amount": "12.5", "tax": "2.5"},
        {"kind": "fee", "date": "2026-05-07", "amount": "20"},
        {"kind": "tax", "date": "2026-05-08", "ticker": "PETR4.SA", "amount": "3"},
        {"kind": "withdrawal", "date": "2026-05-11", "amount": "1000"},
    ]
    for body in entries:
        r = await as_admin.post(f"/clients/{source}/transactions", json=body)
        assert r.status_code == 201, r.text
    exported = await as_admin.get(f"/clients/{source}/transactions", params=params)
    assert exported.status_code == 200, exported.text
    assert "attachment" in exported.headers["content-disposition"]
    kinds = {e["source"] for e in await ledger_of(as_admin, source)}
    assert kinds == {"manual", "provider"}  # the provider's dividend on 16 March too

    target = (await make_client(as_admin, name="Destino"))["id"]
    shown = await preview(as_admin, target, exported.content, "carteira_csv", name=name)
    assert shown["counts"]["new"] == len(entries) + 1, shown["rows"]
    await commit(as_admin, target, shown["id"])
    assert await figures_of(as_admin, target) == await figures_of(as_admin, source)
    assert {e["source"] for e in await ledger_of(as_admin, target)} == {"import"}
    # The same file again: nothing twice.
    again = await preview(as_admin, target, exported.content, "carteira_csv", name=name)
    assert again["counts"]["duplicate"] == len(entries) + 1


# ---- the command line --------------------------------------------------------------------------


async def test_the_command_line_prints_the_preview_and_exits_non_zero_on_errors(
    as_admin, settings, yahoo, tmp_path
):
    list_on_yahoo("PETR4.SA")
    cid = (await make_client(as_admin))["id"]
    bad = tmp_path / "negociacao-com-erro.csv"
    bad.write_bytes(
        b3_files.csv_file(
            NEGOCIACAO,
            [*NEGOCIACAO_ROWS[:3], trade(date(2026, 3, 3), "Compra", "ZZZZ3", "1", "1")],
            encoding="latin-1",
        )
    )
    env = process_env(settings)
    refused = await asyncio.to_thread(
        run_carteira,
        "import",
        "--client",
        str(cid),
        "--format",
        "b3_negociacao",
        str(bad),
        "--commit",
        env=env,
    )
    assert refused.returncode == 1, refused.stderr
    lines = refused.stdout.splitlines()
    assert lines[0].split() == [
        "line",
        "status",
        "kind",
        "date",
        "ticker",
        "quantity",
        "price",
        "amount",
        "why",
    ]
    assert lines[1].split()[:8] == [
        "2",
        "new",
        "buy",
        "2026-03-02",
        "PETR4.SA",
        "100",
        "37.5",
        "3750",
    ]
    assert lines[4].split()[:2] == ["5", "error"]
    assert "ZZZZ3.SA: the market-data provider does not know this ticker" in lines[4]
    assert lines[5] == "import 1: 4 rows: 3 new, 0 duplicate, 0 ignored, 1 error"
    assert "nothing written" in refused.stderr
    assert await ledger_of(as_admin, cid) == []

    good = tmp_path / "negociacao.xlsx"
    good.write_bytes(b3_files.xlsx(NEGOCIACAO, NEGOCIACAO_ROWS[:3]))
    args = ["import", "--client", str(cid), "--format", "b3_negociacao", str(good)]
    previewed = await asyncio.to_thread(run_carteira, *args, env=env)
    assert previewed.returncode == 0, previewed.stderr
    assert "run again with --commit" in previewed.stdout
    assert await ledger_of(as_admin, cid) == []
    written = await asyncio.to_thread(run_carteira, *args, "--commit", env=env)
    assert written.returncode == 0, written.stderr
    assert written.stdout.splitlines()[-1] == "committed: 3 entries written"
    assert len(await ledger_of(as_admin, cid)) == 3
    trail = (await as_admin.get("/audit", params={"entity": "import"})).json()["items"]
    assert trail[0]["user_id"] is None  # an operator's
    missing = await asyncio.to_thread(
        run_carteira,
        "import",
        "--client",
        "999999",
        "--format",
        "b3_negociacao",
        str(good),
        env=env,
    )
    assert (missing.returncode, missing.stderr.strip()) == (1, "error: Client not found.")


async def test_the_ledgers_export_of_a_missing_client_is_404(as_reader):
    r = await as_reader.get("/clients/999999/transactions", params={"format": "csv"})
    assert (r.status_code, r.json()["code"]) == (404, "client_not_found")
