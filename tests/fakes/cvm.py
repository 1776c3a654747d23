"""A local, in-process fake of CVM's open data for funds (the daily report, informe diário) for
offline tests and benchmarks.

Carteira's real client is pointed at this server (`cvm_data_url` takes the base URL), so its
streamed downloads, retries, circuit and parsing run against CVM's real files without the
network:

- `GET /dados/FI/DOC/INF_DIARIO/DADOS/inf_diario_fi_AAAAMM.zip` → a zip of one `;`-separated
  CSV, `inf_diario_fi_AAAAMM.csv`, in Latin-1 like CVM's, with the columns of the month's
  period: from December 2023 `TP_FUNDO_CLASSE;CNPJ_FUNDO_CLASSE;ID_SUBCLASSE;DT_COMPTC;...`,
  from 2021 `TP_FUNDO;CNPJ_FUNDO;DT_COMPTC;...`, before that `CNPJ_FUNDO;DT_COMPTC;...`;
  a month without data → 404 (CVM's page);
- `GET /dados/FI/DOC/INF_DIARIO/DADOS/HIST/inf_diario_fi_AAAA.zip` → the year's zip, one CSV
  per month, for the years moved there with `move_to_history()` (their months are then 404
  in `DADOS/`, as on CVM's site once a month is more than a year old).

Tests register quotas with `add_quotas()` and other funds' rows with `add_filler()`. Beside the
faults every fake has (`fail_next`, `garbage_next`, `malformed_next`, `truncate_next`,
`cut_next`, `delay`, `down`; see `tests.fakes.server`), a month's file can be spoiled:
`encoding`, `rename_column()`, `add_garbage()` (raw lines among the rows). `serve_file()` serves
a zip from disk (the benchmark's). `reset()` wipes everything between tests.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from aiohttp import web

from tests.fakes.server import FakeServer

DAILY_PATH = "/dados/FI/DOC/INF_DIARIO/DADOS"
HIST_PATH = DAILY_PATH + "/HIST"
Month = tuple[int, int]

CURRENT = [
    "TP_FUNDO_CLASSE",
    "CNPJ_FUNDO_CLASSE",
    "ID_SUBCLASSE",
    "DT_COMPTC",
    "VL_TOTAL",
    "VL_QUOTA",
    "VL_PATRIM_LIQ",
    "CAPTC_DIA",
    "RESG_DIA",
    "NR_COTST",
]
FROM_2021 = [c for c in CURRENT if c != "ID_SUBCLASSE"]
FROM_2021[0:2] = ["TP_FUNDO", "CNPJ_FUNDO"]
BEFORE_2021 = FROM_2021[1:]

_MONTHLY = re.compile(r"inf_diario_fi_(\d{4})(\d{2})\.zip")
_YEARLY = re.compile(r"inf_diario_fi_(\d{4})\.zip")

NOT_FOUND_PAGE = "<html><head><title>404 Not Found</title></head><body>Not Found</body></html>"


def header_of(month: Month) -> list[str]:
    if month >= (2023, 12):
        return list(CURRENT)
    if month >= (2021, 1):
        return list(FROM_2021)
    return list(BEFORE_2021)


def formatted(cnpj: str) -> str:
    digits = re.sub(r"\D", "", cnpj).zfill(14)
    return f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}/{digits[8:12]}-{digits[12:]}"


@dataclass(frozen=True)
class QuotaRow:
    cnpj: str  # as the file writes it, "00.000.000/0000-00"
    day: date
    quota: str
    subclass: str = ""
    kind: str = "FI"


def render(row: QuotaRow, header: list[str]) -> str:
    """A row as CVM writes it, for the columns of its period."""
    values = {
        "TP_FUNDO_CLASSE": row.kind,
        "TP_FUNDO": row.kind,
        "CNPJ_FUNDO_CLASSE": row.cnpj,
        "CNPJ_FUNDO": row.cnpj,
        "ID_SUBCLASSE": row.subclass,
        "DT_COMPTC": row.day.isoformat(),
        "VL_TOTAL": "1523467.89",
        "VL_QUOTA": row.quota,
        "VL_PATRIM_LIQ": "1520000.12",
        "CAPTC_DIA": "0.00",
        "RESG_DIA": "0.00",
        "NR_COTST": "42",
    }
    return ";".join(values.get(column, "") for column in header)


def filler_rows(month: Month, count: int) -> Iterator[QuotaRow]:
    """Other funds' rows (CNPJs 90.000.000/xxxx-xx), a few hundred funds a day."""
    funds = max(1, min(count, 400))
    for index in range(count):
        fund = index % funds
        day = date(month[0], month[1], 1 + (index // funds) % 28)
        yield QuotaRow(
            cnpj=formatted(f"90{fund:06d}0001{fund % 100:02d}"),
            day=day,
            quota=f"{1 + fund / 1000:.12f}",
            kind="CLASSES - FIF" if fund % 3 else "FI",
        )


def write_month(
    target: zipfile.ZipFile,
    month: Month,
    rows: Iterable[QuotaRow | str],
    *,
    header: list[str] | None = None,
    encoding: str = "latin-1",
) -> None:
    """A month's CSV into a zip, streamed (a str row is written as it is: garbage)."""
    columns = header or header_of(month)
    rows_encoding = "utf-8" if encoding == "utf-8-sig" else encoding  # one mark, at the start
    with target.open(f"inf_diario_fi_{month[0]}{month[1]:02d}.csv", "w") as member:
        member.write((";".join(columns) + "\r\n").encode(encoding))
        for row in rows:
            line = row if isinstance(row, str) else render(row, header_of(month))
            member.write((line + "\r\n").encode(rows_encoding, errors="replace"))


class FakeCvm(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.quotas: dict[Month, list[QuotaRow]] = {}
        self.filler: dict[Month, int] = {}
        self.garbage: dict[Month, list[str]] = {}
        self.history_years: set[int] = set()
        self.files: dict[str, Path] = {}
        self.encoding = "latin-1"
        self.renamed: dict[str, str] = {}

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_get(HIST_PATH + "/{name}", self._year)
        app.router.add_get(DAILY_PATH + "/{name}", self._month)

    # -- data --------------------------------------------------------------------------------

    def add_quotas(
        self,
        cnpj: str,
        points: list[tuple[date, str | Decimal]],
        *,
        subclass: str = "",
    ) -> None:
        """A fund's (or one of its subclasses') quota on some days; `cnpj` in any format."""
        for day, quota in points:
            self.quotas.setdefault((day.year, day.month), []).append(
                QuotaRow(formatted(cnpj), day, str(quota), subclass)
            )

    def add_filler(self, month: Month, count: int) -> None:
        self.filler[month] = count

    def add_garbage(self, month: Month, *lines: str) -> None:
        self.garbage.setdefault(month, []).extend(lines)

    def rename_column(self, old: str, new: str) -> None:
        self.renamed[old] = new

    def move_to_history(self, year: int) -> None:
        self.history_years.add(year)

    def serve_file(self, name: str, path: Path) -> None:
        """Serve a zip from disk under `DADOS/name` (the benchmark's month)."""
        self.files[name] = path

    def reset(self) -> None:
        super().reset()
        self.quotas.clear()
        self.filler.clear()
        self.garbage.clear()
        self.history_years.clear()
        self.files.clear()
        self.encoding = "latin-1"
        self.renamed.clear()

    def months(self) -> set[Month]:
        return set(self.quotas) | set(self.filler) | set(self.garbage)

    def _rows(self, month: Month) -> Iterator[QuotaRow | str]:
        yield from filler_rows(month, self.filler.get(month, 0))
        yield from self.garbage.get(month, [])
        yield from sorted(self.quotas.get(month, []), key=lambda r: (r.day, r.cnpj))

    def _write(self, target: zipfile.ZipFile, month: Month) -> None:
        header = [self.renamed.get(c, c) for c in header_of(month)]
        write_month(target, month, self._rows(month), header=header, encoding=self.encoding)

    def month_zip(self, month: Month) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            self._write(archive, month)
        return buffer.getvalue()

    def year_zip(self, year: int) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for month in sorted(m for m in self.months() if m[0] == year):
                self._write(archive, month)
        return buffer.getvalue()

    # -- HTTP --------------------------------------------------------------------------------

    def _not_found(self) -> web.Response:
        return web.Response(status=404, text=NOT_FOUND_PAGE, content_type="text/html")

    async def _month(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name in self.files:
            return web.FileResponse(self.files[name])
        match = _MONTHLY.fullmatch(name)
        if match is None:
            return self._not_found()
        month = (int(match.group(1)), int(match.group(2)))
        if month not in self.months() or month[0] in self.history_years:
            return self._not_found()
        return web.Response(body=self.month_zip(month), content_type="application/zip")

    async def _year(self, request: web.Request) -> web.Response:
        match = _YEARLY.fullmatch(request.match_info["name"])
        if match is None or int(match.group(1)) not in self.history_years:
            return self._not_found()
        return web.Response(body=self.year_zip(int(match.group(1))), content_type="application/zip")
