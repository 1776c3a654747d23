"""One regression test per server error the fuzzer (tests/core/test_fuzz.py) found."""

from __future__ import annotations

import pytest

from tests.factories import make_asset, make_client


async def test_search_for_non_latin_text_answers_with_an_ascii_cache_key(as_admin, yahoo):
    # Header values are latin-1 on the wire: the raw query in X-Cache-Key used to be a 500.
    r = await as_admin.get("/assets/search", params={"q": "\U0004bed8 ações", "limit": 5})
    assert r.status_code == 200, r.text
    assert r.headers["x-cache-key"] == "md:search:5:%F1%8B%BB%98%20a%C3%A7%C3%B5es"
    assert r.headers["x-cache-key"].isascii()


@pytest.mark.parametrize("body", [b"\xc3", b"\xff\xfe{", b'{"email": "\xe9"}'])
async def test_login_with_a_body_that_is_not_utf8_is_a_422(client, body):
    # The 422 echoes the input: undecodable bytes used to break the error handler itself.
    r = await client.post("/auth/login", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"
    assert r.json()["detail"][0]["loc"] == ["body"]


async def test_login_form_with_a_nul_character_is_a_422(client):
    r = await client.post("/auth/login", data={"username": "a\x00@example.com", "password": "x"})
    assert r.status_code == 422
    assert r.json() == {"detail": "Text cannot contain NUL characters.", "code": "invalid_value"}


@pytest.mark.parametrize(
    ("path", "params"),
    [("/clients", {"search": "ana\x00"}), ("/assets", {"search": "\x00"})],
)
async def test_searching_for_a_nul_character_is_a_422(as_reader, path, params):
    r = await as_reader.get(path, params=params)
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_value"


async def test_names_with_a_nul_character_are_refused_by_validation(as_admin):
    r = await as_admin.post("/clients", json={"name": "Ana\x00", "email": "ana@example.com"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "name"]
    client = await make_client(as_admin)
    r = await as_admin.patch(f"/clients/{client['id']}", json={"name": "\x00"})
    assert r.status_code == 422
    asset = await make_asset(as_admin, "PETR4.SA")
    r = await as_admin.patch(f"/assets/{asset['id']}", json={"sector": "Oil\x00"})
    assert r.status_code == 422
    assert (await as_admin.get(f"/clients/{client['id']}")).json()["name"] == client["name"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/assets/{asset}/history", {"end": "0001-01-01"}),
        ("/assets/{asset}/history", {"start": "9999-12-31", "end": "9999-12-31"}),
        ("/clients/{client}/performance", {"end": "0001-01-01"}),
        ("/clients/{client}/performance", {"start": "9999-12-31"}),
        ("/reports/inflows", {"start": "0001-01-01", "end": "0001-01-31"}),
        ("/reports/inflows", {"start": "9999-12-01", "end": "9999-12-31"}),
    ],
)
async def test_dates_at_the_edges_of_the_calendar_are_a_422(as_admin, path, params):
    # A year before 0001-01-01 does not exist: date arithmetic there used to be a 500.
    asset = await make_asset(as_admin, "VALE3.SA")
    client = await make_client(as_admin)
    url = path.format(asset=asset["id"], client=client["id"])
    r = await as_admin.get(url, params=params)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "validation_error"


async def test_a_job_window_at_the_edge_of_the_calendar_is_a_422(as_admin):
    r = await as_admin.post("/jobs/daily-returns", json={"start": "0001-01-01"})
    assert r.status_code == 422


@pytest.mark.parametrize("write", ["create", "update"])
async def test_a_lot_deleted_right_after_its_write_commits_is_not_a_500(
    as_admin, monkeypatch, write
):
    """Found by the fuzzer's concurrent workers: a DELETE landing between the commit of a
    write and the read of its answer made the answer a 500."""
    from tortoise import Tortoise

    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "PETR4.SA")
    lots_path = f"/clients/{client['id']}/allocations"
    lot = None
    if write == "update":
        body = {
            "asset_id": asset["id"],
            "quantity": "1",
            "buy_price": "2",
            "buy_date": "2024-03-01",
        }
        lot = (await as_admin.post(lots_path, json=body)).json()

    events = as_admin._transport.app.state.events
    publish = events.publish

    async def concurrent_delete(kind: str, **payload: object) -> None:  # right after the commit
        await Tortoise.get_connection("default").execute_query("DELETE FROM transactions")
        await publish(kind, **payload)

    monkeypatch.setattr(events, "publish", concurrent_delete)
    if write == "create":
        body = {
            "asset_id": asset["id"],
            "quantity": "3",
            "buy_price": "4",
            "buy_date": "2000-01-01",
        }
        r = await as_admin.post(lots_path, json=body)
        assert r.status_code == 201, r.text
    else:
        r = await as_admin.patch(f"{lots_path}/{lot['id']}", json={"buy_date": "2000-01-01"})
        assert r.status_code == 200, r.text
    assert r.json()["buy_date"] == "2000-01-01"  # the write that committed, as it committed
    assert (await as_admin.get(lots_path)).json()["total"] == 0  # and the delete happened
