"""A file's bytes as rows of cells: XLSX (as B3's Área do Investidor exports it) or CSV, in
bounded memory and time.

An XLSX is a zip: before openpyxl opens it, the members' declared sizes are added up and each
one's compression ratio checked, so that a zip bomb is refused having read only its directory
(Python's zipfile never inflates a member beyond its declared size). The workbook is read in
openpyxl's read-only mode with `data_only=True`: a formula's cached value, never the formula
run. A CSV may be UTF-8 (with or without a BOM) or latin-1/Windows-1252, separated by `;`, `,`
or tabs: each separator is offered to the format, which keeps the one its header reads with.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeGuard

from carteira.core.errors import AppError
from carteira.imports.cells import Cell
from carteira.imports.exceptions import (
    ExpandsTooMuchError,
    UnreadableFileError,
    UnsupportedFileError,
)

# The most cells read of a row: B3's extracts have 9 or 10 columns, the ledger's export 14.
MAX_COLUMNS = 32
# What an XLSX may expand to, in all: a 20,000-row extract is ~6 MB of XML.
MAX_EXPANDED_BYTES = 32 * 1024 * 1024
# A member inflating more than this many times its compressed size (beyond 1 MiB) is a bomb:
# spreadsheets' XML compresses some 5 to 30 times.
MAX_RATIO = 200
RATIO_FROM_BYTES = 1024 * 1024
MAX_MEMBERS = 1000
ZIP_MAGIC = b"PK\x03\x04"
# Formats that are not XLSX nor CSV, said by name.
_OTHER_MAGICS = {
    b"\xd0\xcf\x11\xe0": "an old Excel .xls (save it as .xlsx or CSV)",
    b"%PDF": "a PDF",
}
CSV_DELIMITERS = (";", ",", "\t")

Line = tuple[int, list[Cell]]  # the row number a spreadsheet shows, and its cells


@dataclass(frozen=True)
class Sheet:
    """One way to read the file as rows: a worksheet, or the CSV with one separator."""

    name: str
    lines: Iterator[Line]


def sheets(data: bytes) -> Iterator[Sheet]:
    """The file's sheets, each read lazily (a format stops at its header or its row limit)."""
    if data.startswith(ZIP_MAGIC):
        yield from _workbook(data)
        return
    for magic, what in _OTHER_MAGICS.items():
        if data.startswith(magic):
            raise UnsupportedFileError(f"The file is {what}, not XLSX or CSV.")
    text = _decoded(data)
    for delimiter in CSV_DELIMITERS:
        yield Sheet(name=f"csv{delimiter!r}", lines=_csv_lines(text, delimiter))


# ---- XLSX --------------------------------------------------------------------------------


def check_zip(data: bytes) -> None:
    """Refuse a zip that would expand beyond what a spreadsheet needs, reading only its
    directory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UnreadableFileError("The file looks like an XLSX but is not a readable one.") from exc
    if len(members) > MAX_MEMBERS:
        raise ExpandsTooMuchError(f"The workbook has more than {MAX_MEMBERS} parts.")
    expanded = 0
    for member in members:
        expanded += member.file_size
        bulky = member.file_size > RATIO_FROM_BYTES
        if bulky and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise ExpandsTooMuchError(
                f"A part of the workbook expands {member.file_size // max(member.compress_size, 1)}"
                " times its size: refused."
            )
    if expanded > MAX_EXPANDED_BYTES:
        raise ExpandsTooMuchError(
            f"The workbook expands to {expanded} bytes, more than {MAX_EXPANDED_BYTES}."
        )


def _workbook(data: bytes) -> Iterator[Sheet]:
    import openpyxl  # only when a workbook comes: it takes a while to import

    check_zip(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style", and the like
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
    except AppError:
        raise
    except Exception as exc:  # anything a malformed workbook makes the parser raise
        raise UnreadableFileError("The XLSX file cannot be read.") from exc
    try:
        for sheet in book.worksheets:
            yield Sheet(name=str(sheet.title), lines=_sheet_lines(sheet))
    finally:
        book.close()


def _sheet_lines(sheet: object) -> Iterator[Line]:
    try:
        # The dimension a file declares may be wrong: rows as they are, not padded to it.
        sheet.reset_dimensions()  # type: ignore[attr-defined]
        rows = sheet.iter_rows(values_only=True)  # type: ignore[attr-defined]
        for line, values in enumerate(rows, start=1):
            cells = _trimmed(values[:MAX_COLUMNS])
            if cells:
                yield line, cells
    except AppError:
        raise
    except Exception as exc:  # a malformed sheet
        raise UnreadableFileError("The XLSX file cannot be read.") from exc


def _trimmed(values: Sequence[object]) -> list[Cell]:
    cells: list[Cell] = [value if _is_cell(value) else str(value) for value in values]
    while cells and (cells[-1] is None or cells[-1] == ""):
        cells.pop()
    return cells


def _is_cell(value: object) -> TypeGuard[Cell]:
    return value is None or isinstance(value, str | int | float | Decimal | date)


# ---- CSV ---------------------------------------------------------------------------------


def _decoded(data: bytes) -> str:
    if b"\x00" in data:
        raise UnsupportedFileError("The file is neither XLSX nor text (CSV).")
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "cp1252"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        if encoding == "utf-8-sig":
            raise UnreadableFileError("The file starts as UTF-8 but is not UTF-8.") from None
        return data.decode("latin-1")  # every byte is a latin-1 character


def _csv_lines(text: str, delimiter: str) -> Iterator[Line]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for line, values in enumerate(reader, start=1):
            cells = _trimmed(values[:MAX_COLUMNS])
            if any(cell is not None and str(cell).strip() for cell in cells):
                yield line, cells
    except csv.Error as exc:
        raise UnreadableFileError(f"The CSV file cannot be read: {exc}.") from exc
