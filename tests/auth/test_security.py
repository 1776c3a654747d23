"""Security properties checked across the whole API (the authorization matrix itself lives in
test_authorization.py): mass assignment, JWT algorithm pinning, CORS, secrets never leaking,
security headers on every kind of response."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time

import httpx
import jwt
import pytest

from carteira.core.config import Settings
from carteira.main import create_app
from tests.factories import make_allocation, make_asset, make_client
from tests.support import TEST_JWT_SECRET


def _spec() -> dict:
    settings = Settings(_env_file=None, environment="test", jwt_secret=TEST_JWT_SECRET)
    return create_app(settings).openapi()


SPEC = _spec()


def _resolve(schema: dict) -> dict:
    if "$ref" in schema:
        return SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


JSON_BODIES = sorted(
    (method, path, _resolve(operation["requestBody"]["content"]["application/json"]["schema"]))
    for path, operations in SPEC["paths"].items()
    for method, operation in operations.items()
    if "application/json" in operation.get("requestBody", {}).get("content", {})
    for _ in [None]
    if "$ref" in operation["requestBody"]["content"]["application/json"]["schema"]
)


# ---- mass assignment ------------------------------------------------------------------------


def test_every_request_body_refuses_unknown_fields():
    """No body quietly accepts `id`, `role`, `created_at`, ...: each schema is closed."""
    assert len(JSON_BODIES) >= 10
    open_bodies = [
        (method, path)
        for method, path, schema in JSON_BODIES
        if schema.get("additionalProperties") is not False
    ]
    assert open_bodies == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/clients", {"name": "A", "email": "a@example.com", "id": 77}),
        ("post", "/clients", {"name": "A", "email": "a@example.com", "created_at": "2020-01-01"}),
        ("patch", "/clients/{client}", {"id": 77}),
        (
            "put",
            "/clients/{client}",
            {"name": "A", "email": "a@example.com", "status": "active", "id": 77},
        ),
        ("post", "/assets", {"ticker": "VALE3.SA", "id": 77}),
        ("patch", "/assets/{asset}", {"ticker": "HACK3.SA"}),
        (
            "post",
            "/clients/{client}/allocations",
            {
                "asset_id": "{asset}",
                "quantity": "1",
                "buy_price": "1",
                "buy_date": "2024-01-02",
                "client_id": 999,
            },
        ),
        ("patch", "/clients/{client}/allocations/{lot}", {"client_id": 999}),
        (
            "post",
            "/users",
            {"email": "x@example.com", "password": "long-enough", "password_hash": "$2b$04$forged"},
        ),
        ("patch", "/users/{reader}", {"id": 1}),
        ("patch", "/users/{reader}", {"last_login_at": "2020-01-01T00:00:00Z"}),
    ],
)
async def test_fields_a_caller_must_not_set_are_refused(as_admin, reader, method, path, body):
    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "PETR4.SA")
    lot = await make_allocation(as_admin, client["id"], asset_id=asset["id"])
    ids = {"client": client["id"], "asset": asset["id"], "lot": lot["id"], "reader": reader.id}
    url = path.format(**ids)
    payload = {k: (ids["asset"] if v == "{asset}" else v) for k, v in body.items()}
    r = await as_admin.request(method.upper(), url, json=payload)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["type"] == "extra_forbidden"
    # Nothing changed either.
    assert (await as_admin.get(f"/clients/{client['id']}")).json() == client
    lots = (await as_admin.get(f"/clients/{client['id']}/allocations")).json()
    assert [item["id"] for item in lots["items"]] == [lot["id"]]


# ---- JWT ------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict, claims: dict, key: bytes, digest=hashlib.sha256) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{_b64(signature)}"


@pytest.mark.parametrize(
    ("alg", "digest"),
    [
        ("RS256", hashlib.sha256),  # HS/RS confusion: an "RSA" token MACed with the secret
        ("ES256", hashlib.sha256),
        ("HS384", hashlib.sha384),
        ("HS512", hashlib.sha512),
        ("hs256", hashlib.sha256),
    ],
)
async def test_only_hs256_is_accepted_whatever_the_header_claims(client, admin, alg, digest):
    claims = jwt.decode(admin.token, options={"verify_signature": False})
    forged = _forge({"alg": alg, "typ": "JWT"}, claims, TEST_JWT_SECRET.encode(), digest)
    r = await client.get("/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_token"
    # The same claims, honestly signed, pass: the refusal is about the algorithm only.
    genuine = _forge({"alg": "HS256", "typ": "JWT"}, claims, TEST_JWT_SECRET.encode())
    assert (await client.get("/auth/me", headers={"Authorization": f"Bearer {genuine}"})).is_success


async def test_a_token_with_a_forged_role_or_subject_is_refused(client, reader):
    claims = jwt.decode(reader.token, options={"verify_signature": False})
    for tampered in ({**claims, "role": "admin"}, {**claims, "sub": "1"}):
        forged = _forge({"alg": "HS256", "typ": "JWT"}, tampered, b"guessed-secret")
        r = await client.post(
            "/clients",
            json={"name": "A", "email": "a@example.com"},
            headers={"Authorization": f"Bearer {forged}"},
        )
        assert r.status_code == 401


# ---- CORS -----------------------------------------------------------------------------------


@pytest.fixture
async def cors_client(settings):
    app = create_app(settings.model_copy(update={"cors_origins": ["https://app.example"]}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_cors_answers_the_configured_origin_only(cors_client):
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-csrf-token",
    }
    r = await cors_client.options(
        "/clients", headers={"Origin": "https://app.example", **preflight}
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "x-csrf-token" in r.headers["access-control-allow-headers"].lower()

    r = await cors_client.options(
        "/clients", headers={"Origin": "https://evil.example", **preflight}
    )
    assert r.status_code == 400
    assert "access-control-allow-origin" not in r.headers

    r = await cors_client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    r = await cors_client.get("/health", headers={"Origin": "https://app.example"})
    assert r.headers["access-control-allow-origin"] == "https://app.example"  # never "*"


async def test_cors_lets_a_spa_propagate_traces_and_read_the_headers_it_needs(cors_client):
    """A SPA on another origin sends W3C trace context and reads the download's file name,
    a created resource's Location, the request id and Retry-After."""
    r = await cors_client.options(
        "/clients",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "traceparent,tracestate,x-request-id",
        },
    )
    assert r.status_code == 200
    allowed = r.headers["access-control-allow-headers"].lower()
    assert {"traceparent", "tracestate", "x-request-id"} <= set(allowed.replace(" ", "").split(","))
    r = await cors_client.get("/health", headers={"Origin": "https://app.example"})
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"content-disposition", "location", "x-request-id", "retry-after"} <= exposed


async def test_without_configured_origins_no_cross_origin_access(client):
    r = await client.get("/health", headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in r.headers


# ---- secrets never leave --------------------------------------------------------------------


async def test_passwords_and_hashes_never_appear_in_responses_or_logs(
    client, as_admin, admin, caplog
):
    caplog.set_level(logging.DEBUG)
    password = "Correct-Horse-Battery-42"
    seen: list[str] = []

    async def keep(response: httpx.Response) -> httpx.Response:
        seen.append(response.text + json.dumps(dict(response.headers)))
        return response

    created = await keep(
        await as_admin.post(
            "/users", json={"email": "new@example.com", "password": password, "role": "reader"}
        )
    )
    user_id = created.json()["id"]
    login = await keep(
        await client.post("/auth/login", json={"email": "new@example.com", "password": password})
    )
    await keep(await client.post("/auth/login", json={"email": "new@example.com", "password": "x"}))
    await keep(
        await client.post(
            "/auth/login", data={"username": "new@example.com", "password": password + "!"}
        )
    )
    token = {"Authorization": f"Bearer {login.json()['access_token']}"}
    await keep(await client.get("/auth/me", headers=token))
    await keep(await as_admin.patch(f"/users/{user_id}", json={"password": password + "-2"}))
    await keep(await as_admin.get("/users"))
    await keep(await as_admin.get(f"/users/{user_id}"))
    await keep(await as_admin.get("/audit", params={"entity": "user"}))
    await keep(await as_admin.post("/users", json={"email": "bad", "password": password}))

    logs = "\n".join(
        record.getMessage() + str(record.__dict__.get("args")) for record in caplog.records
    )
    for text in (*seen, logs):
        assert password not in text
        assert "$2b$" not in text  # a bcrypt hash
        assert "password_hash" not in text


# ---- security headers -----------------------------------------------------------------------


async def test_security_headers_on_every_kind_of_response(client, as_admin):
    client_row = await make_client(as_admin)
    responses = {
        "json 200": await as_admin.get("/clients"),
        "json 401": await client.get("/clients"),
        "json 404": await as_admin.get("/clients/999999"),
        "json 422": await as_admin.post("/clients", json={}),
        "csv": await as_admin.get(f"/clients/{client_row['id']}/positions?format=csv"),
        "metrics": await client.get("/metrics"),
        "html": await client.get("/dashboard"),
    }
    for kind, r in responses.items():
        headers = r.headers
        assert headers["x-content-type-options"] == "nosniff", kind
        assert headers["x-frame-options"] == "DENY", kind
        assert headers["referrer-policy"] == "no-referrer", kind
        assert "frame-ancestors 'none'" in headers["content-security-policy"], kind
        assert headers["cache-control"] in ("no-store", "no-cache"), kind  # never cached stale
    # The dashboard runs its own script and nothing else: no inline code, no third party.
    csp = responses["html"].headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]


async def test_the_web_app_serves_its_own_files_and_nothing_else(client):
    module = await client.get("/dashboard/app.js")
    assert module.status_code == 200
    assert module.headers["content-type"].startswith("text/javascript")
    assert "script-src 'self'" in module.headers["content-security-policy"]
    for name in ("index.html", "router.py", "..%2Frouter.py", "missing.js"):
        refused = await client.get(f"/dashboard/{name}")
        assert refused.status_code == 404, name
        assert refused.json()["code"] == "not_found"


async def test_login_throttle_counts_form_and_json_attempts_alike(client, admin):
    wrong = "not-the-password"
    for n in range(5):
        if n % 2:
            await client.post("/auth/login", json={"email": admin.email, "password": wrong})
        else:
            await client.post("/auth/login", data={"username": admin.email, "password": wrong})
    started = time.monotonic()
    r = await client.post("/auth/login", json={"email": admin.email, "password": admin.password})
    assert r.status_code == 429  # even the right password, until the window passes
    assert int(r.headers["retry-after"]) > 0
    assert r.json()["code"] == "login_throttled"
    assert time.monotonic() - started < 1  # refused before any bcrypt work
