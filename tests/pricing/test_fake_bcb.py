"""The fake SGS server itself: shapes, windows, errors, faults and counters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tests.fakes.bcb import NOT_FOUND, SERIES_PATH, WINDOW_TOO_LONG, FakeBcb


@pytest.fixture(scope="module")
async def bcb_server() -> AsyncIterator[FakeBcb]:
    async with FakeBcb() as bcb:
        yield bcb


@pytest.fixture
async def bcb(bcb_server: FakeBcb) -> FakeBcb:
    bcb_server.reset()
    bcb_server.add_series(
        12,
        [
            (date(2024, 1, 2), "0.043739"),
            (date(2024, 1, 3), Decimal("0.043739")),
            (date(2024, 1, 4), "0.0437390"),  # served exactly as registered
        ],
    )
    bcb_server.add_series(
        433, [(date(2024, 1, 1), "0.42"), (date(2024, 2, 1), "0.83")], daily=False
    )
    return bcb_server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def url(bcb: FakeBcb, code: int) -> str:
    return f"{bcb.base_url}{SERIES_PATH}/bcdata.sgs.{code}/dados"


async def get(
    http: aiohttp.ClientSession, address: str, **params: str
) -> tuple[int, dict[str, str], Any]:
    async with http.get(address, params=params) as response:
        text = await response.text()
        try:
            body: Any = await response.json(content_type=None)
        except ValueError:
            body = text
        return response.status, dict(response.headers), body


async def test_series_in_the_sgs_shape(bcb: FakeBcb, http: aiohttp.ClientSession) -> None:
    status, headers, body = await get(
        http, url(bcb, 12), formato="json", dataInicial="01/01/2024", dataFinal="03/01/2024"
    )
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert body == [
        {"data": "02/01/2024", "valor": "0.043739"},
        {"data": "03/01/2024", "valor": "0.043739"},
    ]
    _, _, body = await get(
        http, url(bcb, 12), formato="json", dataInicial="04/01/2024", dataFinal="04/01/2024"
    )
    assert body == [{"data": "04/01/2024", "valor": "0.0437390"}]


async def test_empty_windows_and_unknown_codes_are_404(
    bcb: FakeBcb, http: aiohttp.ClientSession
) -> None:
    window = {"formato": "json", "dataInicial": "06/01/2024", "dataFinal": "07/01/2024"}
    status, _, body = await get(http, url(bcb, 12), **window)
    assert (status, body) == (404, NOT_FOUND)
    assert "Value(s) not found" in body["erro"]["detail"]
    status, _, body = await get(http, url(bcb, 99999), **window)
    assert (status, body) == (404, NOT_FOUND)
    status, _, _ = await get(http, f"{bcb.base_url}{SERIES_PATH}/nonsense/dados", **window)
    assert status == 404


async def test_daily_windows_longer_than_ten_years_are_406(
    bcb: FakeBcb, http: aiohttp.ClientSession
) -> None:
    ten_years = {"formato": "json", "dataInicial": "02/01/2014", "dataFinal": "02/01/2024"}
    assert (await get(http, url(bcb, 12), **ten_years))[0] == 200
    longer = {**ten_years, "dataFinal": "03/01/2024"}
    status, _, body = await get(http, url(bcb, 12), **longer)
    assert (status, body) == (406, WINDOW_TOO_LONG)
    assert "10 anos" in body["error"]
    # A daily series asked without dataInicial: the same refusal.
    status, _, body = await get(http, url(bcb, 12), formato="json")
    assert (status, body) == (406, WINDOW_TOO_LONG)
    # Monthly series have no such limit.
    status, _, body = await get(
        http, url(bcb, 433), formato="json", dataInicial="01/01/1990", dataFinal="31/12/2024"
    )
    assert status == 200
    assert [point["valor"] for point in body] == ["0.42", "0.83"]


async def test_unreadable_dates_are_400(bcb: FakeBcb, http: aiohttp.ClientSession) -> None:
    status, _, body = await get(
        http, url(bcb, 12), formato="json", dataInicial="2024-01-01", dataFinal="03/01/2024"
    )
    assert status == 400
    assert body["erro"]["detail"].endswith("Invalid initial date")
    status, _, body = await get(
        http, url(bcb, 12), formato="json", dataInicial="01/01/2024", dataFinal="31/02/2024"
    )
    assert status == 400
    assert body["erro"]["detail"].endswith("Invalid final date")
    assert (await get(http, url(bcb, 12), formato="csv", dataInicial="01/01/2024"))[0] == 400


async def test_faults(bcb: FakeBcb, http: aiohttp.ClientSession) -> None:
    window = {"formato": "json", "dataInicial": "01/01/2024", "dataFinal": "03/01/2024"}
    bcb.fail_next(2, status=429, retry_after=2)
    for _ in range(2):
        status, headers, _ = await get(http, url(bcb, 12), **window)
        assert (status, headers["Retry-After"]) == (429, "2")
    assert (await get(http, url(bcb, 12), **window))[0] == 200

    bcb.fail_next(1, status=502)
    status, headers, body = await get(http, url(bcb, 12), **window)
    assert status == 502
    assert "Retry-After" not in headers
    assert "502 Bad Gateway" in body

    bcb.garbage_next(1)
    status, headers, body = await get(http, url(bcb, 12), **window)
    assert (status, body) == (200, "<html>oops</html>")
    assert headers["Content-Type"].startswith("text/html")

    bcb.malformed_next(1)
    status, _, body = await get(http, url(bcb, 12), **window)
    assert (status, body) == (200, {"data": "02/01/2024", "valor": "0.043739"})

    bcb.down = True
    assert (await get(http, url(bcb, 12), **window))[0] == 503
    bcb.down = False

    bcb.delay = 0.5
    with pytest.raises(asyncio.TimeoutError):
        async with http.get(url(bcb, 12), params=window, timeout=aiohttp.ClientTimeout(total=0.1)):
            pass


async def test_calls_windows_and_reset(bcb: FakeBcb, http: aiohttp.ClientSession) -> None:
    await get(http, url(bcb, 12), formato="json", dataInicial="01/01/2024", dataFinal="03/01/2024")
    await get(http, url(bcb, 433), formato="json", dataInicial="01/01/2020", dataFinal="01/02/2024")
    assert bcb.calls == [
        (
            f"{SERIES_PATH}/bcdata.sgs.12/dados",
            {"formato": "json", "dataInicial": "01/01/2024", "dataFinal": "03/01/2024"},
        ),
        (
            f"{SERIES_PATH}/bcdata.sgs.433/dados",
            {"formato": "json", "dataInicial": "01/01/2020", "dataFinal": "01/02/2024"},
        ),
    ]
    assert bcb.count() == 2
    assert bcb.count(f"{SERIES_PATH}/bcdata.sgs.12/") == 1
    assert bcb.windows(12) == [(date(2024, 1, 1), date(2024, 1, 3))]
    assert bcb.windows() == [
        (date(2024, 1, 1), date(2024, 1, 3)),
        (date(2020, 1, 1), date(2024, 2, 1)),
    ]
    bcb.fail_next(5)
    bcb.delay = 1
    bcb.reset()
    assert (bcb.calls, bcb.series, bcb.delay, bcb.down) == ([], {}, 0, False)
    status, _, _ = await get(
        http, url(bcb, 12), formato="json", dataInicial="01/01/2024", dataFinal="03/01/2024"
    )
    assert status == 404  # no fault left, and no series
