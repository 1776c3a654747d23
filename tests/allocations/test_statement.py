"""Performance like an advisory statement: CDI and IBOVESPA beside the curve, % do CDI, period
returns, the monthly table, volatility and drawdown — through the API, against the fake SGS
and the fake Yahoo, with the per-client snapshot."""

from __future__ import annotations

import io
import math
import statistics
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import openpyxl
import pytest

from carteira.core.jobs import JobQueue
from carteira.pricing.bcb import CDI
from carteira.pricing.closes import store_closes
from carteira.pricing.schemas import DailyClose
from carteira.pricing.service import MARKET_DATA_STORED
from tests.factories import hold, list_on_yahoo, make_asset, make_client
from tests.support import run_jobs, weekdays

# B3 sessions across a month end and Good Friday (3 April 2026 is a holiday).
S = weekdays(date(2026, 3, 25), 10)
EVE = S[0] - timedelta(days=1)  # the close before the first day
CLOSES = ["10", "11", "10.45", "12", "12", "12.6", "12.6", "11.34", "12", "12.5"]
CDI_RATE = Decimal("0.04")  # % per business day
IBOV = [(day, Decimal(100000 + 500 * n)) for n, day in enumerate(weekdays(date(2026, 3, 16), 20))]


def test_the_sessions_are_what_the_figures_assume():
    assert S[5:8] == [date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 6)]  # no Good Friday


def cdi_growth(start: date, end: date) -> float:
    """By hand: (1 + 0.04 %) for each B3 business day b with start <= b < end."""
    days = weekdays(start, 40)
    return (1 + float(CDI_RATE) / 100) ** len([d for d in days if d < end]) - 1


@pytest.fixture
def sgs(bcb):
    bcb.add_series(CDI, [(d, CDI_RATE) for d in weekdays(date(2026, 3, 2), 40)])
    list_on_yahoo("^BVSP", instrument_type="INDEX", history=IBOV)
    return bcb


@pytest.fixture
async def client(as_admin, sgs):
    asset = await make_asset(as_admin, "PETR4.SA", price="12.5", previous_close="12")
    await store_closes(
        asset_id=asset["id"],
        closes=[DailyClose(date=d, close=Decimal(c)) for d, c in zip(S, CLOSES, strict=True)],
    )
    client = await make_client(as_admin)
    await hold(as_admin, client["id"], asset, "10", "10", on=S[0])
    return client


async def performance(api, client_id: int, **params):
    params = {"end": str(S[-1]), "benchmarks": "CDI,IBOV", **params}
    return await api.get(f"/clients/{client_id}/performance", params=params)


async def test_cdi_and_ibovespa_beside_the_curve(as_reader, client):
    body = (await performance(as_reader, client["id"])).json()
    cdi, ibov = body["benchmarks"]
    assert (cdi["code"], cdi["available"], cdi["source"]) == ("CDI", True, "bcb")
    assert (ibov["code"], ibov["available"], ibov["source"]) == ("IBOV", True, "yahoo")
    # CDI from the first investment's close (S[0]) to the last day's: the rates of the nine
    # business days S[0]..S[8], each paying into the next; never a day before the money came.
    expected_cdi = cdi_growth(S[0], S[-1])
    assert expected_cdi == pytest.approx(1.0004**9 - 1)
    assert cdi["twr_pct"] == pytest.approx(expected_cdi * 100, abs=1e-6)
    # IBOVESPA: its close on the last day over its close on the first investment's day.
    level = dict(IBOV)
    assert ibov["twr_pct"] == pytest.approx(float(level[S[-1]] / level[S[0]] - 1) * 100, abs=1e-6)
    # Both on the portfolio's dates, measured from the same day.
    assert [p["date"] for p in cdi["series"]] == [p["date"] for p in body["series"]]
    assert cdi["series"][3]["cumulative_pct"] == pytest.approx(cdi_growth(S[0], S[3]) * 100)
    # The portfolio: one buy at the first close, so its TWR is the close's move.
    assert body["twr_pct"] == pytest.approx(25.0, abs=1e-6)
    assert body["pct_of_cdi"] == pytest.approx(0.25 / expected_cdi * 100, rel=1e-6)


async def test_periods_monthly_table_volatility_and_drawdown(as_reader, client):
    body = (await performance(as_reader, client["id"])).json()
    growth = [Decimal(c) / 10 for c in CLOSES]
    march = float(growth[4] - 1)  # 31 March's close over the base (the buy at 10)
    april = float(growth[-1] / growth[4] - 1)
    assert body["periods"]["month"] == pytest.approx(april * 100, abs=1e-6)
    assert body["periods"]["inception"] == pytest.approx(25.0, abs=1e-6)
    # The history is younger than the year and the 12 months: they count from its beginning.
    assert body["periods"]["ytd"] == body["periods"]["12m"] == body["periods"]["inception"]

    rows = {row["month"]: row for row in body["monthly"]}
    assert list(rows) == ["2026-03", "2026-04"]
    assert rows["2026-03"]["portfolio_pct"] == pytest.approx(march * 100, abs=1e-6)
    assert rows["2026-04"]["portfolio_pct"] == pytest.approx(april * 100, abs=1e-6)
    cdi_march, cdi_april = cdi_growth(S[0], S[4]), cdi_growth(S[4], S[-1])
    assert rows["2026-03"]["benchmarks"]["CDI"] == pytest.approx(cdi_march * 100, abs=1e-6)
    assert rows["2026-04"]["benchmarks"]["CDI"] == pytest.approx(cdi_april * 100, abs=1e-6)
    assert rows["2026-04"]["pct_of_cdi"] == pytest.approx(april / cdi_april * 100, rel=1e-6)
    # Chain-linked: the months compound to the whole.
    assert (1 + march) * (1 + april) - 1 == pytest.approx(0.25)

    # Volatility: the sample deviation of the point-to-point returns (from the base), x sqrt(252).
    levels = [1.0] + [float(g) for g in growth]
    returns = [b / a - 1 for a, b in pairwise(levels)]
    assert body["volatility_pct"] == pytest.approx(
        statistics.stdev(returns) * math.sqrt(252) * 100, rel=1e-6
    )
    # The worst fall: from 12.6 (1 April, the first day at that peak) to 11.34 (6 April).
    assert body["max_drawdown_pct"] == pytest.approx(-10.0, abs=1e-6)
    assert (body["max_drawdown_peak"], body["max_drawdown_trough"]) == (str(S[5]), str(S[7]))


async def test_a_window_cut_by_start_has_no_longer_periods(as_reader, client):
    body = (await performance(as_reader, client["id"], start=str(S[5]))).json()
    assert body["periods"]["ytd"] is None
    assert body["periods"]["12m"] is None
    assert body["periods"]["inception"] == pytest.approx(
        (float(Decimal(CLOSES[-1]) / Decimal(CLOSES[4])) - 1) * 100, abs=1e-6
    )


async def test_any_registered_asset_is_a_benchmark(as_admin, client):
    vale = await make_asset(as_admin, "VALE3.SA", price="60", previous_close="60")
    await store_closes(
        asset_id=vale["id"],
        closes=[DailyClose(date=d, close=Decimal(50 + n)) for n, d in enumerate(S) if n],
    )
    body = (await performance(as_admin, client["id"], benchmarks="vale3.sa")).json()
    (vale_result,) = body["benchmarks"]
    assert (vale_result["code"], vale_result["source"]) == ("VALE3.SA", "asset")
    # No close on the first investment's day: measured from its first one, and said so.
    assert vale_result["twr_pct"] == pytest.approx((59 / 51 - 1) * 100, abs=1e-6)
    assert [n["code"] for n in vale_result["notes"]] == ["starts_later"]
    assert "starts on" in vale_result["notes"][0]["detail"]
    assert body["pct_of_cdi"] is None


async def test_unknown_or_too_many_benchmarks_are_422(as_admin, client):
    response = await performance(as_admin, client["id"], benchmarks="CDI,NOPE3")
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_benchmark"
    assert "CDI, SELIC, IPCA, IBOV" in response.json()["detail"]
    response = await performance(as_admin, client["id"], benchmarks="CDI,SELIC,IPCA,IBOV,A,B")
    assert (response.status_code, response.json()["code"]) == (422, "too_many_benchmarks")


async def test_a_window_before_the_series_starts_answers_from_its_first_value(
    as_admin, client, bcb
):
    bcb.reset()
    bcb.add_series(CDI, [(d, CDI_RATE) for d in S[5:]])  # published from 1 April only
    body = (await performance(as_admin, client["id"], benchmarks="CDI")).json()
    (cdi,) = body["benchmarks"]
    assert cdi["available"] is True
    assert {"code": "starts_later", "benchmark": "CDI", "date": str(S[5])}.items() <= cdi["notes"][
        0
    ].items()
    assert f"starts on {S[5]}" in cdi["notes"][0]["detail"]
    by_day = {p["date"]: p["cumulative_pct"] for p in cdi["series"]}
    assert by_day[str(S[4])] is None
    assert cdi["twr_pct"] == pytest.approx(cdi_growth(S[5], S[-1]) * 100, abs=1e-6)


@pytest.mark.parametrize("fault", ["down", "garbage"])
async def test_sgs_down_or_garbage_leaves_the_portfolio_answering(
    as_admin, client, bcb, settings, redis, fault
):
    if fault == "down":
        bcb.down = True
    else:
        bcb.garbage_next(50)
    response = await performance(as_admin, client["id"], benchmarks="CDI,IBOV")
    assert response.status_code == 200
    body = response.json()
    cdi, ibov = body["benchmarks"]
    assert (cdi["available"], cdi["twr_pct"], body["pct_of_cdi"]) == (False, None, None)
    assert any(n["code"] == "fetching" and "fetching" in n["detail"] for n in cdi["notes"])
    assert ibov["available"] is True
    assert body["twr_pct"] == pytest.approx(25.0, abs=1e-6)

    # The source is back: the job the request left behind fetches it, and the next answer
    # (the snapshot dropped when the values were stored) has it.
    bcb.down = False
    bcb.reset()
    bcb.add_series(CDI, [(d, CDI_RATE) for d in weekdays(date(2026, 3, 2), 40)])
    await run_jobs(settings)
    results = await JobQueue(redis).arq.all_job_results()
    assert "backfill_benchmark" in {r.function for r in results}
    body = (await performance(as_admin, client["id"], benchmarks="CDI,IBOV")).json()
    assert body["benchmarks"][0]["available"] is True
    assert body["pct_of_cdi"] is not None


async def test_a_second_request_is_served_from_the_snapshot_until_something_changes(
    as_admin, client, app
):
    await performance(as_admin, client["id"])  # first use: the benchmarks' values fetched
    first = (await performance(as_admin, client["id"])).json()
    asset_id = (await as_admin.get(f"/clients/{client['id']}/positions")).json()["positions"][0][
        "asset_id"
    ]
    # A close rewritten behind the app's back (no announcement): the snapshot still answers.
    await store_closes(asset_id=asset_id, closes=[DailyClose(date=S[-1], close=Decimal("15"))])
    again = (await performance(as_admin, client["id"])).json()
    assert again["series"] == first["series"]
    # New closes announced (what the closes jobs do): computed again.
    await app.state.events.publish(MARKET_DATA_STORED)
    fresh = (await performance(as_admin, client["id"])).json()
    assert fresh["twr_pct"] == pytest.approx(50.0, abs=1e-6)
    # A write to the client's ledger: computed again.
    deposit = {"kind": "deposit", "date": str(S[-1]), "amount": "100"}
    assert (await as_admin.post(f"/clients/{client['id']}/transactions", json=deposit)).is_success
    after = (await performance(as_admin, client["id"])).json()
    assert after["series"][-1]["invested"] == "200"


async def test_the_exports_carry_the_benchmarks_and_the_monthly_table(as_admin, client):
    response = await performance(as_admin, client["id"], format="xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    daily, monthly = workbook.worksheets
    assert [c.value for c in daily[1]][-2:] == ["CDI_cumulative_pct", "IBOV_cumulative_pct"]
    assert [c.value for c in monthly[1]] == [
        "month",
        "portfolio_pct",
        "CDI_pct",
        "IBOV_pct",
        "pct_of_cdi",
    ]
    assert [row[0].value for row in monthly.iter_rows(min_row=2)] == ["2026-03", "2026-04"]
    csv = (await performance(as_admin, client["id"], format="csv")).text
    assert "CDI_cumulative_pct" in csv.splitlines()[0]


async def test_benchmarks_are_listed_builtins_first(as_reader, as_admin, sgs):
    await make_asset(as_admin, "VALE3.SA")
    body = (await as_reader.get("/benchmarks", params={"page_size": 3})).json()
    assert [b["code"] for b in body["items"]] == ["CDI", "SELIC", "IPCA"]
    assert body["total"] == 5
    second = (await as_reader.get("/benchmarks", params={"page": 2, "page_size": 3})).json()
    assert [(b["code"], b["source"]) for b in second["items"]] == [
        ("IBOV", "yahoo"),
        ("VALE3.SA", "asset"),
    ]


async def test_the_daily_cron_refreshes_the_series_in_use(as_admin, client, bcb, settings, app):
    from carteira.pricing.tasks import daily_benchmarks

    await performance(as_admin, client["id"], benchmarks="CDI")
    before = bcb.count()
    jobs = JobQueue(app.state.redis)
    ctx = {"market": app.state.market, "events": app.state.events, "jobs": jobs}
    result = await daily_benchmarks(ctx)
    assert set(result["values"]) == {"CDI"}
    assert bcb.count() > before
