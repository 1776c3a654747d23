"""The web app as advisors read it (issue #28, points 13-21), in headless Chromium against the
session's app: Portuguese for every refusal and note, an overdrawn cash balance said apart in
red, one colour per asset type on every page, "—" where "% do CDI" means nothing, the client
list in one request, the ledger form's defaults and confirmations, and cards on a phone.

One browser for the module; each test signs in as an admin over a book with an overdrawn
client (Bruno) and a month where more money left than came in.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.async_api import Page

from carteira.core import clock
from tests.factories import (
    Book,
    Sessions,
    ana_and_bruno,
    buy,
    deposit,
    list_on_yahoo,
    make_asset,
    record,
)
from tests.web.browser import PHONE, WAIT_MS, brl, data_value, open_client, open_session, sign_in

pytestmark = pytest.mark.browser

RED = "rgb(179, 38, 30)"  # --down
CASH_COLOUR = "#3d4a57"  # palette.js
ENGLISH = re.compile(r"\b(the|is|on|from|measured|starts|fetching|unavailable|rates)\b")


@pytest.fixture
async def book(as_admin: httpx.AsyncClient, bcb: Any) -> Book:
    """Ana: a deposit of 10,000 buys 100 PETR4 (~3,500) and 10 BOVA11 (~1,200) from her cash,
    and 1,000 more comes in today. Bruno: 100 BOVA11 bought from a cash balance he never had
    (-12,000), and 3,000 taken out today: overdrawn, and the month's net is -2,000."""
    today = clock.today()
    sessions = Sessions.before(today)
    days = sessions.days
    sessions.publish_cdi(bcb)
    list_on_yahoo("^BVSP", instrument_type="INDEX", history=[(d, Decimal(120_000)) for d in days])
    petr = await make_asset(as_admin, "PETR4.SA", price="38", previous_close="37.5")
    bova = await make_asset(
        as_admin, "BOVA11.SA", price="120", previous_close="119", instrument_type="ETF"
    )
    await sessions.store_closes(petr, 35)
    await sessions.store_closes(bova, 120)
    ana, bruno = await ana_and_bruno(as_admin)
    first = days[0]  # wave = 1: PETR4 at 35, BOVA11 at 120
    await deposit(as_admin, ana["id"], "10000", on=first)
    for client, ticker, quantity, price in (
        (ana, "PETR4.SA", "100", "35"),
        (ana, "BOVA11.SA", "10", "120"),
        (bruno, "BOVA11.SA", "100", "120"),
    ):
        await buy(as_admin, client["id"], ticker, quantity, price, on=first, settlement="cash")
    await deposit(as_admin, ana["id"], "1000", on=today)
    await record(as_admin, bruno["id"], "withdrawal", on=today, amount="3000")
    return Book(ana=ana, bruno=bruno, today=today)


async def bars(page: Page, chart: str) -> list[tuple[str, str, str]]:
    """The chart's bars, top to bottom: (asset type, fill colour, value text)."""
    return [
        tuple(row)
        for row in await page.eval_on_selector_all(
            f"{chart} g.bar",
            """gs => gs.map(g => [g.dataset.key, g.querySelector("rect").getAttribute("fill"),
                                   g.querySelector(".bar-value").textContent])""",
        )
    ]


async def settlement_options_fit(page: Page) -> bool:
    """Each option of the settlement select is shown whole (its text, beside the arrow)."""
    return bool(
        await page.eval_on_selector(
            "#f-settlement",
            """s => {
                const style = getComputedStyle(s);
                const pen = document.createElement("canvas").getContext("2d");
                pen.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
                const room = s.clientWidth - parseFloat(style.paddingLeft)
                    - parseFloat(style.paddingRight) - 20;  // the arrow
                return [...s.options].every(o => pen.measureText(o.text).width <= room);
            }""",
        )
    )


async def test_an_admin_reads_the_office_in_portuguese(
    browser,
    shots,
    live_url,
    as_admin,
    admin,
    book,
):
    session = await open_session(browser, live_url, shots)
    page = await sign_in(session, admin.email, admin.password)
    aum = (await as_admin.get("/reports/aum")).json()
    by_type = {row["asset_type"]: row["value"] for row in aum["by_asset_type"]}
    assert (by_type["EQUITY"], by_type["ETF"], by_type[None]) == ("3800", "13200", "-8700")
    by_class = {row["asset_class"]: row["value"] for row in aum["by_class"]}
    assert by_class == {"acoes": "3800", "etfs": "13200", "caixa": "-8700"}

    # The firm's cash is overdrawn: no bar, said apart in red, and "Em caixa" in red too.
    overview = await bars(page, "#aum-chart")
    # Grouped by class (Ações, ETFs, Caixa), each with its fixed colour.
    assert [key for key, _, _ in overview] == ["etfs", "acoes"]
    assert overview[0][2] == f"{brl('13200')} · 77,65%"  # 13,200 / (13,200 + 3,800)
    assert overview[1][2] == f"{brl('3800')} · 22,35%"
    negative = page.locator('#aum-chart .chart-negatives li[data-type="caixa"]')
    assert await negative.text_content() == f"Caixa: {brl('-8700')} (saldo negativo)"
    assert await negative.evaluate("n => getComputedStyle(n).color") == RED
    assert await page.locator("#aum-cash").evaluate("n => getComputedStyle(n).color") == RED
    colours = {key: fill for key, fill, _ in overview}
    assert colours == {"etfs": "#4b3fa0", "acoes": "#8a3a3a"}  # palette.js

    # Principais clientes: who brought money in; the month lost money, and says so.
    assert await page.locator("#inflows-clients li").all_text_contents() == [
        "Ana LimaR$\xa01.000,00"
    ]
    assert await page.text_content("#inflows-negative") == (
        "Captação líquida negativa no mês: saíram R$\xa02.000,00 a mais do que entraram."
    )
    await session.shot("reading-overview")

    # The client list: one request per page, the figures in it, ordered by the API.
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/clients" in r.url else None)
    await page.click('#nav a[data-nav="clients"]')
    await page.wait_for_selector('#clients-view[data-state="ready"]', timeout=WAIT_MS)
    assert [u.split("?")[0].removeprefix(live_url) for u in asked] == ["/clients"]
    assert "figures=true" in asked[0]
    ana_row = f'#clients-rows tr[data-client-id="{book.ana["id"]}"]'
    positions = (await as_admin.get(f"/clients/{book.ana['id']}/positions")).json()
    assert await data_value(page, f"{ana_row} .aum") == positions["consolidated"]["value"]
    asked.clear()
    await page.select_option("#clients-sort", "aum")  # Bruno's -3,000 before Ana's 11,300
    await page.wait_for_function(
        "() => document.querySelector('#clients-rows th')?.textContent === 'Bruno Costa'",
        timeout=WAIT_MS,
    )
    await page.wait_for_selector('#clients-view[data-state="ready"]', timeout=WAIT_MS)
    assert await page.locator("#clients-rows th").all_text_contents() == [
        "Bruno Costa",
        "Ana Lima",
    ]
    assert len(asked) == 1
    assert "sort=aum" in asked[0]
    assert "ordem=aum" in page.url

    # Bruno is overdrawn: his ETFs are all of what he holds, his cash is apart, in red.
    await open_client(page, live_url, book.bruno["id"])
    assert await bars(page, "#types-chart") == [
        ("etfs", colours["etfs"], f"{brl('12000')} · 100,00%")
    ]
    negative = page.locator('#types-chart .chart-negatives li[data-type="caixa"]')
    assert await negative.text_content() == f"Caixa: {brl('-15000')} (saldo negativo)"
    assert await negative.evaluate("n => getComputedStyle(n).color") == RED
    await session.shot("reading-overdrawn-client")

    # Ana: cash first, then PETR4, then BOVA11; each type keeps the overview's colour.
    await open_client(page, live_url, book.ana["id"])
    assert [(k, f) for k, f, _ in await bars(page, "#types-chart")] == [
        ("caixa", CASH_COLOUR),
        ("acoes", colours["acoes"]),
        ("etfs", colours["etfs"]),
    ]
    # "% do CDI" of a month the portfolio lost is "—", never a ratio.
    months = await page.eval_on_selector_all(
        "#monthly tr",
        """rows => rows.map(r => [r.querySelector(".portfolio").dataset.value,
                                   r.querySelector(".of-cdi").textContent])""",
    )
    lost = [shown for value, shown in months if value and float(value) < 0]
    gained = [shown for value, shown in months if value and float(value) > 0]
    assert lost, "the book has months that lost"
    assert set(lost) == {"—"}
    assert gained
    assert all(shown.endswith("%") for shown in gained)
    # The statement's top: % do CDI and proventos for each period, a total row per year.
    performance = (
        await as_admin.get(f"/clients/{book.ana['id']}/performance?benchmarks=CDI,IBOV")
    ).json()
    periods = await page.eval_on_selector_all(
        "#periods tr",
        """rows => rows.map(r => [r.dataset.period, r.querySelector(".of-cdi").textContent,
                                   r.querySelector(".income").dataset.value])""",
    )
    assert [period for period, _, _ in periods] == ["month", "ytd", "12m", "inception"]
    for period, shown, income in periods:
        ratio = performance["pct_of_cdi_periods"][period]
        assert shown == ("—" if ratio is None else f"{ratio:.2f}%".replace(".", ",")), period
        assert income == (performance["income"][period]["net"] or "")
    years = await page.eval_on_selector_all(
        "#monthly tr.year-total",
        "rows => rows.map(r => [r.dataset.year, r.querySelector('.portfolio').dataset.value])",
    )
    assert years == [
        [str(row["year"]), str(row["portfolio_pct"])] for row in reversed(performance["yearly"])
    ]
    for notes in ("#perf-notes", "#summary-notes"):
        said = await page.text_content(notes) or ""
        assert not ENGLISH.search(said), said
        assert "[object" not in said

    # The ledger form: a sale without a ticker is refused by the field, nothing sent.
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    await page.select_option("#f-kind", "sell")
    await page.fill("#f-quantity", "1")
    await page.fill("#f-price", "38")
    await page.click("#tx-submit")
    assert await page.text_content("#f-ticker-error") == "Informe o ativo (ticker)."
    assert await page.get_attribute("#f-ticker", "aria-invalid") == "true"
    assert await page.is_hidden("#tx-error")
    assert posts == []
    # Too large a sale: the ledger's refusal in Portuguese, with the API's figures in it.
    await page.fill("#f-ticker", "PETR4.SA")
    await page.fill("#f-quantity", "1.000")
    await page.click("#tx-submit")
    error = page.locator("#f-quantity-error")
    await error.wait_for(state="visible", timeout=WAIT_MS)
    today = book.today.strftime("%d/%m/%Y")
    assert await error.text_content() == (
        f"Isto deixaria PETR4.SA com \u2212900 em {today}; nada foi gravado."
    )
    # A date after today, refused by the API, beside the date.
    await page.select_option("#f-kind", "deposit")
    await page.fill("#f-amount", "10")
    await page.fill("#f-date", str(book.today + timedelta(days=1)))
    await page.click("#tx-submit")
    await page.wait_for_selector("#f-date-error:not([hidden])", timeout=WAIT_MS)
    assert await page.text_content("#f-date-error") == "A data não pode ser no futuro."
    await page.fill("#f-date", str(book.today))

    # A buy her 6,300 of cash pays for is settled from it; one it does not, from outside.
    await page.select_option("#f-kind", "buy")
    await page.fill("#f-ticker", "PETR4.SA")
    await page.fill("#f-quantity", "10")
    await page.fill("#f-price", "38")
    assert await page.input_value("#f-settlement") == "cash"
    assert await settlement_options_fit(page)
    await page.fill("#f-quantity", "1000")
    assert await page.input_value("#f-settlement") == "external"
    await page.select_option("#f-settlement", "cash")  # her choice stands
    await page.fill("#f-quantity", "2000")
    assert await page.input_value("#f-settlement") == "cash"
    # Confirmations agree with the kind: "Venda … registrada", "Dividendo … registrado".
    for kind, fields, said in (
        ("sell", {"#f-ticker": "PETR4.SA", "#f-quantity": "10", "#f-price": "38"}, "Venda"),
        ("dividend", {"#f-ticker": "PETR4.SA", "#f-amount": "12,50"}, "Dividendo"),
    ):
        await page.select_option("#f-kind", kind)
        for selector, value in fields.items():
            await page.fill(selector, value)
        await page.click("#tx-submit")
        await page.wait_for_selector("#tx-done:not([hidden])", timeout=WAIT_MS)
        agreed = "registrada" if kind == "sell" else "registrado"
        assert await page.text_content("#tx-done") == f"{said} de {today} {agreed}."
    await session.shot("reading-client")
    session.assert_clean(422)
    await session.context.close()


async def test_on_a_phone_the_figures_that_matter_fit_the_screen(
    browser,
    shots,
    live_url,
    admin,
    book,
):
    session = await open_session(browser, live_url, shots, viewport=PHONE)
    page = await sign_in(session, admin.email, admin.password)

    async def inside(*selectors: str) -> None:
        """Each element is on screen: drawn, and within the viewport's width; and the page
        has nothing wider than the phone, its tables included."""
        for selector in selectors:
            boxes = await page.eval_on_selector_all(
                selector,
                "ns => ns.map(n => { const r = n.getBoundingClientRect();"
                " return [r.left, r.right, r.width]; })",
            )
            assert boxes, selector
            for left, right, width in boxes:
                assert width > 0, selector
                assert left >= 0, (selector, left)
                assert right <= PHONE["width"], (selector, right)
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        wide = await page.eval_on_selector_all(
            ".table-wrap", "ws => ws.filter(w => w.scrollWidth > w.clientWidth + 1).length"
        )
        assert wide == 0

    await inside("#aum-value", "#inflows-net", "#aum-chart svg")
    await session.shot("reading-phone-overview")

    await page.click('#nav a[data-nav="clients"]')
    await page.wait_for_selector('#clients-view[data-state="ready"]', timeout=WAIT_MS)
    await inside("#clients-rows .aum", "#clients-rows .month", "#clients-rows th a")
    await session.shot("reading-phone-clients")

    await open_client(page, live_url, book.ana["id"])
    await inside(
        "#summary .kpi-main dd",
        "#positions .market",
        "#positions .quantity",
        "#cash .balance",
        "#positions-totals .total",
        "#monthly .portfolio",
        "#monthly .of-cdi",
        "#ledger td:not(.hide-sm)",
        "#f-settlement",
    )
    assert await settlement_options_fit(page)
    await session.shot("reading-phone-client")
    session.assert_clean()
    await session.context.close()
