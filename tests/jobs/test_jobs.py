"""Jobs on a real arq worker (burst mode, real Redis) against the fake Yahoo."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from tortoise import Tortoise

from carteira.core import clock
from carteira.core.database import atomic
from carteira.core.jobs import REGISTRY, Context, job
from carteira.pricing.closes import store_closes
from carteira.pricing.schemas import DailyClose
from tests.factories import make_asset
from tests.support import REPO, carteira_process, process_env, run_jobs, weekdays


async def stored(asset_id: int) -> list[tuple[date, Decimal, Decimal | None]]:
    _, rows = await Tortoise.get_connection("default").execute_query(
        "SELECT date, close, return_pct FROM daily_returns WHERE asset_id = $1 ORDER BY date",
        [asset_id],
    )
    return [(r["date"], r["close"], r["return_pct"]) for r in rows]


RECENT = weekdays(clock.today() - timedelta(days=20), 10)


async def test_registering_an_asset_backfills_its_history(as_admin, settings):
    history = [(RECENT[0], Decimal("10")), (RECENT[1], None), (RECENT[2], Decimal("11"))]
    history += [(day, Decimal("12.1")) for day in RECENT[3:5]]
    asset = await make_asset(as_admin, "PETR4.SA", history=history)
    queued = (await as_admin.get(f"/jobs/backfill:{asset['id']}")).json()
    assert queued["status"] == "queued"
    assert queued["function"] == "backfill_asset"

    await run_jobs(settings)

    done = (await as_admin.get(f"/jobs/backfill:{asset['id']}")).json()
    assert done["status"] == "complete"
    assert done["result"]["inserted"] == 4  # the null close was skipped
    assert done["progress"] == {"done": 1, "total": 1}
    assert done["started_at"]
    assert done["finished_at"]
    rows = await stored(asset["id"])
    assert [(d, c) for d, c, _ in rows] == [
        (RECENT[0], Decimal("10")),
        (RECENT[2], Decimal("11")),
        (RECENT[3], Decimal("12.1")),
        (RECENT[4], Decimal("12.1")),
    ]
    # RECENT[1] had no close (Yahoo's null): RECENT[2] follows a gap, not a session.
    assert [r for _, _, r in rows] == [None, None, Decimal("10"), Decimal("0")]

    history_out = (await as_admin.get(f"/assets/{asset['id']}/history")).json()
    assert [item["close"] for item in history_out["items"]] == ["10", "11", "12.1", "12.1"]
    assert history_out["items"][1]["return_pct"] is None
    assert history_out["items"][2]["return_pct"] == 10.0


async def test_refresh_job_is_idempotent_and_reports(as_admin, settings):
    history = [(day, Decimal(20 + n)) for n, day in enumerate(RECENT)]
    vale = await make_asset(as_admin, "VALE3.SA", history=history)
    await make_asset(as_admin, "ITUB4.SA", history=history)
    await run_jobs(settings)  # the two backfills
    body = {"start": RECENT[0].isoformat(), "end": RECENT[-1].isoformat()}
    first = (await as_admin.post("/jobs/daily-returns", json=body)).json()["job_id"]
    await run_jobs(settings)
    result = (await as_admin.get(f"/jobs/{first}")).json()
    assert result["status"] == "complete"
    assert result["result"]["assets"] == 2
    assert (result["result"]["inserted"], result["result"]["updated"]) == (0, 0)
    assert len(await stored(vale["id"])) == len(RECENT)


async def test_one_failing_ticker_does_not_fail_the_others(as_admin, settings, yahoo):
    history = [(day, Decimal("5")) for day in RECENT[:3]]
    good = await make_asset(as_admin, "GOOD3.SA", history=history)
    await make_asset(as_admin, "BAD3.SA", history=history)
    await run_jobs(settings)
    yahoo.fail_symbol("BAD3.SA", status=500)
    job_id = (await as_admin.post("/jobs/daily-returns", json={})).json()["job_id"]
    await run_jobs(settings)
    result = (await as_admin.get(f"/jobs/{job_id}")).json()
    assert result["status"] == "complete"
    assert list(result["result"]["failed"]) == ["BAD3.SA"]
    assert len(await stored(good["id"])) == 3


async def test_refresh_reads_the_provider_not_a_cached_history(as_admin, settings, yahoo):
    """A history cached during the session (an intraday bar for today) must not be what the
    daily job stores: the job asks the provider again."""
    days = RECENT[-3:]
    intraday = [(day, Decimal("30")) for day in days[:-1]] + [(days[-1], Decimal("30.5"))]
    asset = await make_asset(as_admin, "TAEE11.SA", history=intraday)
    await run_jobs(settings)  # the backfill
    body = {"start": days[0].isoformat(), "end": days[-1].isoformat()}
    await as_admin.post("/jobs/daily-returns", json=body)
    await run_jobs(settings)  # stores the intraday bar, and caches the window's history
    final = [(day, Decimal("30")) for day in days[:-1]] + [(days[-1], Decimal("31.25"))]
    yahoo.add_symbol("TAEE11.SA", price=Decimal("31.25"), previous_close=30, history=final)

    job_id = (await as_admin.post("/jobs/daily-returns", json=body)).json()["job_id"]
    await run_jobs(settings)

    result = (await as_admin.get(f"/jobs/{job_id}")).json()["result"]
    assert (result["inserted"], result["updated"]) == (0, 1)
    assert (await stored(asset["id"]))[-1][:2] == (days[-1], Decimal("31.25"))


async def test_windows_recompute_returns_at_both_edges(as_admin, settings):
    asset = await make_asset(as_admin, "EDGE3.SA")
    days = weekdays(date(2026, 3, 2), 6)
    await store_closes(
        asset_id=asset["id"], closes=[DailyClose(date=d, close=Decimal("10")) for d in days[2:4]]
    )
    # A later window: its first day chains to the last stored close (left edge).
    await store_closes(asset_id=asset["id"], closes=[DailyClose(date=days[4], close=Decimal("11"))])
    # An earlier window: the day after it, stored before, is recomputed (right edge).
    await store_closes(asset_id=asset["id"], closes=[DailyClose(date=days[1], close=Decimal("8"))])
    returns = [r for _, _, r in await stored(asset["id"])]
    assert returns == [None, Decimal("25"), Decimal("0"), Decimal("10")]


async def test_bad_job_requests(as_admin):
    future = (clock.today() + timedelta(days=2)).isoformat()
    assert (await as_admin.post("/jobs/daily-returns", json={"end": future})).status_code == 422
    r = await as_admin.post(
        "/jobs/daily-returns", json={"start": "2026-02-01", "end": "2026-01-01"}
    )
    assert r.status_code == 422
    assert (await as_admin.post("/jobs/daily-returns", json={"asset_id": 999})).status_code == 404
    assert (await as_admin.post("/jobs/daily-returns", json={"nope": 1})).status_code == 422
    assert (await as_admin.get("/jobs/nothing-here")).json()["status"] == "not_found"
    assert (await as_admin.get("/jobs/bad id!")).status_code == 422


async def _enqueue_then_fail(queue) -> None:
    async with atomic():
        await queue.enqueue("refresh_daily_returns", job_id="never")
        raise RuntimeError("rolled back")


async def test_enqueue_waits_for_the_commit(app):
    queue = app.state.jobs
    with pytest.raises(RuntimeError, match="rolled back"):
        await _enqueue_then_fail(queue)
    assert (await queue.state("never")).status == "not_found"
    async with atomic():
        await queue.enqueue("refresh_daily_returns", job_id="after-commit")
        assert (await queue.state("after-commit")).status == "not_found"  # not before commit
    assert (await queue.state("after-commit")).status == "queued"


async def test_a_job_id_runs_once_at_a_time(app):
    queue = app.state.jobs
    await queue.enqueue("refresh_daily_returns", job_id="only-once")
    await queue.enqueue("refresh_daily_returns", job_id="only-once")
    assert await app.state.redis.zcard("arq:queue") == 1


@job(timeout_seconds=5, max_tries=1, retry_delay_seconds=0)
async def explode(ctx: Context) -> None:
    raise ValueError("boom")


async def test_a_failing_job_reports_its_error(app, settings):
    assert "explode" in REGISTRY
    job_id = await app.state.jobs.enqueue("explode")
    await run_jobs(settings)
    state = await app.state.jobs.state(job_id)
    assert state.status == "failed"
    assert "boom" in (state.error or "")


@job(timeout_seconds=5, max_tries=3, retry_delay_seconds=0.01)
async def flaky(ctx: Context) -> str:
    if ctx["job_try"] < 3:
        from carteira.pricing.exceptions import ProviderUnavailableError

        raise ProviderUnavailableError("try again")
    return "third time lucky"


async def test_transient_failures_are_retried_with_a_delay(app, settings):
    job_id = await app.state.jobs.enqueue("flaky")
    for _ in range(3):
        await run_jobs(settings)
        await asyncio.sleep(0.05)
    state = await app.state.jobs.state(job_id)
    assert state.status == "complete"
    assert state.result == "third time lucky"
    assert state.tries == 3


async def test_worker_killed_mid_backfill_then_rerun_leaves_no_gaps_or_duplicates(
    as_admin, app, settings, yahoo
):
    days = weekdays(clock.today() - timedelta(days=40), 20)
    history = [(day, Decimal(30 + n)) for n, day in enumerate(days)]
    assets = [await make_asset(as_admin, f"KILL{n}.SA", history=history) for n in range(3)]
    yahoo.delay = 0.4  # each history fetch is slow: the kill lands mid-job
    with carteira_process("worker", env=process_env(settings)) as worker:
        for _ in range(200):
            states = [await app.state.jobs.state(f"backfill:{a['id']}") for a in assets]
            if any(s.status == "in_progress" for s in states):
                break
            await asyncio.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
    # What a crash leaves behind: the in-progress marker expires, then any worker retries.
    for key in await app.state.redis.keys("arq:in-progress:*"):
        await app.state.redis.delete(key)
    yahoo.delay = 0
    await run_jobs(settings)
    for asset in assets:
        state = await app.state.jobs.state(f"backfill:{asset['id']}")
        assert state.status == "complete"
        rows = await stored(asset["id"])
        assert [d for d, _, _ in rows] == days  # every day, once
    _, dupes = await Tortoise.get_connection("default").execute_query(
        "SELECT asset_id, date FROM daily_returns GROUP BY 1, 2 HAVING COUNT(*) > 1"
    )
    assert dupes == []


def test_arq_check_is_a_liveness_probe(settings):
    env = process_env(settings)
    command = [sys.executable, "-m", "arq", "carteira.worker.WorkerSettings", "--check"]
    before = subprocess.run(
        command, env=env, cwd=REPO, capture_output=True, timeout=60, check=False
    )
    assert before.returncode == 1  # no worker has reported yet
    with carteira_process("worker", env=env):
        for _ in range(50):
            after = subprocess.run(
                command, env=env, cwd=REPO, capture_output=True, timeout=60, check=False
            )
            if after.returncode == 0:
                break
            time.sleep(0.3)
    assert after.returncode == 0, after.stdout


async def test_a_return_is_daily_only_between_consecutive_sessions(as_admin, settings, yahoo):
    """Measured before: after a gap in the stored history, a 20-month move was stored as one
    day's return."""
    history = [
        (date(2024, 2, 8), Decimal("10")),
        (date(2024, 2, 9), Decimal("10.5")),  # Friday before Carnival
        (date(2024, 2, 14), Decimal("11")),  # Ash Wednesday: B3's next session
        (date(2024, 2, 15), Decimal("11")),
        (date(2025, 10, 20), Decimal("22")),  # after 20 months without stored closes
        (date(2025, 10, 21), Decimal("22.22")),
    ]
    asset = await make_asset(as_admin, "GAPS3.SA", history=history)
    body = {"asset_id": asset["id"], "start": "2024-02-01", "end": "2025-10-31"}
    await as_admin.post("/jobs/daily-returns", json=body)
    await run_jobs(settings)
    returns = {day: r for day, _, r in await stored(asset["id"])}
    assert returns[date(2024, 2, 9)] == Decimal("5")
    assert returns[date(2024, 2, 14)] == Decimal("4.7619047619")  # Carnival is not a gap
    assert returns[date(2025, 10, 20)] is None  # a gap is not a day
    assert returns[date(2025, 10, 21)] == Decimal("1")


async def test_crypto_trades_every_day_and_us_listings_follow_nyse(as_admin, settings, yahoo):
    weekend = [(date(2025, 7, 4), Decimal("100")), (date(2025, 7, 5), Decimal("110"))]
    coin = await make_asset(
        as_admin, "BTC-USD", history=weekend, instrument_type="CRYPTOCURRENCY", exchange="CCC"
    )
    us = [(date(2025, 7, 3), Decimal("50")), (date(2025, 7, 7), Decimal("51"))]  # 4 July
    stock = await make_asset(as_admin, "AAPL", history=us, exchange="NMS", currency="USD")
    for asset in (coin, stock):
        body = {"asset_id": asset["id"], "start": "2025-07-01", "end": "2025-07-10"}
        await as_admin.post("/jobs/daily-returns", json=body)
    await run_jobs(settings)
    assert [r for _, _, r in await stored(coin["id"])] == [None, Decimal("10")]
    assert [r for _, _, r in await stored(stock["id"])] == [None, Decimal("2")]
