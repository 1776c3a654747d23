"""`parse_query`: a query model read in one step answers and documents as FastAPI's own
`Annotated[Model, Query()]` does."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field

from carteira.core import openapi
from carteira.core.errors import install_error_handlers
from carteira.core.query import parse_query


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


class Filters(BaseModel):
    page: int = Field(1, ge=1, le=100, description="1-based page")
    search: str | None = Field(None, max_length=5)
    colour: Colour | None = None
    flag: bool = False


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = 1


def _apps() -> tuple[FastAPI, FastAPI]:
    """The same routes twice: FastAPI's query models, and ours."""
    theirs, ours = FastAPI(), FastAPI()

    @theirs.get("/items")
    async def items_theirs(query: Annotated[Filters, Query()]) -> dict[str, object]:
        return query.model_dump()

    @theirs.get("/strict")
    async def strict_theirs(query: Annotated[Strict, Query()]) -> dict[str, object]:
        return query.model_dump()

    @ours.get("/items")
    async def items_ours(
        query: Annotated[Filters, Depends(parse_query(Filters))],
    ) -> dict[str, object]:
        return query.model_dump()

    @ours.get("/strict")
    async def strict_ours(
        query: Annotated[Strict, Depends(parse_query(Strict))],
    ) -> dict[str, object]:
        return query.model_dump()

    for app in (theirs, ours):
        install_error_handlers(app)
        openapi.install(app)
    return theirs, ours


THEIRS, OURS = _apps()


async def _get(app: FastAPI, url: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(url)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "page=3&search=abc&colour=blue&flag=true",
        "page=0",  # below its minimum
        "page=x&colour=green",  # two errors at once
        "search=toolong",
        "flag=maybe",
        "unknown=1",  # ignored: the model keeps no extras
    ],
)
async def test_answers_as_fastapis_query_model(query: str) -> None:
    theirs = await _get(THEIRS, f"/items?{query}")
    ours = await _get(OURS, f"/items?{query}")
    assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json())


async def test_a_model_that_forbids_extras_refuses_an_unknown_parameter_as_fastapi_does() -> None:
    theirs = await _get(THEIRS, "/strict?page=2&unknown=1")
    ours = await _get(OURS, "/strict?page=2&unknown=1")
    assert ours.status_code == theirs.status_code == 422
    assert ours.json() == theirs.json()
    assert ours.json()["code"] == "validation_error"


def test_is_documented_as_fastapis_query_model() -> None:
    def documented(app: FastAPI, path: str) -> tuple[object, object]:
        operation = app.openapi()["paths"][path]["get"]
        return operation["parameters"], operation["responses"]["422"]

    for path in ("/items", "/strict"):
        assert documented(OURS, path) == documented(THEIRS, path)
    assert OURS.openapi()["components"]["schemas"]["Colour"] == {
        "enum": ["red", "blue"],
        "title": "Colour",
        "type": "string",
    }


def test_a_repeated_parameter_is_refused_where_the_model_is_declared() -> None:
    class Repeated(BaseModel):
        tags: list[str] = []

    class MaybeRepeated(BaseModel):
        page: int = 1
        tags: list[str] | None = None

    with pytest.raises(TypeError, match=r"Repeated\.tags"):
        parse_query(Repeated)
    with pytest.raises(TypeError, match=r"MaybeRepeated\.tags"):
        parse_query(MaybeRepeated)
