"""Headless Chromium for the browser tests (Debian's package, driven by Playwright)."""

from __future__ import annotations

import os
import shutil

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
