"""CSV and Excel exports that stream in bounded memory.

Rows arrive as an async iterator (from a server-side cursor or a computed list) and leave in
chunks: CSV is encoded a batch at a time; XLSX is written by xlsxwriter in constant-memory
mode into a temporary file (in a thread, a batch at a time, so the event loop stays free),
which is then streamed and deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import xlsxwriter
from fastapi.responses import StreamingResponse

from carteira.core.jsonable import decimal_str

CSV_BATCH_ROWS = 1000
XLSX_BATCH_ROWS = 5000
FILE_CHUNK_BYTES = 256 * 1024
UTF8_BOM = "\ufeff"
# Spreadsheets run a cell that starts like a formula; user text never should.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class Kind(StrEnum):
    TEXT = "text"  # user data: neutralized against formula injection
    INTEGER = "integer"
    DECIMAL = "decimal"  # money, prices, quantities: exact in CSV, numbers in Excel
    PERCENT = "percent"
    DATE = "date"


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class OutputFormat(StrEnum):
    """`?format=` on a JSON endpoint that can also export."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind
    width: int = 14
    total: bool = False  # a totals row sums this column (Excel)


Row = Sequence[Any]


def neutralize(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _csv_cell(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if kind is Kind.TEXT:
        return neutralize(str(value))
    if isinstance(value, Decimal):
        return decimal_str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


async def csv_chunks(columns: Sequence[Column], rows: AsyncIterator[Row]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(UTF8_BOM)  # Excel (pt-BR too) then reads the file as UTF-8
    writer.writerow(column.header for column in columns)
    pending = 0
    async for row in rows:
        writer.writerow(_csv_cell(v, c.kind) for v, c in zip(row, columns, strict=True))
        pending += 1
        if pending >= CSV_BATCH_ROWS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue().encode()


class _Sheet:
    """One worksheet in constant-memory mode: rows must be written in order, once."""

    def __init__(self, path: str, title: str, columns: Sequence[Column]) -> None:
        self.workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
        self.sheet = self.workbook.add_worksheet(title[:31])
        self.columns = columns
        bold = self.workbook.add_format({"bold": True, "bottom": 1})
        self.formats = {
            Kind.TEXT: None,
            Kind.INTEGER: self.workbook.add_format({"num_format": "0"}),
            Kind.DECIMAL: self.workbook.add_format({"num_format": "#,##0.00########"}),
            Kind.PERCENT: self.workbook.add_format({"num_format": "0.00##"}),
            Kind.DATE: self.workbook.add_format({"num_format": "yyyy-mm-dd"}),
        }
        self.total_format = self.workbook.add_format(
            {"bold": True, "top": 1, "num_format": "#,##0.00########"}
        )
        for index, column in enumerate(columns):
            self.sheet.set_column(index, index, column.width, self.formats[column.kind])
            self.sheet.write_string(0, index, column.header, bold)
        self.sheet.freeze_panes(1, 0)
        self.next_row = 1
        self.totals = [Decimal(0)] * len(columns)

    def write(self, rows: Iterable[Row]) -> None:
        for row in rows:
            for index, (value, column) in enumerate(zip(row, self.columns, strict=True)):
                self._cell(self.next_row, index, value, column)
                if column.total and value is not None:
                    self.totals[index] += value
            self.next_row += 1

    def _cell(self, row: int, col: int, value: Any, column: Column) -> None:
        if value is None:
            return
        fmt = self.formats[column.kind]
        if column.kind is Kind.TEXT:
            self.sheet.write_string(row, col, neutralize(str(value)))
        elif column.kind is Kind.DATE:
            self.sheet.write_datetime(row, col, datetime.combine(value, datetime.min.time()), fmt)
        else:
            self.sheet.write_number(row, col, float(value), fmt)

    def close(self, *, with_totals: bool) -> None:
        if with_totals and any(column.total for column in self.columns) and self.next_row > 1:
            self.sheet.write_string(self.next_row, 0, "Total", self.total_format)
            for index, column in enumerate(self.columns):
                if column.total:
                    letter = xlsxwriter.utility.xl_col_to_name(index)
                    self.sheet.write_formula(
                        self.next_row,
                        index,
                        f"=SUM({letter}2:{letter}{self.next_row})",
                        self.total_format,
                        float(self.totals[index]),
                    )
        self.workbook.close()


async def xlsx_chunks(
    columns: Sequence[Column], rows: AsyncIterator[Row], *, title: str
) -> AsyncIterator[bytes]:
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="carteira-")
    os.close(handle)
    try:
        sheet = await asyncio.to_thread(_Sheet, path, title, columns)
        batch: list[Row] = []
        async for row in rows:
            batch.append(row)
            if len(batch) >= XLSX_BATCH_ROWS:
                await asyncio.to_thread(sheet.write, batch)
                batch = []
        await asyncio.to_thread(sheet.write, batch)
        await asyncio.to_thread(sheet.close, with_totals=True)
        with open(path, "rb") as file:  # noqa: ASYNC230 - local temp file, read in chunks
            while chunk := file.read(FILE_CHUNK_BYTES):
                yield chunk
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MEDIA_TYPES = {ExportFormat.CSV: "text/csv; charset=utf-8", ExportFormat.XLSX: XLSX_TYPE}
# For the OpenAPI document of routes that can answer with a file.
EXPORT_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}
}


def export_response(
    *,
    what: str,
    export_format: ExportFormat,
    columns: Sequence[Column],
    rows: Callable[[], AsyncIterator[Row]],
) -> StreamingResponse:
    """`carteira-<what>-<date>.<csv|xlsx>` as an attachment, streamed."""
    filename = f"carteira-{what}-{datetime.now(UTC).date().isoformat()}.{export_format.value}"
    body = (
        csv_chunks(columns, rows())
        if export_format is ExportFormat.CSV
        else xlsx_chunks(columns, rows(), title=what)
    )
    return StreamingResponse(
        body,
        media_type=_MEDIA_TYPES[export_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def iterate(rows: Iterable[Row]) -> AsyncIterator[Row]:
    """Rows already in memory (bounded: a client's positions, a performance curve)."""
    for row in rows:
        yield row
