from __future__ import annotations

import datetime
from datetime import date
from typing import Literal

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

NoteCode = Literal[
    "starts_later",  # the series begins after the window: measured from `date`
    "unavailable",  # no value for the window
    "rates_published_through",  # daily rates published only through `date`
    "rates_published_through_month",  # monthly rates published only through `month`
    "closes_stored_through",  # closes stored only through `date`
    "unconverted",  # measured in `currency`, not in reais
    "fetching",  # the source could not answer now; a job is fetching the series
]


class BenchmarkNote(BaseModel):
    """Something to know about a benchmark's figures: the English `detail`, a machine `code`
    and the values the detail names, so that a client can say it in its own language."""

    code: NoteCode
    detail: str
    benchmark: str = Field(description="the benchmark's code")
    date: datetime.date | None = None  # the module: a field named `date` hides the class
    month: str | None = Field(None, description="YYYY-MM")
    currency: str | None = None
