"""`GET /clients` with each client's figures (AUM and the month's return) in one request,
sorted by either across every page, within the caller's book (issue #28, point 18)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from carteira.allocations import listing
from carteira.allocations.listing import ranked_by
from carteira.core import clock
from carteira.pricing.closes import store_closes
from carteira.pricing.schemas import DailyClose
from tests.factories import make_asset, make_client
from tests.support import weekdays

# A Wednesday in the middle of a month (noon in São Paulo): the month has closes either side.
NOON_9_DECEMBER = datetime(2026, 12, 9, 15, tzinfo=UTC)
MONTH_START = date(2026, 12, 1)


@pytest.fixture
def december():
    with clock.frozen_at(NOON_9_DECEMBER):
        yield


async def _book(as_admin) -> dict[str, int]:
    """Four clients whose figures are known by hand:

    | client | holds                          | AUM (live quotes)  | the month (closes)  |
    |--------|--------------------------------|--------------------|---------------------|
    | Ana    | 100 YYY3.SA bought at 20       | 100 x 19 = 1900    | 19 / 20 - 1 = -5 %  |
    | Bruno  | a deposit of 1500 (cash)       | 1500               | 0 %                 |
    | Carla  | 100 XXX3.SA bought at 10       | 100 x 11 = 1100    | 11 / 10 - 1 = +10 % |
    | Davi   | nothing                        | 0                  | 0 %                 |
    """
    days = weekdays(date(2026, 10, 1), 60)
    days = [d for d in days if d < clock.today()]
    x = await make_asset(as_admin, "XXX3.SA", price="11", previous_close="11")
    y = await make_asset(as_admin, "YYY3.SA", price="19", previous_close="19")
    for asset, before, during in ((x, "10", "11"), (y, "20", "19")):
        await store_closes(
            asset_id=asset["id"],
            closes=[
                DailyClose(date=d, close=Decimal(during if d >= MONTH_START else before))
                for d in days
            ],
        )
    ids = {}
    for name in ("Davi", "Carla", "Bruno", "Ana"):
        ids[name] = (await make_client(as_admin, name=name, email=f"{name.lower()}@ex.com"))["id"]
    first = str(days[0])
    for name, ticker, price in (("Ana", "YYY3.SA", "20"), ("Carla", "XXX3.SA", "10")):
        r = await as_admin.post(
            f"/clients/{ids[name]}/transactions",
            json={
                "kind": "buy",
                "ticker": ticker,
                "quantity": "100",
                "price": price,
                "date": first,
            },
        )
        assert r.status_code == 201, r.text
    r = await as_admin.post(
        f"/clients/{ids['Bruno']}/transactions",
        json={"kind": "deposit", "amount": "1500", "date": first},
    )
    assert r.status_code == 201, r.text
    return ids


async def _names(api, **params) -> tuple[list[str], dict]:
    r = await api.get("/clients", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    return [c["name"] for c in body["items"]], body


async def test_one_request_carries_each_clients_aum_and_month_return(december, as_admin):
    ids = await _book(as_admin)
    names, body = await _names(as_admin, figures="true")
    assert names == ["Ana", "Bruno", "Carla", "Davi"]  # by name, as without figures
    assert body["currency"] == "BRL"
    figures = {c["name"]: (c["aum"], c["month_return_pct"]) for c in body["items"]}
    assert {name: aum for name, (aum, _) in figures.items()} == {
        "Ana": "1900",
        "Bruno": "1500",
        "Carla": "1100",
        "Davi": "0",
    }
    month = {name: m for name, (_, m) in figures.items()}
    assert month["Ana"] == pytest.approx(-5.0, abs=1e-9)
    assert month["Bruno"] == pytest.approx(0.0, abs=1e-9)
    assert month["Carla"] == pytest.approx(10.0, abs=1e-9)
    assert month["Davi"] == pytest.approx(0.0, abs=1e-9)
    # The same figures the client's own page shows.
    for name, client_id in ids.items():
        positions = (await as_admin.get(f"/clients/{client_id}/positions")).json()
        performance = (await as_admin.get(f"/clients/{client_id}/performance")).json()
        assert figures[name] == (
            positions["consolidated"]["value"],
            performance["periods"]["month"],
        )
    # Without figures, the list is the plain one.
    _, plain = await _names(as_admin)
    assert "aum" not in plain["items"][0]
    assert "currency" not in plain


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-aum", ["Ana", "Bruno", "Carla", "Davi"]),
        ("aum", ["Davi", "Carla", "Bruno", "Ana"]),
        ("-month_return", ["Carla", "Bruno", "Davi", "Ana"]),  # a tie keeps name order
        ("month_return", ["Ana", "Bruno", "Davi", "Carla"]),
    ],
)
async def test_sorting_by_a_figure_ranks_every_page(december, as_admin, sort, expected):
    await _book(as_admin)
    seen = []
    for page in (1, 2, 3):
        names, body = await _names(as_admin, sort=sort, page=page, page_size=2)
        assert (body["total"], body["pages"], body["page"]) == (4, 2, page)
        assert all("aum" in c and "month_return_pct" in c for c in body["items"])
        seen += names
    assert seen == expected


async def test_an_advisor_lists_and_ranks_their_own_clients_only(
    december, as_admin, as_advisor_a, as_advisor_b, advisor_a
):
    ids = await _book(as_admin)
    for name in ("Bruno", "Carla"):
        r = await as_admin.patch(f"/clients/{ids[name]}", json={"advisor_id": advisor_a.id})
        assert r.status_code == 200, r.text
    names, body = await _names(as_advisor_a, sort="-aum")
    assert (names, body["total"]) == (["Bruno", "Carla"], 2)
    names, body = await _names(as_advisor_a, sort="-month_return", page_size=1, page=2)
    assert (names, body["total"], body["pages"]) == (["Bruno"], 2, 2)  # Carla's +10 % first
    names, body = await _names(as_advisor_a, sort="aum", search="a")  # Carla only: Bruno has no a
    assert names == ["Carla"]
    # Another advisor's book, asked for by id, is nobody.
    names, body = await _names(as_advisor_b, sort="-aum", advisor_id=advisor_a.id)
    assert (names, body["total"]) == ([], 0)


async def test_a_month_return_sort_of_too_many_clients_asks_for_a_narrower_list(
    december, as_admin, monkeypatch
):
    await _book(as_admin)
    monkeypatch.setattr(listing, "MAX_RANKED_BY_RETURN", 3)
    r = await as_admin.get("/clients", params={"sort": "-month_return"})
    assert r.status_code == 422
    assert (r.json()["code"], r.json()["limit"], r.json()["matching"]) == (
        "too_many_to_rank",
        "3",
        "4",
    )
    names, _ = await _names(as_admin, sort="-month_return", search="a")  # Ana, Carla, Davi
    assert names == ["Carla", "Davi", "Ana"]
    names, _ = await _names(as_admin, sort="-aum")  # the AUM is one batch: no limit
    assert len(names) == 4


async def test_a_figure_sort_of_unknown_kind_is_422(as_admin):
    r = await as_admin.get("/clients", params={"sort": "-wealth"})
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


def test_clients_without_a_figure_come_last_either_way():
    ids = [1, 2, 3, 4, 5]  # in name order
    figure = {1: Decimal("5"), 2: None, 3: Decimal("7"), 4: Decimal("5")}  # 5: not even asked
    assert ranked_by(ids, figure, descending=True) == [3, 1, 4, 2, 5]
    assert ranked_by(ids, figure, descending=False) == [1, 4, 3, 2, 5]
