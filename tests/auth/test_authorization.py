"""The authorization matrix, generated from the OpenAPI document so new routes are covered."""

from __future__ import annotations

import re

import pytest

from carteira.core.config import Settings
from carteira.main import create_app
from tests.support import TEST_JWT_SECRET

WRITE_METHODS = {"post", "put", "patch", "delete"}
# Session endpoints any authenticated (or anonymous, for login/refresh) caller may use.
SESSION_ROUTES = {
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/logout"),
    ("post", "/auth/ws-ticket"),
}
PUBLIC_ROUTES = {
    ("get", "/health"),
    ("get", "/ready"),
    ("get", "/dashboard"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
}


def _routes() -> list[tuple[str, str]]:
    settings = Settings(_env_file=None, environment="test", jwt_secret=TEST_JWT_SECRET)
    spec = create_app(settings).openapi()
    return sorted(
        (method, path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in WRITE_METHODS | {"get"}
    )


ROUTES = _routes()
WRITES = [route for route in ROUTES if route[0] in WRITE_METHODS and route not in SESSION_ROUTES]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_the_matrix_covers_every_module():
    prefixes = {path.split("/")[1] for _, path in WRITES}
    assert {"users", "clients", "assets"} <= prefixes


@pytest.mark.parametrize(("method", "path"), WRITES)
async def test_every_write_is_403_for_a_reader(as_reader, method, path):
    r = await as_reader.request(method.upper(), _concrete(path), json={})
    assert r.status_code == 403, (method, path, r.text)
    assert r.json()["code"] in {"admin_required", "read_only"}


@pytest.mark.parametrize(
    ("method", "path"), [route for route in ROUTES if route not in PUBLIC_ROUTES]
)
async def test_every_private_route_is_401_without_a_token(client, method, path):
    r = await client.request(method.upper(), _concrete(path), json={})
    assert r.status_code == 401, (method, path, r.text)
