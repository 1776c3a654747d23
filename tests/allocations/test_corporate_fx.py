"""Corporate actions from the provider into the ledgers, valuation on one split basis, and
currencies consolidated in reais — through the API, the real worker and the fake Yahoo."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tortoise import Tortoise

from carteira.core.jobs import JobQueue
from carteira.pricing.corporate import store_rates
from carteira.pricing.schemas import DailyClose
from tests.factories import buy, deposit, make_asset, make_client
from tests.support import (
    age_cached_quote,
    fresh_prices,
    provider_entries_of,
    run_jobs,
    weekdays,
)

SESSIONS = weekdays(date(2026, 3, 2), 30)  # B3 sessions from 2 March 2026
EX_DIV, EX_SPLIT = SESSIONS[10], SESSIONS[20]


async def provider_entries(client_id: int) -> list[dict]:
    return await provider_entries_of(
        client_id, "kind", "date", "amount", "split_to", "split_from", "source", "external_ref"
    )


async def refresh(api, asset_id: int, settings) -> None:
    body = {"asset_id": asset_id, "start": SESSIONS[0].isoformat(), "end": SESSIONS[-1].isoformat()}
    assert (await api.post("/jobs/daily-returns", json=body)).status_code == 202
    await run_jobs(settings)


@pytest.fixture
async def petr_with_events(as_admin, yahoo):
    """PETR4.SA on the provider: a dividend declared as 1.00 per share, then a 2:1 split; the
    closes and the dividend are split-adjusted as Yahoo sends them (before the split, half the
    price paid then, and the dividend as 0.50)."""
    history = [(day, Decimal("20") if day < EX_SPLIT else Decimal("21")) for day in SESSIONS]
    asset = await make_asset(as_admin, "PETR4.SA", price="21", previous_close="21", history=history)
    yahoo.add_dividend("PETR4.SA", EX_DIV, Decimal("0.5"))
    yahoo.add_split("PETR4.SA", EX_SPLIT, 2, 1)
    return asset


async def test_events_reach_the_ledgers_of_those_who_held_the_asset(
    as_admin, settings, petr_with_events
):
    asset = petr_with_events
    holder = await make_client(as_admin, name="Holder")
    late = await make_client(as_admin, name="Bought on the ex date")
    await buy(as_admin, holder["id"], asset, "100", "40", on=str(SESSIONS[0]))
    await buy(as_admin, late["id"], asset, "10", "40", on=str(EX_DIV))
    await refresh(as_admin, asset["id"], settings)

    assert await provider_entries(holder["id"]) == [
        {
            "kind": "dividend",
            "date": EX_DIV,
            "amount": Decimal("100"),  # 100 shares x 1.00 as declared, not x 0.50 adjusted
            "split_to": None,
            "split_from": None,
            "source": "provider",
            "external_ref": f"dividend:{asset['id']}:{EX_DIV}",
        },
        {
            "kind": "split",
            "date": EX_SPLIT,
            "amount": None,
            "split_to": Decimal("2"),
            "split_from": Decimal("1"),
            "source": "provider",
            "external_ref": f"split:{asset['id']}:{EX_SPLIT}",
        },
    ]
    # Held nothing the day before the dividend's ex date: the split only.
    assert [e["kind"] for e in await provider_entries(late["id"])] == ["split"]

    position = (await as_admin.get(f"/clients/{holder['id']}/positions")).json()["positions"][0]
    assert (position["quantity"], position["average_cost"], position["cost"]) == (
        "200",
        "20",
        "4000",
    )
    assert position["income"] == "100"

    await refresh(as_admin, asset["id"], settings)  # a re-run makes nothing twice
    assert len(await provider_entries(holder["id"])) == 2


async def test_a_users_decision_about_a_provider_entry_is_kept(
    as_admin, settings, petr_with_events
):
    asset = petr_with_events
    client = await make_client(as_admin)
    cid = client["id"]
    await buy(as_admin, cid, asset, "100", "40", on=str(SESSIONS[0]))
    await refresh(as_admin, asset["id"], settings)
    ledger = (await as_admin.get(f"/clients/{cid}/transactions?kind=dividend")).json()["items"]
    (dividend,) = ledger
    edited = await as_admin.patch(
        f"/clients/{cid}/transactions/{dividend['id']}", json={"amount": "49.90", "tax": "1"}
    )
    assert edited.status_code == 200
    (split,) = (await as_admin.get(f"/clients/{cid}/transactions?kind=split")).json()["items"]
    assert (await as_admin.delete(f"/clients/{cid}/transactions/{split['id']}")).status_code == 200

    await refresh(as_admin, asset["id"], settings)
    kinds = {e["kind"]: e for e in await provider_entries(cid)}
    assert set(kinds) == {"dividend"}  # the deleted split is not made again
    assert kinds["dividend"]["amount"] == Decimal("49.9")  # the edit is not overwritten


async def test_a_purchase_recorded_later_and_dated_before_gets_the_events(
    as_admin, settings, petr_with_events
):
    asset = petr_with_events
    await refresh(as_admin, asset["id"], settings)  # events stored; nobody held it yet
    client = await make_client(as_admin)
    await buy(as_admin, client["id"], asset, "30", "40", on=str(SESSIONS[0]))
    entries = await provider_entries(client["id"])
    assert [(e["kind"], e["amount"]) for e in entries] == [
        ("dividend", Decimal("30")),
        ("split", None),
    ]
    position = (await as_admin.get(f"/clients/{client['id']}/positions")).json()["positions"][0]
    assert position["quantity"] == "60"


async def test_one_job_brings_every_assets_events_to_each_holder(as_admin, settings, yahoo, redis):
    client = await make_client(as_admin)
    held = []
    for ticker in ("PETR4.SA", "VALE3.SA"):
        history = [(day, Decimal("40")) for day in SESSIONS]
        asset = await make_asset(as_admin, ticker, price="40", previous_close="40", history=history)
        await buy(as_admin, client["id"], asset, "10", "40", on=str(SESSIONS[0]))
        held.append(asset["id"])
    await run_jobs(settings)  # the backfills: no events yet
    yahoo.add_dividend("PETR4.SA", EX_DIV, Decimal("0.5"))
    yahoo.add_split("PETR4.SA", EX_SPLIT, 2, 1)
    yahoo.add_dividend("VALE3.SA", EX_DIV, Decimal("2"))
    await redis.delete(*[key async for key in redis.scan_iter("arq:result:*")])

    body = {"start": SESSIONS[0].isoformat(), "end": SESSIONS[-1].isoformat()}  # every asset
    assert (await as_admin.post("/jobs/daily-returns", json=body)).status_code == 202
    await run_jobs(settings)

    entries = await provider_entries(client["id"])
    assert {(e["kind"], e["external_ref"].split(":")[1]) for e in entries} == {
        ("dividend", str(held[0])),
        ("split", str(held[0])),
        ("dividend", str(held[1])),
    }
    # One job for both assets: one write per holder, not one per asset.
    results = await JobQueue(redis).arq.all_job_results()
    corporate = [r.result for r in results if r.function == "apply_corporate_actions"]
    assert corporate == [{"assets": 2, "entries": 3}]


async def test_a_split_is_never_a_jump_in_the_curve(as_admin, settings, petr_with_events):
    asset = petr_with_events
    client = await make_client(as_admin)
    # 100 bought at the real price before the split (40); the provider's closes are adjusted.
    await buy(as_admin, client["id"], asset, "100", "40", on=str(SESSIONS[0]))
    await refresh(as_admin, asset["id"], settings)
    body = (
        await as_admin.get(
            f"/clients/{client['id']}/performance", params={"end": str(SESSIONS[-1])}
        )
    ).json()
    values = {p["date"]: Decimal(p["value"]) for p in body["series"]}
    cash = Decimal("100")  # the dividend
    # Every day is 200 shares on today's basis: 4000 before the split, 4200 after; no jump
    # beyond what the prices did (20 -> 21), none at all on the split's day itself.
    before, on = values[str(SESSIONS[19])], values[str(EX_SPLIT)]
    assert before - (cash if SESSIONS[19] >= EX_DIV else 0) == Decimal("4000")
    assert on - cash == Decimal("4200")
    returns = [p["cumulative_twr_pct"] for p in body["series"]]
    assert all(r is not None for r in returns)
    assert max(returns) < 8  # 5 % from the prices, 2.5 % from the dividend


async def test_bad_provider_events_are_skipped_never_written(as_admin, settings, yahoo):
    history = [(day, Decimal("10")) for day in SESSIONS]
    asset = await make_asset(as_admin, "BADE3.SA", price="10", previous_close="10", history=history)
    yahoo.add_raw_event(
        "BADE3.SA", "splits", {"date": 1773064800, "numerator": 0, "denominator": 1}
    )
    yahoo.add_raw_event("BADE3.SA", "dividends", {"date": 1773151200, "amount": -1})
    yahoo.add_raw_event("BADE3.SA", "dividends", {"date": "yesterday", "amount": 1})
    client = await make_client(as_admin)
    await buy(as_admin, client["id"], asset, "10", "10", on=str(SESSIONS[0]))
    await refresh(as_admin, asset["id"], settings)
    assert await provider_entries(client["id"]) == []
    _, rows = await Tortoise.get_connection("default").execute_query(
        "SELECT COUNT(*) AS n FROM asset_events WHERE asset_id = $1", [asset["id"]]
    )
    assert rows[0]["n"] == 0


# ---- currencies ------------------------------------------------------------------------------


@pytest.fixture
async def two_currencies(as_admin, yahoo):
    """A client with PETR4.SA in reais and AAPL in dollars; USDBRL=X quoted at 5.00 today."""
    client = await make_client(as_admin)
    petr = await make_asset(as_admin, "PETR4.SA", price="40", previous_close="40")
    aapl = await make_asset(
        as_admin, "AAPL", price="200", previous_close="200", currency="USD", exchange="NMS"
    )
    from tests.factories import list_on_yahoo

    list_on_yahoo(
        "USDBRL=X", price="5", previous_close="5", currency="BRL", instrument_type="CURRENCY"
    )
    await buy(as_admin, client["id"], petr, "100", "30", on="2026-03-02")
    await buy(as_admin, client["id"], aapl, "10", "150", on="2026-03-03")
    await deposit(as_admin, client["id"], "100", on="2026-03-04", currency="USD")
    return client, petr, aapl


async def test_positions_are_consolidated_in_reais(as_admin, two_currencies):
    client, *_ = two_currencies
    body = (await as_admin.get(f"/clients/{client['id']}/positions")).json()
    aapl = next(p for p in body["positions"] if p["ticker"] == "AAPL")
    assert (aapl["market_value"], aapl["fx_rate"], aapl["market_value_reporting"]) == (
        "2000",
        "5",
        "10000",
    )
    consolidated = body["consolidated"]
    # 100 x 40 = 4000 BRL; 10 x 200 x 5 = 10000; cash: 100 USD x 5 = 500
    assert (consolidated["market_value"], consolidated["cash"], consolidated["value"]) == (
        "14000",
        "500",
        "14500",
    )
    assert consolidated["fx_rates"] == {"USD": "5"}
    assert [t["currency"] for t in body["totals"]] == ["BRL", "USD"]  # never added together


async def test_a_rate_kept_while_the_provider_is_down_is_flagged_stale(
    as_admin, two_currencies, yahoo, app
):
    from carteira.pricing.service import create_market_data

    client, *_ = two_currencies
    body = (await as_admin.get(f"/clients/{client['id']}/positions")).json()
    assert (body["consolidated"]["fx_rates"], body["consolidated"]["fx_stale"]) == (
        {"USD": "5"},
        False,
    )
    await age_cached_quote(app.state.redis, "USDBRL=X", 3600)
    await app.state.market.close()  # its memory forgets the rate; Redis keeps the old one
    app.state.market = app.state.hub.market = create_market_data(
        app.state.settings, app.state.redis
    )
    yahoo.fail_symbol("USDBRL=X", status=500)
    body = (await as_admin.get(f"/clients/{client['id']}/positions")).json()
    # The last rate is used, and said to be old; nothing is invented or dropped.
    assert body["consolidated"]["fx_rates"] == {"USD": "5"}
    assert body["consolidated"]["fx_stale"] is True
    assert body["consolidated"]["value"] == "14500"


async def test_without_a_rate_nothing_is_invented(as_admin, two_currencies, yahoo, app):
    client, *_ = two_currencies
    yahoo.fail_symbol("USDBRL=X", status=500)

    await fresh_prices(as_admin._transport.app)
    body = (await as_admin.get(f"/clients/{client['id']}/positions")).json()
    assert body["consolidated"]["fx_missing"] == ["USD"]
    assert body["consolidated"]["value"] is None
    usd = next(t for t in body["totals"] if t["currency"] == "USD")
    assert usd["market_value"] == "2000"  # the per-currency figures still answer
    performance = (await as_admin.get(f"/clients/{client['id']}/performance")).json()
    assert performance["consolidated"] is True
    assert performance["fx_missing"][0]["currency"] == "USD"
    assert performance["xirr_pct"] is None
    dollars = (await as_admin.get(f"/clients/{client['id']}/performance?currency=USD")).json()
    assert dollars["totals"]["value"] == "2100"  # 2000 + 100 cash, unconverted


async def test_performance_consolidates_each_day_at_its_rate(as_admin, two_currencies, settings):
    client, petr, aapl = two_currencies
    from carteira.pricing.closes import store_closes

    days = [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)]
    await store_closes(
        asset_id=petr["id"], closes=[DailyClose(date=d, close=Decimal("30")) for d in days]
    )
    await store_closes(
        asset_id=aapl["id"], closes=[DailyClose(date=d, close=Decimal("150")) for d in days]
    )
    # A rate on the 2nd and the 4th only: the 3rd (no close) takes the 2nd's.
    await store_rates(
        series="USDBRL",
        closes=[
            DailyClose(date=days[0], close=Decimal("5")),
            DailyClose(date=days[2], close=Decimal("5.5")),
        ],
    )
    body = (
        await as_admin.get(f"/clients/{client['id']}/performance", params={"end": "2026-03-05"})
    ).json()
    assert body["consolidated"] is True
    values = {p["date"]: p["value"] for p in body["series"]}
    assert values["2026-03-02"] == "3000"
    assert values["2026-03-03"] == "10500"  # 3000 + 1500 x 5 (the 2nd's rate)
    assert values["2026-03-04"] == "11800"  # 3000 + (1500 + 100) x 5.5
    # Flows at their date's rate: 3000 + 1500 x 5 + 100 x 5.5
    assert body["totals"]["invested"] == "11050"


async def test_captacao_is_consolidated_with_each_flow_at_its_rate(as_admin, two_currencies):
    await store_rates(
        series="USDBRL",
        closes=[
            DailyClose(date=date(2026, 2, 27), close=Decimal("5")),
            DailyClose(date=date(2026, 3, 4), close=Decimal("6")),
        ],
    )
    body = (await as_admin.get("/reports/inflows?year=2026&month=3")).json()
    assert (body["currency"], body["consolidated"]) == ("BRL", True)
    # 3000 (BRL) + 1500 USD x 5 (the 3rd takes the 27th's) + 100 USD x 6
    assert body["inflows"] == "11100"
    assert {c["currency"]: c["inflows"] for c in body["by_currency"]} == {
        "BRL": "3000",
        "USD": "1600",
    }
    usd = (await as_admin.get("/reports/inflows?year=2026&month=3&currency=USD")).json()
    assert (usd["inflows"], usd["consolidated"]) == ("1600", False)
    _, *rows = [
        line.split(",")
        for line in (await as_admin.get("/reports/inflows?year=2026&month=3&format=csv"))
        .content.decode("utf-8-sig")
        .replace('"', "")
        .splitlines()
    ]
    assert sum(Decimal(row[-1]) for row in rows) == Decimal(body["net"])


async def test_aum_in_reais(as_admin, as_reader, two_currencies):
    body = (await as_reader.get("/reports/aum")).json()
    assert (body["currency"], body["market_value"], body["cash"], body["value"]) == (
        "BRL",
        "14000",
        "500",
        "14500",
    )
    assert {t["asset_type"]: t["value"] for t in body["by_asset_type"]} == {
        "EQUITY": "14000",
        None: "500",
    }
    assert body["clients"] == 1


async def test_a_first_holding_in_a_currency_backfills_its_rates(
    as_admin, settings, two_currencies, yahoo
):
    history = [(day, Decimal("5.1")) for day in weekdays(date(2026, 3, 2), 5)]
    from tests.factories import list_on_yahoo

    list_on_yahoo("USDBRL=X", price="5", previous_close="5", currency="BRL", history=history)
    queued = (await as_admin.get("/jobs/fx:USD:2026-03-03")).json()
    assert queued["status"] == "queued"
    await run_jobs(settings)
    _, rows = await Tortoise.get_connection("default").execute_query(
        "SELECT MIN(date) AS first, COUNT(*) AS n FROM fx_rates WHERE series = 'USDBRL'"
    )
    assert (rows[0]["first"], rows[0]["n"]) == (date(2026, 3, 3), 4)


async def test_the_daily_cron_refreshes_the_recent_rates_of_every_currency_held(
    app, two_currencies, yahoo
):
    from datetime import timedelta

    from carteira.allocations.tasks import daily_fx
    from carteira.core import clock
    from tests.factories import list_on_yahoo

    recent = weekdays(clock.today() - timedelta(days=6), 4)
    list_on_yahoo(
        "USDBRL=X",
        price="5.3",
        previous_close="5.2",
        currency="BRL",
        history=[(day, Decimal("5.25")) for day in recent],
    )
    ctx = {"market": app.state.market, "settings": app.state.settings, "events": app.state.events}
    assert await daily_fx(ctx) == {"rates": {"USD": 4}}  # reais need no rate
    _, rows = await Tortoise.get_connection("default").execute_query(
        "SELECT date, rate FROM fx_rates WHERE series = 'USDBRL' AND date >= $1 ORDER BY date",
        [recent[0]],
    )
    assert [(row["date"], row["rate"]) for row in rows] == [(d, Decimal("5.25")) for d in recent]
    await daily_fx(ctx)  # again: the same days rewritten, nothing doubled
    _, again = await Tortoise.get_connection("default").execute_query(
        "SELECT COUNT(*) AS n FROM fx_rates WHERE series = 'USDBRL' AND date >= $1", [recent[0]]
    )
    assert again[0]["n"] == len(recent)
