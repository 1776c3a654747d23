from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from carteira.core.types import DecimalStr


class FlowFigures(BaseModel):
    """Captação: money in (deposits, externally settled buys), money out (withdrawals,
    externally settled sales' net proceeds), and the difference."""

    inflows: DecimalStr
    outflows: DecimalStr
    net: DecimalStr
    total: DecimalStr = Field(description="the same as net")
    count: int = Field(description="entries that moved money")


class InflowsByClient(FlowFigures):
    client_id: int
    name: str


class InflowsByDay(FlowFigures):
    date: date


class InflowsByCurrency(FlowFigures):
    currency: str


class InflowsOut(FlowFigures):
    """Net new money (captação líquida) in the period, in `currency` (unconverted)."""

    start: date
    end: date
    year: int | None
    month: int | None
    currency: str
    by_client: list[InflowsByClient]
    by_day: list[InflowsByDay]
    by_currency: list[InflowsByCurrency] = Field(description="every currency, unconverted")
