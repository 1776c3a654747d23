from __future__ import annotations

import asyncio
import base64
import json
import time

import bcrypt
import jwt
import pytest

from carteira.auth import security
from tests.conftest import TEST_JWT_SECRET


def _login_json(client, email, password):
    return client.post("/auth/login", json={"email": email, "password": password})


async def test_login_with_oauth2_form(client, admin):
    r = await client.post(
        "/auth/login",
        data={"username": admin.email, "password": admin.password, "grant_type": "password"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["email"] == admin.email


async def test_login_with_json_sets_cookies_and_claims(client, admin):
    r = await _login_json(client, admin.email.upper(), admin.password)
    assert r.status_code == 200
    claims = jwt.decode(r.json()["access_token"], TEST_JWT_SECRET, algorithms=["HS256"])
    assert {"sub", "role", "jti", "iat", "exp"} <= claims.keys()
    assert claims["role"] == "admin"
    assert claims["exp"] - claims["iat"] == 3600
    cookies = r.headers.get_list("set-cookie")
    access = next(c for c in cookies if c.startswith("access_token="))
    csrf = next(c for c in cookies if c.startswith("csrf_token="))
    assert "HttpOnly" in access
    assert "samesite=lax" in access.lower()
    assert "HttpOnly" not in csrf


async def test_login_records_last_login(client, admin):
    await _login_json(client, admin.email, admin.password)
    me = await client.get("/auth/me", headers=admin.headers)
    assert me.json()["last_login_at"] is not None


async def test_wrong_password_and_unknown_user_look_the_same(client, admin, monkeypatch):
    checks = []
    real_checkpw = bcrypt.checkpw

    def counting_checkpw(password, hashed):
        checks.append(hashed)
        return real_checkpw(password, hashed)

    monkeypatch.setattr(security.bcrypt, "checkpw", counting_checkpw)
    wrong = await _login_json(client, admin.email, "not-the-password")
    unknown = await _login_json(client, "nobody@example.com", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {
            "detail": "Incorrect email or password.",
            "code": "invalid_credentials",
        }
    )
    # Same work either way: exactly one bcrypt comparison per attempt.
    assert len(checks) == 2


async def test_inactive_user_cannot_log_in(client, as_admin, reader):
    r = await as_admin.patch(f"/users/{reader.id}", json={"is_active": False})
    assert r.status_code == 200
    r = await _login_json(client, reader.email, reader.password)
    assert r.status_code == 401


def _forge(payload: dict, header: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(payload)}."


def _valid_payload(user_id: int, **overrides) -> dict:
    now = int(time.time())
    payload = {
        "iss": "carteira",
        "sub": str(user_id),
        "role": "admin",
        "jti": "abc",
        "iat": now,
        "exp": now + 600,
        "typ": "access",
        "csrf": "x",
        "ver": 0,
    }
    payload.update(overrides)
    return payload


async def test_tampered_signature_is_rejected(client, reader):
    header, payload, signature = reader.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    r = await client.get(
        "/users", headers={"Authorization": f"Bearer {header}.{forged_payload}.{signature}"}
    )
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_token"


async def test_alg_none_is_rejected(client, admin):
    token = _forge(_valid_payload(admin.id), {"alg": "none", "typ": "JWT"})
    r = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


async def test_token_signed_with_another_key_is_rejected(client, admin):
    token = jwt.encode(_valid_payload(admin.id), "another-secret-" + "y" * 40, algorithm="HS256")
    r = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


@pytest.mark.parametrize("missing", ["sub", "exp", "jti", "role", "iat", "ver"])
async def test_token_missing_a_claim_is_rejected(client, admin, missing):
    payload = _valid_payload(admin.id)
    del payload[missing]
    token = jwt.encode(payload, TEST_JWT_SECRET, algorithm="HS256")
    r = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


async def test_expired_token_is_rejected(client, admin):
    payload = _valid_payload(admin.id, iat=int(time.time()) - 7200, exp=int(time.time()) - 60)
    token = jwt.encode(payload, TEST_JWT_SECRET, algorithm="HS256")
    r = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


async def test_refresh_token_is_not_an_access_token(client, admin):
    r = await client.get("/auth/me", headers={"Authorization": f"Bearer {admin.refresh_token}"})
    assert r.status_code == 401


async def test_logout_revokes_the_access_token(client, admin):
    assert (await client.get("/auth/me", headers=admin.headers)).status_code == 200
    r = await client.post("/auth/logout", headers=admin.headers)
    assert r.status_code == 204
    assert any(c.startswith('access_token=""') for c in r.headers.get_list("set-cookie"))
    r = await client.get("/auth/me", headers=admin.headers)
    assert r.status_code == 401


async def test_logout_can_revoke_the_refresh_token(client, admin):
    r = await client.post(
        "/auth/logout", headers=admin.headers, json={"refresh_token": admin.refresh_token}
    )
    assert r.status_code == 204
    r = await client.post("/auth/refresh", json={"refresh_token": admin.refresh_token})
    assert r.status_code == 401


async def test_refresh_rotates_and_a_replay_revokes_the_whole_chain(client, admin):
    first = await client.post("/auth/refresh", json={"refresh_token": admin.refresh_token})
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh_token"] != admin.refresh_token
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200
    # The consumed token comes back (it leaked): the session it started is over, every token
    # descended from it included.
    reuse = await client.post("/auth/refresh", json={"refresh_token": admin.refresh_token})
    assert reuse.status_code == 401
    again = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 401
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 401
    assert (await client.get("/auth/me", headers=admin.headers)).status_code == 401


async def test_a_replay_leaves_the_users_other_sessions_alone(client, admin):
    other = await client.post(
        "/auth/login", json={"email": admin.email, "password": admin.password}
    )
    await client.post("/auth/refresh", json={"refresh_token": admin.refresh_token})
    await client.post("/auth/refresh", json={"refresh_token": admin.refresh_token})  # replay
    token = other.json()["access_token"]
    assert (
        await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200


async def test_logout_without_a_body_ends_the_refresh_token_too(client, admin):
    r = await client.post("/auth/logout", headers=admin.headers)
    assert r.status_code == 204
    r = await client.post("/auth/refresh", json={"refresh_token": admin.refresh_token})
    assert r.status_code == 401


async def test_refresh_with_garbage_is_401(client):
    r = await client.post("/auth/refresh", json={"refresh_token": "not-a-jwt"})
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_token"


async def test_missing_token_is_401(client):
    r = await client.get("/auth/me")
    assert r.status_code == 401
    assert r.json() == {"detail": "Not authenticated.", "code": "not_authenticated"}


async def test_deactivating_a_user_cuts_off_their_tokens(client, as_admin, reader):
    assert (await client.get("/auth/me", headers=reader.headers)).status_code == 200
    await as_admin.patch(f"/users/{reader.id}", json={"is_active": False})
    assert (await client.get("/auth/me", headers=reader.headers)).status_code == 401
    r = await client.post("/auth/refresh", json={"refresh_token": reader.refresh_token})
    assert r.status_code == 401


async def test_password_change_ends_old_sessions_but_not_the_next_login(client, as_admin, reader):
    await as_admin.patch(f"/users/{reader.id}", json={"password": "brand-new-pass"})
    assert (await client.get("/auth/me", headers=reader.headers)).status_code == 401
    # Logging in again right away (same second) works: sessions are versioned, not timed.
    r = await _login_json(client, reader.email, "brand-new-pass")
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert (await client.get("/auth/me", headers=headers)).status_code == 200


# ---- cookies and CSRF ---------------------------------------------------------------------


async def _cookie_session(client, account) -> str:
    r = await _login_json(client, account.email, account.password)
    assert r.status_code == 200
    return client.cookies["csrf_token"]


async def test_cookie_auth_reads_without_csrf(client, admin):
    await _cookie_session(client, admin)
    r = await client.get("/users")
    assert r.status_code == 200


async def test_cookie_auth_write_needs_matching_csrf_header(client, admin):
    csrf = await _cookie_session(client, admin)
    body = {"email": "new@example.com", "password": "long-enough"}
    r = await client.post("/users", json=body)
    assert r.status_code == 403
    assert r.json()["code"] == "csrf_failed"
    r = await client.post("/users", json=body, headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    r = await client.post("/users", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201


async def test_bearer_header_takes_precedence_over_cookie(client, admin, reader):
    await _cookie_session(client, admin)  # admin cookie in the jar
    r = await client.post(
        "/users",
        json={"email": "x@example.com", "password": "long-enough"},
        headers=reader.headers,
    )
    assert r.status_code == 403
    assert r.json()["code"] == "admin_required"  # the reader's bearer won; no CSRF needed


def _scope_of(set_cookies: list[str], name: str) -> dict[str, str]:
    """The attributes of the `Set-Cookie` for `name`, lowercased."""
    line = next(c for c in set_cookies if c.startswith(name + "="))
    parts = [part.strip().partition("=") for part in line.split(";")[1:]]
    return {key.lower(): value.lower() for key, _, value in parts}


async def test_cookie_domain_and_samesite_apply_to_login_refresh_and_logout(client, app, admin):
    """COOKIE_DOMAIN lets a SPA on another host of the domain read csrf_token; COOKIE_SAMESITE
    =none sends the cookies to a cross-site SPA's requests. Clearing them on logout must name
    the same domain, or the browser keeps them."""
    settings = app.state.settings
    cookies = {"cookie_domain": ".example.test", "cookie_samesite": "none", "cookie_secure": True}
    app.state.settings = settings.model_copy(update=cookies)
    try:
        login = await _login_json(client, admin.email, admin.password)
        refresh = await client.post(
            "/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}
        )
        logout = await client.post(
            "/auth/logout", headers={"Authorization": f"Bearer {refresh.json()['access_token']}"}
        )
    finally:
        app.state.settings = settings
    assert (login.status_code, refresh.status_code, logout.status_code) == (200, 200, 204)
    for response in (login, refresh, logout):
        for name in ("access_token", "csrf_token"):
            scope = _scope_of(response.headers.get_list("set-cookie"), name)
            assert scope["domain"] in ("example.test", ".example.test")
            assert scope["samesite"] == "none"
            assert "secure" in scope
            assert scope["path"] == "/"
    assert "max-age" in _scope_of(login.headers.get_list("set-cookie"), "csrf_token")
    assert _scope_of(logout.headers.get_list("set-cookie"), "csrf_token")["max-age"] == "0"


async def test_cookies_are_host_only_and_lax_by_default(client, admin):
    login = await _login_json(client, admin.email, admin.password)
    for name in ("access_token", "csrf_token"):
        scope = _scope_of(login.headers.get_list("set-cookie"), name)
        assert "domain" not in scope
        assert scope["samesite"] == "lax"


# ---- throttling and passwords -------------------------------------------------------------


async def test_five_failures_then_429_with_retry_after(client, admin):
    for _ in range(5):
        r = await _login_json(client, admin.email, "wrong-password")
        assert r.status_code == 401
    r = await _login_json(client, admin.email, admin.password)
    assert r.status_code == 429
    assert r.json()["code"] == "login_throttled"
    assert 0 < int(r.headers["retry-after"]) <= 900


async def test_throttle_is_per_email(client, admin, reader):
    for _ in range(5):
        await _login_json(client, admin.email, "wrong-password")
    r = await _login_json(client, reader.email, reader.password)
    assert r.status_code == 200


async def test_success_resets_the_failure_count(client, admin):
    for _ in range(4):
        await _login_json(client, admin.email, "wrong-password")
    assert (await _login_json(client, admin.email, admin.password)).status_code == 200
    for _ in range(4):
        await _login_json(client, admin.email, "wrong-password")
    assert (await _login_json(client, admin.email, admin.password)).status_code == 200


async def test_overlong_password_on_login_is_401_not_500(client, admin):
    r = await _login_json(client, admin.email, "é" * 40)  # 80 bytes
    assert r.status_code == 401


async def test_overlong_password_on_create_is_422(as_admin):
    r = await as_admin.post("/users", json={"email": "long@example.com", "password": "é" * 40})
    assert r.status_code == 422
    assert "72 bytes" in json.dumps(r.json())


async def test_login_bad_bodies_are_422(client):
    assert (await client.post("/auth/login", content=b"{not json")).status_code == 422
    r = await client.post("/auth/login", json={"email": "a@b.c"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "password"]
    r = await client.post("/auth/login", data={"username": "a@b.c"})
    assert r.status_code == 422


# ---- where revocation lives ---------------------------------------------------------------


async def test_a_logout_in_another_process_reaches_this_one(client, admin, app):
    """Another process ends the session (its own bus); this one's cached check follows."""
    from carteira.auth import service
    from carteira.auth.sessions import SessionStore
    from carteira.core.events import EventBus

    assert (await client.get("/auth/me", headers=admin.headers)).status_code == 200
    principal = await service.authenticate_token(
        token=admin.token, sessions=app.state.sessions, settings=app.state.settings
    )
    elsewhere = SessionStore(bus=EventBus(app.state.redis))
    await service.close_session(
        principal=principal, refresh_token=None, sessions=elsewhere, settings=app.state.settings
    )
    for _ in range(100):
        if (await client.get("/auth/me", headers=admin.headers)).status_code == 401:
            break
        await asyncio.sleep(0.01)
    assert (await client.get("/auth/me", headers=admin.headers)).status_code == 401


async def test_checks_ask_the_database_while_the_bus_is_down(client, admin, app):
    events = app.state.events
    await events.stop()
    try:
        assert (await client.get("/auth/me", headers=admin.headers)).status_code == 200
        await client.post("/auth/logout", headers=admin.headers)
        assert (await client.get("/auth/me", headers=admin.headers)).status_code == 401
    finally:
        events.start()
        assert await events.wait_healthy()
    assert (await client.get("/auth/me", headers=admin.headers)).status_code == 401


async def test_revocations_survive_a_redis_flush(client, as_admin, admin, reader, app):
    """Before the fix a revocation lived in Redis only: a flush (or a restart without
    persistence) revived every revoked token."""
    logged_out = await client.post(
        "/auth/login", json={"email": admin.email, "password": admin.password}
    )
    gone = {"Authorization": f"Bearer {logged_out.json()['access_token']}"}
    await client.post("/auth/logout", headers=gone)
    await as_admin.patch(f"/users/{reader.id}", json={"role": "admin"})
    await as_admin.patch(f"/users/{reader.id}", json={"role": "reader"})  # the old token was admin
    await app.state.redis.flushdb()
    await app.state.events.resync()
    assert (await client.get("/auth/me", headers=gone)).status_code == 401
    assert (await client.get("/auth/me", headers=reader.headers)).status_code == 401
    assert (await client.get("/auth/me", headers=admin.headers)).status_code == 200


async def test_tokens_are_checked_without_redis(client, admin, app):
    """With Redis unreachable the database still decides: valid tokens work, revoked ones do
    not; login fails closed (its throttle needs Redis)."""
    from redis.asyncio import Redis

    events = app.state.events
    await events.stop()
    live, events.redis = events.redis, Redis.from_url("redis://127.0.0.1:1/0")
    try:
        assert (await client.get("/auth/me", headers=admin.headers)).status_code == 200
        r = await client.post(
            "/auth/login", json={"email": admin.email, "password": admin.password}
        )
        assert r.status_code == 503
        assert r.json()["code"] == "redis_unavailable"
        assert (await client.post("/auth/logout", headers=admin.headers)).status_code == 204
        assert (await client.get("/auth/me", headers=admin.headers)).status_code == 401
    finally:
        await events.redis.aclose()
        events.redis = live
        events.start()
        assert await events.wait_healthy()
