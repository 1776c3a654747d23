"""Benchmark series kept in `benchmark_rates` (CDI, SELIC, IPCA from Banco Central's SGS;
IBOVESPA's closes from the provider), with the days each was asked for (`benchmark_coverage`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from carteira.core.database import db
from carteira.pricing.bcb import CDI, IPCA, SELIC

# The series Carteira keeps, by code: an SGS series number or a provider ticker.
RATE_SERIES: dict[str, int] = {"CDI": CDI, "SELIC": SELIC, "IPCA": IPCA}
INDEX_SERIES: dict[str, str] = {"IBOV": "^BVSP"}

_UPSERT = """
    INSERT INTO benchmark_rates (series, date, value)
    SELECT $1, day, value FROM unnest($2::date[], $3::numeric[]) AS t(day, value)
    ON CONFLICT (series, date) DO UPDATE SET value = EXCLUDED.value
    WHERE benchmark_rates.value IS DISTINCT FROM EXCLUDED.value
    RETURNING date
"""
_COVER = """
    INSERT INTO benchmark_coverage (series, covered_from, covered_to, source, updated_at)
    VALUES ($1, $2, $3, $4, now())
    ON CONFLICT (series) DO UPDATE SET
        covered_from = LEAST(benchmark_coverage.covered_from, EXCLUDED.covered_from),
        covered_to = GREATEST(benchmark_coverage.covered_to, EXCLUDED.covered_to),
        source = EXCLUDED.source,
        updated_at = now()
"""


@dataclass(frozen=True, slots=True)
class Coverage:
    first: date
    last: date
    source: str


@dataclass(frozen=True, slots=True)
class StoredValues:
    count: int  # the values the source gave
    first_changed: date | None  # the earliest day whose stored value is new or revised


async def store_benchmark_values(
    *, series: str, values: Sequence[tuple[date, Decimal]], first: date, last: date, source: str
) -> StoredValues:
    """The values the source gave for [first, last], stored, and the window marked as asked."""
    changed: list[date] = []
    if values:
        days, numbers = zip(*values, strict=True)
        rows = await db().execute_query_dict(_UPSERT, [series, list(days), list(numbers)])
        changed = [row["date"] for row in rows]
    await db().execute_query(_COVER, [series, first, last, source])
    return StoredValues(count=len(values), first_changed=min(changed, default=None))


async def benchmark_coverage(*, series: str) -> Coverage | None:
    rows = await db().execute_query_dict(
        "SELECT covered_from AS first, covered_to AS last, source FROM benchmark_coverage"
        " WHERE series = $1",
        [series],
    )
    return Coverage(**rows[0]) if rows else None


async def covered_series() -> dict[str, Coverage]:
    rows = await db().execute_query_dict(
        "SELECT series, covered_from AS first, covered_to AS last, source"
        " FROM benchmark_coverage ORDER BY series"
    )
    return {row.pop("series"): Coverage(**row) for row in rows}


async def benchmark_values(*, series: str, first: date, last: date) -> list[tuple[date, Decimal]]:
    """The stored values in [first, last], plus the last one before `first` (an index's
    opening level, a rate that carries into the window), oldest first."""
    rows = await db().execute_query_dict(
        """
        (SELECT date, value FROM benchmark_rates
         WHERE series = $1 AND date < $2 ORDER BY date DESC LIMIT 1)
        UNION ALL
        (SELECT date, value FROM benchmark_rates
         WHERE series = $1 AND date BETWEEN $2 AND $3 ORDER BY date)
        """,
        [series, first, last],
    )
    return sorted((row["date"], row["value"]) for row in rows)
