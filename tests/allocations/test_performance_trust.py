"""The audit's recomputations of /performance, each by hand: benchmarks over exactly the
portfolio's days, flows at the price paid, cash valued every business day, unknown rates left
unknown, the statement's extra figures, and volatility on business days."""

from __future__ import annotations

import math
import statistics
from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest

from carteira.core.calendar import business_days
from carteira.pricing.bcb import CDI
from carteira.pricing.closes import store_closes
from carteira.pricing.corporate import store_rates
from carteira.pricing.schemas import DailyClose
from tests.factories import buy, deposit, list_on_yahoo, make_asset, make_client, record

RATE = Decimal("0.04")  # the CDI, % per business day
# March and April 2026 on B3's calendar (Good Friday 3 April and Tiradentes 21 April closed).
DAYS = business_days(date(2026, 3, 2), date(2026, 4, 30))
LAST_CLOSE = date(2026, 4, 29)  # the 30th's close is not stored yet
HELD = [d for d in DAYS if d <= LAST_CLOSE]


async def performance(api, client_id: int, **params) -> dict:
    r = await api.get(f"/clients/{client_id}/performance", params=params)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
async def cdi_fund(as_admin, bcb):
    """A fund whose quota earns exactly the CDI: 10 x 1.0004^k on the k-th business day."""
    bcb.add_series(CDI, [(d, RATE) for d in business_days(date(2026, 2, 2), date(2026, 4, 30))])
    asset = await make_asset(as_admin, "CDIF11.SA", price="11", previous_close="11")
    closes = [
        DailyClose(date=d, close=(Decimal(10) * Decimal("1.0004") ** k).quantize(Decimal("1e-8")))
        for k, d in enumerate(HELD)
    ]
    await store_closes(asset_id=asset["id"], closes=closes)
    return asset, closes


async def test_a_fund_earning_the_cdi_is_100_pct_of_it_over_the_same_days(as_admin, cdi_fund):
    """Measured before: 91.6 % since inception, 79.9 % month-to-date — the CDI counted the
    rate paid into the 30th (whose close is not in) and the day before the first investment."""
    asset, closes = cdi_fund
    client = await make_client(as_admin)
    await buy(as_admin, client["id"], asset, 100, closes[0].close, on=HELD[0])
    body = await performance(as_admin, client["id"], end="2026-04-30", benchmarks="CDI")
    assert body["as_of"] == LAST_CLOSE.isoformat()
    # The quota: 1.0004^(n-1) over the n business days held. The CDI from the first day's
    # close to the 29th's: the rates of the first n-1 days, each paying into the next.
    n = len(HELD)
    expected = (Decimal("1.0004") ** (n - 1) - 1) * 100
    (cdi,) = body["benchmarks"]
    assert cdi["twr_pct"] == pytest.approx(float(expected), abs=1e-6)
    assert body["twr_pct"] == pytest.approx(float(expected), abs=1e-5)
    assert body["pct_of_cdi"] == pytest.approx(100.0, abs=1e-3)
    periods = body["pct_of_cdi_periods"]
    assert periods["month"] == pytest.approx(100.0, abs=1e-3)
    assert periods["ytd"] == periods["12m"] == periods["inception"] == body["pct_of_cdi"]
    # April: from the close of 31 March to the 29th's, for the fund and the CDI alike.
    april = [d for d in HELD if d.month == 4]
    month = (Decimal("1.0004") ** len(april) - 1) * 100
    assert body["periods"]["month"] == pytest.approx(float(month), abs=1e-5)
    assert cdi["periods"]["month"] == pytest.approx(float(month), abs=1e-6)
    # The curve and the CDI beside it end on the last close.
    assert body["series"][-1]["date"] == LAST_CLOSE.isoformat()
    assert cdi["series"][-1]["date"] == LAST_CLOSE.isoformat()


async def test_since_inception_the_benchmark_starts_at_the_first_investment(as_admin, cdi_fund):
    """Measured before: the CDI of the day before the first investment counted (-4.4 pp in the
    first month); the CDI on the first day's point must be 0."""
    asset, closes = cdi_fund
    client = await make_client(as_admin)
    first = HELD[5]
    await buy(as_admin, client["id"], asset, 10, closes[5].close, on=first)
    body = await performance(as_admin, client["id"], end="2026-03-31", benchmarks="CDI")
    (cdi,) = body["benchmarks"]
    assert cdi["series"][0] == {"date": first.isoformat(), "cumulative_pct": 0.0}
    march = [d for d in HELD if first <= d <= date(2026, 3, 31)]
    expected = (1.0004 ** (len(march) - 1) - 1) * 100
    assert body["monthly"][0]["benchmarks"]["CDI"] == pytest.approx(expected, abs=1e-6)
    assert body["monthly"][0]["pct_of_cdi"] == pytest.approx(100.0, abs=1e-3)


async def test_a_fully_invested_client_buying_at_the_close_earns_the_assets_return(as_admin):
    """Measured before: 1.81 % against the stock's 1.47 % (the new money was held since the
    previous close)."""
    days = business_days(date(2026, 3, 2), date(2026, 3, 6))
    asset = await make_asset(as_admin, "QUOT3.SA", price="10.147", previous_close="10.147")
    prices = ["10", "10.5", "10.2", "9.9", "10.147"]
    await store_closes(
        asset_id=asset["id"],
        closes=[DailyClose(date=d, close=Decimal(p)) for d, p in zip(days, prices, strict=True)],
    )
    client = await make_client(as_admin)
    for day, quantity, price in (
        (days[0], 100, "10"),
        (days[1], 300, "10.5"),
        (days[3], 50, "9.9"),
    ):
        await buy(as_admin, client["id"], asset, quantity, price, on=day)
    body = await performance(as_admin, client["id"], end="2026-03-06")
    # Every flow entered at the close it was bought at: the stock's 10 -> 10.147.
    assert body["twr_pct"] == pytest.approx(1.47, abs=1e-6)
    # A purchase below the close earns its own move on its own money: 100 more at 9.70 on
    # the 5th (closed 9.90) — the day is (400 held x 9.9 / (400 x 10.2)) x (V / (V - 20)).
    await buy(as_admin, client["id"], asset, 100, "9.70", on=days[3])
    body = await performance(as_admin, client["id"], end="2026-03-06")
    value = 550 * 9.9
    day = (400 * 9.9 / (400 * 10.2)) * (value / (value - 20))
    expected = (10.5 / 10) * (10.2 / 10.5) * day * (10.147 / 9.9) - 1
    assert body["twr_pct"] == pytest.approx(expected * 100, abs=1e-6)


async def test_foreign_cash_is_valued_every_business_day(as_admin):
    """Measured before: 3 points, a TWR of -2.19 % instead of the dollar's +0.43 %."""
    days = business_days(date(2026, 3, 2), date(2026, 3, 31))
    rates = [Decimal("5.00") + Decimal("0.01") * (k % 7) for k in range(len(days))]
    await store_rates(
        series="USDBRL",
        closes=[DailyClose(date=d, close=r) for d, r in zip(days, rates, strict=True)],
    )
    list_on_yahoo("USDBRL=X", price="5", previous_close="5", currency="BRL")
    client = await make_client(as_admin)
    await deposit(as_admin, client["id"], 1000, on=days[0], currency="USD")
    await deposit(as_admin, client["id"], 500, on=days[9], currency="USD")
    body = await performance(as_admin, client["id"], end="2026-03-31")
    assert [p["date"] for p in body["series"]] == [d.isoformat() for d in days]
    assert Decimal(body["series"][-1]["value"]) == 1500 * rates[-1]
    # Money in at each deposit's rate; the dollar's own move is the return: r_last / r_first.
    assert body["twr_pct"] == pytest.approx(float(rates[-1] / rates[0] - 1) * 100, abs=1e-6)


async def test_a_flow_without_a_rate_leaves_invested_and_the_result_unknown(as_admin, yahoo):
    """Measured before: invested 0 and a P&L of the whole balance (550)."""
    yahoo.fail_symbol("EURBRL=X", status=404)
    client = await make_client(as_admin)
    day = business_days(date(2026, 3, 2), date(2026, 3, 6))[0]
    await deposit(as_admin, client["id"], 100, on=day, currency="EUR")
    body = await performance(as_admin, client["id"], end="2026-03-06")
    totals = body["totals"]
    assert (totals["invested"], totals["pnl"], totals["accumulated_return_pct"]) == (
        None,
        None,
        None,
    )
    assert body["fx_missing"][0]["currency"] == "EUR"
    assert {p["invested"] for p in body["series"]} == {None}


async def test_the_statements_top_figures(as_admin, bcb):
    """% do CDI per period, the yearly total row, proventos per period and the result split
    into capital gain and income."""
    days = business_days(date(2025, 12, 1), date(2026, 1, 30))
    bcb.add_series(CDI, [(d, RATE) for d in business_days(date(2025, 11, 3), date(2026, 1, 30))])
    asset = await make_asset(as_admin, "YEAR3.SA", price="13", previous_close="13")
    december = [d for d in days if d.year == 2025]
    # 10 all December; 11 from its last session on; 12 on the last day of January.
    closes = [
        DailyClose(date=d, close=Decimal("10" if d.year == 2025 else "11")) for d in days[:-1]
    ]
    closes[len(december) - 1] = DailyClose(date=december[-1], close=Decimal("11"))
    closes.append(DailyClose(date=days[-1], close=Decimal("12")))
    await store_closes(asset_id=asset["id"], closes=closes)
    client = await make_client(as_admin)
    await buy(as_admin, client["id"], asset, 100, "10", on=days[0])
    await record(
        as_admin, client["id"], "dividend", on=date(2025, 12, 15), asset=asset, amount="50"
    )
    await record(
        as_admin, client["id"], "jcp", on=date(2026, 1, 15), asset=asset, amount="200", tax="35"
    )
    body = await performance(as_admin, client["id"], end="2026-01-30", benchmarks="CDI")

    # Capital: 100 x (12 - 10) = 200; income: 50 + (200 - 35) = 215; the result is both.
    totals = body["totals"]
    assert (totals["pnl"], totals["income"], totals["capital_gain"]) == ("415", "215", "200")
    # Proventos: January (the month and the year) has the JCP; since inception both.
    assert body["income"]["month"] == {"gross": "200", "withheld": "35", "net": "165"}
    assert body["income"]["ytd"] == body["income"]["month"]
    assert body["income"]["inception"] == {"gross": "250", "withheld": "35", "net": "215"}

    # The year rows: 2025 from the first close (10) to 31 Dec (11) with the dividend of 50
    # kept as cash: (1100 + 50) / 1000; 2026: (1200 + 215) / (1100 + 50).
    yearly = {row["year"]: row for row in body["yearly"]}
    assert list(yearly) == [2025, 2026]
    assert yearly[2025]["portfolio_pct"] == pytest.approx((1150 / 1000 - 1) * 100, abs=1e-6)
    assert yearly[2026]["portfolio_pct"] == pytest.approx((1415 / 1150 - 1) * 100, abs=1e-6)
    in_2025 = len(december) - 1  # the rates of the first n-1 December days pay into December
    in_2026 = len(december[-1:]) + len([d for d in days if d.year == 2026]) - 1
    cdi_2025, cdi_2026 = 1.0004**in_2025 - 1, 1.0004**in_2026 - 1
    assert yearly[2025]["benchmarks"]["CDI"] == pytest.approx(cdi_2025 * 100, abs=1e-6)
    assert yearly[2026]["benchmarks"]["CDI"] == pytest.approx(cdi_2026 * 100, abs=1e-6)
    assert yearly[2026]["pct_of_cdi"] == pytest.approx((1415 / 1150 - 1) / cdi_2026 * 100, rel=1e-6)
    periods = body["pct_of_cdi_periods"]
    assert set(periods) == {"month", "ytd", "12m", "inception"}
    assert periods["ytd"] == yearly[2026]["pct_of_cdi"]
    assert periods["inception"] == body["pct_of_cdi"]


async def test_percent_of_cdi_is_none_for_a_losing_month(as_admin, cdi_fund):
    """Measured before: -516 % and 874 % in the monthly table."""
    asset, _ = cdi_fund
    client = await make_client(as_admin)
    march_first, april_last = HELD[0], HELD[-1]
    await store_closes(asset_id=asset["id"], closes=[DailyClose(date=april_last, close=Decimal(9))])
    await buy(as_admin, client["id"], asset, 10, "10", on=march_first)
    body = await performance(as_admin, client["id"], end="2026-04-30", benchmarks="CDI")
    march, april = body["monthly"]
    assert march["portfolio_pct"] > 0
    assert march["pct_of_cdi"] == pytest.approx(100, abs=1e-3)
    assert april["portfolio_pct"] < 0
    assert april["pct_of_cdi"] is None
    assert body["pct_of_cdi"] is None  # a loss since inception too


async def test_volatility_counts_business_days_only(as_admin):
    """Measured before: a Saturday deposit's flat day counted as a zero return."""
    days = business_days(date(2026, 3, 2), date(2026, 3, 13))
    prices = ["10", "10.3", "10.1", "10.6", "10.4", "10.9", "10.5", "10.8", "11", "10.7"]
    asset = await make_asset(as_admin, "VOLA3.SA", price="10.7", previous_close="10.7")
    await store_closes(
        asset_id=asset["id"],
        closes=[DailyClose(date=d, close=Decimal(p)) for d, p in zip(days, prices, strict=True)],
    )
    client = await make_client(as_admin)
    await buy(as_admin, client["id"], asset, 10, "10", on=days[0])
    await deposit(as_admin, client["id"], 100, on=date(2026, 3, 7))
    body = await performance(as_admin, client["id"], end="2026-03-13")
    assert "2026-03-07" in [p["date"] for p in body["series"]]  # the Saturday is a point
    # The cash stays cash: each business day returns the shares' move on 100 + shares.
    values = [10 * float(p) for p in prices]
    values = [v + (100 if d > date(2026, 3, 7) else 0) for v, d in zip(values, days, strict=True)]
    # Across the weekend the Saturday's 100 entered at its day's end: Monday's return is
    # V_monday / (V_friday + 100).
    returns = []
    for (d0, v0), (d1, v1) in pairwise(zip(days, values, strict=True)):
        inflow = 100 if d0 < date(2026, 3, 7) < d1 else 0
        returns.append(v1 / (v0 + inflow) - 1)
    returns.insert(0, 0.0)  # the first day: bought at its close
    expected = statistics.stdev(returns) * math.sqrt(252) * 100
    assert body["volatility_pct"] == pytest.approx(expected, rel=1e-6)


def test_the_months_are_what_the_figures_assume():
    assert date(2026, 4, 3) not in DAYS
    assert date(2026, 4, 21) not in DAYS
    assert DAYS[-1] == date(2026, 4, 30)
    assert HELD[-1] == LAST_CLOSE
    assert date(2026, 3, 7).weekday() == 5  # a Saturday
