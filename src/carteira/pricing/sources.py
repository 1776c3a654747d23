"""The seam between the kinds of instruments and the one quotes/history interface.

`MarketData.quote(ticker)` and `MarketData.history(ticker, ...)` answer for every asset:
a listed symbol goes to the market-data provider (Yahoo or the simulated one); an instrument of
another kind goes to its `PriceSource`, with its terms. Which tickers are instruments, and their
terms, pricing learns from the `InstrumentLookup` the application wires in at start-up (the
`assets` module keeps the terms; pricing cannot import it, it sits below). Closes from any
source are stored in `daily_returns` like a listing's, so valuation, performance, benchmarks,
realtime and reports read them unchanged.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from carteira.pricing.instruments import AssetKind
from carteira.pricing.schemas import PriceHistory, Quote


@dataclass(frozen=True, slots=True)
class Instrument:
    """An asset priced by a source of its kind: its id (its stored closes), its ticker and the
    terms it was registered with (the kind's pydantic model, as `assets` validated them)."""

    asset_id: int
    ticker: str
    kind: AssetKind
    terms: Any


class InstrumentLookup(Protocol):
    async def instruments(self, tickers: Collection[str]) -> dict[str, Instrument]:
        """The instruments among `tickers` (a listed symbol is left out)."""
        ...

    async def of_kind(self, kind: AssetKind) -> list[Instrument]:
        """Every registered instrument of a kind (a published file's daily refresh reads the
        file once for all of them)."""
        ...


class PriceSource(Protocol):
    """Prices one kind of instrument: a quote now and the daily closes of a window (with any
    event the kind has, e.g. a redemption at maturity)."""

    source: str

    async def quote(self, instrument: Instrument) -> Quote: ...

    async def history(self, instrument: Instrument, *, start: date, end: date) -> PriceHistory: ...


class NoInstruments:
    """Before the application wires the registry in (and in tools that only quote symbols)."""

    async def instruments(self, tickers: Collection[str]) -> dict[str, Instrument]:
        return {}

    async def of_kind(self, kind: AssetKind) -> list[Instrument]:
        return []
