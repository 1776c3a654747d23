"""Reading a client's files (issue #31): cells as B3 and spreadsheets write them, each messy
layout of the negociação and movimentação extracts read to the same rows, the ledger's own
export in both dialects, and workbooks that would expand beyond what a spreadsheet needs
(zip bombs, honest or lying about their sizes) refused in bounded memory and time."""

from __future__ import annotations

import io
import time
import tracemalloc
from datetime import date, datetime
from decimal import Decimal

import pytest
import xlsxwriter

from carteira.allocations import drafts
from carteira.allocations.ledger import Entry, Kind, Settlement
from carteira.imports import cells, files, formats, products
from carteira.imports.cells import CellError
from carteira.imports.exceptions import (
    ColumnsNotFoundError,
    ExpandsTooMuchError,
    TooManyRowsError,
    UnreadableFileError,
    UnsupportedFileError,
)
from carteira.imports.formats import RowStatus
from carteira.imports.models import ImportFormat
from tests import b3_files
from tests.b3_files import (
    IPCA_JS,
    IPCA_JS_2035_BOUGHT,
    IPCA_JS_2035_COUPON,
    MOVIMENTACAO,
    NEGOCIACAO,
    SELIC_2029,
    SELIC_2029_REDEEMED,
    SETTLED,
    Mess,
    debit,
    lying,
    movement,
    trade,
    zip_bomb,
)

# ---- cells -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1.234,56", Decimal("1234.56")),
        ("R$ 1.234,56", Decimal("1234.56")),
        ("1.234", Decimal("1234")),  # B3's thousands
        ("38,47", Decimal("38.47")),
        ("38.47", Decimal("38.47")),
        (" 100 ", Decimal("100")),
        (38.47, Decimal("38.47")),  # a numeric cell
        (12.349999999999998, Decimal("12.35")),  # a computed cell's float noise
        (100, Decimal("100")),
        ("-", None),
        ("", None),
        (None, None),
    ],
)
def test_numbers_as_b3_writes_them(cell, expected):
    assert cells.number(cell, decimal_comma=True) == expected


def test_the_standard_dialect_reads_a_point_as_the_decimal_point():
    assert cells.number("1.234", decimal_comma=False) == Decimal("1.234")
    with pytest.raises(CellError):
        cells.number("1.234,56", decimal_comma=False)
    with pytest.raises(CellError) as refused:
        cells.number("=1+1", decimal_comma=True)  # a formula's text is never run
    assert refused.value.code == "not_a_number"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime(2026, 3, 2), date(2026, 3, 2)),
        (date(2026, 3, 2), date(2026, 3, 2)),
        (46083, date(2026, 3, 2)),  # Excel's serial number
        (46083.0, date(2026, 3, 2)),
        ("46083", date(2026, 3, 2)),
        ("02/03/2026", date(2026, 3, 2)),
        ("2/3/2026", date(2026, 3, 2)),
        ("02/03/26", date(2026, 3, 2)),
        ("2026-03-02", date(2026, 3, 2)),
        ("02/03/2026  ", date(2026, 3, 2)),
        ("-", None),
    ],
)
def test_dates_as_text_cells_or_serials(cell, expected):
    assert cells.day(cell) == expected


@pytest.mark.parametrize("cell", ["31/02/2026", "2026-13-01", "amanhã", 46083.5, 10**7])
def test_what_is_not_a_date(cell):
    with pytest.raises(CellError) as refused:
        cells.day(cell)
    assert refused.value.code == "not_a_date"


def test_products_of_an_extract():
    assert products.product("PETR4 - PETROLEO BRASILEIRO S/A PETROBRAS") == products.Listed("PETR4")
    assert products.product("BOVA11 - ISHARES BOVA").ticker == "BOVA11.SA"  # type: ignore[union-attr]
    assert products.listed("PETR4F") == products.Listed("PETR4")  # the odd lot, same asset
    assert products.listed("B3SA3") == products.Listed("B3SA3")
    assert products.listed("PETRC400") is None  # an option series
    assert products.product("Tesouro Selic 2029") == products.TreasuryTitle("Tesouro Selic", 2029)
    assert products.product("Tesouro IPCA+ com Juros Semestrais 2035") == products.TreasuryTitle(
        "Tesouro IPCA+ com Juros Semestrais", 2035
    )
    assert isinstance(products.product("CDB - BANCO XYZ S/A"), products.Unlisted)


# ---- the negociação extract, however messy ------------------------------------------------------

TRADES = [
    trade(date(2026, 3, 2), "Compra", "PETR4", "100", "37.50"),
    trade(date(2026, 3, 2), "Compra", "PETR4F", "7", "37.60", market="Mercado Fracionário"),
    trade(date(2026, 3, 9), "Venda", "PETR4", "50", "38.10"),
    trade(date(2026, 3, 10), "Compra", "PETRC400", "100", "0.52", market="Opção de Compra"),
    trade(date(2026, 4, 1), "Compra", "BOVA11", "1200", "124.85"),
]
EXPECTED_TRADES = [
    ("new", "buy", date(2026, 3, 2), "PETR4.SA", Decimal("100"), Decimal("37.5")),
    ("new", "buy", date(2026, 3, 2), "PETR4.SA", Decimal("7"), Decimal("37.6")),
    ("new", "sell", date(2026, 3, 9), "PETR4.SA", Decimal("50"), Decimal("38.1")),
    ("ignored", None, date(2026, 3, 10), "PETRC400", Decimal("100"), Decimal("0.52")),
    ("new", "buy", date(2026, 4, 1), "BOVA11.SA", Decimal("1200"), Decimal("124.85")),
]
MESSY_NEGOCIACAO = {
    "xlsx, date cells and numeric cells": b3_files.xlsx(NEGOCIACAO, TRADES),
    "xlsx, a title above the header and a totals footer": b3_files.xlsx(
        NEGOCIACAO, TRADES, mess=Mess(title_rows=2, footer=True)
    ),
    "xlsx, Excel serial dates": b3_files.xlsx(NEGOCIACAO, TRADES, mess=Mess(dates="serials")),
    "xlsx, dates and numbers as text (1.234,56)": b3_files.xlsx(
        NEGOCIACAO, TRADES, mess=Mess(dates="text", numbers="text", trailing_spaces=True)
    ),
    "csv, latin-1, ';'": b3_files.csv_file(NEGOCIACAO, TRADES, encoding="latin-1"),
    "csv, UTF-8 with a BOM, ','": b3_files.csv_file(NEGOCIACAO, TRADES, delimiter=","),
    "csv, a title, a footer, trailing spaces": b3_files.csv_file(
        NEGOCIACAO, TRADES, mess=Mess(title_rows=1, footer=True, trailing_spaces=True)
    ),
}


@pytest.mark.parametrize("name", list(MESSY_NEGOCIACAO))
def test_every_messy_negociacao_reads_to_the_same_rows(name):
    rows = formats.read(MESSY_NEGOCIACAO[name], ImportFormat.B3_NEGOCIACAO)
    real = [r for r in rows if r.code != "totals_row"]
    assert [(r.status.value, r.kind, r.date, r.ticker, r.quantity, r.price) for r in real] == (
        EXPECTED_TRADES
    )
    assert real[3].code == "market_not_recorded"
    assert real[0].entry == {
        "kind": "buy",
        "date": date(2026, 3, 2),
        "ticker": "PETR4.SA",
        "quantity": Decimal("100"),
        "price": Decimal("37.5"),
        "settlement": "external",
    }
    footer = [r for r in rows if r.code == "totals_row"]
    assert len(footer) == (1 if "footer" in name else 0)
    header_line = 1 + (2 if "xlsx, a title" in name else 1 if "csv, a title" in name else 0)
    assert real[0].line == header_line + 1  # the row number a spreadsheet shows


def test_a_row_names_the_column_at_fault():
    rows = [
        trade(date(2026, 3, 2), "Compra", "PETR4", "100", "37.50"),
        ["31/02/2026", "Compra", "Mercado à Vista", "-", "X", "VALE3", "10", "61,20", "612,00"],
        ["02/03/2026", "Troca", "Mercado à Vista", "-", "X", "VALE3", "10", "61,20", "612,00"],
        ["02/03/2026", "Compra", "Mercado à Vista", "-", "X", "VALE3", "-", "61,20", "612,00"],
        ["02/03/2026", "Compra", "Mercado à Vista", "-", "X", "VALE-3", "10", "61,20", "612,00"],
        ["02/03/2026", "Compra", "Mercado à Vista", "-", "X", "VALE3", "dez", "61,20", "612,00"],
    ]
    read = formats.read(b3_files.csv_file(NEGOCIACAO, rows), ImportFormat.B3_NEGOCIACAO)
    assert [(r.line, r.status.value, r.code, r.column) for r in read] == [
        (2, "new", None, None),
        (3, "error", "not_a_date", "Data do Negócio"),
        (4, "error", "unknown_trade_type", "Tipo de Movimentação"),
        (5, "error", "missing_value", "Quantidade"),
        (6, "error", "not_a_b3_ticker", "Código de Negociação"),
        (7, "error", "not_a_number", "Quantidade"),
    ]
    assert (read[1].ticker, read[1].quantity) == ("VALE3.SA", Decimal(10))  # still shown


# ---- the movimentação extract ----------------------------------------------------------------

PETR = "PETR4 - PETROLEO BRASILEIRO S/A PETROBRAS"
MOVEMENTS = [
    movement(date(2025, 11, 28), "Juros Sobre Capital Próprio", PETR, "100", "0.85", "85.00"),
    movement(date(2026, 3, 20), "Juros Sobre Capital Próprio", PETR, "100", "0.825", "82.50"),
    movement(date(2026, 3, 25), "Juros Sobre Capital Próprio", PETR, "100", None, "10.00"),
    movement(date(2026, 4, 15), "Dividendo", PETR, "100", "0.5", "50.00"),
    movement(date(2026, 4, 15), "Rendimento", "HGLG11 - CSHG LOGISTICA FII", "10", None, "11.00"),
    movement(date(2026, 5, 4), "Desdobro", PETR, "100"),
    movement(date(2026, 5, 6), "Grupamento", PETR, "20"),
    movement(date(2026, 5, 7), "Bonificação em Ativos", PETR, "2.4", None, "24.00"),
    debit(date(2026, 5, 8), "Fração em Ativos", PETR, "0.4"),
    movement(date(2026, 5, 20), "Leilão de Fração", PETR, "0.4", None, "15.00"),
    movement(date(2026, 3, 4), SETTLED, PETR, "100", "37.5", "3750"),
    movement(date(2026, 6, 1), "Atualização", PETR, "22"),
    movement(date(2026, 6, 2), "Compra", SELIC_2029, "0.5", "15000", "7500"),
    movement(date(2026, 6, 3), "Direito de Subscrição", PETR, "3"),
    movement(date(2026, 6, 4), "Dividendo", "CDB - BANCO XYZ S/A", None, None, "5"),
    debit(date(2026, 6, 5), "Dividendo", PETR, None, None, "5"),
]


def test_each_movement_as_the_design_maps_it():
    read = formats.read(
        b3_files.xlsx(MOVIMENTACAO, MOVEMENTS, mess=Mess(title_rows=1, footer=True)),
        ImportFormat.B3_MOVIMENTACAO,
    )
    got = [(r.status.value, r.kind or r.code, r.entry) for r in read]
    petr, hglg = {"ticker": "PETR4.SA"}, {"ticker": "HGLG11.SA"}
    assert got == [
        # JCP: B3 shows the net; gross = net / (1 - rate in force), tax = gross - net.
        # 85.00 / 0.85 = 100.00 (15 % in 2025); 82.50 / 0.825 = 100.00 (17.5 % in 2026);
        # 10.00 / 0.825 = 12.1212... -> 12.12, tax 2.12.
        (
            "new",
            "jcp",
            {
                "kind": "jcp",
                "date": date(2025, 11, 28),
                **petr,
                "amount": Decimal("100.00"),
                "tax": Decimal("15.00"),
            },
        ),
        (
            "new",
            "jcp",
            {
                "kind": "jcp",
                "date": date(2026, 3, 20),
                **petr,
                "amount": Decimal("100.00"),
                "tax": Decimal("17.50"),
            },
        ),
        (
            "new",
            "jcp",
            {
                "kind": "jcp",
                "date": date(2026, 3, 25),
                **petr,
                "amount": Decimal("12.12"),
                "tax": Decimal("2.12"),
            },
        ),
        (
            "new",
            "dividend",
            {
                "kind": "dividend",
                "date": date(2026, 4, 15),
                **petr,
                "amount": Decimal("50.00"),
                "tax": Decimal(0),
            },
        ),
        (
            "new",
            "dividend",
            {
                "kind": "dividend",
                "date": date(2026, 4, 15),
                **hglg,
                "amount": Decimal("11.00"),
                "tax": Decimal(0),
            },
        ),
        ("new", "split", {"kind": "split", "date": date(2026, 5, 4), **petr, "ratio": "1:1"}),
        ("new", "split", {"kind": "split", "date": date(2026, 5, 6), **petr, "ratio": "1:1"}),
        (
            "new",
            "bonus",
            {
                "kind": "bonus",
                "date": date(2026, 5, 7),
                **petr,
                "quantity": Decimal("2.4"),
                "amount": Decimal("24.00"),
            },
        ),
        ("ignored", "fraction_moved", None),
        # The fraction sold: 15.00 for 0.4 shares, 37.5 each.
        (
            "new",
            "sell",
            {
                "kind": "sell",
                "date": date(2026, 5, 20),
                **petr,
                "quantity": Decimal("0.4"),
                "price": Decimal("37.50000000"),
                "settlement": "external",
            },
        ),
        ("ignored", "settlement_row", None),
        ("ignored", "update_row", None),
        # A Tesouro title: its ticker comes from the maturity the service finds for 2029.
        (
            "new",
            "buy",
            {
                "kind": "buy",
                "date": date(2026, 6, 2),
                "quantity": Decimal("0.5"),
                "price": Decimal("15000"),
                "settlement": "external",
            },
        ),
        ("ignored", "movement_not_recorded", None),
        ("ignored", "product_not_recorded", None),
        ("ignored", "debit_not_recorded", None),
        ("ignored", "totals_row", None),
    ]
    desdobro, grupamento = read[5], read[6]
    assert (desdobro.added, desdobro.leaves) == (Decimal(100), None)  # shares credited
    assert (grupamento.added, grupamento.leaves) == (None, Decimal(20))  # the new position
    assert read[12].treasury == products.TreasuryTitle("Tesouro Selic", 2029)


TESOURO_MOVEMENTS = [
    IPCA_JS_2035_BOUGHT,
    IPCA_JS_2035_COUPON,
    # Sold back before maturity, no unit price given: the value over the quantity.
    SELIC_2029_REDEEMED,
    debit(date(2026, 1, 2), "Vencimento", "TESOURO PREFIXADO 2026", "1.5", "1000", "1500"),
    debit(date(2025, 7, 1), "Juros", f"{IPCA_JS} 2035", None, None, "5"),
    debit(date(2025, 7, 2), "Cobrança de Taxa Semestral", SELIC_2029, None, None, "3.10"),
    movement(date(2025, 7, 3), SETTLED, SELIC_2029, "0.5", None, "7000"),
]


def test_tesouro_movements_are_trades_coupons_and_redemptions_of_their_titles():
    read = formats.read(
        b3_files.xlsx(MOVIMENTACAO, TESOURO_MOVEMENTS), ImportFormat.B3_MOVIMENTACAO
    )
    got = [(r.status.value, r.kind or r.code, r.entry) for r in read]
    assert got == [
        (
            "new",
            "buy",
            {
                "kind": "buy",
                "date": date(2025, 3, 10),
                "quantity": Decimal("2.5"),
                "price": Decimal("4210.52"),
                "settlement": "external",
            },
        ),
        (
            "new",
            "interest",
            {"kind": "interest", "date": date(2025, 5, 15), "amount": Decimal("135.42")},
        ),
        # 1752.23 / 0.12 = 14601.91666666... -> 14601.91666667
        (
            "new",
            "sell",
            {
                "kind": "sell",
                "date": date(2025, 6, 2),
                "quantity": Decimal("0.12"),
                "price": Decimal("14601.91666667"),
                "settlement": "external",
            },
        ),
        (
            "new",
            "sell",
            {
                "kind": "sell",
                "date": date(2026, 1, 2),
                "quantity": Decimal("1.5"),
                "price": Decimal("1000"),
                "settlement": "external",
            },
        ),
        ("ignored", "debit_not_recorded", None),
        ("ignored", "movement_not_recorded", None),
        ("ignored", "settlement_row", None),
    ]
    assert [r.treasury for r in read[:4]] == [
        products.TreasuryTitle("Tesouro IPCA+ com Juros Semestrais", 2035),
        products.TreasuryTitle("Tesouro IPCA+ com Juros Semestrais", 2035),
        products.TreasuryTitle("Tesouro Selic", 2029),
        products.TreasuryTitle("TESOURO PREFIXADO", 2026),
    ]
    assert [r.redemption for r in read[:4]] == [False, False, False, True]
    assert (read[2].columns["ticker"], read[2].columns["price"]) == ("Produto", "Valor da Operação")


def test_a_tesouro_trade_in_the_negociacao_whatever_its_market():
    rows = [
        trade(date(2025, 3, 10), "Compra", SELIC_2029, "0.37", "14523.18", market="-"),
        trade(date(2025, 6, 2), "Venda", SELIC_2029, "0.12", "14601.90", market="Tesouro Direto"),
    ]
    read = formats.read(b3_files.xlsx(NEGOCIACAO, rows), ImportFormat.B3_NEGOCIACAO)
    assert [(r.status.value, r.kind, r.treasury, r.entry) for r in read] == [
        (
            "new",
            "buy",
            products.TreasuryTitle("Tesouro Selic", 2029),
            {
                "kind": "buy",
                "date": date(2025, 3, 10),
                "quantity": Decimal("0.37"),
                "price": Decimal("14523.18"),
                "settlement": "external",
            },
        ),
        (
            "new",
            "sell",
            products.TreasuryTitle("Tesouro Selic", 2029),
            {
                "kind": "sell",
                "date": date(2025, 6, 2),
                "quantity": Decimal("0.12"),
                "price": Decimal("14601.90"),
                "settlement": "external",
            },
        ),
    ]
    assert read[0].columns["ticker"] == "Código de Negociação"


def tesouro_row(kind: str, day: date, name: str, *, redemption: bool = False) -> formats.Mapped:
    return formats.Mapped(
        line=2,
        status=RowStatus.NEW,
        entry={"kind": kind, "date": day, "quantity": Decimal("1"), "price": Decimal("1000")},
        columns={"date": "Data", "ticker": "Produto"},
        treasury=products.treasury(name),
        redemption=redemption,
    )


SELIC = [date(2027, 3, 1), date(2029, 3, 1), date(2031, 3, 1)]


def test_a_tesouro_rows_maturity_is_the_one_of_its_year_in_the_file():
    bought = tesouro_row("buy", date(2025, 3, 10), "Tesouro Selic 2029")
    assert formats.place_treasury(bought, maturities=SELIC) == date(2029, 3, 1)
    assert (bought.status, bought.entry and bought.entry["date"]) == (
        RowStatus.NEW,
        date(2025, 3, 10),
    )
    # B3 credits a maturity on a holiday the next business day: the redemption is the
    # maturity's, dated on it (as the ledger redeems the title), whatever the movement says.
    for is_vencimento in (True, False):  # a `Vencimento`, or a `Resgate` after the maturity
        redeemed = tesouro_row(
            "sell", date(2027, 1, 4), "Tesouro Prefixado 2027", redemption=is_vencimento
        )
        assert formats.place_treasury(redeemed, maturities=[date(2027, 1, 1)]) == date(2027, 1, 1)
        assert redeemed.entry is not None
        assert redeemed.entry["date"] == date(2027, 1, 1)
    sold = tesouro_row("sell", date(2028, 5, 2), "Tesouro Selic 2029")
    assert formats.place_treasury(sold, maturities=SELIC) == date(2029, 3, 1)
    assert sold.entry is not None
    assert sold.entry["date"] == date(2028, 5, 2)  # sold back before maturity: its own date


def test_a_tesouro_row_the_file_cannot_place_is_an_error_naming_the_product():
    none = tesouro_row("buy", date(2025, 3, 10), "Tesouro Selic 2030")
    assert formats.place_treasury(none, maturities=SELIC) is None
    assert (none.status, none.code, none.column) == (
        RowStatus.ERROR,
        "unknown_treasury_maturity",
        "Produto",
    )
    assert none.values == {
        "product": "Tesouro Selic 2030",
        "title": "Tesouro Selic",
        "year": "2030",
        "available": "01/03/2027, 01/03/2029, 01/03/2031",
    }
    assert none.entry is None
    unknown_title = tesouro_row("buy", date(2025, 3, 10), "Tesouro IGPM+ com Juros Semestrais 2031")
    assert formats.place_treasury(unknown_title, maturities=[]) is None
    assert (unknown_title.code, unknown_title.values["available"]) == (
        "unknown_treasury_maturity",
        "",
    )
    no_year = tesouro_row("buy", date(2025, 3, 10), "Tesouro Selic")
    assert formats.place_treasury(no_year, maturities=SELIC) is None
    assert (no_year.code, no_year.values) == (
        "unknown_treasury_maturity",
        {"product": "Tesouro Selic", "title": "Tesouro Selic"},
    )
    several = tesouro_row("buy", date(2025, 3, 10), "Tesouro IPCA+ com Juros Semestrais 2045")
    both = [date(2045, 5, 15), date(2045, 8, 15)]
    assert formats.place_treasury(several, maturities=both) is None
    assert (several.code, several.column, several.values["maturities"]) == (
        "ambiguous_treasury_maturity",
        "Produto",
        "15/05/2045, 15/08/2045",
    )
    early = tesouro_row("sell", date(2029, 2, 10), "Tesouro Selic 2029", redemption=True)
    assert formats.place_treasury(early, maturities=SELIC) is None
    assert (early.code, early.column, early.values) == (
        "before_maturity",
        "Data",
        {"product": "Tesouro Selic 2029", "date": "2029-02-10", "maturity_date": "2029-03-01"},
    )


def test_a_split_told_by_shares_gets_its_ratio_from_what_is_held():
    def entry(n: int, kind: Kind, day: date, **figures: Decimal) -> Entry:
        return Entry(id=-n, kind=kind, date=day, currency="BRL", asset_id=1, **figures)

    buy = Entry(
        id=1,
        kind=Kind.BUY,
        date=date(2026, 3, 2),
        currency="BRL",
        asset_id=1,
        quantity=Decimal(100),
        price=Decimal(40),
        settlement=Settlement.EXTERNAL,
    )
    tried = drafts.try_drafts(
        [buy],
        [
            # 100 held, 100 credited: 2:1; then 200 grouped into 20: 1:10.
            drafts.Draft(key=5, entry=entry(1, Kind.SPLIT, date(2026, 5, 4)), added=Decimal(100)),
            drafts.Draft(key=6, entry=entry(2, Kind.SPLIT, date(2026, 5, 6)), leaves=Decimal(20)),
            drafts.Draft(
                key=7,
                entry=entry(3, Kind.SELL, date(2026, 5, 7), quantity=Decimal(21), price=Decimal(1)),
            ),
            drafts.Draft(key=8, entry=entry(4, Kind.SPLIT, date(2025, 1, 2)), added=Decimal(5)),
        ],
    )
    assert tried.ratios == {5: (Decimal(2), Decimal(1)), 6: (Decimal(1), Decimal(10))}
    assert list(tried.short) == [7]  # 21 of 20
    assert tried.short[7].short_by == Decimal(1)
    assert tried.nothing_held == {8}  # before the buy


# ---- the ledger's own export -----------------------------------------------------------------


def test_the_ledgers_export_reads_in_both_dialects():
    standard = (
        '\ufeff"date","kind","ticker","quantity","price","amount","fees","tax","ratio","currency",'
        '"settlement","source","note","id"\r\n'
        '"2026-03-02","buy","PETR4.SA","100","37.5","","4.9","0","","BRL","external","manual",'
        '"\'=HYPERLINK()","1"\r\n'
        '"2026-03-03","deposit","","","","1000.5","0","0","","BRL","cash","manual","","2"\r\n'
    )
    br = (
        '\ufeff"Data";"Tipo";"Ativo";"Quantidade";"Preço";"Valor";"Taxas";"Imposto";"Proporção";'
        '"Moeda";"Liquidação";"Origem";"Nota";"Id"\r\n'
        '"02/03/2026";"buy";"PETR4.SA";"100";"37,5";"";"4,9";"0";"";"BRL";"external";"manual";'
        '"\'=HYPERLINK()";"1"\r\n'
        '"03/03/2026";"deposit";"";"";"";"1000,5";"0";"0";"";"BRL";"cash";"manual";"";"2"\r\n'
    )
    for text in (standard, br):
        read = formats.read(text.encode(), ImportFormat.CARTEIRA_CSV)
        assert [r.entry for r in read] == [
            {
                "kind": "buy",
                "date": date(2026, 3, 2),
                "ticker": "PETR4.SA",
                "quantity": Decimal("100"),
                "price": Decimal("37.5"),
                "fees": Decimal("4.9"),
                "settlement": "external",
                "note": "=HYPERLINK()",  # the export's guard against formulas taken off
            },
            {
                "kind": "deposit",
                "date": date(2026, 3, 3),
                "amount": Decimal("1000.5"),
                "currency": "BRL",
            },
        ]


# ---- files that are not what they should be ------------------------------------------------


def test_files_that_are_not_an_extract():
    with pytest.raises(UnsupportedFileError):
        formats.read(b"%PDF-1.7 ...", ImportFormat.B3_NEGOCIACAO)
    with pytest.raises(UnsupportedFileError):
        formats.read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old xls", ImportFormat.B3_NEGOCIACAO)
    with pytest.raises(UnsupportedFileError):
        formats.read(b"\x00\x01\x02binary", ImportFormat.B3_NEGOCIACAO)
    with pytest.raises(UnreadableFileError):
        formats.read(b"PK\x03\x04 not really a zip", ImportFormat.B3_NEGOCIACAO)
    with pytest.raises(ColumnsNotFoundError) as wrong:
        formats.read(b3_files.xlsx(MOVIMENTACAO, MOVEMENTS[:2]), ImportFormat.B3_NEGOCIACAO)
    assert "data do negocio" in wrong.value.fields["missing"]


def test_more_rows_than_an_import_takes():
    rows = [trade(date(2026, 3, 2), "Compra", "PETR4", "1", "10")] * 21
    formats.read(b3_files.csv_file(NEGOCIACAO, rows[:20]), ImportFormat.B3_NEGOCIACAO, max_rows=20)
    with pytest.raises(TooManyRowsError):
        formats.read(b3_files.csv_file(NEGOCIACAO, rows), ImportFormat.B3_NEGOCIACAO, max_rows=20)


@pytest.mark.parametrize(
    ("name", "error"), [("honest", ExpandsTooMuchError), ("lying", UnreadableFileError)]
)
def test_a_zip_bomb_is_refused_in_bounded_memory_and_time(name, error):
    bomb = zip_bomb()
    data = bomb if name == "honest" else lying(bomb)
    assert len(data) < 200_000  # 64 MB in a file of ~70 KB
    files.sheets(b3_files.xlsx(NEGOCIACAO, [])).__next__()  # openpyxl imported beforehand
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(error):
            formats.read(data, ImportFormat.B3_NEGOCIACAO)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 1.0
    assert peak < 8 * 1024 * 1024  # never the 64 MB it would inflate to


def test_a_formula_is_never_run_only_its_cached_value_read():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, NEGOCIACAO)
    sheet.write_row(1, 0, ["02/03/2026", "Compra", "Mercado à Vista", "-", "X", "PETR4"])
    sheet.write_formula(1, 6, "=10*10", None, 100)  # cached: 100
    sheet.write_formula(1, 7, '=WEBSERVICE("http://example.invalid")', None, 37.5)
    sheet.write_row(2, 0, ["02/03/2026", "Compra", "Mercado à Vista", "-", "X", "PETR4"])
    sheet.write_formula(2, 6, "=10*10", None, "")  # no cached value
    sheet.write_number(2, 7, 37.5)
    book.close()
    first, second = formats.read(buffer.getvalue(), ImportFormat.B3_NEGOCIACAO)
    assert (first.quantity, first.price) == (Decimal(100), Decimal("37.5"))
    assert (second.status, second.code, second.column) == (
        RowStatus.ERROR,
        "missing_value",
        "Quantidade",
    )
