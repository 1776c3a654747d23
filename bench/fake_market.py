"""The test suite's fake Yahoo and fake SGS, served from a background thread for benchmark
runs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from decimal import Decimal

from tests.fakes.bcb import FakeBcb
from tests.fakes.yahoo import CHART_PATH, FakeYahoo


class FakeMarket:
    def __init__(self, tickers: Iterable[str]) -> None:
        self.yahoo = FakeYahoo()
        self.bcb = FakeBcb()
        for n, ticker in enumerate(tickers):
            price = Decimal(10 + n % 90) + Decimal("0.25")
            self.yahoo.add_symbol(ticker, price=price, previous_close=price - Decimal("0.5"))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> FakeMarket:
        self._thread.start()
        self.base_url = asyncio.run_coroutine_threadsafe(self.yahoo.start(), self._loop).result(10)
        self.bcb_url = asyncio.run_coroutine_threadsafe(self.bcb.start(), self._loop).result(10)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self.yahoo.stop(), self._loop).result(10)
        asyncio.run_coroutine_threadsafe(self.bcb.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def chart_calls(self) -> int:
        return self.yahoo.count(CHART_PATH)

    def env(self) -> dict[str, str]:
        return {
            "YAHOO_QUERY1_URL": self.base_url,
            "YAHOO_QUERY2_URL": self.base_url,
            "BCB_SGS_URL": self.bcb_url,
        }
