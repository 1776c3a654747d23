"""The client page's "Imposto de renda" and the overview's "DARFs a vencer" (issue #32), in
headless Chromium against the session's app over real TCP; the firm's today is 07/12/2026.
Figures worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from carteira.core import clock
from tests.factories import buy, make_asset, make_client, sell
from tests.web.browser import WAIT_MS, brl, open_session, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def december_2026() -> Iterator[None]:
    with clock.frozen_at(datetime(2026, 12, 7, 12, tzinfo=ZoneInfo("America/Sao_Paulo"))):
        yield


async def cells(page, month: str) -> dict[str, str]:
    """The month's row of the tax table: column label -> text."""
    row = page.locator(f'#tax-months tr[data-month="{month}"]')
    labels = await row.locator("td").evaluate_all("tds => tds.map(td => td.dataset.label)")
    texts = await row.locator("td").all_inner_texts()
    return dict(zip(labels, texts, strict=True))


async def test_the_monthly_apuracao_on_the_client_page_and_the_darfs_due_on_the_overview(
    browser,
    shots,
    live_url,
    as_admin,
    reader,
):
    petr = await make_asset(as_admin, "PETR4.SA", price="50", previous_close="50")
    vale = await make_asset(as_admin, "VALE3.SA", price="50", previous_close="50")
    cid = (await make_client(as_admin, name="Helena Prado"))["id"]
    await buy(as_admin, cid, petr, "2000", "20", on="2026-03-02")
    await buy(as_admin, cid, vale, "100", "60", on="2026-03-02")
    await sell(as_admin, cid, vale, "100", "50", on="2026-04-06")
    await sell(as_admin, cid, petr, "500", "50", on="2026-05-12")
    await sell(as_admin, cid, petr, "500", "60", on="2026-11-10")

    session = await open_session(browser, live_url, shots)
    page = await sign_in(session, reader.email, reader.password)
    # The overview: November's DARF, due on the last banking day of December (31/12 has no
    # bank open: Wednesday 30/12/2026). 500 x 60 = 30000 sold, gain 500 x (60 - 20) = 20000,
    # 15 % = 3000, IRRF 0.005 % x 30000 = 1.50: 2998.50.
    await page.locator("#darfs-count").filter(has_text="1").wait_for(timeout=WAIT_MS)
    assert await page.text_content("#darfs-total") == brl("2998.50")
    assert await page.text_content("#darfs-period") == "11/2026"
    assert await page.text_content("#darfs-due") == "30/12/2026"
    assert await page.locator("#darfs-clients li").all_inner_texts() == [
        f"Helena Prado\n{brl('2998.50')}"
    ]
    href = await page.get_attribute("#dl-darfs-xlsx", "href")
    assert href == "/reports/tax?year=2026&month=12&format=xlsx"
    await session.shot("overview-darfs")

    await page.goto(f"{live_url}/dashboard#/clientes/{cid}")
    await page.wait_for_selector('#tax-card[data-state="ready"]', timeout=WAIT_MS)
    assert await page.input_value("#tax-year") == "2026"
    assert await page.locator("#tax-months tr").count() == 12
    # April: VALE3 100 x (50 - 60) = a loss of 1000 in an exempt month (5000 sold): carried.
    april = await cells(page, "2026-04")
    assert april["Resultado comum"] == brl("-1000")
    assert april["Prejuízo a compensar"] == f"Comum: {brl('1000')}"
    assert april["DARF"] == april["Vencimento"] == "—"
    # May: 500 x 50 = 25000 sold, gain 15000 less April's 1000: 14000 x 15 % = 2100; IRRF
    # 0.005 % x 25000 = 1.25; DARF 2098.75 by Tuesday 30/06/2026.
    may = await cells(page, "2026-05")
    assert (may["Resultado comum"], may["Imposto devido"], may["IRRF deduzido"]) == (
        brl("15000"),
        brl("2100"),
        brl("1.25"),
    )
    assert (may["DARF"], may["Vencimento"], may["Prejuízo a compensar"]) == (
        brl("2098.75"),
        "30/06/2026",
        "—",
    )
    # The year: 2100 + 3000 of tax, 1.25 + 1.50 of IRRF, 2098.75 + 2998.50 = 5097.25 of DARFs.
    totals = await page.locator("#tax-totals td[data-label]").all_inner_texts()
    assert totals == [brl("5100"), brl("2.75"), brl("5097.25")]
    monthly = await page.get_attribute("#dl-tax-monthly", "href")
    assert monthly == f"/clients/{cid}/tax/monthly?year=2026&format=xlsx"
    workbook = await page.request.get(f"{live_url}{monthly}")
    assert workbook.status == 200
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    printed = await page.get_attribute("#dl-tax-annual-pdf", "href")
    assert printed == f"/clients/{cid}/tax/annual?year=2026&format=pdf"
    document = await page.request.get(f"{live_url}{printed}")
    assert (document.status, document.headers["content-type"]) == (200, "application/pdf")
    await session.shot("client-tax")

    # Another year: nothing sold in 2025.
    await page.select_option("#tax-year", "2025")
    await page.locator('#tax-months tr[data-month="2025-01"]').wait_for(timeout=WAIT_MS)
    assert await page.locator("#tax-months td.darf").all_inner_texts() == ["—"] * 12
    assert await page.get_attribute("#dl-tax-annual", "href") == (
        f"/clients/{cid}/tax/annual?year=2025&format=xlsx"
    )
    session.assert_clean()
    await session.context.close()
