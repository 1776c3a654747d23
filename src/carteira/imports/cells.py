"""A spreadsheet's cells as values: text, numbers and dates as B3's extracts and office
spreadsheets write them.

Real files are messy: `-` (or nothing) for empty, trailing spaces, numbers as numeric cells or
as text with decimal commas (`1.234,56`, `R$ 1.234,56`), dates as date cells, as Excel's serial
numbers, or as text (`dd/mm/aaaa`, `aaaa-mm-dd`). A cell that is not what its column needs
raises `CellError`, which the row reports with its column.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

Cell = str | int | float | Decimal | datetime | date | None

EMPTY = frozenset({"", "-", "--", "\u2014", "\u2013"})  # also em and en dashes
EIGHT_PLACES = Decimal("1E-8")
# Excel's day 0 (its 1900 date system counts a 29/02/1900 that never was: from 60 on, the
# serial is one day ahead, which this epoch absorbs).
EXCEL_EPOCH = date(1899, 12, 30)
# Serial numbers of dates a ledger can hold: 1900-01-01 to 2199-12-31.
SERIALS = range(2, 109_574)
_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_SPACES = re.compile(r"\s+")
_TEXT_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")


class CellError(ValueError):
    """A cell that is not what its column needs: `code` says what was expected."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def text(cell: Cell) -> str | None:
    """The cell as text, spaces trimmed and runs of spaces made one; None when empty."""
    if cell is None:
        return None
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    value = _SPACES.sub(" ", str(cell).replace("\u00a0", " ")).strip()
    return None if value in EMPTY else value


def key(cell: Cell) -> str:
    """A header's or a label's text to compare: lower case, without accents or extra spaces."""
    return _folded(text(cell) or "")


@lru_cache(maxsize=1024)  # a file's labels (markets, movements) are few, its rows many
def _folded(value: str) -> str:
    folded = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def number(cell: Cell, *, decimal_comma: bool) -> Decimal | None:
    """A number: a numeric cell, or text. With `decimal_comma` (B3's files, the `br` dialect)
    `1.234,56` is 1234.56 and `1.234` is 1234; otherwise the point is the decimal point."""
    if cell is None or isinstance(cell, bool):
        return None if cell is None else _not_a_number(str(cell))
    if isinstance(cell, Decimal):
        return cell
    if isinstance(cell, int):
        return Decimal(cell)
    if isinstance(cell, float):
        # A spreadsheet's binary float, as the shortest text that reads back as it (12.35, not
        # 12.3499999...); a computed value's noise beyond the ledger's 8 places is dropped.
        value = Decimal(repr(cell))
        if not value.is_finite():
            return _not_a_number(repr(cell))
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -8:
            value = value.quantize(EIGHT_PLACES).normalize()
        return value
    if isinstance(cell, datetime | date):
        return _not_a_number(cell.isoformat())
    raw = text(cell)
    if raw is None:
        return None
    cleaned = raw.replace("R$", "").replace(" ", "")
    negative = cleaned.startswith("-") or (cleaned.startswith("(") and cleaned.endswith(")"))
    cleaned = cleaned.strip("()").lstrip("-+")
    if decimal_comma:
        if "," in cleaned:
            cleaned = cleaned.replace(".", "").replace(",", ".")
        elif _THOUSANDS.match(cleaned):
            cleaned = cleaned.replace(".", "")
    if not re.fullmatch(r"\d+(\.\d+)?", cleaned):
        return _not_a_number(raw)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return _not_a_number(raw)
    return -value if negative else value


def _not_a_number(raw: str) -> Decimal:
    raise CellError("not_a_number", f"{raw[:40]!r} is not a number")


def day(cell: Cell) -> date | None:
    """A date: a date cell, Excel's serial number (a number, or its digits as text), or text
    as dd/mm/aaaa (dd/mm/aa) or aaaa-mm-dd."""
    if cell is None:
        return None
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, int | float | Decimal) and not isinstance(cell, bool):
        return _serial(cell, str(cell))
    raw = text(cell)
    if raw is None:
        return None
    if raw.isdigit():
        return _serial(int(raw), raw)
    try:
        if match := _TEXT_DATE.match(raw):
            day_, month, year = (int(part) for part in match.groups())
            if year < 100:
                year += 2000 if year < 70 else 1900
            return date(year, month, day_)
        if match := _ISO_DATE.match(raw):
            year, month, day_ = (int(part) for part in match.groups())
            return date(year, month, day_)
    except ValueError:
        pass
    raise CellError("not_a_date", f"{raw[:40]!r} is not a date (dd/mm/aaaa)")


def _serial(value: int | float | Decimal, raw: str) -> date:
    whole = int(value)
    if whole != value or whole not in SERIALS:
        raise CellError("not_a_date", f"{raw[:40]!r} is not a date (dd/mm/aaaa)")
    return EXCEL_EPOCH + timedelta(days=whole)
