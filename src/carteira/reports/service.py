"""Net inflows ("captado") and the rows behind the exports."""

from __future__ import annotations

import calendar
import logging
from collections.abc import AsyncIterator, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from carteira.assets import service as assets
from carteira.core import clock
from carteira.core.database import db
from carteira.core.errors import REDIS_DOWN_ERRORS
from carteira.core.events import EventBus
from carteira.core.exports import cursor_rows
from carteira.core.money import mul, plain
from carteira.pricing.service import MarketData
from carteira.reports.exceptions import InvalidPeriodError
from carteira.reports.schemas import CurrencyInflows, InflowsByClient, InflowsByDay, InflowsOut

logger = logging.getLogger(__name__)

INFLOWS_UPDATED = "inflows.updated"
MAX_PERIOD_DAYS = 5 * 366


def period(
    *, year: int | None, month: int | None, start: date | None, end: date | None
) -> tuple[date, date]:
    """The inclusive period asked for: a month, a range, or (neither) the current month."""
    if (year is not None or month is not None) and (start is not None or end is not None):
        raise InvalidPeriodError()
    if start is not None or end is not None:
        if start is None or end is None or start > end or (end - start).days > MAX_PERIOD_DAYS:
            raise InvalidPeriodError()
        return start, end
    this_year, this_month = clock.current_month()
    year, month = year or this_year, month or this_month
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


_BY_DAY = """
    SELECT a.buy_date AS date, SUM(a.quantity * a.buy_price) AS total, COUNT(*) AS count
    FROM allocations a JOIN assets s ON s.id = a.asset_id
    WHERE a.buy_date BETWEEN $1 AND $2 AND s.currency = $3
    GROUP BY a.buy_date ORDER BY a.buy_date
"""
_BY_CLIENT = """
    SELECT c.id AS client_id, c.name, SUM(a.quantity * a.buy_price) AS total, COUNT(*) AS count
    FROM allocations a JOIN assets s ON s.id = a.asset_id JOIN clients c ON c.id = a.client_id
    WHERE a.buy_date BETWEEN $1 AND $2 AND s.currency = $3
    GROUP BY c.id, c.name ORDER BY total DESC, c.id
"""
_OTHER_CURRENCIES = """
    SELECT s.currency, SUM(a.quantity * a.buy_price) AS total, COUNT(*) AS count
    FROM allocations a JOIN assets s ON s.id = a.asset_id
    WHERE a.buy_date BETWEEN $1 AND $2 AND s.currency <> $3
    GROUP BY s.currency ORDER BY s.currency
"""


async def inflows(*, start: date, end: date, currency: str) -> InflowsOut:
    """Exact NUMERIC sums, computed by PostgreSQL."""
    args = [start, end, currency]
    async with db().acquire_connection() as connection:
        by_day = await connection.fetch(_BY_DAY, *args)
        by_client = await connection.fetch(_BY_CLIENT, *args)
        others = await connection.fetch(_OTHER_CURRENCIES, *args)
    whole_month = start.day == 1 and end == date(
        start.year, start.month, calendar.monthrange(start.year, start.month)[1]
    )
    return InflowsOut(
        start=start,
        end=end,
        year=start.year if whole_month else None,
        month=start.month if whole_month else None,
        currency=currency,
        total=plain(sum((row["total"] for row in by_day), Decimal(0))),
        count=sum(row["count"] for row in by_day),
        by_client=[InflowsByClient(**row) for row in by_client],
        by_day=[InflowsByDay(**row) for row in by_day],
        other_currencies=[CurrencyInflows(**row) for row in others],
    )


async def month_inflows(*, year: int, month: int, currency: str) -> InflowsOut:
    start, end = period(year=year, month=month, start=None, end=None)
    return await inflows(start=start, end=end, currency=currency)


async def publish_inflows(*, events: EventBus, days: Iterable[date], currency: str) -> None:
    """After an allocation write: the fresh snapshot of every month it touched, to every
    process (the realtime streams forward it to their sockets)."""
    for year, month in sorted({(day.year, day.month) for day in days}):
        snapshot = await month_inflows(year=year, month=month, currency=currency)
        try:
            await events.publish(INFLOWS_UPDATED, snapshot=snapshot.model_dump(mode="json"))
        except REDIS_DOWN_ERRORS:  # pragma: no cover - publish already logs and swallows
            logger.warning("inflows update not published")


# ---- export rows ---------------------------------------------------------------------------

_INFLOW_LOTS = """
    SELECT a.buy_date, c.id, c.name, s.ticker, s.currency, a.quantity, a.buy_price,
           a.quantity * a.buy_price AS cost
    FROM allocations a JOIN assets s ON s.id = a.asset_id JOIN clients c ON c.id = a.client_id
    WHERE a.buy_date BETWEEN $1 AND $2 AND s.currency = $3
    ORDER BY a.buy_date, a.id
"""

_CLIENT_HOLDINGS = """
    SELECT c.id, c.name, c.email, c.status, s.currency, s.ticker,
           COUNT(a.id) AS lots, SUM(a.quantity) AS quantity, SUM(a.quantity * a.buy_price) AS cost
    FROM clients c
    LEFT JOIN allocations a ON a.client_id = c.id
    LEFT JOIN assets s ON s.id = a.asset_id
    GROUP BY c.id, s.currency, s.ticker
    ORDER BY c.id, s.currency NULLS FIRST, s.ticker
"""


async def inflow_lot_rows(
    *, start: date, end: date, currency: str, idle_seconds: float
) -> AsyncIterator[tuple[Any, ...]]:
    """The flows behind `inflows(start, end, currency)`: exactly what that answer sums."""
    async for record in cursor_rows(_INFLOW_LOTS, start, end, currency, idle_seconds=idle_seconds):
        yield record


async def client_report_rows(
    *, market: MarketData, idle_seconds: float
) -> AsyncIterator[tuple[Any, ...]]:
    """One row per client and currency: status, lots, cost and market value (quotes fetched
    once for every held ticker; a missing quote leaves the market value empty)."""
    tickers = await assets.held_tickers()
    batch = await market.quotes(tickers, wait_seconds=market.settings.valuation_timeout_seconds)
    prices = {ticker: quote.price for ticker, quote in batch.quotes.items()}
    current: list[Any] | None = None
    async for client_id, name, email, status, currency, ticker, lots, quantity, cost in cursor_rows(
        _CLIENT_HOLDINGS, idle_seconds=idle_seconds
    ):
        key = (client_id, currency)
        if current is not None and current[0] != key:
            yield _client_row(current)
            current = None
        if current is None:
            current = [key, name, email, status, 0, Decimal(0), Decimal(0)]
        if ticker is not None:
            current[4] += lots
            current[5] += cost
            price = prices.get(ticker)
            value = current[6]
            current[6] = None if price is None or value is None else value + mul(quantity, price)
    if current is not None:
        yield _client_row(current)


def _client_row(current: list[Any]) -> tuple[Any, ...]:
    (client_id, currency), name, email, status, lots, cost, value = current
    if not lots:
        return (client_id, name, email, status, "", 0, None, None)
    market_value = None if value is None else plain(value)
    return (client_id, name, email, status, currency, lots, plain(cost), market_value)
