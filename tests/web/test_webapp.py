"""The office's web app in headless Chromium, against the session's app over real TCP.

One browser for the module; each test signs in a role in a fresh context, compares what the
page shows with what the API answers, and keeps a screenshot of each page in the run's
temporary directory. No request may leave 127.0.0.1 (the page and the docs work offline).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from carteira.allocations.statement import period_starts
from carteira.core import clock
from carteira.realtime.service import TICK
from tests.factories import (
    Book,
    Sessions,
    ana_and_bruno,
    buy,
    deposit,
    list_on_yahoo,
    make_asset,
    post_json,
    record,
    sell,
)
from tests.support import fresh_prices, tick
from tests.web.browser import (
    PHONE,
    WAIT_MS,
    brl,
    data_value,
    open_session,
    sign_in,
)

pytestmark = pytest.mark.browser


# ---- the book every test starts from ----------------------------------------------------------


@pytest.fixture
async def book(as_admin: httpx.AsyncClient, bcb: Any) -> Book:
    """Two clients with fourteen months of history: closes, CDI and IBOVESPA for every session,
    buys, a sale and a dividend long ago, and money in and out this month."""
    today = clock.today()
    sessions = Sessions.before(today)
    days, wave = sessions.days, sessions.wave
    sessions.publish_cdi(bcb)
    list_on_yahoo(
        "^BVSP",
        instrument_type="INDEX",
        history=[(d, Decimal(round(120_000 * (2 - wave[d]), 2))) for d in days],
    )
    petr = await make_asset(as_admin, "PETR4.SA", price="38.47", previous_close="38")
    itub = await make_asset(as_admin, "ITUB4.SA", price="30", previous_close="30.5")
    await sessions.store_closes(petr, 35)
    await sessions.store_closes(itub, 28)
    ana, bruno = await ana_and_bruno(as_admin)
    first = days[0]
    await deposit(as_admin, ana["id"], "20000", on=first)
    for ticker, quantity, day in (("PETR4.SA", "200", days[0]), ("ITUB4.SA", "300", days[5])):
        price = str(round((35 if ticker == "PETR4.SA" else 28) * wave[day], 2))
        await buy(as_admin, ana["id"], ticker, quantity, price, on=day, settlement="cash")
    await record(as_admin, ana["id"], "dividend", on=days[100], asset="PETR4.SA", amount="150")
    await sell(as_admin, ana["id"], "ITUB4.SA", "100", "30.1", on=days[200], settlement="cash")
    await deposit(as_admin, ana["id"], "1000", on=today)
    await buy(as_admin, bruno["id"], "PETR4.SA", "50", "36", on=first)
    await record(as_admin, bruno["id"], "withdrawal", on=today, amount="300")
    return Book(ana=ana, bruno=bruno, today=today)


# ---- the admin's day ---------------------------------------------------------------------------


async def test_admin_overview_matches_the_api(
    browser, shots, live_url, app, as_admin, admin, book, yahoo
):
    session = await open_session(browser, live_url, shots)
    page = await sign_in(session, admin.email, admin.password)
    aum = (await as_admin.get("/reports/aum")).json()
    inflows = (await as_admin.get("/reports/inflows")).json()

    # AUM, in reais, and by asset class: the API's figures, written the pt-BR way.
    assert await data_value(page, "#aum-value") == aum["value"]
    assert await page.text_content("#aum-value") == brl(aum["value"])
    assert await data_value(page, "#aum-cash") == aum["cash"]
    by_class = {
        await li.get_attribute("data-type"): await li.get_attribute("data-value")
        for li in await page.query_selector_all("#aum-chart .chart-figures li")
    }
    assert by_class == {row["asset_class"]: row["value"] for row in aum["by_class"]}
    assert await page.locator("#aum-chart svg rect").count() == len(aum["by_class"])

    # The month's captação: inflows, outflows, net and the clients behind it.
    assert (inflows["inflows"], inflows["outflows"], inflows["net"]) == ("1000", "300", "700")
    assert await data_value(page, "#inflows-in") == inflows["inflows"]
    assert await data_value(page, "#inflows-out") == inflows["outflows"]
    assert await data_value(page, "#inflows-net") == inflows["net"]
    assert await page.text_content("#inflows-net") == brl("700")
    ranking = page.locator("#inflows-clients li")  # who brought money in: Bruno took some out
    assert await ranking.all_text_contents() == ["Ana LimaR$\xa01.000,00"]
    month = f"{inflows['year']}-{inflows['month']:02d}"
    assert await page.input_value("#inflows-month") == month

    # Live prices of the held tickers, from a real source and fresh: "Ao vivo".
    price = page.locator('tr[data-ticker="PETR4.SA"] .price')
    await price.wait_for(timeout=WAIT_MS)
    assert await price.get_attribute("data-price") == "38.47"
    assert await price.text_content() == "R$\xa038,47"
    change = await page.get_attribute('tr[data-ticker="PETR4.SA"] .change', "data-value")
    assert float(change) == pytest.approx((38.47 / 38 - 1) * 100, abs=1e-4)
    await page.wait_for_selector('#status[data-state="live"]', timeout=WAIT_MS)
    assert await page.text_content("#status") == "Ao vivo"
    assert await page.text_content("#last-tick") != "—"
    yahoo.set_price("PETR4.SA", Decimal("39.5"))
    await fresh_prices(app)
    await tick(app)
    await page.wait_for_function(
        """() => document.querySelector('tr[data-ticker="PETR4.SA"] .price')
                ?.dataset.price === "39.5" """,
        timeout=WAIT_MS,
    )
    await session.shot("overview")
    # The badge says how far the prices can be trusted: simulated ones, then old ones.
    for source, stale, state, label in (
        ("simulated", False, "simulated", "Simuladas"),
        ("yahoo", True, "stale", "Cotações defasadas"),
    ):
        quote = {
            "ticker": "PETR4.SA",
            "price": "39.5",
            "previous_close": "38",
            "change_pct": 3.947368,
            "currency": "BRL",
            "as_of": datetime.now(UTC).isoformat(),
            "source": source,
            "stale": stale,
        }
        await app.state.events.publish(TICK, held=["PETR4.SA"], quotes=[quote])
        await page.wait_for_selector(f'#status[data-state="{state}"]', timeout=WAIT_MS)
        assert await page.text_content("#status") == label
    await page.set_viewport_size(PHONE)
    # Nothing wider than the phone once the charts have redrawn at its width.
    await page.wait_for_function(
        "(w) => document.documentElement.scrollWidth <= w", arg=PHONE["width"], timeout=WAIT_MS
    )
    await session.shot("overview-phone")
    session.assert_clean()
    await session.context.close()


async def test_admin_finds_a_client_and_records_a_sale_and_a_dividend(
    browser, shots, live_url, as_admin, admin, book
):
    session = await open_session(browser, live_url, shots)
    page = await sign_in(session, admin.email, admin.password)
    ana = book.ana["id"]

    # The client list: searchable, with each client's AUM and month return from the API.
    await page.click('#nav a[data-nav="clients"]')
    await page.wait_for_selector('#clients-view[data-state="ready"]', timeout=WAIT_MS)
    assert await page.locator("#clients-rows tr").count() == 2
    await page.fill("#clients-q", "ana")
    await page.press("#clients-q", "Enter")
    await page.wait_for_function(
        "() => document.querySelectorAll('#clients-rows tr').length === 1", timeout=WAIT_MS
    )
    await page.wait_for_selector('#clients-view[data-state="ready"]', timeout=WAIT_MS)
    positions = (await as_admin.get(f"/clients/{ana}/positions")).json()
    performance = (
        await as_admin.get(f"/clients/{ana}/performance", params={"benchmarks": "CDI,IBOV"})
    ).json()
    row = f'#clients-rows tr[data-client-id="{ana}"]'
    assert await data_value(page, f"{row} .aum") == positions["consolidated"]["value"]
    assert float(await data_value(page, f"{row} .month")) == performance["periods"]["month"]
    assert "busca=ana" in page.url
    await session.shot("clients")

    # The client's page: the curve against CDI and IBOVESPA, one point per day of the API.
    await page.click(f"{row} a")
    await page.wait_for_selector('#client-view[data-state="ready"]', timeout=WAIT_MS)
    assert await page.text_content("#client-name") == "Ana Lima"
    series = performance["series"]
    assert len(series) > 250
    for key in ("portfolio", "cdi", "ibov"):
        drawn = await page.get_attribute(f'#perf-chart path[data-series="{key}"]', "data-points")
        assert int(drawn) == len(series), key
    assert (
        float(await data_value(page, '#perf-legend li[data-series="portfolio"]'))
        == (performance["periods"]["inception"])
    )
    starts = period_starts(date.fromisoformat(performance["end"]), date.min)
    for period, label in (("12m", "12 meses"), ("month", "Mês"), ("ytd", "No ano")):
        await page.locator("#perf-periods").get_by_text(label, exact=True).click()
        await page.wait_for_selector(f'#perf-chart[data-period="{period}"]')
        expected = sum(1 for p in series if date.fromisoformat(p["date"]) > starts[period])
        drawn = await page.get_attribute('#perf-chart path[data-series="portfolio"]', "data-points")
        assert int(drawn) == expected, period
        for code, key in (("CDI", "cdi"), ("IBOV", "ibov")):
            benchmark = next(b for b in performance["benchmarks"] if b["code"] == code)
            legend = await data_value(page, f'#perf-legend li[data-series="{key}"]')
            assert float(legend) == benchmark["periods"][period]
        legend = await data_value(page, '#perf-legend li[data-series="portfolio"]')
        assert float(legend) == performance["periods"][period]
    assert len(series) > int(drawn) > 0  # the year to date is a part of the whole
    kpis = {
        await dt.text_content(): await dt.evaluate("n => n.nextElementSibling.dataset.value")
        for dt in await page.query_selector_all("#summary dt")
    }
    assert float(kpis["% do CDI desde o início"]) == performance["pct_of_cdi"]
    assert kpis["Patrimônio"] == performance["totals"]["value"]
    assert await page.locator("#monthly tr[data-month]").count() == len(performance["monthly"])
    assert await page.locator("#positions tr").count() == len(positions["positions"])

    # Statements download with the session cookie alone.
    for link, kind in (
        ("#dl-positions-csv", "text/csv"),
        ("#dl-positions-xlsx", "spreadsheetml"),
        ("#dl-performance-csv", "text/csv"),
        ("#dl-performance-xlsx", "spreadsheetml"),
    ):
        href = await page.get_attribute(link, "href")
        answer = await page.request.get(f"{live_url}{href}")
        assert answer.status == 200, (link, await answer.text())
        assert kind in answer.headers["content-type"], link
        assert answer.headers["content-disposition"].startswith("attachment"), link

    # Every control says what it is to a screen reader, and the form is reached by keyboard.
    unlabelled = await page.evaluate(
        """() => [...document.querySelectorAll("input, select, textarea, button")]
            .filter((el) => el.offsetParent !== null && el.type !== "hidden")
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                && !el.getAttribute("aria-labelledby") && !(el.textContent || "").trim())
            .map((el) => el.id || el.name || el.outerHTML.slice(0, 60))"""
    )
    assert unlabelled == []
    await page.focus("#f-kind")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.closest('#tx-card') !== null")

    # A sale larger than the position: the API's refusal, beside the quantity.
    ledger_total = (await as_admin.get(f"/clients/{ana}/transactions")).json()["total"]
    assert await page.get_attribute("#ledger-table", "data-total") == str(ledger_total)
    await page.select_option("#f-kind", "sell")
    assert await page.is_hidden("#f-amount")
    await page.fill("#f-ticker", "PETR4.SA")
    await page.fill("#f-quantity", "100.000")  # pt-BR thousands: one hundred thousand
    await page.fill("#f-price", "38,50")
    await page.click("#tx-submit")
    error = page.locator("#f-quantity-error")
    await error.wait_for(state="visible", timeout=WAIT_MS)
    assert (await error.text_content() or "").startswith("Isto deixaria PETR4.SA com \u2212")
    assert await page.get_attribute("#f-quantity", "aria-invalid") == "true"
    # FastAPI's own 422s land by their field too.
    await page.fill("#f-quantity", "-1")
    await page.fill("#f-price", "abc")
    await page.click("#tx-submit")
    await page.wait_for_selector("#f-price-error:not([hidden])", timeout=WAIT_MS)
    assert await error.text_content() == "Deve ser maior que 0."
    assert await page.text_content("#f-price-error") == "Informe um número (ex.: 1.234,56)."
    assert (await as_admin.get(f"/clients/{ana}/transactions")).json()["total"] == ledger_total
    await session.shot("client-refused-sale")

    # A dividend: recorded, and the position's income and the ledger move.
    income_before = await data_value(page, '#positions tr[data-ticker="PETR4.SA"] .income')
    await page.select_option("#f-kind", "dividend")
    assert await page.input_value("#f-date") == str(book.today)  # the firm's today
    await page.fill("#f-ticker", "PETR4.SA")
    await page.fill("#f-amount", "123,45")
    await page.click("#tx-submit")
    await page.wait_for_selector("#tx-done:not([hidden])", timeout=WAIT_MS)
    after = (await as_admin.get(f"/clients/{ana}/positions")).json()
    income = next(p["income"] for p in after["positions"] if p["ticker"] == "PETR4.SA")
    assert Decimal(income) == Decimal(income_before) + Decimal("123.45")
    await page.wait_for_function(
        """(income) => document.querySelector('#positions tr[data-ticker="PETR4.SA"] .income')
                ?.dataset.value === income""",
        arg=income,
        timeout=WAIT_MS,
    )
    first_row = page.locator("#ledger tr").first
    assert await first_row.get_attribute("data-kind") == "dividend"
    assert await first_row.locator("td").nth(5).text_content() == "R$\xa0123,45"
    await page.locator("#perf-periods").get_by_text("Desde o início").click()
    await session.shot("client")

    await page.set_viewport_size(PHONE)
    await page.reload()
    await page.wait_for_selector('#client-view[data-state="ready"]', timeout=WAIT_MS)
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await session.shot("client-phone")
    session.assert_clean(422)
    await session.context.close()


# ---- a reader, with the provider down ----------------------------------------------------------


async def test_reader_sees_no_write_controls_and_an_unavailable_provider(
    browser, shots, live_url, app, reader, book, yahoo
):
    yahoo.down = True
    await fresh_prices(app)
    session = await open_session(browser, live_url, shots)
    page = await sign_in(session, reader.email, reader.password)
    assert await page.text_content("#user-role") == "leitura"
    # No price can be had: the feed says so, and never reads "Ao vivo".
    await page.wait_for_selector('#status[data-state="unavailable"]', timeout=WAIT_MS)
    assert await page.text_content("#status") == "Provedor indisponível"
    assert "indisponível" in (await page.text_content('tr[data-ticker="PETR4.SA"] .source') or "")
    await session.shot("overview-provider-down")

    await page.goto(f"{live_url}/dashboard#/clientes/{book.ana['id']}")
    await page.wait_for_selector('#client-view[data-state="ready"]', timeout=WAIT_MS)
    assert await page.locator("#ledger tr").count() > 0
    assert await page.is_hidden("#tx-card")
    assert await page.locator("#tx-submit").is_hidden()
    await session.shot("client-reader")
    assert await page.text_content('#status[data-state="unavailable"]') == "Provedor indisponível"
    # A client that is not there (or not one's own) is a page saying so, nothing else.
    await page.goto(f"{live_url}/dashboard#/clientes/999999")
    await page.wait_for_selector("#missing-view:not([hidden])", timeout=WAIT_MS)
    assert "Cliente não encontrado" in (await page.text_content("#missing-text") or "")
    assert await page.is_hidden("#client-view")
    session.assert_clean(404)
    await session.context.close()


# ---- the docs, offline -------------------------------------------------------------------------


async def test_docs_render_offline(browser, shots, live_url, client):
    spec = (await client.get("/openapi.json")).json()
    operations = sum(
        1
        for methods in spec["paths"].values()
        for method in methods
        if method in {"get", "post", "put", "patch", "delete"}
    )
    session = await open_session(browser, live_url, shots)
    page = session.page
    await page.goto(f"{live_url}/docs")
    await page.wait_for_function(
        "(n) => document.querySelectorAll('.opblock').length === n", arg=operations, timeout=WAIT_MS
    )
    assert await page.locator(".opblock-summary-path", has_text="/reports/aum").count() == 1
    await session.shot("docs", full_page=False)  # the docs are pages long
    await page.goto(f"{live_url}/redoc")
    await page.wait_for_selector('[data-section-id^="operation/"]', timeout=WAIT_MS)
    assert await page.locator('[data-section-id^="operation/"]').count() == operations
    await session.shot("redoc", full_page=False)
    # ReDoc's sidebar shows Redocly's logo from their CDN: the docs' CSP stops it before any
    # request is made (`outside` stays empty), which the console reports.
    logo = "https://cdn.redoc.ly/redoc/logo-mini.svg' violates"
    session.problems = [p for p in session.problems if logo not in p]
    session.assert_clean()
    await session.context.close()


# ---- an advisor: their clients only ------------------------------------------------------------


async def test_advisor_never_sees_another_advisors_client(
    browser, shots, live_url, client, as_admin, book
):
    """Admins create advisors (POST /users) and assign clients (PATCH /clients/{id}); an
    advisor's lists, reports and streams hold their clients only, and another's is a 404."""
    password = "advisor-Pass-2026"
    advisor = await post_json(
        as_admin, "/users", {"email": "carla@example.com", "password": password, "role": "advisor"}
    )
    assigned = await as_admin.patch(
        f"/clients/{book.ana['id']}", json={"advisor_id": advisor["id"]}
    )
    assert assigned.status_code == 200, assigned.text
    login = await client.post("/auth/login", json={"email": advisor["email"], "password": password})
    assert login.status_code == 200, login.text
    mine = {"Authorization": f"Bearer {login.json()['access_token']}"}

    session = await open_session(browser, live_url, shots)
    page = await sign_in(session, advisor["email"], password)
    assert await page.text_content("#user-role") == "assessor"
    aum = (await client.get("/reports/aum", headers=mine)).json()
    assert await data_value(page, "#aum-value") == aum["value"]
    ranking = await page.locator("#inflows-clients li").all_text_contents()
    assert ranking == ["Ana LimaR$\xa01.000,00"]  # Bruno's withdrawal is another's business
    await session.shot("overview-advisor")

    await page.click('#nav a[data-nav="clients"]')
    await page.wait_for_selector('#clients-view[data-state="ready"]', timeout=WAIT_MS)
    names = await page.locator("#clients-rows th").all_text_contents()
    assert names == ["Ana Lima"]
    assert await page.text_content("#clients-page") == "Página 1 de 1 · 1 cliente"

    await page.click(f'#clients-rows tr[data-client-id="{book.ana["id"]}"] a')
    await page.wait_for_selector('#client-view[data-state="ready"]', timeout=WAIT_MS)
    assert await page.is_visible("#tx-card")  # an advisor writes in their clients' ledgers

    await page.goto(f"{live_url}/dashboard#/clientes/{book.bruno['id']}")
    await page.wait_for_selector("#missing-view:not([hidden])", timeout=WAIT_MS)
    assert "não é um dos seus clientes" in (await page.text_content("#missing-text") or "")
    assert "Bruno" not in (await page.text_content("body") or "")
    await session.shot("client-of-another-advisor")
    session.assert_clean(404)
    await session.context.close()
