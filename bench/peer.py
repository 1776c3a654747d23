"""The peer in `bench.portfolio`'s comparison: the client list as a plain FastAPI + SQLAlchemy
service would write it (an async session per request, the ORM's rows validated into the same
page), over the same `clients` table. No authentication and no cache: it is the usual way to
build the endpoint, not a tuned one.

    DATABASE_URL=postgres://... .venv/bin/python -m uvicorn bench.peer:app --port 8200
"""

from __future__ import annotations

import math
import os
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine(
    os.environ["DATABASE_URL"].replace("postgres://", "postgresql+asyncpg://", 1), pool_size=10
)
sessions = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    email: Mapped[str]
    document: Mapped[str | None]
    phone: Mapped[str | None]
    status: Mapped[str]
    advisor_id: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ClientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str
    document: str | None
    phone: str | None
    status: str
    advisor_id: int | None
    created_at: datetime
    updated_at: datetime


class ClientPage(BaseModel):
    items: list[ClientOut]
    total: int
    page: int
    page_size: int
    pages: int


async def session() -> AsyncIterator[AsyncSession]:
    async with sessions() as opened:
        yield opened


app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, bool]:
    return {"ok": True}


@app.get("/clients", response_model=ClientPage)
async def list_clients(
    db: Annotated[AsyncSession, Depends(session)],
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    search: str | None = None,
) -> ClientPage:
    query = select(Client)
    if search:
        query = query.where(Client.name.ilike(f"%{search}%"))
    total = await db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await db.scalars(
        query.order_by(Client.name, Client.id).limit(page_size).offset((page - 1) * page_size)
    )
    return ClientPage(
        items=[ClientOut.model_validate(row) for row in rows],
        total=total,
        page=page,
        page_size=page_size,
        pages=math.ceil(total / page_size),
    )
