"""Provider-made entries follow the ledger: every write recomputes the dividends and splits the
provider made from the quantity held the day before their ex dates (issue #35), and a hand entry
of the same asset and date supersedes the provider's (issue #28, point 9). Figures by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from carteira.pricing.schemas import SplitEvent
from tests.factories import dividend_event, make_asset, make_client, provider_events, record, sell
from tests.support import changed, dismissed, provider_entries_of

BUY_DAY, EX_DATE = "2026-03-02", date(2026, 3, 10)
PER_SHARE = Decimal("0.50")


async def provider_entries(client_id: int) -> list[dict]:
    return await provider_entries_of(
        client_id,
        "id",
        "kind",
        "date",
        "amount",
        "tax",
        "edited",
        "needs_review",
        "provider_amount",
    )


@pytest.fixture
async def petr(as_admin):
    """PETR4.SA paid 0.50 per share with an ex date of 10 March 2026."""
    asset = await make_asset(as_admin, "PETR4.SA", price="40", previous_close="40")
    await provider_events(asset, dividends=[dividend_event(EX_DATE, PER_SHARE)])
    return asset


async def buy(api, client_id: int, asset_id: int, quantity: str, day: str = BUY_DAY) -> dict:
    return await record(
        api, client_id, "buy", on=day, asset_id=asset_id, quantity=quantity, price="40"
    )


async def test_a_dividend_follows_the_buy_it_was_paid_on(as_admin, petr):
    cid = (await make_client(as_admin))["id"]
    bought = await buy(as_admin, cid, petr["id"], "100")
    assert changed(bought) == [("created", "dividend", None, "50")]  # 100 x 0.50
    (dividend,) = await provider_entries(cid)
    assert dividend["amount"] == Decimal("50")

    edited = await as_admin.patch(
        f"/clients/{cid}/transactions/{bought['id']}", json={"quantity": "60"}
    )
    assert edited.status_code == 200, edited.text
    assert changed(edited.json()) == [("updated", "dividend", "50", "30")]  # 60 x 0.50
    assert edited.json()["provider_changes"][0]["id"] == dividend["id"]
    assert [e["amount"] for e in await provider_entries(cid)] == [Decimal("30")]
    position = (await as_admin.get(f"/clients/{cid}/positions")).json()
    assert position["positions"][0]["income"] == "30"
    assert position["cash"] == [{"currency": "BRL", "balance": "30"}]

    deleted = await as_admin.delete(f"/clients/{cid}/transactions/{bought['id']}")
    assert deleted.status_code == 200, deleted.text
    assert changed(deleted.json()) == [("removed", "dividend", "30", None)]
    assert await provider_entries(cid) == []
    assert await dismissed(cid) == []  # removed by the provider, not dismissed by a user

    again = await buy(as_admin, cid, petr["id"], "100")
    assert changed(again) == [("created", "dividend", None, "50")]  # the shares came back


async def test_a_sale_dated_before_the_ex_date_lowers_then_removes_the_dividend(as_admin, petr):
    split = SplitEvent(ex_date=date(2026, 3, 20), numerator=2, denominator=1)
    await provider_events(petr, splits=[split])
    cid = (await make_client(as_admin))["id"]
    await buy(as_admin, cid, petr["id"], "100")
    assert [(e["kind"], e["amount"]) for e in await provider_entries(cid)] == [
        ("dividend", Decimal("50")),
        ("split", None),
    ]

    sold = await sell(as_admin, cid, petr, "40", "41", on="2026-03-05")
    assert changed(sold) == [("updated", "dividend", "50", "30")]  # 60 x 0.50

    sold_out = await sell(as_admin, cid, petr, "60", "41", on="2026-03-06")
    # Nothing held before either ex date: the dividend and the split go.
    assert changed(sold_out) == [
        ("removed", "dividend", "30", None),
        ("removed", "split", None, None),
    ]
    assert await provider_entries(cid) == []


async def test_a_hand_split_before_the_ex_date_doubles_the_dividend(as_admin, petr):
    cid = (await make_client(as_admin))["id"]
    await buy(as_admin, cid, petr["id"], "100")
    split = await record(as_admin, cid, "split", on="2026-03-05", asset=petr, ratio="2:1")
    assert changed(split) == [("updated", "dividend", "50", "100")]  # 200 x 0.50
    position = (await as_admin.get(f"/clients/{cid}/positions")).json()["positions"][0]
    assert (position["quantity"], position["income"]) == ("200", "100")


async def test_an_edited_dividend_is_flagged_never_overwritten(as_admin, as_reader, petr):
    cid = (await make_client(as_admin))["id"]
    bought = await buy(as_admin, cid, petr["id"], "100")
    (dividend,) = await provider_entries(cid)
    path = f"/clients/{cid}/transactions/{dividend['id']}"
    mine = await as_admin.patch(path, json={"amount": "45", "tax": "6.75"})
    assert mine.status_code == 200
    assert (mine.json()["edited"], mine.json()["needs_review"]) == (True, False)

    edited = await as_admin.patch(
        f"/clients/{cid}/transactions/{bought['id']}", json={"quantity": "60"}
    )
    assert changed(edited.json()) == [("flagged", "dividend", "45", "30")]
    shown = (await as_admin.get(path)).json()
    assert (shown["amount"], shown["tax"], shown["needs_review"], shown["provider_amount"]) == (
        "45",
        "6.75",
        True,
        "30",
    )
    listed = (await as_admin.get(f"/clients/{cid}/transactions?needs_review=true")).json()
    assert [i["id"] for i in listed["items"]] == [dividend["id"]]
    assert (await as_admin.get(f"/clients/{cid}/transactions?needs_review=false")).json()[
        "total"
    ] == 1

    assert (await as_reader.post(f"{path}/accept-provider")).status_code == 403
    accepted = await as_admin.post(f"{path}/accept-provider")
    assert accepted.status_code == 200, accepted.text
    assert changed(accepted.json()) == [("updated", "dividend", "45", "30")]
    shown = (await as_admin.get(path)).json()
    # The withheld 15 % keeps its rate: 30 x 6.75 / 45 = 4.50.
    assert (shown["amount"], shown["tax"], shown["needs_review"]) == ("30", "4.5", False)
    again = await as_admin.post(f"{path}/accept-provider")
    assert (again.status_code, again.json()["code"]) == (409, "nothing_to_review")

    # The shares gone: the provider's figure is 0, and accepting it removes the entry, which
    # is not dismissed, so it comes back with the shares (the provider's again).
    gone = await as_admin.delete(f"/clients/{cid}/transactions/{bought['id']}")
    assert changed(gone.json()) == [("flagged", "dividend", "30", "0")]
    assert (await as_admin.get(path)).json()["amount"] == "30"  # still theirs
    removed = await as_admin.post(f"{path}/accept-provider")
    assert changed(removed.json()) == [("removed", "dividend", "30", None)]
    assert await provider_entries(cid) == []
    back = await buy(as_admin, cid, petr["id"], "100")
    assert changed(back) == [("created", "dividend", None, "50")]


async def test_a_note_alone_leaves_the_entry_the_providers(as_admin, petr):
    cid = (await make_client(as_admin))["id"]
    bought = await buy(as_admin, cid, petr["id"], "100")
    (dividend,) = await provider_entries(cid)
    await as_admin.patch(f"/clients/{cid}/transactions/{dividend['id']}", json={"note": "ok"})
    edited = await as_admin.patch(
        f"/clients/{cid}/transactions/{bought['id']}", json={"quantity": "60"}
    )
    assert changed(edited.json()) == [("updated", "dividend", "50", "30")]


async def test_a_deleted_provider_entry_stays_deleted(as_admin, petr):
    cid = (await make_client(as_admin))["id"]
    bought = await buy(as_admin, cid, petr["id"], "100")
    (dividend,) = await provider_entries(cid)
    await as_admin.delete(f"/clients/{cid}/transactions/{dividend['id']}")
    edited = await as_admin.patch(
        f"/clients/{cid}/transactions/{bought['id']}", json={"quantity": "80"}
    )
    assert edited.json()["provider_changes"] == []
    assert await provider_entries(cid) == []
    await buy(as_admin, cid, petr["id"], "10", day="2026-03-03")
    assert await provider_entries(cid) == []


async def test_the_audit_trail_names_the_write_behind_each_change(as_admin, admin, petr):
    cid = (await make_client(as_admin))["id"]
    bought = await buy(as_admin, cid, petr["id"], "100")
    (dividend,) = await provider_entries(cid)
    await as_admin.patch(f"/clients/{cid}/transactions/{bought['id']}", json={"quantity": "60"})
    trail = (
        await as_admin.get("/audit", params={"entity": "transaction", "entity_id": dividend["id"]})
    ).json()["items"]
    assert [(e["action"], e["user_id"]) for e in trail] == [("update", None), ("create", None)]
    assert trail[0]["changes"]["amount"] == {"from": "50", "to": "30"}
    assert trail[0]["changes"]["cause"] == {
        "action": "update",
        "transaction_id": bought["id"],
        "user_id": admin.id,
    }
    assert trail[1]["changes"]["cause"]["action"] == "create"


# ---- issue #28, point 9: a hand entry supersedes the provider's of the same asset and date ----


@pytest.fixture
async def vale(as_admin):
    """VALE3.SA: the provider has an 11:10 split on 10 March 2026 (the bonificação of 10 %)."""
    asset = await make_asset(as_admin, "VALE3.SA", price="40", previous_close="40")
    await provider_events(asset, splits=[SplitEvent(ex_date=EX_DATE, numerator=11, denominator=10)])
    return asset


async def test_a_hand_bonus_supersedes_the_providers_split(as_admin, vale):
    cid = (await make_client(as_admin))["id"]
    await buy(as_admin, cid, vale["id"], "100")  # cost 4,000
    assert [e["kind"] for e in await provider_entries(cid)] == ["split"]
    bonus = await record(
        as_admin, cid, "bonus", on=EX_DATE.isoformat(), asset=vale, quantity="10", amount="55"
    )
    assert changed(bonus) == [("removed", "split", None, None)]
    position = (await as_admin.get(f"/clients/{cid}/positions")).json()["positions"][0]
    # 100 + 10 shares, not 100 x 1.1 + 10 = 120; the basis 4,000 + the 55 attributed.
    assert (position["quantity"], position["cost"]) == ("110", "4055")


async def test_a_hand_bonus_entered_first_keeps_the_split_from_being_made(as_admin, vale):
    cid = (await make_client(as_admin))["id"]
    await record(
        as_admin, cid, "bonus", on=EX_DATE.isoformat(), asset=vale, quantity="10", amount="55"
    )
    bought = await buy(as_admin, cid, vale["id"], "100")
    assert bought["provider_changes"] == []
    position = (await as_admin.get(f"/clients/{cid}/positions")).json()["positions"][0]
    assert (position["quantity"], position["cost"]) == ("110", "4055")


async def test_a_hand_dividend_supersedes_the_providers_until_it_is_deleted(as_admin, petr):
    cid = (await make_client(as_admin))["id"]
    await buy(as_admin, cid, petr["id"], "100")
    mine = await record(
        as_admin, cid, "jcp", on=EX_DATE.isoformat(), asset=petr, amount="48", tax="7.2"
    )
    assert changed(mine) == [("removed", "dividend", "50", None)]
    position = (await as_admin.get(f"/clients/{cid}/positions")).json()["positions"][0]
    assert position["income"] == "40.8"  # 48 less the 7.20 withheld, counted once
    gone = await as_admin.delete(f"/clients/{cid}/transactions/{mine['id']}")
    assert changed(gone.json()) == [("created", "dividend", None, "50")]
