"""The browser tests' fixtures: one Chromium per test module, and a directory for its
screenshots."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.web.browser import CHROMIUM_FLAGS, chromium


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chrome = await playwright.chromium.launch(
            executable_path=chromium(), args=[*CHROMIUM_FLAGS, "--lang=pt-BR"]
        )
        yield chrome
        await chrome.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("webapp-screens")
