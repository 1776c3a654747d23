"""CSV and Excel exports that stream in bounded memory, time and connections.

Rows arrive as an async iterator (from a server-side cursor or a computed list) and leave in
chunks: CSV is encoded a batch at a time; XLSX is written by xlsxwriter in constant-memory
mode into a temporary file (in a thread, a batch at a time, so the event loop stays free),
which is then streamed and deleted.

A download holds resources while the client reads, so every export takes a slot from
`ExportLimiter` (a few per user, a few per process: 429 beyond), reads from its own
database pool (never the connections requests need), and has limits: a reader that takes less
than `EXPORT_MIN_BYTES_PER_SECOND` over `EXPORT_SLOW_READER_SECONDS` of waiting for it, or that
has not finished in `EXPORT_TIMEOUT_SECONDS`, is cut off and everything it held is given back.

Spreadsheets run a cell that starts like a formula, and Excel in a pt-BR locale splits an
unquoted line on `;`. Every text cell is therefore quoted, and any text that would start a
cell with `= + - @` (at its start, or after a `,` `;` or tab) is neutralized with a `'`.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import logging
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import xlsxwriter
from fastapi.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from carteira.core.database import exports_db
from carteira.core.errors import TooManyRequestsError
from carteira.core.jsonable import decimal_str
from carteira.core.types import centavos

logger = logging.getLogger(__name__)

CSV_BATCH_ROWS = 1000
XLSX_BATCH_ROWS = 5000
FILE_CHUNK_BYTES = 256 * 1024
UTF8_BOM = "\ufeff"
_FORMULA_START = re.compile(r"(^|[,;\t\r\n])([=+\-@\t\r])")


class Kind(StrEnum):
    TEXT = "text"  # user data: neutralized against formula injection
    INTEGER = "integer"
    MONEY = "money"  # worked-out amounts: to centavos, as the JSON writes them
    DECIMAL = "decimal"  # prices, quantities, amounts entered: exact in CSV, numbers in Excel
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


class CsvDialect(StrEnum):
    """`?dialect=`: `standard` (comma, decimal point, English headers, ISO dates) or `br`
    (semicolon, decimal comma, Portuguese headers, dd/mm/aaaa dates), for spreadsheets in a
    pt-BR locale."""

    STANDARD = "standard"
    BR = "br"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind
    width: int = 14
    # The Excel totals row sums this column, once per currency when there is a currency column.
    total: bool = False
    pt: str = field(kw_only=True)  # the header in Portuguese (the `br` dialect's)


Row = Sequence[Any]


def neutralize(text: str) -> str:
    return _FORMULA_START.sub(r"\1'\2", text)


# ---- CSV ---------------------------------------------------------------------------------


def _csv_cell(value: Any, kind: Kind, dialect: CsvDialect) -> str:
    if value is None:
        return ""
    if kind is Kind.TEXT:
        return neutralize(str(value))
    if isinstance(value, Decimal):
        text = decimal_str(centavos(value) if kind is Kind.MONEY else value)
    elif isinstance(value, date):
        return value.strftime("%d/%m/%Y") if dialect is CsvDialect.BR else value.isoformat()
    else:
        text = str(value)
    return text.replace(".", ",") if dialect is CsvDialect.BR else text


async def csv_chunks(
    columns: Sequence[Column], rows: AsyncIterator[Row], *, dialect: CsvDialect
) -> AsyncIterator[bytes]:
    """Data only (no totals row: a CSV is read by programs as often as by people)."""
    buffer = io.StringIO()
    delimiter = ";" if dialect is CsvDialect.BR else ","
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    buffer.write(UTF8_BOM)  # Excel (pt-BR too) then reads the file as UTF-8
    writer.writerow(column.pt if dialect is CsvDialect.BR else column.header for column in columns)
    pending = 0
    async for row in rows:
        writer.writerow(_csv_cell(v, c.kind, dialect) for v, c in zip(row, columns, strict=True))
        pending += 1
        if pending >= CSV_BATCH_ROWS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue().encode()


# ---- totals --------------------------------------------------------------------------------


@dataclass
class Totals:
    """Sums of the `total` columns: one row per currency (labelled), never two currencies
    added together. Without a currency column, one row labelled `Total`."""

    columns: Sequence[Column]
    currency_column: str | None
    sums: dict[str, list[Decimal]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        headers = [c.header for c in self.columns]
        self._currency_at = (
            headers.index(self.currency_column) if self.currency_column is not None else None
        )
        self._summed = [i for i, c in enumerate(self.columns) if c.total]
        self.sums = defaultdict(lambda: [Decimal(0)] * len(self.columns))

    def add(self, row: Row) -> None:
        if not self._summed:
            return
        key = str(row[self._currency_at] or "") if self._currency_at is not None else ""
        sums = self.sums[key]
        for index in self._summed:
            if (value := row[index]) is not None:
                sums[index] += value

    def rows(self) -> list[list[Any]]:
        out = []
        for currency in sorted(self.sums):
            row: list[Any] = [None] * len(self.columns)
            row[0] = f"Total {currency}".strip()
            if self._currency_at is not None:
                row[self._currency_at] = currency
            for index in self._summed:
                row[index] = self.sums[currency][index]
            out.append(row)
        return out


# ---- XLSX --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtraSheet:
    """A small sheet after the main one (rows already in memory), in workbooks only."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Row]


class _Sheet:
    """One worksheet in constant-memory mode: rows must be written in order, once."""

    def __init__(
        self,
        path: str,
        title: str,
        columns: Sequence[Column],
        currency_column: str | None,
        workbook: xlsxwriter.Workbook | None = None,
    ) -> None:
        self.workbook = workbook or xlsxwriter.Workbook(path, {"constant_memory": True})
        self.sheet = self.workbook.add_worksheet(title[:31])
        self.columns = columns
        bold = self.workbook.add_format({"bold": True, "bottom": 1})
        self.formats = {
            Kind.TEXT: None,
            Kind.INTEGER: self.workbook.add_format({"num_format": "0"}),
            Kind.MONEY: self.workbook.add_format({"num_format": "#,##0.00"}),
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
        self.totals = Totals(columns, currency_column)

    def write(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.totals.add(row)
            for index, (value, column) in enumerate(zip(row, self.columns, strict=True)):
                self._cell(self.next_row, index, value, column)
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
            self.sheet.write_number(row, col, _number(value, column.kind), fmt)

    def close(self, extra: Sequence[ExtraSheet] = ()) -> None:
        self._write_totals()
        for more in extra:
            sheet = _Sheet("", more.title, more.columns, None, workbook=self.workbook)
            sheet.write(more.rows)
            sheet._write_totals()
        self.workbook.close()

    def _write_totals(self) -> None:
        # Totals as values, not SUM formulas: a formula over a mixed-currency column would add
        # reais to dollars the moment someone re-sorts the sheet.
        for totals in self.totals.rows():
            for index, (value, column) in enumerate(zip(totals, self.columns, strict=True)):
                if value is None:
                    continue
                if column.kind is Kind.TEXT or index == 0:
                    self.sheet.write_string(self.next_row, index, str(value), self.total_format)
                else:
                    number = _number(value, column.kind)
                    self.sheet.write_number(self.next_row, index, number, self.total_format)
            self.next_row += 1


def _number(value: Any, kind: Kind) -> float:
    """A cell's number: money to centavos (the totals add the unrounded figures first)."""
    if kind is Kind.MONEY and isinstance(value, Decimal):
        return float(centavos(value))
    return float(value)


async def xlsx_chunks(
    columns: Sequence[Column],
    rows: AsyncIterator[Row],
    *,
    title: str,
    currency_column: str | None = None,
    extra: Sequence[ExtraSheet] = (),
) -> AsyncIterator[bytes]:
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="carteira-")
    os.close(handle)
    try:
        sheet = await asyncio.to_thread(_Sheet, path, title, columns, currency_column)
        batch: list[Row] = []
        async for row in rows:
            batch.append(row)
            if len(batch) >= XLSX_BATCH_ROWS:
                await asyncio.to_thread(sheet.write, batch)
                batch = []
        await asyncio.to_thread(sheet.write, batch)
        await asyncio.to_thread(sheet.close, extra)
        with open(path, "rb") as file:  # noqa: ASYNC230 - local temp file, read in chunks
            while chunk := file.read(FILE_CHUNK_BYTES):
                yield chunk
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


# ---- limits --------------------------------------------------------------------------------


class TooManyExportsError(TooManyRequestsError):
    code = "too_many_exports"
    message = "Too many downloads in progress; wait for one to finish."


@dataclass
class ExportLimiter:
    """Slots for downloads in progress in this process (each holds a connection of the exports
    pool while its client reads)."""

    max_total: int
    max_per_user: int
    _by_user: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def in_use(self) -> int:
        return sum(self._by_user.values())

    def take(self, user_id: int) -> Callable[[], None]:
        """A slot, or TooManyExportsError; the returned callable gives it back (once)."""
        if self.in_use >= self.max_total:
            raise TooManyExportsError(retry_after=5)
        if self._by_user[user_id] >= self.max_per_user:
            raise TooManyExportsError(
                "You already have downloads in progress; wait for one to finish.", retry_after=5
            )
        self._by_user[user_id] += 1
        returned = False

        def give_back() -> None:
            nonlocal returned
            if not returned:
                returned = True
                self._by_user[user_id] -= 1
                if not self._by_user[user_id]:
                    del self._by_user[user_id]

        return give_back


@dataclass(frozen=True)
class ReaderPace:
    """The slowest reader a download keeps: over any `window_seconds` the server spends waiting
    for the client to take bytes, it must take `min_bytes_per_second` on average, or the
    download is cut (its slot and connection come back). Time spent producing rows does not
    count against the client."""

    min_bytes_per_second: int
    window_seconds: float

    @property
    def piece_bytes(self) -> int:
        # Bodies go out in pieces well under a window's due, so that a reader's progress is
        # seen as it happens, not a whole 256 KiB chunk later.
        return max(1024, min(16 * 1024, int(self.min_bytes_per_second * self.window_seconds)))


class ExportResponse(StreamingResponse):
    """A streamed download that gives back its slot and closes its rows (and so its database
    connection) however it ends: finished, the client gone, its reader too slow (`pace`), or
    the deadline passed."""

    def __init__(
        self,
        content: AsyncIterator[bytes],
        *,
        release: Callable[[], None],
        deadline_seconds: float,
        pace: ReaderPace,
        **kwargs: Any,
    ) -> None:
        super().__init__(content, **kwargs)
        self._content = content
        self._release = release
        self._deadline_seconds = deadline_seconds
        self._pace = pace

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        stall = asyncio.timeout(None)  # armed only while the client keeps the server waiting
        try:
            async with asyncio.timeout(self._deadline_seconds), stall:
                await super().__call__(scope, receive, self._paced(send, stall))
        except TimeoutError:
            # The client was too slow: the download is cut, the connection closed.
            logger.info(
                "download cut: %s",
                "its reader took less than EXPORT_MIN_BYTES_PER_SECOND"
                if stall.expired()
                else "not finished within EXPORT_TIMEOUT_SECONDS",
            )
        finally:
            with contextlib.suppress(Exception):
                await self._content.aclose()  # type: ignore[attr-defined]
            self._release()

    def _paced(self, send: Send, stall: asyncio.Timeout) -> Send:
        """`send`, with `stall` armed while it waits for the client: it expires when the
        client has kept the server waiting a whole window without taking a window's due."""
        loop = asyncio.get_running_loop()
        window = self._pace.window_seconds
        due = self._pace.min_bytes_per_second * window
        piece = self._pace.piece_bytes
        waited, taken = 0.0, 0

        async def paced_send(message: Message) -> None:
            nonlocal waited, taken
            if message["type"] != "http.response.body":
                await send(message)
                return
            body: bytes = message.get("body", b"")
            more = message.get("more_body", False)
            starts = range(0, len(body), piece) if body else range(1)
            for start in starts:
                chunk = body[start : start + piece]
                last = start + piece >= len(body)
                began = loop.time()
                stall.reschedule(began + window - waited)
                try:
                    await send({**message, "body": chunk, "more_body": more or not last})
                finally:
                    if not stall.expired():  # an expired one is ending the download
                        stall.reschedule(None)
                waited += loop.time() - began
                taken += len(chunk)
                if taken >= due:  # a window's due taken: the next window starts
                    waited, taken = 0.0, 0

        return paced_send


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MEDIA_TYPES = {ExportFormat.CSV: "text/csv; charset=utf-8", ExportFormat.XLSX: XLSX_TYPE}
# For the OpenAPI document of routes that can answer with a file.
EXPORT_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "content": {"text/csv": {}, XLSX_TYPE: {}},
        "headers": {
            "Content-Disposition": {
                "description": "attachment; filename=carteira-<what>-<date>.<csv|xlsx>",
                "schema": {"type": "string"},
            }
        },
    }
}


@dataclass(frozen=True)
class ExportRequest:
    """Who asks and how: the slot is taken (or 429) before anything is read."""

    limiter: ExportLimiter
    user_id: int
    deadline_seconds: float
    pace: ReaderPace
    today: date
    export_format: ExportFormat
    dialect: CsvDialect = CsvDialect.STANDARD


def export_response(
    *,
    request: ExportRequest,
    what: str,
    columns: Sequence[Column],
    rows: Callable[[], AsyncIterator[Row]],
    currency_column: str | None = None,
    extra_sheets: Sequence[ExtraSheet] = (),
) -> StreamingResponse:
    """`carteira-<what>-<date>.<csv|xlsx>` as an attachment, streamed."""
    release = request.limiter.take(request.user_id)
    fmt = request.export_format
    filename = f"carteira-{what}-{request.today.isoformat()}.{fmt.value}"
    body = (
        csv_chunks(columns, rows(), dialect=request.dialect)
        if fmt is ExportFormat.CSV
        else xlsx_chunks(
            columns, rows(), title=what, currency_column=currency_column, extra=extra_sheets
        )
    )
    return ExportResponse(
        body,
        release=release,
        deadline_seconds=request.deadline_seconds,
        pace=request.pace,
        media_type=_MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def rows_export(
    *,
    request: ExportRequest,
    what: str,
    columns: Sequence[Column],
    rows: Iterable[Row],
    currency_column: str | None = None,
    extra_sheets: Sequence[ExtraSheet] = (),
) -> StreamingResponse:
    """`export_response` of rows already in memory (bounded: a client's positions, a tax
    year)."""
    held = list(rows)
    return export_response(
        request=request,
        what=what,
        columns=columns,
        rows=lambda: iterate(held),
        currency_column=currency_column,
        extra_sheets=extra_sheets,
    )


async def iterate(rows: Iterable[Row]) -> AsyncIterator[Row]:
    """Rows already in memory (bounded: a client's positions, a performance curve)."""
    for row in rows:
        yield row


async def cursor_rows(
    sql: str, *args: Any, idle_seconds: float, prefetch: int = 2000
) -> AsyncIterator[tuple[Any, ...]]:
    """Rows from a server-side cursor on the exports pool: never the whole result in memory.
    PostgreSQL itself ends the transaction if the reader stalls longer than `idle_seconds`."""
    async with exports_db().acquire_connection() as connection, connection.transaction():
        await connection.execute(
            f"SET LOCAL idle_in_transaction_session_timeout = {int(idle_seconds * 1000)}"
        )
        async for record in connection.cursor(sql, *args, prefetch=prefetch):
            yield tuple(record)
