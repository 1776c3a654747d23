"""The dashboard in headless Chromium: log in, see a live price update; a screenshot is kept."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal

import pytest
from playwright.async_api import async_playwright

from tests.factories import make_allocation, make_asset, make_client
from tests.integration.test_realtime import fresh_prices, tick
from tests.support import REPO

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> str:
    path = (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    assert path, "Chromium is needed: apt-get install chromium (.ci/run installs it)"
    return path


async def test_login_and_watch_a_price_change(live_url, app, as_admin, admin, yahoo):
    client = await make_client(as_admin, name="Ana")
    petr = await make_asset(as_admin, "PETR4.SA", price="38.47", previous_close="38")
    await make_allocation(as_admin, client["id"], asset_id=petr["id"])
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            page = await browser.new_page(viewport={"width": 1100, "height": 700})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            await page.goto(f"{live_url}/dashboard")
            await page.fill("#email", admin.email)
            await page.fill("#password", admin.password)
            await page.click("#login-submit")
            cell = page.locator('tr[data-ticker="PETR4.SA"] .price')
            await cell.wait_for(timeout=10_000)
            assert await cell.get_attribute("data-price") == "38.47"

            yahoo.set_price("PETR4.SA", Decimal("39.5"))
            await fresh_prices(app)
            await tick(app)
            await page.wait_for_function(
                """() => document.querySelector('tr[data-ticker="PETR4.SA"] .price')
                        ?.getAttribute("data-price") === "39.5" """,
                timeout=10_000,
            )
            assert "live" in (await page.get_attribute("#status", "data-state") or "")
            shot = ARTIFACTS / "dashboard.png"
            await page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            await browser.close()
    # The page's first step asks /auth/me whether a session exists: a 401 there is expected.
    unexpected = [p for p in problems if "status of 401" not in p]
    assert unexpected == [], unexpected
