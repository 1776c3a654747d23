"""Net inflows and the CSV/XLSX exports, parsed back and compared with the JSON endpoints."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import random
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest

from carteira.allocations.service import LEDGER_CHANGED
from carteira.core import clock
from carteira.pricing.closes import store_closes
from carteira.pricing.corporate import store_rates
from carteira.pricing.schemas import DailyClose
from tests.factories import hold, make_asset, make_client
from tests.support import connect, copy_buys

NOV = date(2026, 11, 1)


@pytest.fixture
async def book(as_admin):
    ana = await make_client(as_admin, name="Ana")
    bia = await make_client(as_admin, name='=HYPERLINK("http://evil")')
    petr = await make_asset(as_admin, "PETR4.SA", price="40", previous_close="39")
    aapl = await make_asset(as_admin, "AAPL", price="200", previous_close="200", currency="USD")
    await hold(as_admin, ana["id"], petr, "10", "30.5", on=NOV)
    await hold(as_admin, ana["id"], petr, "0.5", "0.1", on=NOV + timedelta(days=2))
    await hold(as_admin, bia["id"], petr, "100", "33.333", on=NOV + timedelta(days=2))
    await hold(as_admin, bia["id"], aapl, "2", "150", on=NOV + timedelta(days=3))
    await hold(as_admin, bia["id"], petr, "1", "10", on=date(2026, 10, 31))
    return ana, bia, petr, aapl


async def test_month_inflows_are_exact(as_reader, book):
    ana, bia, *_ = book
    query = {"year": 2026, "month": 11, "currency": "BRL"}
    body = (await as_reader.get("/reports/inflows", params=query)).json()
    assert (body["year"], body["month"], body["currency"]) == (2026, 11, "BRL")
    assert body["consolidated"] is False
    assert (body["start"], body["end"]) == ("2026-11-01", "2026-11-30")
    assert (body["inflows"], body["outflows"], body["net"]) == ("3638.35", "0", "3638.35")
    assert body["total"] == body["net"]  # 305 + 0.05 + 3333.3
    assert body["count"] == 3
    assert [(c["client_id"], c["name"], c["net"], c["count"]) for c in body["by_client"]] == [
        (bia["id"], bia["name"], "3333.3", 1),
        (ana["id"], "Ana", "305.05", 2),
    ]
    assert [(d["date"], d["inflows"], d["count"]) for d in body["by_day"]] == [
        ("2026-11-01", "305", 1),
        ("2026-11-03", "3333.35", 2),
    ]
    assert [(c["currency"], c["net"]) for c in body["by_currency"]] == [
        ("BRL", "3638.35"),
        ("USD", "300"),
    ]
    usd = (await as_reader.get("/reports/inflows?year=2026&month=11&currency=usd")).json()
    assert (usd["total"], usd["count"]) == ("300", 1)


async def test_any_range(as_reader, book):
    body = (
        await as_reader.get("/reports/inflows", params={"start": "2026-10-31", "end": "2026-11-01"})
    ).json()
    assert (body["year"], body["month"]) == (None, None)
    assert body["total"] == "315"


@pytest.mark.parametrize(
    "query",
    [
        "year=2026&month=13",
        "year=2026&month=0",
        "year=1800&month=1",
        "month=x",
        "year=2026&month=11&start=2026-01-01&end=2026-01-02",
        "start=2026-01-01",
        "start=2026-02-01&end=2026-01-01",
        "start=2019-01-01&end=2026-01-01",
        "format=pdf",
    ],
)
async def test_bad_periods_are_422(as_reader, query):
    r = await as_reader.get(f"/reports/inflows?{query}")
    assert r.status_code == 422


def _csv(response) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return workbook.worksheets[0]


async def test_inflows_export_holds_what_the_json_answer_holds(as_reader, book):
    r = await as_reader.get("/reports/inflows?year=2026&month=11&currency=BRL&format=csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    today = clock.today().isoformat()
    assert r.headers["content-disposition"] == (
        f'attachment; filename="carteira-inflows-brl-2026-11-01-2026-11-30-{today}.csv"'
    )
    header, *rows = _csv(r)
    assert header == [
        "date",
        "client_id",
        "client",
        "kind",
        "ticker",
        "currency",
        "inflow",
        "outflow",
        "net",
        "rate",
        "net_report_currency",
    ]
    assert [(row[3], row[4]) for row in rows] == [("buy", "PETR4.SA")] * 3
    json_brl = (await as_reader.get("/reports/inflows?year=2026&month=11&currency=BRL")).json()
    assert sum(Decimal(row[8]) for row in rows) == Decimal(json_brl["net"])
    assert len(rows) == json_brl["count"]
    assert rows[2][2] == '\'=HYPERLINK("http://evil")'  # neutralized

    # `currency=USD`: exactly the dollar flows the JSON answer for the same query sums.
    _, *usd_rows = _csv(
        await as_reader.get("/reports/inflows?year=2026&month=11&currency=USD&format=csv")
    )
    json_usd = (await as_reader.get("/reports/inflows?year=2026&month=11&currency=USD")).json()
    assert [row[4] for row in usd_rows] == ["AAPL"]
    assert {row[5] for row in usd_rows} == {"USD"}
    assert sum(Decimal(row[8]) for row in usd_rows) == Decimal(json_usd["net"])

    sheet = _xlsx(
        await as_reader.get("/reports/inflows?year=2026&month=11&currency=BRL&format=xlsx")
    )
    assert sheet.freeze_panes == "A2"
    assert isinstance(sheet["A2"].value, datetime)
    assert isinstance(sheet["G2"].value, int | float)  # a number, not text
    assert sheet["C4"].value == '\'=HYPERLINK("http://evil")'
    totals = {row[0]: row for row in sheet.iter_rows(min_row=5, values_only=True)}
    assert set(totals) == {"Total BRL"}
    assert Decimal(str(totals["Total BRL"][8])) == Decimal(json_brl["net"])


async def test_positions_xlsx_totals_one_row_per_currency(as_reader, book):
    """Measured before: the totals row added reais and dollars into one figure."""
    _, bia, *_ = book
    sheet = _xlsx(await as_reader.get(f"/clients/{bia['id']}/positions?format=xlsx"))
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    totals = {row[0]: row for row in rows if str(row[0]).startswith("Total")}
    assert set(totals) == {"Total BRL", "Total USD"}
    positions = (await as_reader.get(f"/clients/{bia['id']}/positions")).json()
    for total in positions["totals"]:
        row = totals[f"Total {total['currency']}"]
        assert Decimal(str(row[5])) == Decimal(total["cost"])  # the cost column


async def test_clients_report(as_reader, book):
    ana, bia, *_ = book
    header, *rows = _csv(await as_reader.get("/reports/clients"))
    assert header == [
        "client_id",
        "name",
        "email",
        "status",
        "currency",
        "positions",
        "cost",
        "market_value",
    ]
    by_key = {(int(row[0]), row[4]): row for row in rows}
    assert by_key[(ana["id"], "BRL")][5:] == ["1", "305.05", "420"]  # 10.5 x 40
    assert by_key[(bia["id"], "BRL")][5:] == ["1", "3343.3", "4040"]  # 101 x 40
    assert by_key[(bia["id"], "USD")][5:] == ["1", "300", "400"]
    assert by_key[(bia["id"], "BRL")][1].startswith("'=")

    sheet = _xlsx(await as_reader.get("/reports/clients?format=xlsx"))
    assert [cell.value for cell in sheet[1]] == header
    numbers = [
        row
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if not str(row[0]).startswith("Total")
    ]
    assert {(r[0], r[4]): r[7] for r in numbers}[(ana["id"], "BRL")] == 420.0


async def test_clients_without_lots_are_listed(as_admin, as_reader):
    lonely = await make_client(as_admin, name="Lonely")
    _, *rows = _csv(await as_reader.get("/reports/clients"))
    assert rows == [[str(lonely["id"]), "Lonely", lonely["email"], "active", "", "0", "", ""]]


async def test_positions_export_matches_json(as_reader, book):
    ana, *_ = book
    positions = (await as_reader.get(f"/clients/{ana['id']}/positions")).json()["positions"]
    header, *rows = _csv(await as_reader.get(f"/clients/{ana['id']}/positions?format=csv"))
    assert len(rows) == len(positions)
    for row, position in zip(rows, positions, strict=True):
        record = dict(zip(header, row, strict=True))
        assert record["ticker"] == position["ticker"]
        assert record["market_value"] == position["market_value"]
        assert float(record["weight_pct"]) == position["weight_pct"]
    sheet = _xlsx(await as_reader.get(f"/clients/{ana['id']}/positions?format=xlsx"))
    assert sheet["A2"].value == "PETR4.SA"
    assert sheet["I2"].value == float(positions[0]["market_value"])


async def test_performance_export_matches_json(as_reader, book):
    ana, _, petr, _ = book
    await store_closes(
        asset_id=petr["id"],
        closes=[DailyClose(date=NOV + timedelta(days=n), close=Decimal(30 + n)) for n in range(4)],
    )
    series = (await as_reader.get(f"/clients/{ana['id']}/performance")).json()["series"]
    header, *rows = _csv(await as_reader.get(f"/clients/{ana['id']}/performance?format=csv"))
    assert header == ["date", "value", "invested", "cumulative_twr_pct"]
    assert [row[0] for row in rows] == [point["date"] for point in series]
    assert [row[1] for row in rows] == [point["value"] for point in series]
    sheet = _xlsx(await as_reader.get(f"/clients/{ana['id']}/performance?format=xlsx"))
    assert sheet.max_row == len(series) + 1


async def test_exports_of_unknown_clients_are_404(as_reader):
    assert (await as_reader.get("/clients/999/positions?format=csv")).status_code == 404
    assert (await as_reader.get("/clients/999/performance?format=xlsx")).status_code == 404
    assert (await as_reader.get("/reports/clients?format=pdf")).status_code == 422


async def test_ledger_writes_publish_their_flow_deltas(as_admin, app):
    received = []
    app.state.events.subscribe(LEDGER_CHANGED, received.append)
    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA")
    lot = await hold(as_admin, client["id"], petr, "2", "5", on=NOV)
    assert received[-1]["client_id"] == client["id"]
    assert received[-1]["flows"] == [
        {"date": "2026-11-01", "currency": "BRL", "inflow": "10", "outflow": "0"}
    ]
    await as_admin.patch(
        f"/clients/{client['id']}/allocations/{lot['id']}", json={"buy_date": "2026-10-15"}
    )
    # It left November and joined October: a small delta, never a month's snapshot.
    assert received[-1]["flows"] == [
        {"date": "2026-10-15", "currency": "BRL", "inflow": "10", "outflow": "0"},
        {"date": "2026-11-01", "currency": "BRL", "inflow": "-10", "outflow": "0"},
    ]
    october = (await as_admin.get("/reports/inflows?year=2026&month=10")).json()
    november = (await as_admin.get("/reports/inflows?year=2026&month=11")).json()
    assert (october["net"], november["net"], november["count"]) == ("10", "0", 0)


async def test_a_large_export_streams_in_bounded_memory(as_admin, app, settings):
    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA")
    conn = await connect(settings.database_url)
    now = datetime.now(UTC)
    try:
        await copy_buys(
            conn,
            [
                (client["id"], petr["id"], Decimal(n % 97 + 1), Decimal("12.34"), NOV, now, now)
                for n in range(20_000)
            ],
        )
    finally:
        await conn.close()
    chunks: list[int] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/reports/inflows",
        "raw_path": b"/reports/inflows",
        "query_string": b"year=2026&month=11&format=csv",
        "root_path": "",
        "headers": [
            (b"host", b"t"),
            (b"authorization", f"Bearer {as_admin.headers['authorization'][7:]}".encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("t", 80),
    }

    async def receive():
        await asyncio.sleep(0)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.body" and message.get("body"):
            chunks.append(len(message["body"]))

    tracemalloc.start()
    try:
        await app(scope, receive, send)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(chunks) > 20_000 * 40
    assert len(chunks) >= 20  # a batch of rows at a time, never the whole file at once
    assert peak < 12 * 2**20, f"peak {peak / 2**20:.1f} MiB"


async def test_a_kept_answer_follows_writes_in_its_period_and_renames(as_admin, as_reader, book):
    ana, _, petr, _ = book
    query = {"year": 2026, "month": 11, "currency": "BRL"}

    async def november() -> dict:
        r = await as_reader.get("/reports/inflows", params=query)
        assert r.status_code == 200, r.text
        return r.json()

    assert (await november())["net"] == "3638.35"
    october = {"start": "2026-10-01", "end": "2026-10-31", "currency": "BRL"}
    assert (await as_reader.get("/reports/inflows", params=october)).json()["net"] == "10"
    # A write in November moves November's answer, and not October's.
    await hold(as_admin, ana["id"], petr, "1", "1.65", on=NOV)
    assert (await november())["net"] == "3640"
    assert (await as_reader.get("/reports/inflows", params=october)).json()["net"] == "10"
    # A back-dated write in October moves October's.
    await hold(as_admin, ana["id"], petr, "2", "5", on=date(2026, 10, 2))
    assert (await as_reader.get("/reports/inflows", params=october)).json()["net"] == "20"
    # A renamed client is named anew.
    r = await as_admin.patch(f"/clients/{ana['id']}", json={"name": "Ana Paula"})
    assert r.status_code == 200, r.text
    names = {c["client_id"]: c["name"] for c in (await november())["by_client"]}
    assert names[ana["id"]] == "Ana Paula"


async def test_a_kept_answer_brought_up_to_date_by_writes_equals_a_fresh_one(as_admin, as_reader):
    """Deposits, withdrawals, buys and sales in two currencies (some on a day without a rate),
    edits, moves out of the month and deletions, in a seeded random order: after each one, and
    after a burst of concurrent ones, the kept answer is the one computed from scratch."""
    from carteira.reports.captacao import KeptInflows
    from carteira.reports.schemas import InflowsOut

    rng = random.Random(20)
    people = [(await make_client(as_admin, name=f"C{n}"))["id"] for n in range(4)]
    petr = await make_asset(as_admin, "PETR4.SA", price="40")
    aapl = await make_asset(as_admin, "AAPL", price="200", currency="USD")
    # No dollar rate before the 3rd: a dollar flow on the 1st or 2nd has none.
    await store_rates(
        series="USDBRL", closes=[DailyClose(date=date(2026, 11, 3), close=Decimal("5.1"))]
    )
    entries: list[tuple[int, int]] = []
    end = date(2026, 11, 30)

    def entry() -> dict:
        day = (NOV + timedelta(days=rng.randrange(6))).isoformat()
        amount = str(Decimal(rng.randrange(1, 100_000)) / 100)
        kind = rng.choice(["deposit", "withdrawal", "buy", "sell"])
        if kind in ("deposit", "withdrawal"):
            return {
                "kind": kind,
                "date": day,
                "amount": amount,
                "currency": rng.choice(["BRL", "USD"]),
            }
        return {
            "kind": kind,
            "date": day,
            "asset_id": rng.choice([petr, aapl])["id"],
            "quantity": str(rng.randrange(1, 5)),
            "price": amount,
            "settlement": "external",
        }

    async def write() -> None:
        move = rng.random()
        if entries and move < 0.2:
            cid, eid = entries.pop(rng.randrange(len(entries)))
            r = await as_admin.delete(f"/clients/{cid}/transactions/{eid}")
            assert r.status_code in (200, 422), r.text
        elif entries and move < 0.35:
            cid, eid = rng.choice(entries)
            day = rng.choice(["2026-10-20", "2026-11-04", "2026-11-02"])
            r = await as_admin.patch(f"/clients/{cid}/transactions/{eid}", json={"date": day})
            assert r.status_code in (200, 422), r.text
        else:
            cid = rng.choice(people)
            r = await as_admin.post(f"/clients/{cid}/transactions", json=entry())
            assert r.status_code in (201, 422), r.text
            if r.status_code == 201:
                entries.append((cid, r.json()["id"]))

    async def kept(currency: str | None) -> dict:
        params = {"year": 2026, "month": 11} | ({"currency": currency} if currency else {})
        r = await as_reader.get("/reports/inflows", params=params)
        assert r.status_code == 200, r.text
        return r.json()

    async def fresh(currency: str | None) -> dict:
        answer = KeptInflows(start=NOV, end=end, currency=currency, reporting="BRL", visible=None)
        return InflowsOut.model_validate_json(await answer.render()).model_dump(mode="json")

    for currency in (None, "BRL", "USD"):
        await kept(currency)  # every answer is kept from here on
    for _ in range(40):
        await write()
        for currency in (None, "BRL", "USD"):
            assert await kept(currency) == await fresh(currency)
    await asyncio.gather(*(write() for _ in range(10)), *(kept(None) for _ in range(10)))
    for currency in (None, "BRL", "USD"):
        assert await kept(currency) == await fresh(currency)
    body = await kept(None)
    assert body["fx_missing"]  # the days without a rate were exercised
    assert body["inflows"] is None
    assert len(body["by_client"]) >= 3


async def test_a_write_seen_while_catching_up_is_not_hidden_by_the_text_rendered_then(as_admin):
    from carteira.reports.captacao import KeptInflows

    ana = (await make_client(as_admin, name="Ana"))["id"]
    bia = (await make_client(as_admin, name="Bia"))["id"]
    end = date(2026, 11, 30)

    async def deposit(client_id: int, amount: str) -> None:
        body = {"kind": "deposit", "date": "2026-11-03", "amount": amount}
        r = await as_admin.post(f"/clients/{client_id}/transactions", json=body)
        assert r.status_code == 201, r.text

    kept = KeptInflows(start=NOV, end=end, currency=None, reporting="BRL", visible=None)
    await kept.render()
    await deposit(ana, "100")
    await deposit(bia, "7")
    kept.changed(ana)
    catching_up = asyncio.create_task(kept.render())
    await asyncio.sleep(0)  # it is reading Ana's flows now
    kept.changed(bia)
    assert '"net":"100"' in await catching_up  # rendered without Bia's news
    after = json.loads(await kept.render())
    assert (after["net"], after["count"]) == ("107", 2)


async def test_a_quarter_is_kept_and_a_longer_range_is_computed_each_time(as_admin, app, book):
    from carteira.reports.service import INFLOWS

    ana, _, petr, _ = book
    cache = app.state.events.cache(INFLOWS)
    quarter = {"start": "2026-09-01", "end": "2026-11-30", "currency": "BRL"}
    years = {"start": "2022-01-01", "end": "2026-11-30", "currency": "BRL"}
    for params in (quarter, years):
        assert (await as_admin.get("/reports/inflows", params=params)).json()["net"] == "3648.35"
    assert cache.get("2026-09-01|2026-11-30|BRL|BRL|None") is not None
    assert cache.get("2022-01-01|2026-11-30|BRL|BRL|None") is None
    await hold(as_admin, ana["id"], petr, "1", "1.65", on=NOV)
    for params in (quarter, years):
        assert (await as_admin.get("/reports/inflows", params=params)).json()["net"] == "3650"


async def test_a_catch_up_left_half_way_is_started_again(as_admin):
    from carteira.reports.captacao import KeptInflows

    ana = (await make_client(as_admin, name="Ana"))["id"]
    kept = KeptInflows(
        start=NOV, end=date(2026, 11, 30), currency=None, reporting="BRL", visible=None
    )
    await kept.render()
    body = {"kind": "deposit", "date": "2026-11-03", "amount": "100"}
    assert (await as_admin.post(f"/clients/{ana}/transactions", json=body)).status_code == 201
    kept.changed(ana)
    leaving = asyncio.create_task(kept.render())
    await asyncio.sleep(0)  # it is reading Ana's flows now; its reader goes away
    leaving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leaving
    after = json.loads(await kept.render())
    assert (after["net"], after["count"]) == ("100", 1)


async def test_loading_a_period_lets_other_requests_run_between_slices_of_clients(
    as_admin, monkeypatch
):
    """A month of thousands of clients is figured a slice at a time: requests in flight run in
    between instead of waiting for the whole load."""
    from carteira.reports import captacao

    monkeypatch.setattr(captacao, "CLIENTS_PER_TURN", 2)
    for n in range(5):
        client_id = (await make_client(as_admin, name=f"C{n}"))["id"]
        body = {"kind": "deposit", "date": "2026-11-03", "amount": str(n + 1)}
        r = await as_admin.post(f"/clients/{client_id}/transactions", json=body)
        assert r.status_code == 201, r.text
    kept = captacao.KeptInflows(
        start=NOV, end=date(2026, 11, 30), currency=None, reporting="BRL", visible=None
    )
    loading = asyncio.create_task(kept.render())
    figured_while_loading = set()
    while not loading.done():
        figured_while_loading.add(len(kept._clients))
        await asyncio.sleep(0)
    assert json.loads(await loading)["net"] == "15"
    assert {2, 4} <= figured_while_loading  # the loop ran after each slice of two clients


async def test_aum_is_never_blank_when_a_price_is_missing(as_admin, yahoo, app):
    """Measured before: one asset without a quote made the office's AUM null. Now: a quote
    missing counts at the last stored close (listed as stale); an asset with no price at all is
    left out of the total and listed; everything else is summed."""
    client = await make_client(as_admin)
    live = await make_asset(as_admin, "LIVE3.SA", price="20", previous_close="20")
    kept = await make_asset(as_admin, "KEPT3.SA", price="30", previous_close="30")
    gone = await make_asset(as_admin, "GONE3.SA", price="40", previous_close="40")
    for asset, quantity in ((live, "10"), (kept, "5"), (gone, "2")):
        await hold(as_admin, client["id"], asset, quantity, "10", on=NOV)  # fmt: skip
    await store_closes(
        asset_id=kept["id"], closes=[DailyClose(date=date(2026, 11, 27), close=Decimal("28"))]
    )
    yahoo.fail_symbol("KEPT3.SA", status=404)
    yahoo.fail_symbol("GONE3.SA", status=404)
    for key in await app.state.redis.keys("md:quote:*"):
        await app.state.redis.delete(key)
    await app.state.market.close()
    from carteira.pricing.service import create_market_data

    app.state.market = app.state.hub.market = create_market_data(
        app.state.settings, app.state.redis
    )
    body = (await as_admin.get("/reports/aum")).json()
    # 10 x 20 live + 5 x 28 (the last close); GONE3 has no price at all: out, and said so.
    assert (body["market_value"], body["value"]) == ("340", "340")
    assert body["prices_stale"] == [{"name": "KEPT3.SA", "price": "28", "as_of": "2026-11-27"}]
    assert body["prices_missing"] == ["GONE3.SA"]
    assert [row["value"] for row in body["by_advisor"]] == ["340"]


async def test_money_is_the_same_centavos_in_json_csv_and_xlsx(as_admin):
    """Measured before: one cost basis printed three ways (17, 26 and 8 digits). Money is
    worked out exactly and written to centavos everywhere; totals add the unrounded figures:
    three costs of 0.005 show 0.01 each and total 0.02 (0.015), not 0.03."""
    client = await make_client(as_admin)
    for ticker in ("CENT3.SA", "CENT4.SA", "CENT5.SA"):
        asset = await make_asset(as_admin, ticker, price="0.0049", previous_close="0.0049")
        await hold(as_admin, client["id"], asset, "1", "0.005", on=NOV)  # fmt: skip
    url = f"/clients/{client['id']}/positions"
    body = (await as_admin.get(url)).json()
    assert [p["cost"] for p in body["positions"]] == ["0.01", "0.01", "0.01"]
    assert [p["average_cost"] for p in body["positions"]] == ["0.005"] * 3  # a price: exact
    assert body["totals"][0]["cost"] == "0.02"
    assert body["totals"][0]["market_value"] == "0.01"  # 3 x 0.0049 = 0.0147
    header, *rows = _csv(await as_admin.get(f"{url}?format=csv"))
    assert [row[header.index("cost")] for row in rows] == ["0.01", "0.01", "0.01"]
    sheet = _xlsx(await as_admin.get(f"{url}?format=xlsx"))
    header = [cell.value for cell in sheet[1]]
    cost = header.index("cost")
    values = [row[cost].value for row in sheet.iter_rows(min_row=2)]
    assert values == [0.01, 0.01, 0.01, 0.02]  # the last is the BRL totals row
