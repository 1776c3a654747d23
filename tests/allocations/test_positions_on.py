"""GET /clients/{id}/positions?as_of=: the positions as they stood at a past day's end — the
ledger through that day, the stored closes on or before it (on that day's share basis), its
stored exchange rates, renda fixa taxed by the days held to it. Figures by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from carteira.core import clock
from carteira.pricing.bcb import CDI
from carteira.pricing.closes import store_closes
from carteira.pricing.corporate import store_rates
from carteira.pricing.schemas import DailyClose
from tests.factories import (
    CDB,
    CDI_APRIL,
    buy,
    deposit,
    list_on_yahoo,
    make_asset,
    make_client,
    register,
    sell,
)
from tests.support import run_jobs, weekdays

SESSIONS = weekdays(date(2026, 3, 2), 30)  # B3 sessions from 2 March 2026
EX_SPLIT = SESSIONS[20]


async def positions_on(api, client_id: int, day: date | str):
    return await api.get(f"/clients/{client_id}/positions", params={"as_of": str(day)})


async def test_a_past_date_shows_what_was_held_then_at_that_days_close(
    as_admin, as_reader, settings, yahoo
):
    # The provider's closes are split-adjusted (2:1 at EX_SPLIT): 20 before it is 40 paid then.
    history = [(day, Decimal("20") if day < EX_SPLIT else Decimal("21")) for day in SESSIONS]
    petr = await make_asset(as_admin, "PETR4.SA", price="25", previous_close="24", history=history)
    yahoo.add_split("PETR4.SA", EX_SPLIT, 2, 1)
    client = await make_client(as_admin)
    cid = client["id"]
    await deposit(as_admin, cid, "500", on=str(SESSIONS[0]))
    await buy(as_admin, cid, petr, "100", "35", on=str(SESSIONS[0]))
    await sell(as_admin, cid, petr, "20", "42", on=str(SESSIONS[5]))
    # After the date asked for: a buy, the split (from the provider) and a sale.
    await buy(as_admin, cid, petr, "50", "41", on=str(SESSIONS[12]))
    await sell(as_admin, cid, petr, "100", "21", on=str(SESSIONS[24]))
    body = {"asset_id": petr["id"], "start": str(SESSIONS[0]), "end": str(SESSIONS[-1])}
    assert (await as_admin.post("/jobs/daily-returns", json=body)).status_code == 202
    await run_jobs(settings)

    r = await positions_on(as_reader, cid, SESSIONS[8])
    assert r.status_code == 200, r.text
    answer = r.json()
    (held,) = answer["positions"]
    # 100 bought at 35, 20 sold at 42 (a gain of 20 x 7 = 140): 80 left at 35 = 2800; the
    # day's close 20 is 40 on that day's basis (the 2:1 split came later): 80 x 40 = 3200.
    assert (held["quantity"], held["average_cost"], held["cost"]) == ("80", "35", "2800")
    assert (held["current_price"], held["market_value"], held["unrealized_pnl"]) == (
        "40",
        "3200",
        "400",
    )
    assert (held["realized_pnl"], held["total_return"], held["lots"]) == ("140", "540", 1)
    assert held["price_as_of"].startswith(str(SESSIONS[8]))
    assert held["price_stale"] is False
    assert held["daily_change_pct"] is None
    # 3200 + 500 of cash = 3700; the position weighs 3200 / 3700.
    consolidated = answer["consolidated"]
    assert (consolidated["market_value"], consolidated["cash"], consolidated["value"]) == (
        "3200",
        "500",
        "3700",
    )
    assert held["weight_pct"] == round(3200 / 3700 * 100, 6)
    assert [(c["asset_class"], c["market_value"]) for c in answer["by_class"]] == [
        ("acoes", "3200"),
        ("caixa", "500"),
    ]
    # The curve's patrimônio that day is the same figure.
    performance = (
        await as_reader.get(f"/clients/{cid}/performance", params={"end": str(SESSIONS[8])})
    ).json()
    assert performance["series"][-1]["date"] == str(SESSIONS[8])
    assert performance["series"][-1]["value"] == "3700"
    assert performance["totals"]["value"] == "3700"
    # On the split's day: 260 shares at 21 and the cash = 5960; the day began with 130 at
    # 40 (20 on today's basis) = 5200 + 500: a change of 260, the move from 20 to 21.
    split_day = (
        await as_reader.get(f"/clients/{cid}/performance", params={"end": str(EX_SPLIT)})
    ).json()["totals"]
    assert (split_day["value"], split_day["day_change"]) == ("5960", "260")

    # After the split: (80 + 50) x 2 = 260 shares at 21; cost 2800 + 50 x 41 = 4850.
    (split,) = (await positions_on(as_reader, cid, SESSIONS[22])).json()["positions"]
    assert (split["quantity"], split["cost"], split["current_price"], split["market_value"]) == (
        "260",
        "4850",
        "21",
        "5460",
    )
    # Today: 260 - 100 = 160 shares, at the live quote.
    (now,) = (await as_reader.get(f"/clients/{cid}/positions")).json()["positions"]
    assert (now["quantity"], now["current_price"], now["market_value"]) == ("160", "25", "4000")


async def test_a_foreign_asset_at_the_dates_close_and_rate(as_admin, as_reader):
    client = await make_client(as_admin)
    cid = client["id"]
    aapl = await make_asset(
        as_admin, "AAPL", price="200", previous_close="200", currency="USD", exchange="NMS"
    )
    list_on_yahoo(
        "USDBRL=X", price="5", previous_close="5", currency="BRL", instrument_type="CURRENCY"
    )
    await buy(as_admin, cid, aapl, "10", "150", on="2026-03-03")
    await deposit(as_admin, cid, "100", on="2026-03-04", currency="USD")
    await buy(as_admin, cid, aapl, "5", "170", on="2026-03-10")  # after the date asked for
    days = weekdays(date(2026, 3, 2), 5)  # 2 to 6 March
    await store_closes(
        asset_id=aapl["id"], closes=[DailyClose(date=d, close=Decimal("160")) for d in days]
    )
    await store_rates(
        series="USDBRL",
        closes=[
            DailyClose(date=date(2026, 3, 2), close=Decimal("5")),
            DailyClose(date=date(2026, 3, 4), close=Decimal("5.5")),
        ],
    )
    # Sunday 8 March: Friday's close, the 4th's rate (the last stored before it).
    answer = (await positions_on(as_reader, cid, "2026-03-08")).json()
    (held,) = answer["positions"]
    assert (held["quantity"], held["current_price"], held["market_value"]) == ("10", "160", "1600")
    assert held["price_as_of"].startswith("2026-03-06")
    assert held["price_stale"] is False
    # 1600 USD x 5.5 = 8800; 100 USD of cash x 5.5 = 550.
    assert (held["fx_rate"], held["market_value_reporting"]) == ("5.5", "8800")
    consolidated = answer["consolidated"]
    assert consolidated["fx_rates"] == {"USD": "5.5"}
    assert (consolidated["market_value"], consolidated["cash"], consolidated["value"]) == (
        "8800",
        "550",
        "9350",
    )
    assert answer["cash"] == [{"currency": "USD", "balance": "100"}]


async def test_renda_fixa_is_taxed_by_the_days_held_to_the_date(as_admin, settings, bcb):
    bcb.add_series(CDI, CDI_APRIL)
    with clock.frozen_at(datetime(2026, 5, 4, 19, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))):
        cdb = await register(as_admin, CDB)
        await run_jobs(settings)
        # The close of 30 April, set here so that the figures below are worked by hand.
        await store_closes(
            asset_id=cdb["id"],
            closes=[DailyClose(date=date(2026, 4, 30), close=Decimal("1010"))],
        )
        client = await make_client(as_admin)
        cid = client["id"]
        await buy(as_admin, cid, cdb, "10", "1000", on="2026-04-01")
        await buy(as_admin, cid, cdb, "5", "1005", on="2026-04-27")
        r = await positions_on(as_admin, cid, "2026-04-30")
    assert r.status_code == 200, r.text
    (held,) = r.json()["positions"]
    # Lot 1: 10 x 1010 = 10100 over 10000, held 29 days to 30 April: IOF 3 % of 100 = 3;
    # income tax 22.5 % of the 97 left = 21.825.
    # Lot 2: 5 x 1010 = 5050 over 5025, held 3 days: IOF 90 % of 25 = 22.5; 22.5 % of the
    # 2.5 left = 0.5625.
    # Gross 15150; IOF 25.5; income tax 22.3875; net 15102.1125.
    assert (held["gross_value"], held["iof"], held["income_tax"], held["net_value"]) == (
        "15150",
        "25.5",
        "22.39",
        "15102.11",
    )
    assert held["price_as_of"].startswith("2026-04-30")


async def test_today_is_the_live_answer_and_a_later_date_is_422(as_admin):
    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA", price="12", previous_close="11")
    await buy(as_admin, client["id"], petr, "10", "10", on=str(SESSIONS[0]))
    today = clock.today()
    live = (await as_admin.get(f"/clients/{client['id']}/positions")).json()
    assert (await positions_on(as_admin, client["id"], today)).json() == live
    r = await positions_on(as_admin, client["id"], today + timedelta(days=1))
    assert r.status_code == 422
    assert r.json()["code"] == "as_of_in_future"
    assert "after today" in r.json()["detail"]
    # A client of nobody's answers 404, as without the date.
    r = await positions_on(as_admin, 999999, SESSIONS[8])
    assert r.status_code == 404
