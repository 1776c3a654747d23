"""Banco Central do Brasil's SGS (time-series system) over aiohttp: benchmark rates.

`GET {BCB_SGS_URL}/dados/serie/bcdata.sgs.{code}/dados?formato=json&dataInicial=dd/MM/yyyy
&dataFinal=dd/MM/yyyy` answers `[{"data": "02/01/2024", "valor": "0.043739"}]`. Values are
kept exactly as published (Decimal from the text). The SGS refuses daily windows longer than
ten years (HTTP 406), so longer windows are asked in ten-year pieces; a window without any
value is a 404 "Value(s) not found", which is an empty series, not an error.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from carteira.core.config import Settings
from carteira.pricing.circuit import CircuitBreaker
from carteira.pricing.exceptions import ProviderError
from carteira.pricing.schemas import RatePoint
from carteira.pricing.upstream import Upstream, UpstreamLimits

LABEL = "Banco Central's SGS"
MAX_WINDOW_YEARS = 10
SGS_DATE = "%d/%m/%Y"

# Series codes Carteira uses.
CDI = 12  # % per business day
SELIC = 11  # % per business day
IPCA = 433  # % in the month, dated the 1st


class _SgsPoint(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    data: str
    valor: str | Decimal | int  # published as text; a number is accepted as it is


_POINTS = TypeAdapter(list[_SgsPoint])


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes the 28th in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def query_windows(start: date, end: date) -> list[tuple[date, date]]:
    """[start, end] cut into consecutive windows of at most ten years each, oldest first."""
    windows: list[tuple[date, date]] = []
    first = start
    while first <= end:
        last = min(end, add_years(first, MAX_WINDOW_YEARS) - timedelta(days=1))
        windows.append((first, last))
        first = last + timedelta(days=1)
    return windows


def _sgs_status(status: int, body: bytes) -> Any:
    if status == 404 and b"not found" in body.lower():
        return []  # "Value(s) not found": nothing published in the window
    detail = _refusal(body)
    raise ProviderError(f"{LABEL} answered HTTP {status}" + (f": {detail}" if detail else "."))


def _refusal(body: bytes) -> str:
    """The SGS's own words for a refusal ({"error": ...} or {"erro": {"detail": ...}})."""
    try:
        payload = json.loads(body)
    except ValueError:
        return ""
    if isinstance(payload, dict):
        error = payload.get("error") or payload.get("erro")
        if isinstance(error, dict):
            error = error.get("detail")
        if isinstance(error, str):
            return error[:300]
    return ""


def _point(raw: _SgsPoint, code: int) -> RatePoint:
    try:
        day = datetime.strptime(raw.data, SGS_DATE).date()
        value = Decimal(raw.valor)
    except (ValueError, InvalidOperation) as exc:
        raise ProviderError(
            f"{LABEL} sent an unreadable point of series {code}: {raw.data!r} {raw.valor!r}."
        ) from exc
    if not value.is_finite():
        raise ProviderError(f"{LABEL} sent a non-finite value in series {code}.")
    return RatePoint(date=day, value=value)


def parse_points(payload: Any, *, code: int) -> list[RatePoint]:
    try:
        raw = _POINTS.validate_python(payload)
    except ValidationError as exc:
        raise ProviderError(f"{LABEL} sent series {code} in an unexpected shape.") from exc
    return [_point(point, code) for point in raw]


def bcb_limits(settings: Settings) -> UpstreamLimits:
    return UpstreamLimits(
        timeout_seconds=settings.bcb_timeout_seconds,
        max_tries=settings.bcb_max_tries,
        max_retry_seconds=settings.bcb_max_retry_seconds,
        connections=4,  # a public service, asked a few series a day
    )


class BcbProvider:
    source = "bcb"

    def __init__(self, settings: Settings, *, circuit: CircuitBreaker | None = None) -> None:
        self._base_url = settings.bcb_sgs_url.rstrip("/")
        self._http = Upstream(
            source=self.source,
            label=LABEL,
            limits=bcb_limits(settings),
            headers={"Accept": "application/json", "User-Agent": "carteira"},
            circuit=circuit,
            on_status=_sgs_status,
        )

    @property
    def circuit(self) -> CircuitBreaker:
        return self._http.circuit

    async def close(self) -> None:
        await self._http.close()

    async def series(self, code: int, *, start: date, end: date) -> list[RatePoint]:
        """Points of SGS series `code` in [start, end], oldest first."""
        by_day: dict[date, RatePoint] = {}
        # One window after the other: the SGS is a shared public service.
        for first, last in query_windows(start, end):
            for point in await self._window(code, first, last):
                by_day[point.date] = point
        return [by_day[day] for day in sorted(by_day)]

    async def _window(self, code: int, first: date, last: date) -> list[RatePoint]:
        return await self._http.get_json(
            f"{self._base_url}/dados/serie/bcdata.sgs.{code}/dados",
            {
                "formato": "json",
                "dataInicial": first.strftime(SGS_DATE),
                "dataFinal": last.strftime(SGS_DATE),
            },
            parse=lambda payload: parse_points(payload, code=code),
        )
