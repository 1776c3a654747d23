"""The web app and renda fixa (issue #30, point 9), in a real browser: an instrument is
registered by a form per kind, in Portuguese, the API's refusals beside the field at fault;
positions show IR, IOF and the net value under the gross; the charts group by class."""

from __future__ import annotations

from typing import Any

import httpx

from carteira.pricing.bcb import CDI
from tests.factories import CDB, CDI_APRIL, buy, make_client, register
from tests.web.browser import WAIT_MS, brl, open_client, open_session, sign_in


async def test_register_instruments_and_see_gross_and_net(
    browser,
    shots,
    live_url: str,
    as_admin: httpx.AsyncClient,
    admin: Any,
    bcb: Any,
):
    bcb.add_series(CDI, CDI_APRIL)
    cdb = await register(as_admin, CDB)
    client = await make_client(as_admin, name="Renata Fixa")
    await buy(as_admin, client["id"], cdb, "10", "1000", on="2026-04-01")
    positions = (await as_admin.get(f"/clients/{client['id']}/positions")).json()
    [held] = positions["positions"]

    session = await open_session(browser, live_url, shots)
    page = await sign_in(session, admin.email, admin.password)
    await open_client(page, live_url, client["id"])

    # The position: gross at market, the IR a redemption today would withhold, the net.
    row = page.locator(f'#positions tr[data-ticker="{cdb["ticker"]}"]')
    assert await row.locator(".market").get_attribute("data-value") == held["gross_value"]
    assert await row.locator(".taxes").text_content() == f"IR {brl(held['income_tax'])}"
    assert await row.locator(".net").text_content() == f"Líquido {brl(held['net_value'])}"
    assert await row.locator(".net").get_attribute("data-value") == held["net_value"]
    # The chart groups by class: all of it is pós-fixado.
    bars = page.locator("#types-chart .bar")
    assert await bars.count() == 1
    assert await bars.first.get_attribute("data-key") == "pos_fixado"

    # Register a CDB: a field left blank is said by the field, nothing sent.
    await page.click("#instrument-panel summary")
    await page.fill("#i-rate", "105")
    await page.fill("#i-issue_date", "2026-05-01")
    await page.fill("#i-maturity_date", "2026-04-01")
    await page.click("#instrument-submit")
    assert await page.text_content("#i-issuer-error") == "Campo obrigatório."
    # The API refuses a maturity before the issue: said under the maturity, in Portuguese.
    await page.fill("#i-issuer", "Banco Y")
    await page.click("#instrument-submit")
    await page.wait_for_selector("#i-maturity_date-error:not([hidden])", timeout=WAIT_MS)
    assert await page.text_content("#i-maturity_date-error") == (
        "O vencimento (01/04/2026) deve ser depois da emissão (01/05/2026)."
    )
    assert await page.get_attribute("#i-maturity_date", "aria-invalid") == "true"
    # Corrected: registered, and ready to be bought in the ledger's form.
    await page.fill("#i-maturity_date", "2029-05-15")
    await page.click("#instrument-submit")
    await page.wait_for_selector("#instrument-done:not([hidden])", timeout=WAIT_MS)
    assert await page.input_value("#f-ticker") == "CDB-BANCOY-105CDI-20290515"
    assert await page.is_hidden("#i-maturity_date-error")
    await session.shot("instrument-registered")

    # A fund: its own fields; a CNPJ whose check digits do not match is refused by the field.
    await page.select_option("#i-kind", "fund")
    assert await page.is_hidden("#i-issuer")
    await page.fill("#i-cnpj", "11.222.333/0001-82")
    await page.click("#instrument-submit")
    await page.wait_for_selector("#i-cnpj-error:not([hidden])", timeout=WAIT_MS)
    assert await page.text_content("#i-cnpj-error") == (
        "CNPJ inválido: os dígitos verificadores não conferem."
    )
    await page.fill("#i-cnpj", "11.222.333/0001-81")
    await page.click("#instrument-submit")
    await page.wait_for_selector("#instrument-done:not([hidden])", timeout=WAIT_MS)
    assert await page.input_value("#f-ticker") == "FI-11222333000181"
    await session.context.close()
