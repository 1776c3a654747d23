from __future__ import annotations

import pytest


async def test_admin_manages_users(as_admin, admin):
    r = await as_admin.post(
        "/users",
        json={"email": "New.Person@Example.com", "password": "long-enough", "role": "reader"},
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["email"] == "new.person@example.com"
    assert "password" not in created
    assert "password_hash" not in created

    listing = (await as_admin.get("/users", params={"page_size": 1})).json()
    assert listing["total"] == 2
    assert listing["pages"] == 2
    assert len(listing["items"]) == 1

    r = await as_admin.patch(f"/users/{created['id']}", json={"role": "admin"})
    assert r.json()["role"] == "admin"
    assert (await as_admin.get(f"/users/{created['id']}")).json()["role"] == "admin"

    assert (await as_admin.delete(f"/users/{created['id']}")).status_code == 204
    assert (await as_admin.get(f"/users/{created['id']}")).status_code == 404


async def test_duplicate_email_is_409(as_admin, reader):
    r = await as_admin.post(
        "/users", json={"email": reader.email.upper(), "password": "long-enough"}
    )
    assert r.status_code == 409
    assert r.json() == {"detail": "A user with this email already exists.", "code": "email_taken"}


async def test_unknown_fields_are_refused(as_admin):
    r = await as_admin.post(
        "/users", json={"email": "m@example.com", "password": "long-enough", "id": 99}
    )
    assert r.status_code == 422


async def test_admin_cannot_lock_themselves_out(as_admin, admin):
    assert (await as_admin.delete(f"/users/{admin.id}")).status_code == 409
    r = await as_admin.patch(f"/users/{admin.id}", json={"role": "reader"})
    assert r.status_code == 409
    assert r.json()["code"] == "cannot_modify_self"


async def test_user_writes_are_audited(as_admin, admin, reader):
    await as_admin.patch(f"/users/{reader.id}", json={"role": "admin", "password": "another-one"})
    entries = (
        await as_admin.get("/audit", params={"entity": "user", "entity_id": reader.id})
    ).json()
    update = entries["items"][0]
    assert update["action"] == "update"
    assert update["user_id"] == admin.id
    assert update["changes"]["role"] == {"from": "reader", "to": "admin"}
    assert update["changes"]["password"] == {"from": "***", "to": "***"}
    assert "password_hash" not in str(entries)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/users", {"email": "z@example.com", "password": "long-enough"}),
        ("patch", "/users/1", {"role": "admin"}),
        ("delete", "/users/1", None),
    ],
)
async def test_reader_cannot_write_users(as_reader, method, path, body):
    kwargs = {"json": body} if body is not None else {}
    r = await getattr(as_reader, method)(path, **kwargs)
    assert r.status_code == 403
    assert r.json()["code"] == "admin_required"


async def test_reader_cannot_read_users_or_audit(as_reader):
    assert (await as_reader.get("/users")).status_code == 403
    assert (await as_reader.get("/users/1")).status_code == 403
    assert (await as_reader.get("/audit")).status_code == 403


@pytest.mark.parametrize("query", ["page=0", "page_size=101", "page=abc", "page_size=0"])
async def test_bad_pagination_is_422(as_admin, query):
    r = await as_admin.get(f"/users?{query}")
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"


@pytest.mark.parametrize("user_id", ["abc", "0", "2147483648", "-1"])
async def test_bad_ids_are_422(as_admin, user_id):
    assert (await as_admin.get(f"/users/{user_id}")).status_code == 422
