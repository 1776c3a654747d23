"""The firm's calendar, not UTC: at 23:30 in São Paulo on the last day of a month, UTC is
already in the next month. Before the fix the API believed it was tomorrow."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from carteira.core import clock
from tests.factories import make_asset, make_client
from tests.support import next_json, ws_url

LATE_ON_THE_30TH = datetime(2026, 11, 30, 23, 30, tzinfo=ZoneInfo("America/Sao_Paulo"))


@pytest.fixture
def late_evening():
    assert LATE_ON_THE_30TH.astimezone(UTC).date() == date(2026, 12, 1)  # the trap
    with clock.frozen_at(LATE_ON_THE_30TH):
        yield


def test_the_clock_reads_the_firms_zone(late_evening):
    assert clock.today() == date(2026, 11, 30)
    assert clock.current_month() == (2026, 11)


async def test_tomorrow_in_brazil_is_the_future(late_evening, as_admin):
    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "PETR4.SA")
    lot = {"asset_id": asset["id"], "quantity": "1", "buy_price": "10"}
    r = await as_admin.post(
        f"/clients/{client['id']}/allocations", json={**lot, "buy_date": "2026-12-01"}
    )
    assert r.status_code == 422
    r = await as_admin.post(
        f"/clients/{client['id']}/allocations", json={**lot, "buy_date": "2026-11-30"}
    )
    assert r.status_code == 201


async def test_this_months_report_is_still_november(late_evening, as_admin):
    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "PETR4.SA")
    lot = {"asset_id": asset["id"], "quantity": "2", "buy_price": "10", "buy_date": "2026-11-30"}
    assert (
        await as_admin.post(f"/clients/{client['id']}/allocations", json=lot)
    ).status_code == 201
    body = (await as_admin.get("/reports/inflows")).json()
    assert (body["year"], body["month"]) == (2026, 11)
    assert body["total"] == "20"
    r = await as_admin.get("/reports/inflows?format=csv")
    assert "2026-11-30.csv" in r.headers["content-disposition"]


async def test_performance_ends_today_in_brazil(late_evening, as_admin):
    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "PETR4.SA")
    lot = {"asset_id": asset["id"], "quantity": "2", "buy_price": "10", "buy_date": "2026-11-02"}
    await as_admin.post(f"/clients/{client['id']}/allocations", json=lot)
    body = (await as_admin.get(f"/clients/{client['id']}/performance")).json()
    assert body["end"] == "2026-11-30"
    r = await as_admin.get(f"/clients/{client['id']}/performance?end=2026-12-01")
    assert r.status_code == 422


async def test_a_job_window_cannot_end_tomorrow_in_brazil(late_evening, as_admin):
    r = await as_admin.post("/jobs/daily-returns", json={"end": "2026-12-01"})
    assert r.status_code == 422


async def test_the_dashboards_month_is_the_firms(late_evening, live_url, admin):
    import aiohttp

    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(ws_url(live_url, f"/ws/dashboard?token={admin.token}")) as ws,
    ):
        message = await next_json(ws)
        while message["type"] != "inflows":
            message = await next_json(ws)
        assert (message["year"], message["month"]) == (2026, 11)


def test_the_orm_does_not_overwrite_the_timezone_setting(app):
    """Tortoise writes TIMEZONE=UTC into the environment when it starts; a Settings() read
    afterwards (and every child process, such as `carteira dev`'s API and worker) would have
    believed the firm's calendar was UTC."""
    import os

    from carteira.core.config import Settings

    assert os.environ.get("TIMEZONE") is None
    assert Settings(_env_file=None).timezone == "America/Sao_Paulo"
