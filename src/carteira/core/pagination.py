"""`?page=&page_size=` in, `{"items", "total", "page", "page_size", "pages"}` out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Self, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from tortoise.expressions import RawSQL
from tortoise.queryset import QuerySet

MAX_PAGE_SIZE = 100
# Bounded so that an absurd page cannot overflow the SQL OFFSET.
MAX_PAGE = 1_000_000

ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int = 1
    page_size: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def limit(self) -> int:
        return self.page_size


async def page_params(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="items per page")] = 20,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


Pagination = Annotated[PageParams, Depends(page_params)]


class PageQuery(BaseModel):
    """The paging query parameters as one model, for list routes with filters of their own
    (`Annotated[SomeListQuery, Query()]`: one model rather than parameter by parameter; on a
    hot route `Depends(parse_query(SomeListQuery))`, which validates it in one step:
    core.query)."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description="1-based page number")
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE, description="items per page")

    @property
    def paging(self) -> PageParams:
        return PageParams(page=self.page, page_size=self.page_size)


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    total: int
    page: int
    page_size: int
    pages: int

    @classmethod
    def build(cls, items: Sequence[Any], *, total: int, params: PageParams, **extra: Any) -> Self:
        """`items` are ItemT instances or mappings (database rows) validated into ItemT;
        `extra`: the fields of a subclass."""
        return cls(
            items=list(items),
            total=total,
            page=params.page,
            page_size=params.page_size,
            pages=-(-total // params.page_size),
            **extra,
        )


async def fetch_page(
    query: QuerySet[Any], *, order_by: Sequence[str], columns: Sequence[str], params: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """A page of `columns` plus the total, in one round trip (a window count rides on each row)."""
    rows: list[dict[str, Any]] = await (
        query.annotate(_total=RawSQL("COUNT(*) OVER ()"))
        .order_by(*order_by)
        .offset(params.offset)
        .limit(params.limit)
        .values(*columns, "_total")
    )
    if rows:
        total = int(rows[0]["_total"])
        for row in rows:
            del row["_total"]
        return rows, total
    # Past the last page (or nothing matches): no row carried the count.
    return rows, await query.count() if params.page > 1 else 0
