"""GET /clients/{id}/performance against hand-computed values."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import pyxirr

from carteira.core import clock
from carteira.pricing.closes import store_closes
from carteira.pricing.schemas import DailyClose
from carteira.pricing.service import MARKET_DATA_STORED
from tests.factories import hold, make_asset, make_client
from tests.support import fresh_prices, run_jobs, weekdays

TODAY = clock.today()
D = weekdays(TODAY - timedelta(days=30), 4)


async def _portfolio(api, *, second_lot: bool = True):
    client = await make_client(api)
    petr = await make_asset(api, "PETR4.SA", price="13", previous_close="12.1")
    closes = [Decimal("10"), Decimal("11"), Decimal("12.1"), Decimal("12.1")]
    await store_closes(
        asset_id=petr["id"],
        closes=[DailyClose(date=day, close=c) for day, c in zip(D, closes, strict=True)],
    )
    await hold(api, client["id"], petr, "10", "10", on=D[0])
    if second_lot:
        await hold(api, client["id"], petr, "10", "12.1", on=D[2])
    return client, petr


async def test_performance_matches_hand_computation(as_admin, as_reader):
    client, _ = await _portfolio(as_admin)
    body = (await as_reader.get(f"/clients/{client['id']}/performance")).json()
    assert body["currency"] == "BRL"
    assert body["start"] == D[0].isoformat()
    assert body["end"] == TODAY.isoformat()
    totals = body["totals"]
    assert (totals["cost"], totals["market_value"], totals["pnl"]) == ("221", "260", "39")
    assert (totals["cash"], totals["value"], totals["invested"]) == ("0", "260", "221")
    assert totals["accumulated_return_pct"] == pytest.approx(17.647059, abs=1e-6)
    assert totals["day_change"] == "18"  # 20 x (13 - 12.1)
    assert totals["day_change_pct"] == pytest.approx(7.438017, abs=1e-6)

    assert [p["value"] for p in body["series"]] == ["100", "110", "242", "242"]
    assert [p["invested"] for p in body["series"]] == ["100", "100", "221", "221"]
    # Quota method: day 3's second lot is bought at the close, so it enters at the day's end;
    # the 10 shares held go 11 -> 12.1: (242 - 121) / 110 = 1.1, and 1.1 x 1.1 = 1.21, the
    # share's own 10 -> 12.1 (a fully invested client earns its asset's return).
    assert [p["cumulative_twr_pct"] for p in body["series"]] == pytest.approx(
        [0.0, 10.0, 21.0, 21.0], abs=1e-6
    )
    assert body["twr_pct"] == pytest.approx(21.0, abs=1e-6)
    assert body["as_of"] == D[3].isoformat()  # the last close the curve uses
    assert body["twr_annualized_pct"] is None  # a month is not over a year

    expected_xirr = pyxirr.xirr([D[0], D[2], TODAY], [-100, -121, 260])
    assert body["xirr_pct"] == pytest.approx(expected_xirr * 100, abs=1e-4)
    # Under a year the rate is also given for the period itself, not annualized.
    days = (TODAY - D[0]).days
    assert body["xirr_period_pct"] == pytest.approx(
        ((1 + expected_xirr) ** (days / 365) - 1) * 100, abs=1e-4
    )
    assert body["xirr_note"] is None
    assert body["prices_unavailable"] is False


async def test_a_later_purchase_does_not_move_earlier_points(as_admin):
    client, petr = await _portfolio(as_admin, second_lot=False)
    before = (await as_admin.get(f"/clients/{client['id']}/performance")).json()["series"]
    await hold(as_admin, client["id"], petr, "10", "12.1", on=D[2])
    after = (await as_admin.get(f"/clients/{client['id']}/performance")).json()["series"]
    assert after[:2] == before[:2]


async def test_a_window_starts_from_what_was_held(as_admin):
    client, _ = await _portfolio(as_admin)
    body = (
        await as_admin.get(
            f"/clients/{client['id']}/performance", params={"start": D[1].isoformat()}
        )
    ).json()
    assert [p["date"] for p in body["series"]] == [d.isoformat() for d in D[1:]]
    assert [p["cumulative_twr_pct"] for p in body["series"]] == pytest.approx(
        [10.0, 21.0, 21.0], abs=1e-6
    )
    expected = pyxirr.xirr([D[1], D[2], TODAY], [-100, -121, 260])  # held: 100 at D[0]'s close
    assert body["xirr_pct"] == pytest.approx(expected * 100, abs=1e-4)


async def test_one_currency_at_a_time(as_admin):
    client, _ = await _portfolio(as_admin)
    aapl = await make_asset(as_admin, "AAPL", price="200", previous_close="200", currency="USD")
    await hold(as_admin, client["id"], aapl, "1", "150", on=D[1])
    body = (await as_admin.get(f"/clients/{client['id']}/performance")).json()
    assert body["currencies"] == ["BRL", "USD"]
    assert body["currency"] == "BRL"
    usd = (await as_admin.get(f"/clients/{client['id']}/performance?currency=usd")).json()
    assert (usd["currency"], usd["totals"]["cost"], usd["totals"]["market_value"]) == (
        "USD",
        "150",
        "200",
    )
    r = await as_admin.get(f"/clients/{client['id']}/performance?currency=EUR")
    assert r.status_code == 422


async def test_long_spans_are_annualized(as_admin):
    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "LONG3.SA", price="12.1", previous_close="12.1")
    start = TODAY - timedelta(days=730)
    days = [start, start + timedelta(days=365), TODAY - timedelta(days=1)]
    await store_closes(
        asset_id=asset["id"],
        closes=[
            DailyClose(date=d, close=c)
            for d, c in zip(days, [Decimal(10), Decimal(11), Decimal("12.1")], strict=True)
        ],
    )
    await hold(as_admin, client["id"], asset, "1", "10", on=start)
    body = (await as_admin.get(f"/clients/{client['id']}/performance")).json()
    assert body["twr_pct"] == pytest.approx(21.0, abs=1e-6)
    assert body["twr_annualized_pct"] == pytest.approx((1.21 ** (365 / 730) - 1) * 100, abs=1e-6)


async def test_undefined_returns_say_why(as_admin):
    client = await make_client(as_admin)
    body = (await as_admin.get(f"/clients/{client['id']}/performance")).json()
    assert body["xirr_pct"] is None
    assert body["xirr_note"]
    assert body["xirr_note_code"] == "needs_purchase_and_value"
    assert body["twr_pct"] is None
    assert body["series"] == []
    assert (await as_admin.get("/clients/999/performance")).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "start=2026-02-01&end=2026-01-01",
        f"end={(TODAY + timedelta(days=3)).isoformat()}",
        "start=nope",
        "currency=$$",
    ],
)
async def test_bad_windows_are_422(as_admin, query):
    client = await make_client(as_admin)
    assert (await as_admin.get(f"/clients/{client['id']}/performance?{query}")).status_code == 422


# ---- trust: today's lots, missing prices, back-dated lots ---------------------------------


async def test_a_lot_bought_today_counts_from_its_price_in_the_days_change(as_admin):
    """Measured before: 100 bought today at 10.00, now 20.20 (closed at 20.43 yesterday),
    showed a day of -23 instead of +1,020."""
    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "MGLU3.SA", price="20.20", previous_close="20.43")
    await hold(as_admin, client["id"], asset, "100", "10", on=clock.today())
    totals = (await as_admin.get(f"/clients/{client['id']}/performance")).json()["totals"]
    assert totals["day_change"] == "1020"
    assert totals["day_change_pct"] == pytest.approx(102.0)


async def test_no_price_is_reported_not_priced_at_cost(as_admin, yahoo, app):
    """Measured before: a holding without any price was valued at its buy price: a silent
    0 % return and an XIRR of 0.0."""
    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "NOPX3.SA", price="10", previous_close="10")
    await hold(as_admin, client["id"], asset, "5", "9", on=D[0])
    yahoo.fail_symbol("NOPX3.SA", status=404)  # no live quote, and no stored close at all
    await fresh_prices(as_admin._transport.app)
    body = (await as_admin.get(f"/clients/{client['id']}/performance")).json()
    assert body["prices_missing"][0]["ticker"] == "NOPX3.SA"
    assert body["prices_missing"][0]["start"] == D[0].isoformat()
    totals = body["totals"]
    assert (totals["market_value"], totals["pnl"], totals["day_change"]) == (None, None, None)
    assert totals["cost"] == "45"
    assert body["xirr_pct"] is None
    assert "prices_missing" in body["xirr_note"]
    assert body["xirr_note_code"] == "prices_missing"
    assert body["twr_pct"] is None
    assert {p["value"] for p in body["series"]} == {None}

    # Closes arrive, but only from D[2] on: the days before stay a reported gap.
    await store_closes(asset_id=asset["id"], closes=[DailyClose(date=D[2], close=Decimal("12"))])
    await app.state.events.publish(MARKET_DATA_STORED)  # what the closes jobs announce
    body = (await as_admin.get(f"/clients/{client['id']}/performance")).json()
    assert [(g["ticker"], g["start"]) for g in body["prices_missing"]] == [
        ("NOPX3.SA", D[0].isoformat())
    ]
    series = {p["date"]: p for p in body["series"]}
    assert series[D[0].isoformat()]["value"] is None
    assert series[D[2].isoformat()]["value"] == "60"
    assert body["twr_pct"] is None  # the chain has a hole: no invented figure
    assert body["totals"]["market_value"] == "60"  # the last close stands in for the quote
    assert body["prices_unavailable"] is True
    # Money-weighted needs only the flows and the final value, both known.
    assert body["xirr_pct"] is not None


async def test_a_lot_dated_before_the_stored_history_schedules_its_backfill(
    as_admin, settings, yahoo
):
    from carteira.core.outbox import OutboxJob

    old = TODAY - timedelta(days=900)
    history = [(day, Decimal("20")) for day in weekdays(old, 700)]
    asset = await make_asset(as_admin, "OLDH3.SA", price="20", previous_close="20", history=history)
    client = await make_client(as_admin)
    await hold(as_admin, client["id"], asset, "1", "20", on=old)
    sent = await OutboxJob.all().values_list("job_id", flat=True)
    pending = await as_admin.get(f"/jobs/backfill:{asset['id']}:{old.isoformat()}")
    assert pending.json()["status"] == "queued" or f"backfill:{asset['id']}:{old}" in sent
    await run_jobs(settings)
    series = (await as_admin.get(f"/clients/{client['id']}/performance")).json()["series"]
    assert series[0]["date"] == old.isoformat()  # the curve starts with the holding
    assert series[0]["value"] == "20"
