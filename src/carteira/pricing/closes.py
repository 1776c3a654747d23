"""Daily closes in `daily_returns`: idempotent bulk upserts with returns recomputed in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from carteira.core.database import atomic, db
from carteira.pricing.schemas import DailyClose

# One statement per asset and window: unnest the arrays, insert or update only what changed.
_UPSERT = """
    INSERT INTO daily_returns (asset_id, date, close)
    SELECT $1, day, close FROM unnest($2::date[], $3::numeric[]) AS t(day, close)
    ON CONFLICT (asset_id, date) DO UPDATE SET close = EXCLUDED.close
    WHERE daily_returns.close IS DISTINCT FROM EXCLUDED.close
    RETURNING (xmax = 0) AS inserted
"""

# Returns chain-link each stored close to the previous *stored* one, so they are recomputed
# from the table itself: from the last close before the window (the left edge) through every
# later row (the right edge, when a backfill lands before existing data).
_RECOMPUTE = """
    WITH chained AS (
        SELECT id, date,
               ROUND((close / LAG(close) OVER (ORDER BY date) - 1) * 100, 10) AS return_pct
        FROM daily_returns
        WHERE asset_id = $1 AND date >= COALESCE(
            (SELECT MAX(date) FROM daily_returns WHERE asset_id = $1 AND date < $2), $2)
    )
    UPDATE daily_returns AS d SET return_pct = chained.return_pct
    FROM chained
    WHERE d.id = chained.id AND chained.date >= $2
      AND d.return_pct IS DISTINCT FROM chained.return_pct
"""


@dataclass(frozen=True)
class Stored:
    inserted: int
    updated: int


async def store_closes(*, asset_id: int, closes: Sequence[DailyClose]) -> Stored:
    if not closes:
        return Stored(0, 0)
    async with atomic():
        rows = await db().execute_query_dict(
            _UPSERT, [asset_id, [c.date for c in closes], [c.close for c in closes]]
        )
        await db().execute_query(_RECOMPUTE, [asset_id, closes[0].date])
    inserted = sum(1 for row in rows if row["inserted"])
    return Stored(inserted=inserted, updated=len(rows) - inserted)


async def stored_history(*, asset_id: int, start: date, end: date) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = await db().execute_query_dict(
        "SELECT date, close, return_pct FROM daily_returns"
        " WHERE asset_id = $1 AND date BETWEEN $2 AND $3 ORDER BY date",
        [asset_id, start, end],
    )
    return rows
