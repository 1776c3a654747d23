"""The firm's calendar: "today", "this month" and every default period are São Paulo's
(`TIMEZONE`), never the server's UTC date — from 21:00 in Brazil, UTC is already tomorrow.

Every module asks here. Tests move the clock with `frozen_at()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "America/Sao_Paulo"

_zone: tzinfo = ZoneInfo(DEFAULT_TIMEZONE)


def _system_now() -> datetime:
    return datetime.now(UTC)


_utcnow: Callable[[], datetime] = _system_now


def set_timezone(name: str) -> None:
    """The firm's zone for this process (the app and the worker set it from TIMEZONE)."""
    global _zone
    _zone = ZoneInfo(name)


def timezone() -> tzinfo:
    return _zone


def now() -> datetime:
    """This instant in the firm's zone."""
    return _utcnow().astimezone(_zone)


def today() -> date:
    """The firm's date now."""
    return now().date()


def current_month() -> tuple[int, int]:
    day = today()
    return day.year, day.month


@contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    """Tests: the clock reads `instant` (timezone-aware) until the block ends."""
    global _utcnow
    if instant.tzinfo is None:
        raise ValueError("give an aware datetime")
    previous, _utcnow = _utcnow, (lambda: instant.astimezone(UTC))
    try:
        yield
    finally:
        _utcnow = previous
