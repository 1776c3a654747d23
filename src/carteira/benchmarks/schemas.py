from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from carteira.core.pagination import Page


class BenchmarkOut(BaseModel):
    code: str = Field(description="what `?benchmarks=` takes: CDI, SELIC, IPCA, IBOV or a ticker")
    name: str
    kind: str = Field(description="daily_rate | monthly_rate | index | asset")
    currency: str
    source: str = Field(description="bcb | yahoo | simulated | asset (its stored closes)")
    first_date: date | None = Field(None, description="stored from (built-ins)")
    last_date: date | None = Field(None, description="stored through (built-ins)")


BenchmarkPage = Page[BenchmarkOut]
