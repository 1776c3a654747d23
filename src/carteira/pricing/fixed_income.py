"""The price source of fixed-income instruments: their unit price on the curve (pricing/curve.py)
from the SGS rates stored in `benchmark_rates` (CDI, SELIC, IPCA), for a quote now or for the
closes of a window, with the redemption at maturity."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from carteira.core import clock
from carteira.pricing import curve
from carteira.pricing.curve import Rates
from carteira.pricing.instruments import AssetType, FixedIncomeTerms, Indexer
from carteira.pricing.provider import change_pct
from carteira.pricing.schemas import DailyClose, PriceHistory, Quote, RedemptionEvent
from carteira.pricing.sources import Instrument

CURRENCY = "BRL"


class RateSeries(Protocol):
    async def rate_values(
        self, series: str, *, first: date, last: date
    ) -> list[tuple[date, Decimal]]:
        """A benchmark series' stored values in [first, last] (and the last one before), its
        window fetched from the source first when it was never asked for."""
        ...


class FixedIncomeSource:
    source = "curve"

    def __init__(self, rates: RateSeries) -> None:
        self._rates = rates

    async def quote(self, instrument: Instrument) -> Quote:
        """Today's unit price on the curve, beside the last business day's."""
        terms = _terms(instrument)
        today = clock.today()
        rates = await self._published(terms, last=today)
        before, now = curve.prices(terms, [curve.previous_business_day(today), today], rates)
        return Quote(
            ticker=instrument.ticker,
            price=now.price,
            previous_close=before.price,
            change_pct=change_pct(now.price, before.price),
            currency=CURRENCY,
            asset_type=AssetType.OTHER,
            as_of=clock.now().replace(microsecond=0),
            source="curve",
            estimated=now.estimated,
        )

    async def history(self, instrument: Instrument, *, start: date, end: date) -> PriceHistory:
        """The unit price of every close day in [start, end], and the redemption at maturity
        when it falls in the window and its final price is known."""
        terms = _terms(instrument)
        rates = await self._published(terms, last=end)
        days = curve.close_days(terms, rates, first=start, last=end)
        closes = [
            DailyClose(date=point.date, close=point.price)
            for point in curve.prices(terms, days, rates)
        ]
        final = curve.redemption(terms, rates) if start <= terms.maturity_date <= end else None
        return PriceHistory(
            closes=closes,
            redemptions=[RedemptionEvent(date=final.date, amount=final.price)] if final else [],
            currency=CURRENCY,
        )

    async def _published(self, terms: FixedIncomeTerms, *, last: date) -> Rates:
        """The index's values the instrument accrues on, from its issue (IPCA: its month) to
        `last` (never past the maturity); a prefixado needs none."""
        if terms.indexer is Indexer.PRE:
            return Rates()
        first = terms.issue_date
        if terms.indexer is Indexer.IPCA:
            first = first.replace(day=1)
        values = await self._rates.rate_values(
            terms.indexer.value, first=first, last=min(last, terms.maturity_date)
        )
        if terms.indexer is Indexer.IPCA:
            return Rates(monthly=dict(values))
        return Rates(daily=[(day, value) for day, value in values if day >= first])


def _terms(instrument: Instrument) -> FixedIncomeTerms:
    if not isinstance(instrument.terms, FixedIncomeTerms):
        raise TypeError(f"{instrument.ticker} is not a fixed-income instrument")
    return instrument.terms
