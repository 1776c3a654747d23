from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from carteira.core.types import DecimalStr


class InflowsByClient(BaseModel):
    client_id: int
    name: str
    total: DecimalStr
    count: int


class InflowsByDay(BaseModel):
    date: date
    total: DecimalStr
    count: int


class CurrencyInflows(BaseModel):
    currency: str
    total: DecimalStr
    count: int


class InflowsOut(BaseModel):
    """Net inflows ("captado"): the cost of the lots bought in the period, in `currency`."""

    start: date
    end: date
    year: int | None
    month: int | None
    currency: str
    total: DecimalStr
    count: int
    by_client: list[InflowsByClient]
    by_day: list[InflowsByDay]
    other_currencies: list[CurrencyInflows]
