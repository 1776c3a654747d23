"""Maturity (issue #30, point 5): a fixed income or Tesouro title held on its maturity date is
redeemed into cash — a provider-made `sell` of the whole quantity held at the end of the day
before, at the final unit price, settled in cash — made by the corporate-actions job and kept in
step by every ledger write, idempotent, and a deletion stays deleted. Figures by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tortoise import Tortoise

from carteira.core import clock
from carteira.core.jobs import JobQueue
from carteira.pricing import service as pricing
from carteira.pricing.bcb import CDI
from carteira.pricing.tasks import refresh_published_prices
from tests.factories import CDB, CDI_APRIL, attempt_entry, make_client, record, register, sell
from tests.support import changed, dismissed, evening_of, run_jobs

# 100 % do CDI from 1 April 2026, maturing on 30 April: 1000 x 1.00054266^10 x 1.00052531^9,
# every rate published before the maturity (test_instruments checks the close).
SHORT = {**CDB, "product": "LCA", "rate": "100", "maturity_date": "2026-04-30"}
FINAL = "1010.20337987"
MATURITY = "2026-04-30"


async def redemptions(client_id: int) -> list[tuple[str, date, Decimal, Decimal, str]]:
    _, rows = await Tortoise.get_connection("default").execute_query(
        "SELECT kind, date, quantity, price, settlement FROM transactions"
        " WHERE client_id = $1 AND source = 'provider' ORDER BY id",
        [client_id],
    )
    return [
        (r["kind"], r["date"], r["quantity"].normalize(), r["price"].normalize(), r["settlement"])
        for r in rows
    ]


async def positions(api, client_id: int) -> dict:
    r = await api.get(f"/clients/{client_id}/positions")
    assert r.status_code == 200, r.text
    return r.json()


async def buy(api, client_id: int, asset_id: int, quantity: str, day: str) -> dict:
    return await record(
        api, client_id, "buy", on=day, asset_id=asset_id, quantity=quantity, price="1000"
    )


async def test_the_job_redeems_what_was_held_into_cash_once(as_admin, settings, bcb, app):
    bcb.add_series(CDI, CDI_APRIL)
    paper = await register(as_admin, SHORT)
    client = await make_client(as_admin)
    # Bought before the redemption is known: the backfill stores it, then the job redeems.
    await buy(as_admin, client["id"], paper["id"], "10", "2026-04-01")
    await run_jobs(settings)
    assert await redemptions(client["id"]) == [
        ("sell", date(2026, 4, 30), Decimal(10), Decimal(FINAL), "cash")
    ]
    body = await positions(as_admin, client["id"])
    [position] = body["positions"]
    assert position["quantity"] == "0"
    # 10 x 1010.20337987 - 10 x 1000 = 102.0337987
    assert position["realized_pnl"] == "102.03"
    # The buy came from outside; the redemption's 10 x 1010.20337987 stays as cash.
    assert body["cash"] == [{"currency": "BRL", "balance": "10102.03"}]
    # The job again: nothing is made twice.
    await pricing.schedule_corporate_actions(
        jobs=JobQueue(app.state.redis), asset_ids=[paper["id"]]
    )
    await run_jobs(settings)
    assert len(await redemptions(client["id"])) == 1


async def test_every_write_keeps_the_redemption_in_step_and_a_deletion_stays(
    as_admin, settings, bcb
):
    bcb.add_series(CDI, CDI_APRIL)
    paper = await register(as_admin, SHORT)
    await run_jobs(settings)  # the redemption is stored before anyone holds the paper
    client = await make_client(as_admin)
    first = await buy(as_admin, client["id"], paper["id"], "10", "2026-04-01")
    assert changed(first) == [("created", "sell", None, "10")]
    # A later purchase before the maturity: the redemption takes the whole 15.
    more = await buy(as_admin, client["id"], paper["id"], "5", "2026-04-10")
    assert changed(more) == [("updated", "sell", "10", "15")]
    assert await redemptions(client["id"]) == [
        ("sell", date(2026, 4, 30), Decimal(15), Decimal(FINAL), "cash")
    ]
    [made] = more["provider_changes"]
    # A user deletes it: it stays deleted, whatever the ledger does next.
    r = await as_admin.delete(f"/clients/{client['id']}/transactions/{made['id']}")
    assert r.status_code == 200, r.text
    assert await dismissed(client["id"]) == [f"redemption:{paper['id']}:{MATURITY}"]
    again = await buy(as_admin, client["id"], paper["id"], "1", "2026-04-15")
    assert again["provider_changes"] == []
    assert await redemptions(client["id"]) == []
    [position] = (await positions(as_admin, client["id"]))["positions"]
    assert position["quantity"] == "16"


async def test_a_hand_sale_on_the_maturity_date_stands_for_the_redemption(as_admin, settings, bcb):
    bcb.add_series(CDI, CDI_APRIL)
    paper = await register(as_admin, SHORT)
    await run_jobs(settings)
    client = await make_client(as_admin)
    await buy(as_admin, client["id"], paper["id"], "10", "2026-04-01")
    sale = await sell(as_admin, client["id"], paper, "10", FINAL, on=MATURITY, settlement="cash")
    assert changed(sale) == [("removed", "sell", "10", None)]
    assert await redemptions(client["id"]) == []
    # Deleting the hand sale brings the provider's back.
    r = await as_admin.delete(f"/clients/{client['id']}/transactions/{sale['id']}")
    assert r.status_code == 200, r.text
    assert len(await redemptions(client["id"])) == 1
    # Nothing can be sold after the maturity: the paper was redeemed.
    late = await attempt_entry(
        as_admin, client["id"], "sell", on="2026-05-04", asset=paper, quantity="1", price=FINAL
    )
    assert (late.status_code, late.json()["code"]) == (422, "insufficient_quantity")


async def test_a_tesouro_title_is_redeemed_once_the_file_prices_its_maturity(
    as_admin, settings, tesouro, app
):
    maturity = date(2026, 12, 1)
    tesouro.add_prices(
        "Tesouro Prefixado",
        maturity,
        [(date(2026, 11, 27), "997,10"), (date(2026, 11, 30), "998,55")],
    )
    with clock.frozen_at(evening_of(date(2026, 11, 30))):
        title = await register(
            as_admin,
            {"kind": "treasury", "title": "Tesouro Prefixado", "maturity_date": "2026-12-01"},
        )
        await run_jobs(settings)
        client = await make_client(as_admin)
        r = await attempt_entry(
            as_admin,
            client["id"],
            "buy",
            on="2026-11-27",
            asset=title,
            quantity="2",
            price="997.10",
        )
        assert r.status_code == 201, r.text
        assert r.json()["provider_changes"] == []  # the file does not reach the maturity yet
    # The next day's file prices the maturity: the daily job stores the redemption, and the
    # ledger redeems the 2 held at 1000.00.
    tesouro.add_prices("Tesouro Prefixado", maturity, [(maturity, "1000,00")])
    with clock.frozen_at(evening_of(maturity)):
        ctx = {
            "market": app.state.market,
            "events": app.state.events,
            "jobs": JobQueue(app.state.redis),
            "job_id": "test",
        }
        result = await refresh_published_prices(ctx)
        assert result["tesouro"]["redemptions"] == 1
        await run_jobs(settings)
        assert await redemptions(client["id"]) == [
            ("sell", maturity, Decimal(2), Decimal(1000), "cash")
        ]
        body = await positions(as_admin, client["id"])
    [position] = body["positions"]
    # 2 x 1000.00 - 2 x 997.10
    assert (position["quantity"], position["realized_pnl"]) == ("0", "5.8")
    assert body["cash"] == [{"currency": "BRL", "balance": "2000"}]
