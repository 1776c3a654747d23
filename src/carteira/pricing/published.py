"""The sources of published files (Tesouro Direto's PU, CVM's fund quotas) as MarketData holds
them: the real ones (`treasury.TesouroSource`, `funds.CvmSource`), or, when the prices are
simulated (`MARKET_DATA_PROVIDER=simulated`, offline demos), stand-ins that derive every day's
PU and quota from the day itself, labelled `source: "simulated"` like the simulated provider.

The simulated prices are pure functions of (title and maturity, day) and (CNPJ, class, day):
Tesouro Selic grows at 12 % a year, a prefixado is its face value of 1,000 discounted at
12.5 % a year to its maturity, an IPCA title an inflation-indexed value (4.5 % a year)
discounted at 6.5 %; a fund's quota grows by its class (renda fixa 12 %, multimercado 11 %,
ações 9 %, cambial 6 % a year) with a deterministic wobble. Titles are priced on ANBIMA's
business days up to today; funds up to the business day before (CVM publishes late)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from carteira.core import clock
from carteira.core.calendar import Market, business_days
from carteira.pricing.closes import store_closes
from carteira.pricing.corporate import store_events
from carteira.pricing.files import BatchReport
from carteira.pricing.funds import cnpj_of
from carteira.pricing.instruments import AssetType, FundClass, TreasuryTitle
from carteira.pricing.provider import change_pct
from carteira.pricing.schemas import DailyClose, PriceHistory, Quote, RedemptionEvent, Source
from carteira.pricing.sources import Instrument, PriceSource
from carteira.pricing.treasury import TreasuryBond, TreasuryCatalog, bond_of

SIMULATED: Source = "simulated"
EIGHT_PLACES = Decimal("1E-8")
CENTS = Decimal("0.01")
EPOCH = date(2020, 1, 1)
# Long enough for the business days before any window (holidays and weekends included).
_LOOKBACK = timedelta(days=10)


class PublishedSource(PriceSource, Protocol):
    """A price source that also refreshes every registered instrument at once."""

    async def refresh(
        self, instruments: Sequence[Instrument], *, start: date, end: date
    ) -> BatchReport: ...

    async def close(self) -> None: ...


class TreasurySource(PublishedSource, Protocol):
    async def catalog(self) -> TreasuryCatalog:
        """The titles on offer (what a treasury asset may be registered as)."""
        ...


# ---- the simulated titles ------------------------------------------------------------------

# The titles the simulated file has, one or two maturities each.
SIMULATED_TITLES = tuple(
    TreasuryBond(title.value, maturity)
    for title, maturity in (
        (TreasuryTitle.SELIC, date(2029, 3, 1)),
        (TreasuryTitle.SELIC, date(2031, 3, 1)),
        (TreasuryTitle.PREFIXADO, date(2029, 1, 1)),
        (TreasuryTitle.PREFIXADO, date(2032, 1, 1)),
        (TreasuryTitle.IPCA, date(2029, 5, 15)),
        (TreasuryTitle.IPCA, date(2035, 5, 15)),
        (TreasuryTitle.IPCA, date(2045, 5, 15)),
        (TreasuryTitle.IPCA_JUROS, date(2035, 5, 15)),
        (TreasuryTitle.PREFIXADO_JUROS, date(2035, 1, 1)),
        (TreasuryTitle.RENDA, date(2065, 12, 15)),
        (TreasuryTitle.EDUCA, date(2035, 12, 15)),
    )
)


def _years(start: date, end: date) -> float:
    return (end - start).days / 365


def simulated_pu(bond: TreasuryBond, day: date) -> Decimal:
    """The PU of a title on a day (its maturity's PU after it)."""
    day = min(day, bond.maturity_date)
    to_maturity = _years(day, bond.maturity_date)
    if bond.title == TreasuryTitle.SELIC:
        value = 10_000 * 1.12 ** _years(EPOCH, day)
    elif "Prefixado" in bond.title:
        value = 1_000 / 1.125**to_maturity
    else:  # indexed to the IPCA: Tesouro IPCA+ (with coupons or not), Renda+, Educa+
        value = 3_000 * 1.045 ** _years(EPOCH, day) / 1.065**to_maturity
    return Decimal(repr(value)).quantize(CENTS)


def _days(start: date, end: date, *, market: Market) -> list[date]:
    return business_days(start, end, market=market) if start <= end else []


class SimulatedTesouro:
    """Tesouro Direto's file, simulated."""

    source: str = SIMULATED

    @staticmethod
    def latest() -> date:
        today = clock.today()
        return _days(today - _LOOKBACK, today, market="ANBIMA")[-1]

    def _series(self, bond: TreasuryBond, start: date, end: date) -> list[DailyClose]:
        last = min(end, bond.maturity_date, self.latest())
        return [
            DailyClose(date=day, close=simulated_pu(bond, day))
            for day in _days(start, last, market="ANBIMA")
        ]

    def _redemption(self, bond: TreasuryBond) -> RedemptionEvent | None:
        if bond.maturity_date > self.latest():
            return None
        return RedemptionEvent(
            date=bond.maturity_date, amount=simulated_pu(bond, bond.maturity_date)
        )

    async def catalog(self) -> TreasuryCatalog:
        latest = self.latest()
        current = tuple(b for b in SIMULATED_TITLES if b.maturity_date > latest)
        return TreasuryCatalog(frozenset(SIMULATED_TITLES), current, latest)

    async def quote(self, instrument: Instrument) -> Quote:
        bond = bond_of(instrument)
        last = min(self.latest(), bond.maturity_date)  # a matured title: its last PU
        return _quote(instrument, self._series(bond, last - _LOOKBACK, last), name=bond.label)

    async def history(self, instrument: Instrument, *, start: date, end: date) -> PriceHistory:
        bond = bond_of(instrument)
        redemption = self._redemption(bond)
        return PriceHistory(
            closes=self._series(bond, start, end),
            redemptions=(
                [redemption] if redemption is not None and start <= redemption.date <= end else []
            ),
            currency="BRL",
        )

    async def refresh(
        self, instruments: Sequence[Instrument], *, start: date, end: date
    ) -> BatchReport:
        report = BatchReport(source=SIMULATED, instruments=len(instruments), files_read=1)
        report.latest = self.latest()
        for instrument in instruments:
            bond = bond_of(instrument)
            stored = await store_closes(
                asset_id=instrument.asset_id, closes=self._series(bond, start, end)
            )
            report.inserted += stored.inserted
            report.updated += stored.updated
            if (redemption := self._redemption(bond)) is not None:
                events = await store_events(
                    asset_id=instrument.asset_id,
                    dividends=(),
                    splits=(),
                    redemptions=[redemption],
                    source=SIMULATED,
                )
                if events.redemptions:
                    report.redeemed.append(instrument.asset_id)
        return report

    async def close(self) -> None:
        return None


# ---- the simulated funds -------------------------------------------------------------------

# A class's yearly growth and how far its quota wobbles around it.
_FUND_GROWTH = {
    FundClass.RENDA_FIXA: (1.12, 0.0005),
    FundClass.MULTIMERCADO: (1.11, 0.01),
    FundClass.ACOES: (1.09, 0.06),
    FundClass.CAMBIAL: (1.06, 0.04),
}


def _seed(*parts: object) -> float:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def simulated_quota(cnpj: str, fund_class: FundClass, day: date) -> Decimal:
    growth, wobble = _FUND_GROWTH[fund_class]
    base = 1 + 4 * _seed("quota", cnpj)
    phase = 2 * math.pi * _seed("phase", cnpj)
    wave = 1 + wobble * math.sin(phase + (day - EPOCH).days / 45)
    return Decimal(repr(base * growth ** _years(EPOCH, day) * wave)).quantize(EIGHT_PLACES)


class SimulatedCvm:
    """CVM's daily report of funds, simulated (a business day late, as CVM is)."""

    source: str = SIMULATED

    @staticmethod
    def latest() -> date:
        today = clock.today()
        return _days(today - _LOOKBACK, today - timedelta(days=1), market="B3")[-1]

    def _series(self, instrument: Instrument, start: date, end: date) -> list[DailyClose]:
        cnpj, fund_class = cnpj_of(instrument), instrument.terms.fund_class
        return [
            DailyClose(date=day, close=simulated_quota(cnpj, fund_class, day))
            for day in _days(start, min(end, self.latest()), market="B3")
        ]

    async def quote(self, instrument: Instrument) -> Quote:
        closes = self._series(instrument, self.latest() - _LOOKBACK, self.latest())
        name = instrument.terms.name or instrument.ticker
        return _quote(instrument, closes, name=name)

    async def history(self, instrument: Instrument, *, start: date, end: date) -> PriceHistory:
        return PriceHistory(closes=self._series(instrument, start, end), currency="BRL")

    async def refresh(
        self, instruments: Sequence[Instrument], *, start: date, end: date
    ) -> BatchReport:
        report = BatchReport(source=SIMULATED, instruments=len(instruments), files_read=1)
        report.latest = self.latest()
        for instrument in instruments:
            stored = await store_closes(
                asset_id=instrument.asset_id, closes=self._series(instrument, start, end)
            )
            report.inserted += stored.inserted
            report.updated += stored.updated
        return report

    async def close(self) -> None:
        return None


def _quote(instrument: Instrument, closes: Sequence[DailyClose], *, name: str) -> Quote:
    """The latest close as the quote, dated the day it is of, the one before as previous."""
    last = closes[-1]
    previous = closes[-2].close if len(closes) > 1 else None
    return Quote(
        ticker=instrument.ticker,
        price=last.close,
        previous_close=previous,
        change_pct=change_pct(last.close, previous),
        currency="BRL",
        asset_type=AssetType.OTHER,
        name=name,
        as_of=datetime.combine(last.date, datetime.min.time(), tzinfo=clock.timezone()),
        source=SIMULATED,
    )
