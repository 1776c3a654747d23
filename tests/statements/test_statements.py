"""GET /clients/{id}/statement: the monthly PDF, read back as text and compared with the JSON
routes' figures for the same client and month; its edge cases; and no request while printing."""

from __future__ import annotations

import asyncio
import http.server
import io
import os
import re
import threading
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import aiohttp
import psutil
import pytest
from pypdf import PdfReader

from carteira.core import clock
from carteira.pricing.bcb import CDI
from carteira.pricing.closes import store_closes
from carteira.pricing.schemas import DailyClose
from carteira.statements import batch, service
from tests.factories import list_on_yahoo, make_allocation, make_asset, make_client
from tests.support import connect, run_jobs, weekdays

# March and April 2026 sessions (Good Friday, 3 April, closed).
S = weekdays(date(2026, 3, 25), 10)
CLOSES = ["10", "11", "10.45", "12", "12", "12.6", "12.6", "11.34", "12", "12.5"]
IBOV = [(day, Decimal(100000 + 500 * n)) for n, day in enumerate(weekdays(date(2026, 3, 16), 20))]


def pdf_text(content: bytes) -> str:
    """The PDF's text, its whitespace collapsed (lines break where the layout wraps them)."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def page_texts(content: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages]


def grouped(digits: str) -> str:
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return ".".join(groups)


def brl(amount: str | None) -> str:
    """The JSON's money ("1234.5", centavos already) as printed: R$ 1.234,50."""
    if amount is None:
        return "—"
    value = Decimal(amount)
    whole, cents = f"{abs(value):.2f}".split(".")
    text = f"R$ {grouped(whole)},{cents}"
    return f"-{text}" if value < 0 else text


def percent(value: float | None) -> str:
    """A JSON percentage as printed: two places, 4.267,42%."""
    if value is None:
        return "—"
    whole, places = f"{abs(value):.2f}".split(".")
    return f"{'-' if value < 0 else ''}{grouped(whole)},{places}%"


async def statement(api, client_id: int, year: int, month: int):
    return await api.get(f"/clients/{client_id}/statement", params={"year": year, "month": month})


@pytest.fixture
async def invested(as_admin, bcb):
    bcb.add_series(CDI, [(d, Decimal("0.04")) for d in weekdays(date(2026, 3, 2), 40)])
    list_on_yahoo("^BVSP", instrument_type="INDEX", history=IBOV)
    asset = await make_asset(as_admin, "PETR4.SA", price="12.5", previous_close="12")
    await store_closes(
        asset_id=asset["id"],
        closes=[DailyClose(date=d, close=Decimal(c)) for d, c in zip(S, CLOSES, strict=True)],
    )
    client = await make_client(as_admin, name="Conceição Araújo")
    await make_allocation(
        as_admin, client["id"], asset_id=asset["id"], quantity="10", buy_price="10", buy_date=S[0]
    )
    sale = {"kind": "sell", "asset_id": asset["id"], "date": str(S[6]), "quantity": "2"}
    r = await as_admin.post(f"/clients/{client['id']}/transactions", json={**sale, "price": "12.6"})
    assert r.status_code == 201, r.text
    dividend = {"kind": "dividend", "asset_id": asset["id"], "date": str(S[8]), "amount": "4.2"}
    r = await as_admin.post(f"/clients/{client['id']}/transactions", json=dividend)
    assert r.status_code == 201, r.text
    return client, asset


async def test_the_statements_figures_are_the_apis(as_reader, invested):
    client, _ = invested
    r = await statement(as_reader, client["id"], 2026, 4)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment; filename=")
    text = pdf_text(r.content)

    params = {"end": "2026-04-30", "benchmarks": "CDI,IBOV"}
    performance = (
        await as_reader.get(f"/clients/{client['id']}/performance", params=params)
    ).json()
    positions = (
        await as_reader.get(f"/clients/{client['id']}/positions", params={"as_of": "2026-04-30"})
    ).json()
    realized = (
        await as_reader.get(
            f"/clients/{client['id']}/realized", params={"start": "2026-04-01", "end": "2026-04-30"}
        )
    ).json()
    tax = await as_reader.get(f"/clients/{client['id']}/tax/monthly", params={"year": 2026})
    tax = tax.json()

    assert "Carteira" in text  # FIRM_NAME
    assert "Conceição Araújo" in text
    assert "abril de 2026" in text
    assert "parcial" not in text.lower()  # April is closed
    assert f"Patrimônio em 30/04/2026 {brl(performance['totals']['value'])}" in text
    cdi, ibov = performance["benchmarks"]
    for key, label in (("month", "No mês"), ("ytd", "No ano"), ("12m", "12 meses")):
        row = " ".join(
            [
                label,
                percent(performance["periods"][key]),
                percent(cdi["periods"][key]),
                percent(ibov["periods"][key]),
                percent(performance["pct_of_cdi_periods"][key]),
            ]
        )
        assert row in text, row
    inception = " ".join(
        [
            percent(performance["periods"]["inception"]),
            percent(cdi["periods"]["inception"]),
            percent(ibov["periods"]["inception"]),
            percent(performance["pct_of_cdi_periods"]["inception"]),
        ]
    )
    assert inception in text
    # Positions and the allocation, at the month's end.
    assert "Posição em 30/04/2026" in text
    (petr,) = positions["positions"]
    assert petr["ticker"] in text
    assert brl(petr["market_value"]) in text
    assert percent(petr["weight_pct"]) in text
    # The month's movements and proventos: the sale and the dividend.
    assert f"{S[6]:%d/%m/%Y} Venda PETR4.SA" in text
    assert f"{S[8]:%d/%m/%Y} Dividendo PETR4.SA" in text
    income = performance["income"]["month"]
    assert f"bruto {brl(income['gross'])}, IR retido {brl(income['withheld'])}" in text
    # Realized gains and the month's DARF.
    (april,) = realized["by_month"]
    assert brl(april["gain"]) in text
    darf = next(m["darf"] for m in tax["months"] if m["month"] == "2026-04")
    assert f"DARF 6015 a pagar {brl(darf['amount'])}" in text
    # The curve and the allocation are drawn (their legends), and the disclaimer closes it.
    assert "IBOVESPA" in text
    assert "Rentabilidade passada não é garantia de rentabilidade futura" in text


async def test_a_past_months_positions_are_those_of_its_end(as_admin, as_reader, bcb):
    """April's statement, issued in December after a purchase in May and with the quote since
    moved: its positions and allocation are 30 April's, at that day's close."""
    bcb.add_series(CDI, [(d, Decimal("0.04")) for d in weekdays(date(2026, 3, 30), 30)])
    list_on_yahoo("^BVSP", instrument_type="INDEX", history=IBOV)
    asset = await make_asset(as_admin, "VALE3.SA", price="20", previous_close="19")
    april = [d for d in weekdays(date(2026, 4, 1), 25) if d.month == 4]
    assert april[-1] == date(2026, 4, 30)
    closes = [DailyClose(date=d, close=Decimal("12")) for d in april[:-1]]
    await store_closes(
        asset_id=asset["id"], closes=[*closes, DailyClose(date=april[-1], close=Decimal("15"))]
    )
    client = await make_client(as_admin)
    cid = client["id"]
    for body in (
        {"kind": "buy", "date": "2026-04-01", "quantity": "10", "price": "10"},
        {"kind": "buy", "date": "2026-05-05", "quantity": "30", "price": "16"},
    ):
        r = await as_admin.post(
            f"/clients/{cid}/transactions", json={**body, "asset_id": asset["id"]}
        )
        assert r.status_code == 201, r.text

    r = await statement(as_reader, cid, 2026, 4)
    assert r.status_code == 200, r.text
    text = pdf_text(r.content)
    month_end = (
        await as_reader.get(f"/clients/{cid}/positions", params={"as_of": "2026-04-30"})
    ).json()
    (held,) = month_end["positions"]
    # 10 shares at 30 April's close, 15: 150 — not today's 40 at 20 (800).
    assert (held["quantity"], held["current_price"], held["market_value"]) == ("10", "15", "150")
    assert "Posição em 30/04/2026" in text
    assert "VALE3.SA" in text
    assert "Ações 10 15,00 R$ 150,00" in text  # class, quantity, price, value
    assert brl(month_end["consolidated"]["market_value"]) == "R$ 150,00"
    assert percent(held["weight_pct"]) in text
    assert "R$ 800,00" not in text
    assert " 40 20,00 " not in text
    # The allocation chart draws the same answer's classes.
    (acoes,) = month_end["by_class"]
    assert text.count(brl(acoes["market_value"])) >= 3  # the row, the total and the bar
    # The patrimônio at the month's end is the same figure.
    assert f"Patrimônio em 30/04/2026 {brl(month_end['consolidated']['value'])}" in text


async def test_a_month_before_the_first_entry_is_422(as_admin, invested):
    client, _ = invested
    r = await statement(as_admin, client["id"], 2026, 2)
    assert r.status_code == 422
    assert r.json()["code"] == "statement_before_first_entry"
    assert "2026-03-25" in r.json()["detail"]
    # March, the first entry's month, has one.
    assert (await statement(as_admin, client["id"], 2026, 3)).status_code == 200


async def test_a_month_not_begun_is_422(as_admin):
    client = await make_client(as_admin)
    following = (clock.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    r = await statement(as_admin, client["id"], following.year, following.month)
    assert r.status_code == 422
    assert r.json()["code"] == "statement_month_in_future"
    r = await statement(as_admin, client["id"], 2026, 13)
    assert r.status_code == 422


async def test_the_current_month_is_partial_and_an_empty_book_prints(as_admin):
    client = await make_client(as_admin)
    today = clock.today()
    r = await statement(as_admin, client["id"], today.year, today.month)
    assert r.status_code == 200, r.text
    text = pdf_text(r.content)
    assert f"PARCIAL — ATÉ {today:%d/%m/%Y}" in text
    assert "Nenhuma posição em carteira." in text
    assert "Nenhuma movimentação no mês." in text
    assert "SIMULADOS" not in text  # the session's prices are Yahoo's (its fake)


async def test_a_statement_on_simulated_prices_says_so(app, settings, as_admin):
    """The offline demo's prices are never passed off as the market's."""
    client = await make_client(as_admin)
    today = clock.today()
    app.state.settings = settings.model_copy(update={"market_data_provider": "simulated"})
    try:
        r = await statement(as_admin, client["id"], today.year, today.month)
    finally:
        app.state.settings = settings
    assert r.status_code == 200, r.text
    assert "PREÇOS SIMULADOS — DEMONSTRAÇÃO, NÃO SÃO COTAÇÕES DE MERCADO" in pdf_text(r.content)


async def test_accented_and_very_long_names(as_admin):
    long_name = "Maria José da Conceição Ñúñez " + "Albuquerque " * 14
    client = await make_client(as_admin, name=long_name.strip()[:200])
    today = clock.today()
    r = await statement(as_admin, client["id"], today.year, today.month)
    assert r.status_code == 200, r.text
    text = pdf_text(r.content)
    assert "Maria José da Conceição Ñúñez" in text
    # The whole name is printed (wrapped within the page): every word of it is there.
    assert text.count("Albuquerque") >= 14
    assert 'filename="relatorio-' in r.headers["content-disposition"]
    assert "maria-jose-da-conceicao-nunez" in r.headers["content-disposition"]


async def test_another_advisors_client_is_404(as_advisor_a, as_advisor_b):
    client = await make_client(as_advisor_a)
    today = clock.today()
    r = await statement(as_advisor_b, client["id"], today.year, today.month)
    assert r.status_code == 404
    assert (await statement(as_advisor_a, client["id"], today.year, today.month)).status_code == 200


async def test_two_hundred_positions_break_across_pages_with_their_header(as_admin):
    client = await make_client(as_admin)
    today = clock.today()
    day = weekdays(today - timedelta(days=10), 1)[0]
    for n in range(200):
        asset = await make_asset(as_admin, f"ZZ{n:03d}3.SA", price="10", previous_close="10")
        await make_allocation(
            as_admin, client["id"], asset_id=asset["id"], quantity="1", buy_price="9", buy_date=day
        )
    r = await statement(as_admin, client["id"], today.year, today.month)
    assert r.status_code == 200, r.text
    pages = page_texts(r.content)
    holding = [i for i, page in enumerate(pages) if re.search(r"ZZ\d{3}3\.SA", page)]
    assert len(holding) >= 3  # 200 rows need several pages
    header = "Ativo Classe Quantidade Preço Valor bruto IR IOF Valor líquido Peso"
    for i in holding:
        assert header in pages[i], f"page {i + 1} lacks the table's header"
    printed = {m for page in pages for m in re.findall(r"ZZ\d{3}3\.SA", page)}
    assert len(printed) == 200


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


async def test_markup_in_a_name_is_text_and_fetches_nothing(as_admin):
    _Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        name = f'<img src=http://127.0.0.1:{port}/x> <img src="file:///etc/passwd">'
        client = await make_client(as_admin, name=name)
        today = clock.today()
        r = await statement(as_admin, client["id"], today.year, today.month)
        assert r.status_code == 200, r.text
        text = pdf_text(r.content)
        assert f"<img src=http://127.0.0.1:{port}/x>" in text
        assert "file:///etc/passwd" in text
        assert "root:" not in text
        assert _Recorder.requests == []
    finally:
        server.shutdown()
        server.server_close()


# ---- the batch: POST /jobs/statements ------------------------------------------------------


async def _batch(api, settings, **body):
    r = await api.post("/jobs/statements", json=body)
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    assert r.headers["location"] == f"/jobs/{job_id}"
    queued = (await api.get(f"/jobs/{job_id}")).json()
    assert queued["status"] in {"queued", "in_progress"}
    await run_jobs(settings)
    return job_id


async def test_a_batch_renders_every_visible_client_into_a_zip(
    app, as_admin, as_advisor_a, advisor_a, settings, monkeypatch
):
    today = clock.today()
    mine = [await make_client(as_advisor_a, name=f"Cliente {n} Ávila") for n in range(5)]
    other = await make_client(as_admin, name="De outro assessor")
    # One client fails to print: listed in the result, the others unaffected.
    original = service.pdf_of

    async def failing(data, **options):
        if data.client_id == mine[2]["id"]:
            raise RuntimeError("boom")
        return await original(data, **options)

    monkeypatch.setattr(service, "pdf_of", failing)
    # Chunks of two: three jobs that any worker may take, the last one building the ZIP.
    app.state.settings = settings.model_copy(update={"statements_chunk_size": 2})
    try:
        body = {"year": today.year, "month": today.month}
        r = await as_advisor_a.post("/jobs/statements", json=body)
    finally:
        app.state.settings = settings
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    # Not ready yet: 409 for its owner.
    early = await as_advisor_a.get(f"/jobs/{job_id}/result")
    assert early.status_code == 409
    assert early.json()["code"] == "statement_result_not_ready"
    # Printed in the worker's own process (where the failure above is planted; the render
    # processes of its default are the next test's).
    await run_jobs(settings.model_copy(update={"statements_render_processes": 0}))

    done = (await as_advisor_a.get(f"/jobs/{job_id}")).json()
    assert done["status"] == "complete", done
    assert done["progress"] == {"done": 5, "total": 5}
    assert done["result"]["total"] == 5
    assert done["result"]["rendered"] == 4
    assert done["result"]["failed"] == [mine[2]["id"]]
    assert done["result"]["chunks"] == 3
    first = [(await as_admin.get(f"/jobs/{job_id}-chunk-{i}-0")).json() for i in range(4)]
    assert [c["status"] for c in first] == ["complete", "complete", "complete", "not_found"]

    r = await as_advisor_a.get(f"/jobs/{job_id}/result")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    names = sorted(archive.namelist())
    assert "falhas.csv" in names
    pdfs = [n for n in names if n.endswith(".pdf")]
    assert len(pdfs) == 4
    assert all(f"-{c['id']:06d}-" in " ".join(pdfs) for c in mine if c is not mine[2])
    assert not any(f"-{other['id']:06d}" in n for n in names)  # an advisor's own book only
    failures = archive.read("falhas.csv").decode("utf-8-sig")
    assert "Cliente 2 Ávila" in failures
    assert "RuntimeError" in failures
    for name in pdfs:
        assert "Ávila" in pdf_text(archive.read(name))
    # An admin may read it too.
    assert (await as_admin.get(f"/jobs/{job_id}/result")).status_code == 200


async def test_a_batch_makes_each_statement_whole_in_the_idle_render_processes(as_admin, settings):
    """As deployed (a render process per core), each client's figures, HTML and PDF are made
    in a render process, at idle priority; a client deleted after the batch began fails there
    and is listed, with the reason, while the others print."""
    today = clock.today()
    kept = [await make_client(as_admin, name=f"Cliente {n} Ávila") for n in range(3)]
    gone = await make_client(as_admin, name="Apagada depois")
    asset = await make_asset(as_admin, "PETR4.SA", price="12.5", previous_close="12")
    await make_allocation(as_admin, kept[0]["id"], asset_id=asset["id"], quantity="10")
    r = await as_admin.post("/jobs/statements", json={"year": today.year, "month": today.month})
    job_id = r.json()["job_id"]
    assert (await as_admin.delete(f"/clients/{gone['id']}")).status_code == 204

    await run_jobs(settings.model_copy(update={"statements_render_processes": 2}))

    done = (await as_admin.get(f"/jobs/{job_id}")).json()
    assert done["status"] == "complete", done
    assert done["result"]["rendered"] == 3
    assert done["result"]["failed"] == [gone["id"]]
    archive = zipfile.ZipFile(io.BytesIO((await as_admin.get(f"/jobs/{job_id}/result")).content))
    failures = archive.read("falhas.csv").decode("utf-8-sig")
    assert f'"cliente {gone["id"]}";"client_not_found: Client not found."' in failures
    texts = {
        name: pdf_text(archive.read(name)) for name in archive.namelist() if name.endswith(".pdf")
    }
    assert len(texts) == 3
    for client in kept:
        (text,) = [t for n, t in texts.items() if f"-{client['id']:06d}-" in n]
        assert client["name"] in text
    (first,) = [t for n, t in texts.items() if f"-{kept[0]['id']:06d}-" in n]
    assert "PETR4" in first


async def test_a_render_process_that_cannot_reach_the_database_says_so_as_transient(settings):
    """Its failure crosses back as text, marked transient: the batch retries the chunk."""
    from functools import partial

    from carteira.core.pdf import PdfRenderer
    from carteira.statements.printing import PrintFailure, print_statement

    unreachable = settings.model_copy(
        update={"database_url": "postgres://postgres@127.0.0.1:9/nowhere"}
    )
    renderer = PdfRenderer(processes=1)
    try:
        made = await renderer.run(partial(print_statement, unreachable, 1, 2026, 1))
    finally:
        renderer.close()
    assert isinstance(made, PrintFailure)
    assert made.transient


async def test_a_worker_starts_its_render_processes_ready_as_it_starts(app, settings):
    """Measured before: started on a batch's first client, each render process's start-up
    (the imports at normal priority, the database's new backends) met the API's requests of
    the batch's first seconds (20-36 ms against a quiet p99 of 3). A worker now starts them
    as it starts, born idle, each with its database connection open."""
    from carteira.worker import worker_settings

    hooks = worker_settings(
        settings.model_copy(update={"statements_render_processes": 1}), manage_orm=False
    )
    ctx = {"redis": app.state.redis}
    await hooks["on_startup"](ctx)
    conn = await connect(settings.database_url)
    try:
        ready: list[int] = []
        for _ in range(300):  # a render process's start-up takes a few seconds here
            names = await conn.fetch(
                "SELECT application_name FROM pg_stat_activity"
                " WHERE application_name LIKE 'carteira-statements/%'"
            )
            children = {child.pid for child in psutil.Process().children()}
            ready = [
                pid
                for pid in (int(row["application_name"].split("/")[1]) for row in names)
                if pid in children
            ]
            if ready:
                break
            await asyncio.sleep(0.1)
        assert ready, "no render process of this worker connected to the database"
        assert os.sched_getscheduler(ready[0]) == os.SCHED_IDLE
    finally:
        await conn.close()
        await hooks["on_shutdown"](ctx)


async def test_an_admins_batch_covers_every_client_or_one_advisors(
    as_admin, as_advisor_a, advisor_a, settings
):
    today = clock.today()
    theirs = await make_client(as_advisor_a, name="Do assessor")
    unassigned = await make_client(as_admin, name="Sem assessor")
    body = {"year": today.year, "month": today.month}
    everyone = await _batch(as_admin, settings, **body)
    names = zipfile.ZipFile(
        io.BytesIO((await as_admin.get(f"/jobs/{everyone}/result")).content)
    ).namelist()
    assert {f"{theirs['id']:06d}", f"{unassigned['id']:06d}"} <= {n.split("-")[3] for n in names}
    one = await _batch(as_admin, settings, **body, advisor_id=advisor_a.id)
    names = zipfile.ZipFile(
        io.BytesIO((await as_admin.get(f"/jobs/{one}/result")).content)
    ).namelist()
    assert [n.split("-")[3] for n in names] == [f"{theirs['id']:06d}"]


async def test_a_batch_result_is_only_for_its_creator_and_admins(
    as_advisor_a, as_advisor_b, as_reader, settings
):
    today = clock.today()
    await make_client(as_advisor_a)
    job_id = await _batch(as_advisor_a, settings, year=today.year, month=today.month)
    assert (await as_advisor_a.get(f"/jobs/{job_id}/result")).status_code == 200
    for stranger in (as_advisor_b, as_reader):
        r = await stranger.get(f"/jobs/{job_id}/result")
        assert r.status_code == 404
        assert r.json()["code"] == "statement_result_not_found"
    assert (
        await as_reader.post("/jobs/statements", json={"year": 2026, "month": 1})
    ).status_code == 403


async def test_a_batchs_state_over_tcp_is_only_for_its_creator_and_admins(
    live_url, as_advisor_a, advisor_a, advisor_b, reader, admin, settings
):
    """Measured before: any signed-in user who had the batch's id read its summary (how many
    clients, the ids of those that failed) from `GET /jobs/{id}`."""
    today = clock.today()
    await make_client(as_advisor_a)
    job_id = await _batch(as_advisor_a, settings, year=today.year, month=today.month)
    async with aiohttp.ClientSession() as http:
        for account, status in (
            (advisor_a, "complete"),
            (admin, "complete"),
            (advisor_b, "not_found"),
            (reader, "not_found"),
        ):
            async with http.get(f"{live_url}/jobs/{job_id}", headers=account.headers) as r:
                assert r.status == 200
                body = await r.json()
            assert body["status"] == status, account
            if status == "complete":
                assert body["result"]["total"] == 1
            else:
                assert body["result"] is None
                assert body["progress"] is None


async def test_a_busy_process_hands_a_chunk_back_to_the_queue(app, monkeypatch):
    """A process renders one chunk at a time: a chunk it claims meanwhile is enqueued again
    (deferred, under a new id) for whichever worker is free, so two workers share a batch."""
    from carteira.core.jobs import REGISTRY

    monkeypatch.setattr(batch, "_rendering", True)
    ctx = {"jobs": app.state.jobs, "redis": app.state.redis, "job_id": "statements-x-chunk-4-0"}
    run = REGISTRY["statements_chunk"].run
    assert await run(ctx, "statements-x", 4, [1, 2], 0) == -1
    state = await app.state.jobs.state("statements-x-chunk-4-1")
    assert state.status == "queued"
    assert state.function == "statements_chunk"


async def test_a_chunk_that_fails_for_a_while_is_retried_and_one_out_of_tries_lets_the_batch_end(
    app, as_admin, settings, monkeypatch
):
    """A transient failure (a render process lost, the database away) retries the chunk,
    keeping what it printed; on its last try the clients still unprinted are listed as failed,
    so the batch ends instead of waiting for a chunk that will never come."""
    from arq.worker import Retry

    from carteira.core.jobs import REGISTRY
    from carteira.core.pdf import PdfRenderer, RenderProcessLostError

    today = clock.today()
    printed = await make_client(as_admin, name="Impressa")
    lost = await make_client(as_admin, name="Sem impressão")
    original, asked = service.pdf_of, []

    async def losing(data, **options):
        asked.append(data.client_id)
        if data.client_id == lost["id"]:
            raise RenderProcessLostError()
        return await original(data, **options)

    monkeypatch.setattr(service, "pdf_of", losing)
    r = await as_admin.post("/jobs/statements", json={"year": today.year, "month": today.month})
    job_id = r.json()["job_id"]
    ids = [printed["id"], lost["id"]]
    renderer = PdfRenderer(processes=0)
    ctx = {
        "redis": app.state.redis,
        "jobs": app.state.jobs,
        "events": app.state.events,
        "market": app.state.market,
        "settings": settings,
        "pdf": renderer,
        "job_id": f"{job_id}-chunk-0-0",
    }
    chunk = REGISTRY["statements_chunk"].run
    with pytest.raises(Retry):
        await chunk({**ctx, "job_try": 1}, job_id, 0, ids, 0)
    assert sorted(asked) == sorted(ids)
    assert await chunk({**ctx, "job_try": 3}, job_id, 0, ids, 0) == 0
    assert asked.count(printed["id"]) == 1  # printed once, kept through the retries

    await run_jobs(settings)  # the batch's own job: its one chunk is done already
    done = (await as_admin.get(f"/jobs/{job_id}")).json()
    assert done["status"] == "complete", done
    assert done["result"]["rendered"] == 1
    assert done["result"]["failed"] == [lost["id"]]
    archive = zipfile.ZipFile(io.BytesIO((await as_admin.get(f"/jobs/{job_id}/result")).content))
    assert "render_process_lost" in archive.read("falhas.csv").decode("utf-8-sig")
    assert [n for n in archive.namelist() if n.endswith(".pdf")] == [
        service.file_name(
            client_id=printed["id"], name="Impressa", year=today.year, month=today.month
        )
    ]
