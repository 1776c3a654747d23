"""A local, in-process fake of Banco Central's SGS API (`api.bcb.gov.br`) for offline tests.

Carteira's real aiohttp SGS client is pointed at this server (`bcb_sgs_url` takes the base URL
returned by `start()`), so its parsing, window splitting, retries and error handling run
against the SGS's real shapes without touching the network:

- `GET /dados/serie/bcdata.sgs.{code}/dados?formato=json&dataInicial=dd/MM/yyyy
  &dataFinal=dd/MM/yyyy` → `[{"data": "02/01/2024", "valor": "0.043739"}, ...]`, the values
  as text exactly as registered;
- a window without values (or an unknown code) → 404 with the SGS's "Value(s) not found";
- a daily series asked for more than ten years (or without `dataInicial`) → 406 with the
  SGS's message (2000-01-01..2010-01-01 is accepted, ..2010-01-02 is not);
- an unreadable date → 400, as the SGS answers it.

Tests register series with `add_series()` and inject faults like on the fake Yahoo
(`fail_next`, `garbage_next`, `malformed_next`, `delay`, `down`; see `tests.fakes.server`).
Every request is recorded in `calls` (`windows()` reads them back as dates); `reset()` wipes
series, faults and records between tests.

Example::

    bcb = FakeBcb()
    base_url = await bcb.start()
    bcb.add_series(12, [(date(2024, 1, 2), "0.043739")])
    bcb.fail_next(1, status=429, retry_after=1)
    ...
    await bcb.stop()
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer, reason, retry_after_header

SERIES_PATH = "/dados/serie"
SGS_DATE = "%d/%m/%Y"
MAX_WINDOW_YEARS = 10

_SERIES = re.compile(r"bcdata\.sgs\.(\d+)")

# The SGS's own error bodies.
NOT_FOUND = {
    "erro": {
        "statusCode": 404,
        "detail": "br.gov.bcb.pec.sgs.comum.excecoes.SGSNegocioException: Value(s) not found",
    }
}
WINDOW_TOO_LONG = {
    "error": (
        "O sistema aceita uma janela de consulta de, no máximo, 10 anos em séries de "
        "periodicidade diária"
    ),
    "message": (
        "Para acessar uma série de periodicidade diária, é necessário informar a dataInicial"
    ),
}


def _bad_date(which: str) -> dict[str, Any]:
    detail = f"br.gov.bcb.pec.sgs.comum.excecoes.SGSNegocioException: Invalid {which} date"
    return {"erro": {"statusCode": 400, "detail": detail}}


def _text(value: str | Decimal) -> str:
    return value if isinstance(value, str) else format(value, "f")


def _ten_years_after(day: date) -> date:
    try:
        return day.replace(year=day.year + MAX_WINDOW_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + MAX_WINDOW_YEARS, day=28)


class FakeBcb(FakeServer):
    """Fake SGS server: series by code, with the SGS's windows, errors and shapes."""

    def __init__(self) -> None:
        super().__init__()
        self.series: dict[int, dict[date, str]] = {}
        self.daily: dict[int, bool] = {}

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_get(SERIES_PATH + "/{series}/dados", self._values)

    # -- data --------------------------------------------------------------------------------

    def add_series(
        self, code: int, points: list[tuple[date, str | Decimal]], *, daily: bool = True
    ) -> None:
        """Register (or extend) series `code`; values are served as text exactly as given.
        Only daily series are limited to ten-year windows, as on the SGS."""
        values = self.series.setdefault(code, {})
        values.update({day: _text(value) for day, value in points})
        self.daily[code] = daily

    def reset(self) -> None:
        """Forget series, faults and counters (between tests)."""
        super().reset()
        self.series.clear()
        self.daily.clear()

    # -- counters ----------------------------------------------------------------------------

    def windows(self, code: int | None = None) -> list[tuple[date, date]]:
        """The (dataInicial, dataFinal) of each request received (for series `code`)."""
        found = []
        for path, query in self.calls:
            match = _SERIES.search(path)
            if match is None or (code is not None and int(match.group(1)) != code):
                continue
            first = datetime.strptime(query["dataInicial"], SGS_DATE).date()
            last = datetime.strptime(query["dataFinal"], SGS_DATE).date()
            found.append((first, last))
        return found

    # -- HTTP --------------------------------------------------------------------------------

    def _error_response(
        self, path: str, status: int, retry_after: int | float | str | None = None
    ) -> web.Response:
        """The SGS's gateway answers rate limits and outages with a short text page."""
        return web.Response(
            status=status,
            text=f"<html><body>{status} {reason(status)}</body></html>",
            content_type="text/html",
            headers=retry_after_header(retry_after),
        )

    def _malformed_body(self, path: str) -> Any:
        return {"data": "02/01/2024", "valor": "0.043739"}  # one point, not a list of them

    async def _values(self, request: web.Request) -> web.Response:
        match = _SERIES.fullmatch(request.match_info["series"])
        if match is None:
            return web.json_response(NOT_FOUND, status=404)
        code = int(match.group(1))
        query = request.query
        if query.get("formato", "json") != "json":
            return web.Response(status=400, text="formato must be json in this fake")
        try:
            first = _date(query.get("dataInicial"))
        except ValueError:
            return web.json_response(_bad_date("initial"), status=400)
        try:
            last = _date(query.get("dataFinal"))
        except ValueError:
            return web.json_response(_bad_date("final"), status=400)
        if self.daily.get(code, True) and (
            first is None or (last or date.today()) > _ten_years_after(first)
        ):
            return web.json_response(WINDOW_TOO_LONG, status=406)
        values = self.series.get(code, {})
        points = [
            {"data": day.strftime(SGS_DATE), "valor": value}
            for day, value in sorted(values.items())
            if (first is None or day >= first) and (last is None or day <= last)
        ]
        if not points:
            return web.json_response(NOT_FOUND, status=404)
        return web.json_response(points)


def _date(text: str | None) -> date | None:
    return None if text is None else datetime.strptime(text, SGS_DATE).date()
