from __future__ import annotations

import asyncio
import json

import pytest

from tests.factories import make_allocation, make_asset, make_client

VALID_CPF = "529.982.247-25"


async def test_create_read_update_delete(as_admin):
    created = await make_client(
        as_admin,
        name="  Ana   Souza ",
        email="Ana@Example.com",
        document=VALID_CPF,
        phone="+55 11 91234-5678",
    )
    assert created["name"] == "Ana Souza"
    assert created["email"] == "ana@example.com"
    assert created["document"] == "52998224725"
    assert created["status"] == "active"

    got = (await as_admin.get(f"/clients/{created['id']}")).json()
    assert got == created

    r = await as_admin.patch(
        f"/clients/{created['id']}", json={"status": "inactive", "phone": None}
    )
    assert r.status_code == 200
    assert r.json()["status"] == "inactive"
    assert r.json()["phone"] is None
    assert r.json()["document"] == "52998224725"  # untouched by PATCH

    r = await as_admin.put(
        f"/clients/{created['id']}",
        json={"name": "Ana S.", "email": "ana@example.com", "status": "active"},
    )
    assert r.status_code == 200
    assert r.json()["document"] is None  # PUT replaces: left out means cleared

    assert (await as_admin.delete(f"/clients/{created['id']}")).status_code == 204
    r = await as_admin.get(f"/clients/{created['id']}")
    assert r.status_code == 404
    assert r.json()["code"] == "client_not_found"


async def test_put_requires_every_required_field(as_admin):
    client = await make_client(as_admin)
    r = await as_admin.put(f"/clients/{client['id']}", json={"name": "Only name"})
    assert r.status_code == 422


async def test_patch_cannot_null_a_required_field(as_admin):
    client = await make_client(as_admin)
    r = await as_admin.patch(f"/clients/{client['id']}", json={"name": None})
    assert r.status_code == 422


async def test_duplicate_email_is_409_on_create_and_update(as_admin):
    first = await make_client(as_admin, email="dup@example.com")
    second = await make_client(as_admin)
    r = await as_admin.post("/clients", json={"name": "X", "email": "DUP@example.com"})
    assert r.status_code == 409
    assert r.json()["code"] == "client_email_taken"
    r = await as_admin.patch(f"/clients/{second['id']}", json={"email": first["email"]})
    assert r.status_code == 409
    r = await as_admin.put(
        f"/clients/{second['id']}", json={"name": "Y", "email": first["email"], "status": "active"}
    )
    assert r.status_code == 409


async def test_duplicate_cpf_is_409(as_admin):
    await make_client(as_admin, document=VALID_CPF)
    r = await as_admin.post(
        "/clients", json={"name": "Z", "email": "z@example.com", "document": "52998224725"}
    )
    assert r.status_code == 409
    assert r.json()["code"] == "client_document_taken"


@pytest.mark.parametrize("cpf", ["529.982.247-24", "111.111.111-11", "123", "abcdefghijk"])
async def test_invalid_cpf_is_422(as_admin, cpf):
    r = await as_admin.post(
        "/clients", json={"name": "A", "email": "a@example.com", "document": cpf}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "A", "email": "not-an-email"},
        {"name": "", "email": "a@example.com"},
        {"name": "A", "email": "a@example.com", "status": "archived"},
        {"name": "A", "email": "a@example.com", "phone": "12"},
        {"name": 123, "email": "a@example.com"},
        {"name": "A", "email": "a@example.com", "id": 5},
    ],
)
async def test_bad_client_bodies_are_422(as_admin, body):
    assert (await as_admin.post("/clients", json=body)).status_code == 422


async def test_malformed_json_is_422(as_admin):
    r = await as_admin.post(
        "/clients", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"


async def test_delete_with_allocations_is_409_and_keeps_everything(as_admin):
    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "PETR4.SA")
    await make_allocation(as_admin, client["id"], asset_id=asset["id"])
    r = await as_admin.delete(f"/clients/{client['id']}")
    assert r.status_code == 409
    assert r.json()["code"] == "client_has_transactions"
    assert (await as_admin.get(f"/clients/{client['id']}")).status_code == 200
    listing = (await as_admin.get(f"/clients/{client['id']}/allocations")).json()
    assert listing["total"] == 1
    audit = (await as_admin.get("/audit", params={"entity": "client"})).json()
    assert [e["action"] for e in audit["items"]] == ["create"]  # the failed delete left no trace


async def test_listing_search_filter_sort_and_pages(as_admin, as_reader):
    for name, email, status in [
        ("Bruno Lima", "bruno@example.com", "active"),
        ("Ana Souza", "ana@corp.example", "inactive"),
        ("Carla Dias", "carla@example.com", "active"),
        ("Álvaro Núñez", "alvaro@example.com", "active"),
    ]:
        await make_client(as_admin, name=name, email=email, status=status)

    page = (await as_reader.get("/clients", params={"page_size": 2})).json()
    assert page["total"] == 4
    assert page["pages"] == 2
    assert [c["name"] for c in page["items"]] == ["Ana Souza", "Bruno Lima"]

    names = [c["name"] for c in (await as_reader.get("/clients?sort=-name")).json()["items"]]
    assert names == sorted(names, reverse=True)
    newest = (await as_reader.get("/clients?sort=-created_at")).json()["items"][0]
    assert newest["name"] == "Álvaro Núñez"

    found = (await as_reader.get("/clients", params={"search": "CORP"})).json()
    assert [c["name"] for c in found["items"]] == ["Ana Souza"]
    found = (await as_reader.get("/clients", params={"search": "lima"})).json()
    assert found["total"] == 1

    inactive = (await as_reader.get("/clients", params={"status": "inactive"})).json()
    assert [c["status"] for c in inactive["items"]] == ["inactive"]

    beyond = (await as_reader.get("/clients", params={"page": 9})).json()
    assert beyond["items"] == []
    assert beyond["total"] == 4


async def test_unicode_names_round_trip(as_admin):
    client = await make_client(as_admin, name="João Ñandú 名前 🚀")
    assert (await as_admin.get(f"/clients/{client['id']}")).json()["name"] == "João Ñandú 名前 🚀"
    found = (await as_admin.get("/clients", params={"search": "ñandú"})).json()
    assert found["total"] == 1


@pytest.mark.parametrize("pattern", ["%", "_", "'", "\\", "100%_'"])
async def test_like_metacharacters_are_literal(as_admin, pattern):
    await make_client(as_admin, name="Plain Name")
    await make_client(as_admin, name=f"Odd {pattern} Name")
    found = (await as_admin.get("/clients", params={"search": pattern})).json()
    assert [c["name"] for c in found["items"]] == [f"Odd {pattern} Name"]


@pytest.mark.parametrize("query", ["sort=email", "status=archived", "page=0", "page_size=101"])
async def test_bad_list_queries_are_422(as_admin, query):
    assert (await as_admin.get(f"/clients?{query}")).status_code == 422


async def test_missing_and_bad_ids(as_admin):
    assert (await as_admin.get("/clients/999")).status_code == 404
    assert (await as_admin.get("/clients/abc")).status_code == 422
    assert (await as_admin.patch("/clients/999", json={"name": "x"})).status_code == 404
    assert (await as_admin.delete("/clients/999")).status_code == 404


async def test_client_writes_are_audited_with_changes(as_admin, admin):
    client = await make_client(as_admin, name="Before")
    await as_admin.patch(f"/clients/{client['id']}", json={"name": "After"})
    await as_admin.patch(f"/clients/{client['id']}", json={"name": "After"})  # no-op: no entry
    await as_admin.delete(f"/clients/{client['id']}")
    entries = (
        await as_admin.get("/audit", params={"entity": "client", "entity_id": client["id"]})
    ).json()["items"]
    assert [e["action"] for e in entries] == ["delete", "update", "create"]
    assert entries[1]["changes"] == {"name": {"from": "Before", "to": "After"}}
    assert all(e["user_id"] == admin.id for e in entries)
    assert entries[2]["changes"]["email"] == client["email"]


async def test_totals_follow_every_write(as_admin):
    """The listing total is cached per filter; every committed write invalidates it."""
    first = await make_client(as_admin, name="Alpha")
    await make_client(as_admin, name="Beta")
    assert (await as_admin.get("/clients?page_size=1")).json()["total"] == 2
    assert (await as_admin.get("/clients?page_size=1&search=alp")).json()["total"] == 1
    await make_client(as_admin, name="Alpine")
    assert (await as_admin.get("/clients?page_size=1")).json()["total"] == 3
    assert (await as_admin.get("/clients?page_size=1&search=alp")).json()["total"] == 2
    await as_admin.patch(f"/clients/{first['id']}", json={"name": "Omega"})
    assert (await as_admin.get("/clients?page_size=1&search=alp")).json()["total"] == 1
    names = [c["name"] for c in (await as_admin.get("/clients")).json()["items"]]
    assert names == ["Alpine", "Beta", "Omega"]  # cached pages were dropped too
    await as_admin.delete(f"/clients/{first['id']}")
    assert (await as_admin.get("/clients?page_size=1")).json()["total"] == 2


async def test_a_rolled_back_write_does_not_invalidate(as_admin, app):
    await make_client(as_admin, email="taken@example.com")
    await make_client(as_admin)
    assert (await as_admin.get("/clients?page_size=1")).json()["total"] == 2
    counts = app.state.events.cache("clients.listing")
    generation = counts.generation
    r = await as_admin.post("/clients", json={"name": "Dup", "email": "taken@example.com"})
    assert r.status_code == 409
    assert counts.generation == generation


async def test_another_process_write_reaches_this_process(as_admin, app, redis):
    """A write published by another process (CLI, worker, API replica) invalidates here."""
    from carteira.clients import service
    from carteira.clients.schemas import ClientCreate
    from carteira.core.events import EventBus

    await make_client(as_admin)
    await make_client(as_admin)
    assert (await as_admin.get("/clients?page_size=1")).json()["total"] == 2
    elsewhere = EventBus(redis)  # publish-only, like the CLI's
    await service.create_client(
        data=ClientCreate(name="Remote", email="remote@example.com"),
        actor_id=None,
        events=elsewhere,
    )
    for _ in range(100):
        if (await as_admin.get("/clients?page_size=1")).json()["total"] == 3:
            break
        await asyncio.sleep(0.01)
    assert (await as_admin.get("/clients?page_size=1")).json()["total"] == 3


async def test_counts_are_not_cached_while_the_bus_is_down(as_admin, app):
    from carteira.clients import service
    from carteira.core.pagination import PageParams

    for _ in range(3):
        await make_client(as_admin)
    events = app.state.events
    await events.stop()
    try:
        page = json.loads(
            await service.list_clients_json(
                search=None, status=None, sort="name", params=PageParams(1, 2), events=events
            )
        )
        assert events.cache("clients.listing").get("count\x00None\x00None\x00None") is None
    finally:
        events.start()
        assert await events.wait_healthy()
    assert len(page["items"]) == 2
    assert page["total"] == 3
