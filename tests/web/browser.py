"""Headless Chromium for the browser tests (Debian's package, driven by Playwright), and the web
app's pages as the tests drive them: a session per role that refuses every host but 127.0.0.1,
signing in, reading values and money as the page writes them."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page

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


DESKTOP = {"width": 1280, "height": 900}


PHONE = {"width": 390, "height": 844}


WAIT_MS = 20_000


@dataclass
class Session:
    context: BrowserContext
    page: Page
    base: str
    shots: Path
    outside: list[str] = field(default_factory=list)  # requests to any other host
    problems: list[str] = field(default_factory=list)  # console errors, page errors

    async def shot(self, name: str, *, full_page: bool = True) -> Path:
        path = self.shots / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 10_000
        return path

    def assert_clean(self, *expected: int) -> None:
        """Nothing asked of another host, no script error, no failed request but the 401 of
        the page's first question (is there a session?) and the `expected` refusals."""
        assert self.outside == [], self.outside
        allowed = tuple(f"status of {status} " for status in (401, *expected))
        assert [p for p in self.problems if not any(a in p for a in allowed)] == []


async def open_session(browser: Browser, base: str, shots: Path, viewport=DESKTOP) -> Session:
    context = await browser.new_context(viewport=viewport, locale="pt-BR")
    page = await context.new_page()
    session = Session(context, page, base, shots)

    async def only_local(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            await route.continue_()
        else:  # offline: nothing else is reachable, and nothing else may be asked for
            session.outside.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_local)
    page.on("console", lambda m: session.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: session.problems.append(str(e)))
    return session


async def sign_in(session: Session, email: str, password: str) -> Page:
    page = session.page
    await page.goto(f"{session.base}/dashboard")
    await page.fill("#email", email)
    await page.fill("#password", password)
    await page.click("#login-submit")
    await page.wait_for_selector('#overview-view[data-state="ready"]', timeout=WAIT_MS)
    return page


async def data_value(page: Page, selector: str) -> str | None:
    return await page.get_attribute(selector, "data-value")


def brl(value: str, symbol: str = "R$") -> str:
    """pt-BR money as the page writes it: R$ 1.234,56 (a no-break space after the symbol)."""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, cents = f"{abs(amount):.2f}".split(".")
    return f"{'-' if amount < 0 else ''}{symbol}\xa0{int(whole):,}".replace(",", ".") + f",{cents}"


async def open_client(page: Page, base: str, client_id: int) -> None:
    await page.goto(f"{base}/dashboard#/clientes/{client_id}")
    await page.wait_for_selector('#client-view[data-state="ready"]', timeout=WAIT_MS)


async def at_client(
    browser: Browser, base: str, shots: Path, user: Any, client_id: int
) -> tuple[Session, Page]:
    """A new session signed in as `user` (an account: email and password), on the client's page."""
    session = await open_session(browser, base, shots)
    page = await sign_in(session, user.email, user.password)
    await open_client(page, base, client_id)
    return session, page
