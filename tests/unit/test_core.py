from __future__ import annotations

from decimal import Decimal

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from redis.exceptions import ConnectionError as RedisConnectionError

from carteira.core.errors import ConflictError, install_error_handlers
from carteira.core.jsonable import decimal_str, to_jsonable
from carteira.core.pagination import Page, PageParams


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1E+3"), "1000"),
        (Decimal("10.50000000"), "10.5"),
        (Decimal("0.00000001"), "0.00000001"),
        (Decimal("-0.000"), "0"),
        (Decimal("42"), "42"),
    ],
)
def test_decimal_str_is_plain_and_trimmed(value, text):
    assert decimal_str(value) == text


def test_to_jsonable_keeps_decimals_exact():
    assert to_jsonable({"a": [Decimal("0.1")]}) == {"a": ["0.1"]}


@pytest.mark.parametrize(("total", "pages"), [(0, 0), (1, 1), (20, 1), (21, 2)])
def test_page_count(total, pages):
    page = Page[int].build([], total=total, params=PageParams(page=1, page_size=20))
    assert page.pages == pages


def _app_raising(exc: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise exc

    return app


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (ConflictError("taken"), 409, "conflict"),
        (asyncpg.exceptions.ConnectionDoesNotExistError("gone"), 503, "database_unavailable"),
        (ConnectionRefusedError(), 503, "database_unavailable"),
        (RedisConnectionError("down"), 503, "redis_unavailable"),
        (TimeoutError(), 503, "service_unavailable"),
        (RuntimeError("bug"), 500, "internal_error"),
    ],
)
async def test_errors_map_to_their_status_and_code(exc, status, code):
    transport = httpx.ASGITransport(app=_app_raising(exc), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.get("/boom")
    assert r.status_code == status
    assert r.json()["code"] == code
    assert "detail" in r.json()
