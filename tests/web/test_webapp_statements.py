"""The client page's "Relatório do mês" and the overview's "Gerar relatórios do mês" (issue
#33), in headless Chromium against the session's app over real TCP; the batch runs in a real
arq worker beside it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from carteira.core import clock
from tests.factories import buy, make_asset, make_client
from tests.support import run_jobs
from tests.web.browser import WAIT_MS, open_session, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def december_2026() -> Iterator[None]:
    with clock.frozen_at(datetime(2026, 12, 7, 12, tzinfo=ZoneInfo("America/Sao_Paulo"))):
        yield


async def test_a_clients_statement_and_the_books_batch_from_the_web_app(
    browser,
    shots,
    live_url,
    settings,
    as_admin,
    as_advisor_a,
    advisor_a,
    reader,
):
    petr = await make_asset(as_admin, "PETR4.SA", price="50", previous_close="50")
    cid = (await make_client(as_advisor_a, name="Helena Prado"))["id"]
    await make_client(as_advisor_a, name="Otávio Reis")
    await make_client(as_admin, name="Fora da carteira")
    await buy(as_advisor_a, cid, petr, "100", "40", on="2026-11-03")

    session = await open_session(browser, live_url, shots)
    page = await sign_in(session, advisor_a.email, advisor_a.password)
    await page.goto(f"{live_url}/dashboard#/clientes/{cid}")
    await page.wait_for_selector('#client-view[data-state="ready"]', timeout=WAIT_MS)
    # The month before the current one is offered: November's statement.
    assert await page.input_value("#statement-month") == "2026-11"
    async with page.expect_download(timeout=WAIT_MS) as waiting:
        await page.click("#statement-download")
    download = await waiting.value
    assert download.suggested_filename == f"relatorio-2026-11-{cid:06d}-helena-prado.pdf"
    pdf = (await download.path()).read_bytes()
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Helena Prado" in text
    assert "novembro de 2026" in text
    await page.locator("#statement-status").filter(has_text="Relatório baixado.").wait_for()
    # A month before the first entry: said in Portuguese, nothing downloaded.
    await page.fill("#statement-month", "2026-09")
    await page.click("#statement-download")
    error = page.locator("#statement-error")
    await error.filter(has_text="primeiro lançamento").wait_for(timeout=WAIT_MS)
    await session.shot("client-statement")

    # The overview: the advisor's whole book.
    await page.goto(f"{live_url}/dashboard#/")
    await page.wait_for_selector('#overview-view[data-state="ready"]', timeout=WAIT_MS)
    assert await page.is_visible("#batch-card")
    assert await page.input_value("#batch-month") == "2026-11"
    await page.click("#batch-start")
    await page.locator('#batch-card[data-state="running"]').wait_for(timeout=WAIT_MS)
    await run_jobs(settings)
    await page.locator('#batch-card[data-state="ready"]').wait_for(timeout=WAIT_MS)
    assert await page.text_content("#batch-progress") == "Pronto: 2 de 2 relatórios."
    assert await page.is_hidden("#batch-failed")
    href = await page.get_attribute("#batch-zip", "href")
    assert href.startswith("/jobs/statements-2026-11-")
    assert href.endswith("/result")
    zipped = await page.request.get(f"{live_url}{href}")
    assert zipped.status == 200
    assert zipped.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(await zipped.body())).namelist()
    assert len(names) == 2
    assert any("helena-prado" in n for n in names)
    assert any("otavio-reis" in n for n in names)
    await session.shot("overview-statements")
    session.assert_clean(422)
    await session.context.close()

    # A reader may download a statement but not start a batch: the card is not offered.
    session = await open_session(browser, live_url, shots)
    page = await sign_in(session, reader.email, reader.password)
    assert await page.is_hidden("#batch-card")
    session.assert_clean()
    await session.context.close()
