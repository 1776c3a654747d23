"""The client page's "Importar extrato" (issue #31): a B3 negociação extract chosen with its
format, the preview table (each status by its colour and its word, the errors listed by line),
confirmed without the error rows; the ledger and the figures refresh. Headless Chromium against
the session's app over real TCP.

`SAVE_DOCS_SCREENSHOTS=1` also saves the preview as docs/import-preview.png (docs/imports.md's)."""

from __future__ import annotations

import os
import shutil
from datetime import date

import pytest

from tests import b3_files
from tests.b3_files import NEGOCIACAO, trade
from tests.factories import list_on_yahoo, make_client
from tests.support import REPO
from tests.web.browser import WAIT_MS, at_client

pytestmark = pytest.mark.browser

ROWS = [
    trade(date(2026, 3, 2), "Compra", "PETR4", "100", "37.50"),
    trade(date(2026, 3, 2), "Compra", "PETR4F", "7", "37.60", market="Mercado Fracionário"),
    trade(date(2026, 3, 9), "Venda", "PETR4", "50", "38.10"),
    trade(date(2026, 3, 10), "Compra", "PETRC400", "100", "0.52", market="Opção de Compra"),
    trade(date(2026, 3, 11), "Compra", "ZZZZ3", "10", "5.00"),
    trade(date(2026, 4, 1), "Compra", "VALE3", "10", "61.20"),
]


async def test_an_extract_is_previewed_and_confirmed_on_the_client_page(
    browser,
    shots,
    live_url,
    as_admin,
    admin,
    reader,
    yahoo,
):
    list_on_yahoo("PETR4.SA", price="40", name="Petróleo Brasileiro S.A. - Petrobras")
    list_on_yahoo("VALE3.SA", price="60", name="Vale S.A.")
    cid = (await make_client(as_admin, name="Helena Prado"))["id"]
    extract = b3_files.xlsx(NEGOCIACAO, ROWS, sheet="Negociação")

    session, page = await at_client(browser, live_url, shots, reader, cid)
    assert await page.is_hidden("#import-card")  # a reader imports nothing
    await session.context.close()

    session, page = await at_client(browser, live_url, shots, admin, cid)
    assert await page.is_visible("#import-card")
    await page.set_input_files(
        "#import-file",
        files=[
            {
                "name": "negociacao-2026.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": extract,
            }
        ],
    )
    await page.select_option("#import-format", "b3_negociacao")
    await page.click("#import-submit")
    await page.wait_for_selector("#import-preview:not([hidden])", timeout=WAIT_MS)
    assert await page.text_content("#import-summary") == (
        "6 linhas em negociacao-2026.xlsx: 4 novas, 0 duplicadas, 1 ignorada, 1 com erro."
    )
    # The errors first (the table shows them alone until "Todas as linhas" is chosen).
    assert await page.locator("#import-errors li").all_text_contents() == [
        "Linha 6: Código de Negociação: O provedor de cotações não conhece este ticker."
    ]
    assert await page.locator("#import-rows tr").count() == 1
    await page.select_option("#import-show", "")
    rows = page.locator("#import-rows tr")
    assert await rows.count() == 6
    statuses = [await rows.nth(i).get_attribute("data-status") for i in range(6)]
    assert statuses == ["new", "new", "new", "ignored", "error", "new"]
    assert await rows.nth(1).locator("td").all_text_contents() == [
        "3",
        "Nova",
        "Compra",
        "02/03/2026",
        "PETR4.SA",
        "7",
        "R$\xa037,60",
        "R$\xa0263,20",
        "",
    ]
    ignored = await rows.nth(3).locator("td").nth(8).text_content()
    assert ignored.startswith("Opção de Compra: só negociações do mercado à vista")
    # Coloured by status: an error row's background, each status's tag.
    error_background = (
        await rows.nth(4)
        .locator("td")
        .first.evaluate("cell => getComputedStyle(cell).backgroundColor")
    )
    assert error_background == "rgb(253, 224, 221)"  # --down-bg
    assert await rows.nth(4).locator(".tag-error").text_content() == "Erro"
    confirm = page.locator("#import-commit")
    assert await confirm.is_disabled()  # while errors remain, unless set aside
    shot = await session.shot("client-import-preview", full_page=False)
    await page.locator("#import-card").screenshot(path=str(shots / "import-preview.png"))
    if os.environ.get("SAVE_DOCS_SCREENSHOTS"):
        shutil.copy(shots / "import-preview.png", REPO / "docs" / "import-preview.png")
    assert shot.exists()

    await page.check("#import-skip")
    assert await confirm.text_content() == "Confirmar importação de 4 lançamentos"
    await confirm.click()
    await page.wait_for_selector("#import-done:not([hidden])", timeout=WAIT_MS)
    assert await page.text_content("#import-done") == "4 lançamentos importados."
    await page.wait_for_selector('#ledger-table[data-total="4"]', timeout=WAIT_MS)
    tags = await page.locator("#ledger .tag").all_text_contents()
    assert tags == ["importado"] * 4
    ledger = (await as_admin.get(f"/clients/{cid}/transactions")).json()
    assert ledger["total"] == 4
    positions = (await as_admin.get(f"/clients/{cid}/positions")).json()
    held = {p["ticker"]: p["quantity"] for p in positions["positions"]}
    assert held == {"PETR4.SA": "57", "VALE3.SA": "10"}
    # The figures refresh too, in a request of their own that may land after the ledger's.
    # A function, not an expression: Playwright polls an expression with eval, which the
    # app's CSP forbids, so an expression only passes when it is already true.
    await page.wait_for_function(
        "() => document.querySelectorAll('#positions tr').length === 2", timeout=WAIT_MS
    )
    session.assert_clean()
    await session.context.close()
