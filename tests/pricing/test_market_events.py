"""Dividends, splits and minor currency units from the real Yahoo client against the fake."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from carteira.pricing.exceptions import ProviderUnavailableError
from carteira.pricing.schemas import DividendEvent, SplitEvent
from carteira.pricing.yahoo import MINOR_UNITS, YahooProvider, currency_unit
from tests.factories import list_on_yahoo
from tests.fakes.yahoo import CHART_PATH, bar_timestamp

MONDAY = date(2024, 6, 3)
WEEK = [MONDAY + timedelta(days=n) for n in range(5)]


@pytest.fixture
async def provider(app, yahoo):
    provider = YahooProvider(app.state.settings)
    yield provider
    await provider.close()


def list_week(ticker: str, **listing) -> None:
    list_on_yahoo(
        ticker, history=[(day, Decimal("20") + n) for n, day in enumerate(WEEK)], **listing
    )


async def test_history_carries_dividends_and_splits(provider, yahoo):
    list_week("PETR4.SA")
    yahoo.add_dividend("PETR4.SA", WEEK[1], Decimal("1.0516"))
    yahoo.add_split("PETR4.SA", WEEK[3], 2, 1)
    yahoo.add_split("PETR4.SA", WEEK[4], 1, 10)  # a reverse split (grupamento)
    yahoo.add_dividend("PETR4.SA", WEEK[4] + timedelta(days=7), Decimal("9"))  # after `end`

    history = await provider.history("PETR4.SA", start=MONDAY, end=WEEK[4])

    assert [c.close for c in history.closes] == [Decimal(20 + n) for n in range(5)]
    assert history.dividends == [DividendEvent(ex_date=WEEK[1], amount=Decimal("1.0516"))]
    assert history.splits == [
        SplitEvent(ex_date=WEEK[3], numerator=Decimal(2), denominator=Decimal(1)),
        SplitEvent(ex_date=WEEK[4], numerator=Decimal(1), denominator=Decimal(10)),
    ]
    assert (history.currency, history.skipped) == ("BRL", [])
    [(path, query)] = yahoo.calls
    assert path == f"{CHART_PATH}/PETR4.SA"
    assert query["events"] == "div,split"
    assert query["interval"] == "1d"
    assert {"period1", "period2"} <= set(query)
    # Amounts are exact decimals, serialized as strings.
    assert history.model_dump(mode="json")["dividends"] == [
        {"ex_date": "2024-06-04", "amount": "1.0516"}
    ]


async def test_ex_dates_are_the_exchange_local_date(provider, yahoo):
    list_week("VALE3.SA")
    # 01:00 UTC on Thursday is still Wednesday evening in São Paulo (UTC-3).
    early = int(datetime.combine(WEEK[3], datetime.min.time(), UTC).timestamp()) + 3600
    yahoo.add_dividend("VALE3.SA", WEEK[3], Decimal("2.5"), stamp=early)
    history = await provider.history("VALE3.SA", start=MONDAY, end=WEEK[4])
    assert history.dividends == [DividendEvent(ex_date=WEEK[2], amount=Decimal("2.5"))]


async def test_bad_events_are_skipped_never_raised_never_wrong(provider, yahoo, caplog):
    list_week("ITUB4.SA")
    stamp = bar_timestamp
    # Good events, to be kept.
    yahoo.add_dividend("ITUB4.SA", WEEK[0], Decimal("0.018"))
    yahoo.add_split("ITUB4.SA", WEEK[0], 11, 10)  # a 10 % stock bonus
    # Bad dividends.
    yahoo.add_raw_event("ITUB4.SA", "dividends", {"amount": 0, "date": stamp(WEEK[1])})
    yahoo.add_raw_event("ITUB4.SA", "dividends", {"amount": -0.5, "date": stamp(WEEK[2]) + 1})
    yahoo.add_raw_event("ITUB4.SA", "dividends", {"amount": "0.5", "date": stamp(WEEK[2]) + 2})
    yahoo.add_raw_event("ITUB4.SA", "dividends", {"date": stamp(WEEK[2]) + 3})
    yahoo.add_raw_event("ITUB4.SA", "dividends", {"amount": 0.5, "date": "yesterday"}, key="x")
    yahoo.add_raw_event("ITUB4.SA", "dividends", [0.5])
    # Two different dividends on one ex date: which one is right? Neither is kept.
    yahoo.add_dividend("ITUB4.SA", WEEK[3], Decimal("0.1"))
    yahoo.add_dividend("ITUB4.SA", WEEK[3], Decimal("0.2"), stamp=stamp(WEEK[3]) + 60)
    # The same dividend twice: kept once.
    yahoo.add_dividend("ITUB4.SA", WEEK[4], Decimal("0.3"))
    yahoo.add_dividend("ITUB4.SA", WEEK[4], Decimal("0.3"), stamp=stamp(WEEK[4]) + 60)
    # Bad splits.
    yahoo.add_raw_event(
        "ITUB4.SA", "splits", {"date": stamp(WEEK[1]), "numerator": 0, "denominator": 1}
    )
    yahoo.add_raw_event(
        "ITUB4.SA", "splits", {"date": stamp(WEEK[2]), "numerator": 2, "denominator": -1}
    )
    yahoo.add_raw_event("ITUB4.SA", "splits", {"date": stamp(WEEK[3]), "splitRatio": "2:1"})
    yahoo.add_raw_event(
        "ITUB4.SA", "splits", {"date": stamp(WEEK[4]), "numerator": "2", "denominator": 1}
    )
    # The same split said two ways (2:1 and 4:2) is one split; 3:1 on the same day conflicts.
    yahoo.add_split("ITUB4.SA", WEEK[4] - timedelta(days=7), 2, 1)  # before `start`: ignored
    yahoo.add_split("ITUB4.SA", WEEK[1], 2, 1, stamp=stamp(WEEK[1]) + 60)
    yahoo.add_split("ITUB4.SA", WEEK[1], 4, 2, stamp=stamp(WEEK[1]) + 120)

    with caplog.at_level(logging.WARNING, logger="carteira.pricing.yahoo"):
        history = await provider.history("ITUB4.SA", start=MONDAY, end=WEEK[4])

    assert history.dividends == [
        DividendEvent(ex_date=WEEK[0], amount=Decimal("0.018")),
        DividendEvent(ex_date=WEEK[4], amount=Decimal("0.3")),
    ]
    assert history.splits == [
        SplitEvent(ex_date=WEEK[0], numerator=Decimal(11), denominator=Decimal(10)),
        SplitEvent(ex_date=WEEK[1], numerator=Decimal(2), denominator=Decimal(1)),
    ]
    assert len(history.closes) == 5
    skipped = "\n".join(history.skipped)
    assert len(history.skipped) == 13, skipped
    for reason in (
        "dividend on 2024-06-04: amount 0 is not a positive number",
        "dividend on 2024-06-05: amount Decimal('-0.5') is not a positive number",
        "dividend on 2024-06-05: amount '0.5' is not a positive number",
        "dividend on 2024-06-05: amount None is not a positive number",
        "dividend x: no usable date ('yesterday')",
        "not an object ([Decimal('0.5')])",
        "dividend on 2024-06-06: 2 conflicting events, none kept",
        "dividend on 2024-06-07: 1 duplicate(s) dropped",
        "split on 2024-06-04: ratio 0:1 is not two positive numbers",
        "split on 2024-06-05: ratio 2:-1 is not two positive numbers",
        "split on 2024-06-06: ratio None:None is not two positive numbers",
        "split on 2024-06-07: ratio '2':1 is not two positive numbers",
        "split on 2024-06-04: 1 duplicate(s) dropped",
    ):
        assert reason in skipped
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 13
    assert all(message.startswith("ITUB4.SA history: skipped ") for message in warnings)


async def test_conflicting_splits_on_one_day_are_dropped(provider, yahoo):
    list_week("BBAS3.SA")
    yahoo.add_split("BBAS3.SA", WEEK[2], 2, 1)
    yahoo.add_split("BBAS3.SA", WEEK[2], 3, 1, stamp=bar_timestamp(WEEK[2]) + 60)
    history = await provider.history("BBAS3.SA", start=MONDAY, end=WEEK[4])
    assert history.splits == []
    assert history.skipped == ["split on 2024-06-05: 2 conflicting events, none kept"]


@pytest.mark.parametrize("events", [["a", "list"], "text", {"dividends": [1, 2]}])
async def test_events_of_the_wrong_shape_are_skipped(provider, yahoo, events):
    list_week("WEGE3.SA")
    yahoo.set_raw_events("WEGE3.SA", events)
    history = await provider.history("WEGE3.SA", start=MONDAY, end=WEEK[4])
    assert (history.dividends, history.splits) == ([], [])
    assert len(history.closes) == 5
    assert len(history.skipped) == 1
    assert "not an object" in history.skipped[0]


# ---- currencies quoted in minor units ------------------------------------------------------


def test_minor_units_table():
    assert {code: unit.currency for code, unit in MINOR_UNITS.items()} == {
        "GBp": "GBP",
        "ZAc": "ZAR",
        "ILA": "ILS",
    }
    assert currency_unit("GBP").per_major == 1  # pounds are not pence
    assert currency_unit("gbp").currency == "GBP"
    assert currency_unit(None).currency == ""
    assert currency_unit("GBp").to_major(Decimal("72.36")) == Decimal("0.7236")


@pytest.mark.parametrize(
    ("ticker", "code", "exchange", "major"),
    [
        ("VOD.L", "GBp", "LSE", "GBP"),
        ("NPN.JO", "ZAc", "JNB", "ZAR"),
        ("TEVA.TA", "ILA", "TLV", "ILS"),
    ],
)
async def test_minor_unit_quotes_are_converted_to_the_major_currency(
    provider, yahoo, ticker, code, exchange, major
):
    list_on_yahoo(ticker, price="7236.5", previous_close="7190", currency=code, exchange=exchange)
    quote = await provider.quote(ticker)
    assert quote.currency == major
    assert quote.price == Decimal("72.365")
    assert quote.previous_close == Decimal("71.9")
    assert quote.change_pct == pytest.approx(0.646732, abs=1e-6)  # unchanged by the unit


async def test_minor_unit_history_and_dividends_are_converted(provider, yahoo):
    list_on_yahoo(
        "VOD.L",
        price="72.36",
        previous_close="71.9",
        currency="GBp",
        exchange="LSE",
        history=[(WEEK[0], Decimal("71.9")), (WEEK[1], Decimal("72.36"))],
    )
    yahoo.add_dividend("VOD.L", WEEK[1], Decimal("4.5"))  # 4.5 pence
    history = await provider.history("VOD.L", start=MONDAY, end=WEEK[4])
    assert history.currency == "GBP"
    assert [(c.date, c.close) for c in history.closes] == [
        (WEEK[0], Decimal("0.719")),
        (WEEK[1], Decimal("0.7236")),
    ]
    assert history.dividends == [DividendEvent(ex_date=WEEK[1], amount=Decimal("0.045"))]


async def test_the_api_quotes_london_in_pounds(as_reader, yahoo):
    list_on_yahoo("VOD.L", price="72.36", previous_close="71.9", currency="GBp", exchange="LSE")
    r = await as_reader.get("/quotes", params={"tickers": "VOD.L"})
    (quote,) = r.json()["items"]
    assert (quote["price"], quote["previous_close"], quote["currency"]) == (
        "0.7236",
        "0.719",
        "GBP",
    )


# ---- the cached history and `fresh` --------------------------------------------------------


async def test_history_is_cached_and_fresh_asks_the_provider(app, yahoo):
    market = app.state.market
    list_week("RENT3.SA")
    first = await market.history("RENT3.SA", start=MONDAY, end=WEEK[4])
    yahoo.add_dividend("RENT3.SA", WEEK[2], Decimal("0.4"))
    cached = await market.history("RENT3.SA", start=MONDAY, end=WEEK[4])
    assert cached == first
    assert yahoo.count(CHART_PATH) == 1

    fresh = await market.history("RENT3.SA", start=MONDAY, end=WEEK[4], fresh=True)
    assert yahoo.count(CHART_PATH) == 2
    assert fresh.dividends == [DividendEvent(ex_date=WEEK[2], amount=Decimal("0.4"))]
    # The fresh answer replaced the cached one for the readers that follow.
    assert await market.history("RENT3.SA", start=MONDAY, end=WEEK[4]) == fresh
    assert yahoo.count(CHART_PATH) == 2

    # Fresh never falls back to a cached value: the caller wants the provider's answer.
    yahoo.down = True
    with pytest.raises(ProviderUnavailableError):
        await market.history("RENT3.SA", start=MONDAY, end=WEEK[4], fresh=True)


# ---- the shared upstream discipline ---------------------------------------------------------


async def test_answers_of_the_wrong_shape_count_against_the_circuit(app, yahoo):
    from carteira.pricing.circuit import CircuitBreaker, CircuitState
    from carteira.pricing.exceptions import ProviderError

    list_week("ODD3.SA")
    provider = YahooProvider(
        app.state.settings, circuit=CircuitBreaker(failure_threshold=3, cooldown_seconds=30)
    )
    try:
        yahoo.malformed_next(2, path=CHART_PATH)
        yahoo.garbage_next(1)
        for _ in range(2):
            with pytest.raises(ProviderError, match="chart of an unexpected shape"):
                await provider.history("ODD3.SA", start=MONDAY, end=WEEK[4])
        with pytest.raises(ProviderError, match="a body that is not JSON"):
            await provider.search("odd", limit=3)
        assert provider.circuit.state is CircuitState.OPEN
    finally:
        await provider.close()


async def test_odd_statuses_are_provider_errors(app, yahoo):
    from carteira.pricing.exceptions import ProviderError
    from carteira.pricing.upstream import Upstream
    from carteira.pricing.yahoo import yahoo_limits

    list_week("ODD3.SA")
    provider = YahooProvider(app.state.settings)
    bare = Upstream(
        source="test",
        label="The test upstream",
        limits=yahoo_limits(app.state.settings),
        headers={},
    )
    try:
        yahoo.fail_next(1, status=403)
        with pytest.raises(ProviderError, match=r"Market data provider answered HTTP 403\."):
            await provider.quote("ODD3.SA")
        yahoo.fail_next(1, status=418)
        with pytest.raises(ProviderError, match=r"The test upstream answered HTTP 418\."):
            await bare.get_json(f"{yahoo.base_url}{CHART_PATH}/ODD3.SA", {}, parse=lambda p: p)
        assert bare.circuit.state.value == "closed"  # one failure is not enough to open it
    finally:
        await provider.close()
        await bare.close()
