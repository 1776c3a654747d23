from __future__ import annotations

from decimal import Decimal, InvalidOperation

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
        # Decimal arithmetic refusing a figure too large for its context: input, never a bug.
        (InvalidOperation(), 422, "invalid_value"),
    ],
)
async def test_errors_map_to_their_status_and_code(exc, status, code):
    transport = httpx.ASGITransport(app=_app_raising(exc), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.get("/boom")
    assert r.status_code == status
    assert r.json()["code"] == code
    assert "detail" in r.json()


async def test_in_turns_hands_the_loop_back_after_each_turn_of_items():
    import asyncio

    from carteira.core.loop import in_turns

    seen_by_others: list[int] = []
    taken: list[int] = []

    async def another_request() -> None:
        while len(taken) < 7:
            seen_by_others.append(len(taken))
            await asyncio.sleep(0)

    other = asyncio.create_task(another_request())
    await asyncio.sleep(0)  # it runs once before the loop below starts
    async for item in in_turns(range(7), per_turn=3):
        taken.append(item)
    await other
    assert taken == list(range(7))  # every item, in order
    assert seen_by_others[:3] == [0, 3, 6]  # it ran after each turn of three, and only then
