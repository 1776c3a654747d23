"""The client page's "Proventos a revisar": a provider-made dividend a user edited, flagged
when the buy it was paid on changes, shown beside the provider's figure and accepted in one
click (issue #35). Headless Chromium against the session's app over real TCP."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import buy, dividend_event, make_asset, make_client, provider_events
from tests.web.browser import WAIT_MS, at_client

pytestmark = pytest.mark.browser


async def test_an_edited_dividend_waits_for_review_and_is_accepted_in_one_click(
    browser,
    shots,
    live_url,
    as_admin,
    admin,
    reader,
):
    petr = await make_asset(as_admin, "PETR4.SA", price="40", previous_close="40")
    await provider_events(petr, dividends=[dividend_event(date(2026, 3, 10), "0.5")])
    cid = (await make_client(as_admin, name="Clara Reis"))["id"]
    bought = await buy(as_admin, cid, petr, "100", "40", on="2026-03-02")
    (dividend,) = bought["provider_changes"]  # 100 x 0.50 = 50
    path = f"/clients/{cid}/transactions"
    await as_admin.patch(f"{path}/{dividend['id']}", json={"amount": "45"})
    await as_admin.patch(f"{path}/{bought['id']}", json={"quantity": "60"})  # provider: 30

    session, page = await at_client(browser, live_url, shots, reader, cid)
    assert await page.is_visible("#review-card")
    assert await page.locator("#review button").count() == 0  # a reader only sees it
    await session.context.close()

    session, page = await at_client(browser, live_url, shots, admin, cid)
    assert await page.is_visible("#review-card")
    assert await page.text_content("#review-title") == "Proventos a revisar 1 lançamento"
    row = page.locator(f'#review tr[data-id="{dividend["id"]}"]')
    cells = await row.locator("td").all_text_contents()
    assert cells[:5] == ["10/03/2026", "Dividendo", "PETR4.SA", "R$\xa045,00", "R$\xa030,00"]
    await session.shot("client-review")

    await row.get_by_role("button", name="Aceitar valor do provedor").click()
    await page.wait_for_selector("#review-card", state="hidden", timeout=WAIT_MS)
    accepted = (await as_admin.get(f"{path}/{dividend['id']}")).json()
    assert (accepted["amount"], accepted["needs_review"]) == ("30", False)
    ledger_row = page.locator(f'#ledger tr[data-id="{dividend["id"]}"]')
    await ledger_row.locator("td").nth(5).filter(has_text="R$\xa030,00").wait_for(timeout=WAIT_MS)
    session.assert_clean()
    await session.context.close()
