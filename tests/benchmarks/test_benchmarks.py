"""Benchmark rates: the real SGS client against the fake SGS, and their cache."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date
from decimal import Decimal

import pytest

from carteira.pricing.bcb import CDI, IPCA, SELIC, BcbProvider
from carteira.pricing.circuit import CircuitBreaker, CircuitState
from carteira.pricing.exceptions import ProviderError, ProviderUnavailableError
from carteira.pricing.schemas import RatePoint
from carteira.pricing.service import create_market_data
from carteira.pricing.simulated import SimulatedRates
from tests.fakes.bcb import SERIES_PATH

JANUARY = [date(2024, 1, d) for d in (2, 3, 4, 5, 8)]


@pytest.fixture
async def provider(settings, bcb):
    provider = BcbProvider(settings)
    yield provider
    await provider.close()


def cdi_january(bcb) -> None:
    bcb.add_series(CDI, [(day, "0.043739") for day in JANUARY[:-1]] + [(JANUARY[-1], "0.0437")])


async def test_points_are_parsed_exactly_from_the_text(provider, bcb):
    cdi_january(bcb)
    bcb.add_series(IPCA, [(date(2023, 12, 1), "0.56"), (date(2024, 1, 1), "0.42")], daily=False)

    points = await provider.series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31))
    assert points[0] == RatePoint(date=date(2024, 1, 2), value=Decimal("0.043739"))
    assert [p.date for p in points] == JANUARY
    assert points[-1].value == Decimal("0.0437")
    assert all(isinstance(p.value, Decimal) for p in points)
    [(path, query)] = bcb.calls
    assert path == f"{SERIES_PATH}/bcdata.sgs.12/dados"
    assert query == {"formato": "json", "dataInicial": "01/01/2024", "dataFinal": "31/01/2024"}

    ipca = await provider.series(IPCA, start=date(2023, 12, 1), end=date(2024, 1, 31))
    assert [(p.date, p.value) for p in ipca] == [
        (date(2023, 12, 1), Decimal("0.56")),
        (date(2024, 1, 1), Decimal("0.42")),
    ]


async def test_long_windows_are_asked_ten_years_at_a_time(provider, bcb):
    years = range(1995, 2025)
    bcb.add_series(SELIC, [(date(year, 7, 1), f"0.0{year}") for year in years])

    points = await provider.series(SELIC, start=date(1995, 1, 1), end=date(2024, 12, 31))

    assert [p.date.year for p in points] == list(years)  # each point once, oldest first
    assert points[0].value == Decimal("0.01995")
    assert bcb.windows(SELIC) == [
        (date(1995, 1, 1), date(2004, 12, 31)),
        (date(2005, 1, 1), date(2014, 12, 31)),
        (date(2015, 1, 1), date(2024, 12, 31)),
    ]


async def test_a_window_without_values_is_an_empty_series(provider, bcb):
    cdi_january(bcb)
    assert await provider.series(CDI, start=date(2024, 1, 6), end=date(2024, 1, 7)) == []
    assert await provider.series(CDI, start=date(2024, 2, 1), end=date(2024, 1, 1)) == []
    assert bcb.count() == 1  # an inverted window asks nothing


async def test_rate_limits_are_retried_honouring_retry_after(provider, bcb):
    cdi_january(bcb)
    bcb.fail_next(2, status=429, retry_after=0.1)
    started = time.monotonic()
    points = await provider.series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31))
    assert len(points) == 5
    assert bcb.count() == 3
    assert time.monotonic() - started >= 0.2


async def test_server_errors_are_retried(provider, bcb):
    cdi_january(bcb)
    bcb.fail_next(1, status=503)
    bcb.fail_next(1, status=500)
    assert len(await provider.series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31))) == 5
    assert bcb.count() == 3


@pytest.mark.parametrize("fault", ["garbage", "malformed", "bad_value", "406"])
async def test_unusable_answers_are_provider_errors(provider, bcb, fault):
    cdi_january(bcb)
    if fault == "garbage":
        bcb.garbage_next(1)
    elif fault == "malformed":
        bcb.malformed_next(1)
    elif fault == "bad_value":
        bcb.add_series(CDI, [(date(2024, 1, 9), "n/d")])
    else:
        bcb.fail_next(1, status=406)
    with pytest.raises(ProviderError, match="Banco Central's SGS") as raised:
        await provider.series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31))
    assert raised.value.code == "market_data_error"
    assert raised.value.status_code == 502
    assert bcb.count() == 1  # not retried: the answer will not get better


async def test_the_sgs_refusal_is_quoted_in_the_error(provider, bcb):
    cdi_january(bcb)
    # Were a window ever too long, the SGS's own words would say why.
    with pytest.raises(ProviderError, match=r"HTTP 406: O sistema aceita .* 10 anos"):
        await provider._window(CDI, date(2000, 1, 1), date(2024, 1, 31))


async def test_timeouts_are_retried_within_a_bounded_time(provider, bcb, settings):
    cdi_january(bcb)
    bcb.delay = 5
    started = time.monotonic()
    with pytest.raises(ProviderUnavailableError, match="SGS unavailable"):
        await provider.series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31))
    assert time.monotonic() - started < (
        settings.bcb_max_retry_seconds + settings.bcb_timeout_seconds + 0.5
    )
    assert bcb.count() >= 2


async def test_circuit_opens_fails_fast_and_recovers(settings, bcb):
    cdi_january(bcb)
    provider = BcbProvider(
        settings.model_copy(update={"bcb_max_tries": 1}),
        circuit=CircuitBreaker(failure_threshold=3, cooldown_seconds=0.3),
    )
    try:
        bcb.down = True
        for _ in range(3):
            with pytest.raises(ProviderUnavailableError):
                await provider.series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31))
        assert provider.circuit.state is CircuitState.OPEN
        calls = bcb.count()
        with pytest.raises(ProviderUnavailableError, match="paused"):
            await provider.series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31))
        assert bcb.count() == calls  # failed fast, nothing sent
        bcb.down = False
        await asyncio.sleep(0.35)
        points = await provider.series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31))
        assert len(points) == 5
        assert provider.circuit.state is CircuitState.CLOSED
    finally:
        await provider.close()


# ---- through MarketData: cache, single flight, stale, fresh -------------------------------


async def test_benchmark_series_are_cached(app, bcb):
    cdi_january(bcb)
    market = app.state.market
    first = await market.benchmark_series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31))
    again = await market.benchmark_series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31))
    assert first == again
    assert len(first) == 5
    assert bcb.count() == 1
    assert await app.state.redis.exists("md:rates:12:2024-01-01:2024-01-31")

    bcb.add_series(CDI, [(date(2024, 1, 9), "0.043739")])
    fresh = await market.benchmark_series(
        CDI, start=date(2024, 1, 1), end=date(2024, 1, 31), fresh=True
    )
    assert len(fresh) == 6
    assert bcb.count() == 2
    assert (
        await market.benchmark_series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31)) == fresh
    )


async def test_concurrent_misses_make_one_call(app, bcb):
    cdi_january(bcb)
    bcb.delay = 0.2
    here, there = (create_market_data(app.state.settings, app.state.redis) for _ in range(2))
    try:
        answers = await asyncio.gather(
            *(
                market.benchmark_series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31))
                for market in (here, there)
                for _ in range(10)
            )
        )
    finally:
        await here.close()
        await there.close()
    assert all(answer == answers[0] for answer in answers)
    assert bcb.count() == 1


async def test_an_expired_series_is_served_when_the_sgs_fails(app, bcb):
    cdi_january(bcb)
    await app.state.market.benchmark_series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31))
    key = "md:rates:12:2024-01-01:2024-01-31"
    entry = json.loads(await app.state.redis.get(key))
    entry["t"] -= 2 * 3600  # older than the TTL, younger than the stale window
    await app.state.redis.set(key, json.dumps(entry))
    market = create_market_data(app.state.settings, app.state.redis)  # cold memory
    try:
        bcb.down = True
        points = await market.benchmark_series(CDI, start=date(2024, 1, 1), end=date(2024, 1, 31))
        assert len(points) == 5
        with pytest.raises(ProviderUnavailableError):  # fresh never falls back
            await market.benchmark_series(
                CDI, start=date(2024, 1, 1), end=date(2024, 1, 31), fresh=True
            )
    finally:
        await market.close()


async def test_simulated_market_data_has_simulated_rates(app):
    settings = app.state.settings.model_copy(update={"market_data_provider": "simulated"})
    market = create_market_data(settings, app.state.redis)
    try:
        assert isinstance(market.rates, SimulatedRates)
        points = await market.benchmark_series(CDI, start=date(2024, 2, 8), end=date(2024, 2, 16))
        # Carnival (12 and 13 February) and the weekend have no CDI.
        assert [p.date for p in points] == [
            date(2024, 2, 8),
            date(2024, 2, 9),
            date(2024, 2, 14),
            date(2024, 2, 15),
            date(2024, 2, 16),
        ]
        assert all(Decimal("0.03") < p.value < Decimal("0.05") for p in points)
        # Labelled as what they are, wherever a benchmark names its source.
        assert (market.rates.source, market.provider.source) == ("simulated", "simulated")
    finally:
        await market.close()


async def test_the_default_market_data_asks_banco_central(app):
    assert isinstance(app.state.market.rates, BcbProvider)
