"""Files as B3's Área do Investidor exports them, built at test time from its documented
layouts (Extratos → Negociação, Extratos → Movimentação) with made-up trades — no real
person's data — in every messy way real files come: a title above the header, a totals
footer, `-` for empty, numbers as numeric cells or as text with decimal commas, dates as date
cells, Excel serials or text, trailing spaces, latin-1 or UTF-8 with a BOM, `;` or `,`."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import xlsxwriter

NEGOCIACAO = [
    "Data do Negócio",
    "Tipo de Movimentação",
    "Mercado",
    "Prazo/Vencimento",
    "Instituição",
    "Código de Negociação",
    "Quantidade",
    "Preço",
    "Valor",
]
MOVIMENTACAO = [
    "Entrada/Saída",
    "Data",
    "Movimentação",
    "Produto",
    "Instituição",
    "Quantidade",
    "Preço unitário",
    "Valor da Operação",
]
BROKER = "XP INVESTIMENTOS CCTVM S/A"
EXCEL_EPOCH = date(1899, 12, 30)

Dates = Literal["cells", "serials", "text"]
Numbers = Literal["cells", "text"]


def trade(
    day: date, side: str, code: str, quantity: str, price: str, *, market: str = "Mercado à Vista"
) -> list[Any]:
    """A negociação row (Valor = quantity x price, as B3 writes it)."""
    value = Decimal(quantity) * Decimal(price)
    return [day, side, market, "-", BROKER, code, Decimal(quantity), Decimal(price), value]


def movement(
    day: date,
    kind: str,
    product: str,
    quantity: str | None = None,
    price: str | None = None,
    value: str | None = None,
    *,
    direction: str = "Credito",
) -> list[Any]:
    """A movimentação row, its amounts in the file's order (Quantidade, Preço unitário, Valor da
    Operação); None for B3's `-`."""
    return [
        direction,
        day,
        kind,
        product,
        BROKER,
        Decimal(quantity) if quantity else None,
        Decimal(price) if price else None,
        Decimal(value) if value else None,
    ]


def debit(day: date, kind: str, product: str, *amounts: str | None) -> list[Any]:
    """A movimentação row that leaves the account (`Entrada/Saída` = Debito)."""
    return movement(day, kind, product, *amounts, direction="Debito")


# Tesouro Direto in a movimentação, rows that more than one test reads (figures by hand there).
IPCA_JS = "Tesouro IPCA+ com Juros Semestrais"
SELIC_2029 = "Tesouro Selic 2029"
# B3's row for the settlement of a trade the negociação already holds.
SETTLED = "Transferência - Liquidação"
SELIC_2029_BOUGHT = movement(date(2025, 3, 10), "Compra", SELIC_2029, "0.37", "14523.18", "5373.58")
IPCA_JS_2035_BOUGHT = movement(
    date(2025, 3, 10), "Compra", f"{IPCA_JS} 2035", "2.5", "4210.52", "10526.30"
)
# The semiannual coupon of the IPCA+ com Juros Semestrais.
IPCA_JS_2035_COUPON = movement(
    date(2025, 5, 15), "Juros", f"{IPCA_JS} 2035", "2.5", "54.1684", "135.42"
)
# Sold back to the Tesouro before its maturity, the value given without a unit price.
SELIC_2029_REDEEMED = debit(date(2025, 6, 2), "Resgate", SELIC_2029, "0.12", None, "1752.23")


@dataclass(frozen=True)
class Mess:
    """How a file is messy."""

    title_rows: int = 0  # rows above the header (a title, a blank line)
    footer: bool = False  # a totals row at the end
    dates: Dates = "cells"
    numbers: Numbers = "cells"
    trailing_spaces: bool = False


def _pt(number: Decimal) -> str:
    """1234.5 -> 1.234,50 (B3's text numbers)."""
    whole, _, fraction = f"{number:f}".partition(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return f"{groups},{(fraction or '0').ljust(2, '0')}"


def _text(value: Any, mess: Mess) -> str:
    if value is None:
        return "-"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return _pt(value)
    return f"{value}  " if mess.trailing_spaces else str(value)


def xlsx(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    mess: Mess = Mess(),
    sheet: str = "Planilha",
) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    page = book.add_worksheet(sheet)
    day_format = book.add_format({"num_format": "dd/mm/yyyy"})
    line = 0
    if mess.title_rows:
        page.write_string(0, 0, "Extrato de movimentações - Área do Investidor")
        line = mess.title_rows
    page.write_row(line, 0, list(header))
    for values in rows:
        line += 1
        for column, value in enumerate(values):
            if value is None:
                page.write_string(line, column, "-")
            elif isinstance(value, date):
                if mess.dates == "cells":
                    page.write_datetime(
                        line, column, datetime.combine(value, datetime.min.time()), day_format
                    )
                elif mess.dates == "serials":
                    page.write_number(line, column, (value - EXCEL_EPOCH).days)
                else:
                    page.write_string(line, column, value.strftime("%d/%m/%Y"))
            elif isinstance(value, Decimal):
                if mess.numbers == "cells":
                    page.write_number(line, column, float(value))
                else:
                    page.write_string(line, column, _pt(value))
            else:
                page.write_string(line, column, _text(value, mess))
    if mess.footer:
        page.write_string(line + 1, 0, "Total")
        page.write_number(line + 1, len(header) - 1, 12345.67)
    book.close()
    return buffer.getvalue()


def csv_file(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    mess: Mess = Mess(),
    delimiter: str = ";",
    encoding: str = "utf-8-sig",
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for _ in range(mess.title_rows):
        writer.writerow(["Extrato - Área do Investidor"])
    writer.writerow(header)
    for values in rows:
        writer.writerow([_text(value, mess) for value in values])
    if mess.footer:
        writer.writerow(["Total", *[""] * (len(header) - 2), _pt(Decimal("12345.67"))])
    return buffer.getvalue().encode(encoding)


def _workbook() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet().write_row(0, 0, NEGOCIACAO)
    book.close()
    return buffer.getvalue()


def zip_bomb(*, inflated_mb: int = 64) -> bytes:
    """A real workbook whose sheet inflates to `inflated_mb` MB of spaces (~1,000 times its
    compressed size), written a megabyte at a time."""
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info, content)
                continue
            with bomb.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(content)
                for _ in range(inflated_mb):
                    sheet.write(b" " * (1 << 20))  # after the root: still well-formed XML
    return out.getvalue()


def lying(bomb: bytes, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    """The bomb with its sheet's declared size rewritten to 1,000 bytes, in the central
    directory and in the local header: the directory no longer tells what it inflates to."""
    patched = bytearray(bomb)
    info = zipfile.ZipFile(io.BytesIO(bomb)).getinfo(member)
    at = patched.find(b"PK\x01\x02")
    while at != -1:
        name_length = struct.unpack_from("<H", patched, at + 28)[0]
        if bytes(patched[at + 46 : at + 46 + name_length]) == member.encode():
            extra = struct.unpack_from("<H", patched, at + 30)[0]
            struct.pack_into("<I", patched, at + 24, 1000)
            # zip64: the real sizes are in the extra field, first the uncompressed one.
            field_at = at + 46 + name_length
            end = field_at + extra
            while field_at < end:
                tag, size = struct.unpack_from("<HH", patched, field_at)
                if tag == 1:
                    struct.pack_into("<Q", patched, field_at + 4, 1000)
                field_at += 4 + size
        at = patched.find(b"PK\x01\x02", at + 4)
    struct.pack_into("<I", patched, info.header_offset + 22, 1000)
    return bytes(patched)
