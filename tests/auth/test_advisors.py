"""Advisor workspaces: an advisor sees and changes only their own clients, everywhere — the
matrix generated from the OpenAPI document, lists, reports, exports, the audit trail,
streams, and tokens that follow a role change or a reassignment at once."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from typing import Any

import aiohttp
import openpyxl
import pytest
from tortoise import Tortoise

from carteira.core import clock
from carteira.core.config import Settings
from carteira.main import create_app
from tests import b3_files
from tests.factories import dividend_event, list_on_yahoo, make_asset, make_client, provider_events
from tests.support import TEST_JWT_SECRET, next_json, tick, ws_url

TODAY = clock.today()
DAY = str(TODAY - timedelta(days=3))
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _operations() -> dict[tuple[str, str], dict[str, Any]]:
    settings = Settings(_env_file=None, environment="test", jwt_secret=TEST_JWT_SECRET)
    spec = create_app(settings).openapi()
    return {
        (method, path): operation
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method in WRITE_METHODS | {"get"}
    }


OPERATIONS = _operations()


def _takes_a_client(path: str, operation: dict[str, Any]) -> bool:
    if "{client_id}" in path:
        return True
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    return "client_id" in json.dumps(body.get("schema", {}))


CLIENT_OPERATIONS = sorted(key for key, op in OPERATIONS.items() if _takes_a_client(key[1], op))

# A valid request for each operation that takes a client. An operation missing here fails the
# matrix: whoever adds one decides what an advisor may do with it.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("put", "/clients/{client_id}"): {
        "name": "Renamed",
        "email": "renamed@example.com",
        "status": "active",
    },
    ("patch", "/clients/{client_id}"): {"phone": "+55 11 99999-0000"},
    ("post", "/clients/{client_id}/transactions"): {
        "kind": "deposit",
        "date": DAY,
        "amount": "100",
    },
    ("patch", "/clients/{client_id}/transactions/{transaction_id}"): {"note": "checked"},
    ("post", "/clients/{client_id}/allocations"): {
        "ticker": "PETR4.SA",
        "quantity": "1",
        "buy_price": "10",
        "buy_date": DAY,
    },
    ("patch", "/clients/{client_id}/allocations/{allocation_id}"): {"quantity": "2"},
}
# Operations that take a file: their form (a one-trade negociação extract of PETR4.SA).
FORMS: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/clients/{client_id}/imports"): {
        "data": {"format": "b3_negociacao"},
        "files": {
            "file": (
                "negociacao.csv",
                b3_files.csv_file(
                    b3_files.NEGOCIACAO,
                    [b3_files.trade(TODAY - timedelta(days=3), "Compra", "PETR4", "1", "10")],
                ),
                "text/csv",
            )
        },
    },
}
NO_BODY = {
    ("post", "/clients/{client_id}/imports/{import_id}/commit"),  # a preview of FORMS' file
    ("delete", "/clients/{client_id}"),
    ("delete", "/clients/{client_id}/transactions/{transaction_id}"),
    ("delete", "/clients/{client_id}/allocations/{allocation_id}"),
    # On a provider dividend the user edited and a later write flagged (`_flagged`).
    ("post", "/clients/{client_id}/transactions/{transaction_id}/accept-provider"),
}


def test_the_matrix_covers_every_client_route():
    paths = {path for _, path in CLIENT_OPERATIONS}
    assert {
        "/clients/{client_id}",
        "/clients/{client_id}/transactions",
        "/clients/{client_id}/positions",
        "/clients/{client_id}/performance",
        "/clients/{client_id}/allocations",
        "/clients/{client_id}/imports",
        "/clients/{client_id}/imports/{import_id}",
        "/clients/{client_id}/imports/{import_id}/commit",
    } <= paths
    for method, path in CLIENT_OPERATIONS:
        if method in WRITE_METHODS:
            assert (method, path) in BODIES.keys() | FORMS.keys() | NO_BODY, (
                f"{method.upper()} {path} takes a client: give the matrix a valid request"
            )


async def _counts() -> dict[str, int]:
    connection = Tortoise.get_connection("default")
    counts = {}
    for table in ("clients", "transactions", "holdings", "client_flows", "audit_log", "imports"):
        _, rows = await connection.execute_query(f"SELECT COUNT(*) AS n FROM {table}")
        counts[table] = rows[0]["n"]
    return counts


async def _owned_by(
    api, advisor_id: int, *, buying: int | None = None, **fields: Any
) -> dict[str, Any]:
    client = await make_client(api, advisor_id=advisor_id, **fields)
    assert client["advisor_id"] == advisor_id
    if buying is not None:
        buy = {"kind": "buy", "date": DAY, "asset_id": buying, "quantity": "5", "price": "9"}
        response = await api.post(f"/clients/{client['id']}/transactions", json=buy)
        assert response.status_code == 201, response.text
        client["transaction_id"] = response.json()["id"]
    return client


async def _flagged(api, client_id: int, asset_id: int, buy_id: int) -> int:
    """A provider dividend (1 per share) on the client's 5 shares, edited by hand, then
    flagged by an edit of the buy: its id."""
    await provider_events(asset_id, dividends=[dividend_event(TODAY - timedelta(days=1), 1)])
    path = f"/clients/{client_id}/transactions"
    made = (await api.patch(f"{path}/{buy_id}", json={"quantity": "6"})).json()
    (dividend,) = made["provider_changes"]
    await api.patch(f"{path}/{dividend['id']}", json={"amount": "7"})
    flagged = (await api.patch(f"{path}/{buy_id}", json={"quantity": "5"})).json()
    assert [c["change"] for c in flagged["provider_changes"]] == ["flagged"]
    return int(dividend["id"])


def _request(method: str, path: str, ids: dict[str, int]) -> tuple[str, dict[str, Any]]:
    """The operation's URL, and its body: JSON, a form, or none."""
    url = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
    if (method, path) in FORMS:
        return url, FORMS[(method, path)]
    if (method, path) in QUERIES:
        return url, {"params": QUERIES[(method, path)]()}
    return url, {"json": BODIES.get((method, path))}


# Operations whose query is required: what an advisor would ask of their own client.
QUERIES: dict[tuple[str, str], Any] = {
    ("get", "/clients/{client_id}/statement"): lambda: {
        "year": clock.today().year,
        "month": clock.today().month,
    },
}


@pytest.mark.parametrize(("method", "path"), CLIENT_OPERATIONS)
async def test_another_advisors_client_is_a_missing_one(
    as_admin, as_advisor_a, as_advisor_b, as_reader, advisor_a, yahoo, method, path
):
    asset = await make_asset(as_admin, "PETR4.SA", price="10", previous_close="10")
    needs_entry = "{transaction_id}" in path or "{allocation_id}" in path
    theirs = await _owned_by(as_admin, advisor_a.id, buying=asset["id"] if needs_entry else None)
    ids = {
        "client_id": theirs["id"],
        "transaction_id": theirs.get("transaction_id", 1),
        "allocation_id": theirs.get("transaction_id", 1),
    }
    if path.endswith("/accept-provider"):
        ids["transaction_id"] = await _flagged(
            as_admin, theirs["id"], asset["id"], theirs["transaction_id"]
        )
    if "{import_id}" in path:
        form = FORMS[("post", "/clients/{client_id}/imports")]
        preview = await as_admin.post(f"/clients/{theirs['id']}/imports", **form)
        assert preview.status_code == 201, preview.text
        ids["import_id"] = preview.json()["id"]
    url, body = _request(method, path, ids)
    missing_url, _ = _request(method, path, {**ids, "client_id": 999_999})
    before = await _counts()

    as_b = await as_advisor_b.request(method.upper(), url, **body)
    missing = await as_advisor_b.request(method.upper(), missing_url, **body)
    assert as_b.status_code == 404, (method, path, as_b.text)
    assert (as_b.status_code, as_b.json()) == (missing.status_code, missing.json())
    assert await _counts() == before  # nothing written, not even an audit entry

    if method in WRITE_METHODS:
        as_reader_response = await as_reader.request(method.upper(), url, **body)
        assert as_reader_response.status_code == 403, as_reader_response.text
        assert await _counts() == before

    own = await as_advisor_a.request(method.upper(), url, **body)
    assert own.is_success, (method, path, own.status_code, own.text)


# ---- lists and totals ------------------------------------------------------------------------


@pytest.fixture
async def books(as_admin, advisor_a, advisor_b):
    """Two books: A's two clients, B's one, and one nobody's."""
    a1 = await _owned_by(as_admin, advisor_a.id, name="Alice of A")
    a2 = await _owned_by(as_admin, advisor_a.id, name="Arthur of A")
    b1 = await _owned_by(as_admin, advisor_b.id, name="Bruna of B")
    nobody = await make_client(as_admin, name="Nadia Unassigned")
    for client, amount in ((a1, "1000"), (a2, "2000"), (b1, "500"), (nobody, "7")):
        deposit = {"kind": "deposit", "date": str(TODAY), "amount": amount}
        assert (
            await as_admin.post(f"/clients/{client['id']}/transactions", json=deposit)
        ).is_success
    return {"a": [a1, a2], "b": [b1], "nobody": nobody}


async def test_lists_and_totals_hold_only_the_advisors_own_clients(
    as_admin, as_advisor_a, as_advisor_b, as_reader, books, advisor_a
):
    own = (await as_advisor_b.get("/clients")).json()
    assert [c["name"] for c in own["items"]] == ["Bruna of B"]
    assert (own["total"], own["pages"]) == (1, 1)
    assert (await as_advisor_b.get("/clients", params={"search": "of A"})).json()["total"] == 0
    asking_for_a = await as_advisor_b.get("/clients", params={"advisor_id": advisor_a.id})
    assert asking_for_a.json()["total"] == 0
    paged = (await as_advisor_a.get("/clients", params={"page_size": 1, "page": 2})).json()
    assert (paged["total"], paged["pages"]) == (2, 2)
    # Admins and readers see every client; an admin filters by advisor.
    assert (await as_reader.get("/clients")).json()["total"] == 4
    by_a = (await as_admin.get("/clients", params={"advisor_id": advisor_a.id})).json()
    assert sorted(c["name"] for c in by_a["items"]) == ["Alice of A", "Arthur of A"]


async def test_reports_exports_and_the_trail_hold_only_the_advisors_own_clients(
    as_admin, as_advisor_b, books, advisor_a, advisor_b
):
    theirs = {c["name"] for c in books["a"]} | {books["nobody"]["name"]}
    inflows = (await as_advisor_b.get("/reports/inflows")).json()
    assert [c["name"] for c in inflows["by_client"]] == ["Bruna of B"]
    assert inflows["net"] == "500"
    assert [(a["advisor_id"], a["net"]) for a in inflows["by_advisor"]] == [(advisor_b.id, "500")]
    firm = (await as_admin.get("/reports/inflows")).json()
    assert firm["net"] == "3507"
    assert {(a["advisor_id"], a["advisor"], a["net"]) for a in firm["by_advisor"]} == {
        (None, None, "7"),
        (advisor_a.id, "ana.advisor@example.com", "3000"),
        (advisor_b.id, "bia.advisor@example.com", "500"),
    }
    only_a = (await as_admin.get("/reports/inflows", params={"advisor_id": advisor_a.id})).json()
    assert only_a["net"] == "3000"

    aum = (await as_advisor_b.get("/reports/aum")).json()
    assert (aum["value"], aum["clients"]) == ("500", 1)
    assert [(a["advisor_id"], a["value"]) for a in aum["by_advisor"]] == [(advisor_b.id, "500")]
    firm_aum = (await as_admin.get("/reports/aum")).json()
    assert {(a["advisor_id"], a["value"]) for a in firm_aum["by_advisor"]} == {
        (None, "7"),
        (advisor_a.id, "3000"),
        (advisor_b.id, "500"),
    }

    for url in ("/reports/inflows?format=csv", "/reports/clients?format=csv"):
        text = (await as_advisor_b.get(url)).text
        assert "Bruna of B" in text
        assert not any(name in text for name in theirs), url
    workbook = openpyxl.load_workbook(
        io.BytesIO((await as_advisor_b.get("/reports/clients?format=xlsx")).content)
    )
    cells = {str(c.value) for row in workbook.active.iter_rows() for c in row}
    assert "Bruna of B" in cells
    assert not cells & theirs

    trail = (await as_advisor_b.get("/audit", params={"page_size": 100})).json()
    assert trail["total"] >= 2  # the client and its deposit
    b_ids = {books["b"][0]["id"]}
    assert {entry["client_id"] for entry in trail["items"]} == b_ids


async def test_the_advisors_stream_carries_only_their_book(
    http, live_url, app, as_admin, books, advisor_b, yahoo
):
    vale = await make_asset(as_admin, "VALE3.SA", price="60", previous_close="59")
    buy = {"kind": "buy", "date": DAY, "asset_id": vale["id"], "quantity": "1", "price": "60"}
    client_a = books["a"][0]["id"]
    assert (await as_admin.post(f"/clients/{client_a}/transactions", json=buy)).is_success
    url = ws_url(live_url, f"/ws/dashboard?token={advisor_b.token}")
    async with http.ws_connect(url) as ws:
        frames = [await next_json(ws)]
        # A write to another advisor's client, then a tick: nothing of A's reaches B.
        deposit = {"kind": "deposit", "date": str(TODAY), "amount": "5"}
        assert (await as_admin.post(f"/clients/{client_a}/transactions", json=deposit)).is_success
        await tick(app)
        own = {"kind": "deposit", "date": str(TODAY), "amount": "1"}
        client_b = books["b"][0]["id"]
        assert (await as_admin.post(f"/clients/{client_b}/transactions", json=own)).is_success
        while True:
            frame = await next_json(ws)
            frames.append(frame)
            if frame.get("type") == "inflows" and frame["net"] == "501":
                break
    text = json.dumps(frames)
    assert "VALE3.SA" not in text  # held only by A's client
    assert "of A" not in text
    assert "Unassigned" not in text
    assert all(
        [c["client_id"] for c in f["by_client"]] == [client_b]
        for f in frames
        if f.get("type") == "inflows"
    )


async def test_the_month_stream_carries_only_their_book(http, live_url, as_admin, books, advisor_b):
    url = f"/ws/inflows?year={TODAY.year}&month={TODAY.month}&token={advisor_b.token}"
    client_a, client_b = books["a"][0]["id"], books["b"][0]["id"]
    async with http.ws_connect(ws_url(live_url, url)) as ws:
        frames = [await next_json(ws)]
        for client_id, amount in ((client_a, "700"), (client_b, "30")):
            deposit = {"kind": "deposit", "date": str(TODAY), "amount": amount}
            r = await as_admin.post(f"/clients/{client_id}/transactions", json=deposit)
            assert r.status_code == 201, r.text
        while frames[-1].get("net") != "530":  # B's 500 of the fixture, then 30
            frames.append(await next_json(ws))
    assert all(f["type"] == "inflows" for f in frames)
    assert all({c["client_id"] for c in f["by_client"]} <= {client_b} for f in frames), (
        "another advisor's client reached the stream"
    )
    assert "of A" not in json.dumps(frames)


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


# ---- ownership and assignment ------------------------------------------------------------------


async def test_an_advisors_new_client_is_theirs_and_only_an_admin_reassigns(
    as_admin, as_advisor_a, advisor_a, advisor_b, reader
):
    created = await as_advisor_a.post("/clients", json={"name": "Mine", "email": "mine@x.com"})
    assert created.status_code == 201
    client = created.json()
    assert client["advisor_id"] == advisor_a.id
    other = {"name": "Theirs", "email": "theirs@x.com", "advisor_id": advisor_b.id}
    refused = await as_advisor_a.post("/clients", json=other)
    assert (refused.status_code, refused.json()["code"]) == (403, "assignment_forbidden")
    moved = await as_advisor_a.patch(f"/clients/{client['id']}", json={"advisor_id": advisor_b.id})
    assert (moved.status_code, moved.json()["code"]) == (403, "assignment_forbidden")
    # PUT without advisor_id keeps the assignment.
    replaced = await as_advisor_a.put(
        f"/clients/{client['id']}", json={"name": "Mine", "email": "mine@x.com", "status": "active"}
    )
    assert replaced.json()["advisor_id"] == advisor_a.id
    not_an_advisor = await as_admin.patch(
        f"/clients/{client['id']}", json={"advisor_id": reader.id}
    )
    assert (not_an_advisor.status_code, not_an_advisor.json()["code"]) == (422, "unknown_advisor")


async def test_a_reassignment_and_a_role_change_apply_to_existing_tokens_at_once(
    as_admin, as_advisor_a, as_advisor_b, advisor_a, advisor_b
):
    client = await _owned_by(as_admin, advisor_a.id)
    path = f"/clients/{client['id']}"
    assert (await as_advisor_a.get(path)).status_code == 200
    assert (await as_advisor_b.get(path)).status_code == 404
    moved = await as_admin.patch(path, json={"advisor_id": advisor_b.id})
    assert moved.json()["advisor_id"] == advisor_b.id
    assert (await as_advisor_a.get(path)).status_code == 404  # the same token, at once
    assert (await as_advisor_b.get(path)).status_code == 200
    assert (await as_advisor_a.get("/clients")).json()["total"] == 0

    # A becomes a reader: the token issued as an advisor is over at once; signed in again,
    # A reads every client and writes nothing.
    assert (await as_admin.patch(f"/users/{advisor_a.id}", json={"role": "reader"})).is_success
    assert (await as_advisor_a.get("/clients")).status_code == 401
    login = await as_advisor_a.post(
        "/auth/login", json={"email": advisor_a.email, "password": advisor_a.password}
    )
    as_advisor_a.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    assert (await as_advisor_a.get("/clients")).json()["total"] == 1
    write = await as_advisor_a.post("/clients", json={"name": "X", "email": "x@x.com"})
    assert write.status_code == 403


async def test_advisors_manage_no_users_and_start_no_jobs(as_advisor_a, yahoo):
    assert (await as_advisor_a.get("/users")).status_code == 403
    assert (await as_advisor_a.post("/jobs/daily-returns", json={})).status_code == 403
    assert (await as_advisor_a.patch("/assets/1", json={"sector": "x"})).status_code == 403
    list_on_yahoo("ITUB4.SA")
    registered = await as_advisor_a.post("/assets", json={"ticker": "ITUB4.SA"})
    assert registered.status_code == 201  # reference data: an advisor may register a ticker


async def test_kept_captacao_follows_a_client_handed_to_another_advisor(
    as_admin, as_advisor_b, books, advisor_a, advisor_b
):
    # Kept first: the firm's month, and B's book.
    assert (await as_advisor_b.get("/reports/inflows")).json()["net"] == "500"
    firm = (await as_admin.get("/reports/inflows")).json()
    assert {(a["advisor_id"], a["net"]) for a in firm["by_advisor"]} == {
        (None, "7"),
        (advisor_a.id, "3000"),
        (advisor_b.id, "500"),
    }
    nobody = books["nobody"]["id"]
    r = await as_admin.patch(
        f"/clients/{nobody}", json={"advisor_id": advisor_b.id, "name": "Nadia of B"}
    )
    assert r.status_code == 200, r.text
    firm = (await as_admin.get("/reports/inflows")).json()
    assert {(a["advisor_id"], a["advisor"], a["net"]) for a in firm["by_advisor"]} == {
        (advisor_a.id, "ana.advisor@example.com", "3000"),
        (advisor_b.id, "bia.advisor@example.com", "507"),
    }
    assert {c["client_id"]: c["name"] for c in firm["by_client"]}[nobody] == "Nadia of B"
    theirs = (await as_advisor_b.get("/reports/inflows")).json()
    assert (theirs["net"], len(theirs["by_client"])) == ("507", 2)
