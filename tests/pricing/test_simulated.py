"""The simulated provider and rates: deterministic, plausible, labelled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise

import pytest

from carteira.assets.models import AssetType
from carteira.core import clock
from carteira.core.calendar import is_business_day
from carteira.demo import DEMO_ASSETS
from carteira.pricing.bcb import CDI, IPCA, SELIC
from carteira.pricing.benchmark_rates import INDEX_SERIES
from carteira.pricing.exceptions import UnknownSeriesError, UnknownTickerError
from carteira.pricing.simulated import CATALOG, SimulatedProvider, SimulatedRates

YEAR_2024 = (date(2024, 1, 1), date(2024, 12, 31))


async def test_petrobras_pays_quarterly_and_itau_monthly():
    provider = SimulatedProvider()
    petr = await provider.history("PETR4.SA", start=YEAR_2024[0], end=YEAR_2024[1])
    itub = await provider.history("ITUB4.SA", start=YEAR_2024[0], end=YEAR_2024[1])
    vale = await provider.history("VALE3.SA", start=YEAR_2024[0], end=YEAR_2024[1])

    assert [d.ex_date.month for d in petr.dividends] == [3, 6, 9, 12]
    assert [d.ex_date.month for d in itub.dividends] == list(range(1, 13))
    assert (vale.dividends, vale.splits, vale.skipped) == ([], [], [])
    closes = {c.date: c.close for c in petr.closes + itub.closes}
    for dividend in petr.dividends + itub.dividends:
        assert dividend.ex_date.weekday() < 5
        assert dividend.ex_date.day >= 10
        # A small fraction of the day's price, never more.
        assert Decimal(0) < dividend.amount < closes[dividend.ex_date] * Decimal("0.03")
    assert (petr.currency, itub.currency) == ("BRL", "BRL")


async def test_dividends_stay_inside_the_window_and_repeat_exactly():
    provider = SimulatedProvider()
    window = (date(2024, 3, 1), date(2024, 3, 10))  # the 10th is a Sunday: ex date the 11th
    history = await provider.history("PETR4.SA", start=window[0], end=window[1])
    assert history.dividends == []
    later = await provider.history("PETR4.SA", start=date(2024, 3, 1), end=date(2024, 3, 31))
    assert [d.ex_date for d in later.dividends] == [date(2024, 3, 11)]
    assert later == await provider.history(
        "PETR4.SA", start=date(2024, 3, 1), end=date(2024, 3, 31)
    )


async def test_the_index_etf_splits_each_june_on_yahoos_adjusted_basis():
    provider = SimulatedProvider()
    window = (date(2024, 1, 2), date(2026, 11, 30))
    with clock.frozen_at(datetime(2026, 11, 30, 15, tzinfo=UTC)):
        history = await provider.history("BOVA11.SA", start=window[0], end=window[1])
    # A split in even years, a reverse split in odd ones, on the first weekday from June 15th.
    assert [(s.ex_date, s.numerator, s.denominator) for s in history.splits] == [
        (date(2024, 6, 17), 2, 1),
        (date(2025, 6, 16), 1, 2),
        (date(2026, 6, 15), 2, 1),
    ]
    # Split-adjusted like Yahoo's: the curve never jumps on an ex date...
    closes = [c.close for c in history.closes]
    assert all(abs(b / a - 1) < Decimal("0.1") for a, b in pairwise(closes))
    # ...and is on today's basis: after 2026's 2:1 split, half of what it reads a year later,
    # once 2027's reverse split has made it one share per original again.
    with clock.frozen_at(datetime(2027, 11, 30, 15, tzinfo=UTC)):
        later = await provider.history("BOVA11.SA", start=window[0], end=window[1])
    pairs = zip(history.closes, later.closes, strict=True)
    assert all(abs(now.close * 2 - then.close) <= Decimal("0.02") for now, then in pairs)
    petr = await provider.history("PETR4.SA", start=window[0], end=window[1])
    assert petr.splits == []


@pytest.mark.parametrize(("pair", "low", "high"), [("USDBRL=X", 3.5, 6.5), ("EURBRL=X", 4, 7)])
async def test_fx_pairs_are_currencies_at_plausible_levels(pair, low, high):
    provider = SimulatedProvider()
    history = await provider.history(pair, start=YEAR_2024[0], end=YEAR_2024[1])
    assert all(Decimal(low) < c.close < Decimal(high) for c in history.closes)
    assert all(c.close.as_tuple().exponent >= -4 for c in history.closes)  # four places at most
    assert history.currency == "BRL"
    again = await provider.history(pair, start=date(2024, 6, 3), end=date(2024, 6, 3))
    assert again.closes[0] == next(c for c in history.closes if c.date == date(2024, 6, 3))
    quote = await provider.quote(pair)
    assert (quote.asset_type, quote.currency, quote.source) == (
        AssetType.CURRENCY,
        "BRL",
        "simulated",
    )
    assert Decimal(low) < quote.price < Decimal(high)
    hits = await provider.search(pair[:3], limit=5)
    assert pair in [hit.ticker for hit in hits]


async def test_cdi_and_selic_are_daily_on_b3_business_days():
    rates = SimulatedRates()
    cdi = await rates.series(CDI, start=YEAR_2024[0], end=YEAR_2024[1])
    selic = await rates.series(SELIC, start=YEAR_2024[0], end=YEAR_2024[1])
    assert len(cdi) == len(selic) == 251
    assert all(is_business_day(point.date) for point in cdi)
    assert all(Decimal("0.037") <= p.value <= Decimal("0.043") for p in cdi)
    for c, s in zip(cdi, selic, strict=True):
        assert c.date == s.date
        assert Decimal(0) < s.value - c.value < Decimal("0.001")  # close to each other
    assert cdi == await rates.series(CDI, start=YEAR_2024[0], end=YEAR_2024[1])
    assert rates.source == "simulated"


async def test_ipca_is_monthly_dated_the_first():
    rates = SimulatedRates()
    ipca = await rates.series(IPCA, start=date(2023, 11, 15), end=date(2024, 3, 1))
    assert [p.date for p in ipca] == [
        date(2023, 12, 1),
        date(2024, 1, 1),
        date(2024, 2, 1),
        date(2024, 3, 1),
    ]
    assert all(Decimal("0.1") <= p.value <= Decimal("0.7") for p in ipca)
    assert await rates.series(IPCA, start=date(2024, 1, 2), end=date(2024, 1, 31)) == []


async def test_unknown_series_are_a_clear_error():
    rates = SimulatedRates()
    with pytest.raises(UnknownSeriesError) as raised:
        await rates.series(1, start=YEAR_2024[0], end=YEAR_2024[1])
    assert raised.value.code == "unknown_series"
    await rates.close()


@pytest.mark.parametrize("ticker", ["NAOEXISTE123", "PETR4", "AAPL.SA", "XYZBRL=X", "BRLBRL=X"])
async def test_a_ticker_outside_the_catalog_is_unknown_as_on_yahoo(ticker):
    provider = SimulatedProvider()
    with pytest.raises(UnknownTickerError):
        await provider.quote(ticker)
    with pytest.raises(UnknownTickerError):
        await provider.history(ticker, start=date(2024, 1, 2), end=date(2024, 1, 31))
    found = [hit.ticker for hit in await provider.search(ticker, limit=10)]
    assert ticker not in found
    assert set(found) <= set(CATALOG)  # PETR4 finds PETR4.SA, nothing invented


async def test_the_catalog_holds_what_the_demo_and_the_benchmarks_ask_for():
    provider = SimulatedProvider()
    wanted = {asset.ticker for asset in DEMO_ASSETS} | set(INDEX_SERIES.values())
    # The demo's foreign assets are in dollars; the FX jobs ask for `{CUR}BRL=X`.
    wanted |= {"USDBRL=X", "EURBRL=X", "EURUSD=X", "BRLUSD=X", "GBPBRL=X"}
    assert wanted <= set(CATALOG)
    for ticker in sorted(wanted):
        quote = await provider.quote(ticker)
        assert (quote.ticker, quote.currency) == (ticker, CATALOG[ticker][2])
    assert (await provider.quote("BRLUSD=X")).price < 1 < (await provider.quote("USDBRL=X")).price


async def test_search_finds_known_symbols_the_symbol_itself_first():
    provider = SimulatedProvider()
    assert (await provider.search("v", limit=3))[0].ticker == "V"
    hits = await provider.search("vale", limit=5)
    assert [hit.ticker for hit in hits] == ["VALE", "VALE3.SA"]
    usd = await provider.search("usd", limit=3)
    assert usd[0].ticker == "USDBRL=X"
    assert all(hit.source == "simulated" for hit in hits + usd)
