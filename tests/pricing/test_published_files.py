"""Reading Tesouro Transparente's and CVM's files: numbers, dates, CNPJs, encodings, columns
and rows, without the network (issue #30)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from carteira.pricing.exceptions import ProviderError
from carteira.pricing.files import column_indexes, column_key, text_lines
from carteira.pricing.funds import FundQuotas, cnpj_formatted, cnpj_key, months, read_quotas
from carteira.pricing.treasury import TreasuryBond, br_decimal, read_prices


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("17319,83", Decimal("17319.83")),
        ("1.234,56", Decimal("1234.56")),
        ("0,1", Decimal("0.1")),
        ("742.18", Decimal("742.18")),
        (" 999,87 ", Decimal("999.87")),
    ],
)
def test_brazilian_numbers(written, value):
    assert br_decimal(written) == value


@pytest.mark.parametrize("written", ["n/d", "", "1,2,3", "NaN", "Infinity"])
def test_what_is_not_a_number(written):
    with pytest.raises((InvalidOperation, ValueError)):
        br_decimal(written)


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("00.000.000/0001-91", "00000000000191"),
        ("00000000000191", "00000000000191"),
        ("191000191", "00000191000191"),  # leading zeros lost by a spreadsheet
        (" 11.222.333/0001-81 ", "11222333000181"),
        ("12.abc.345/01de-35", "12ABC34501DE35"),  # alphanumeric CNPJs (from July 2026)
    ],
)
def test_cnpjs_compare_without_punctuation(given, key):
    assert cnpj_key(given) == key


def test_a_cnpj_is_written_as_cvm_writes_it():
    assert cnpj_formatted("11222333000181") == "11.222.333/0001-81"


def test_the_months_of_a_window():
    assert months(date(2025, 11, 20), date(2026, 2, 1)) == [
        (2025, 11),
        (2025, 12),
        (2026, 1),
        (2026, 2),
    ]
    assert months(date(2026, 12, 4), date(2026, 12, 4)) == [(2026, 12)]
    assert months(date(2026, 12, 4), date(2026, 11, 30)) == []


def test_lines_in_utf_8_latin_1_or_both_are_decoded():
    lines = ["\ufeffTipo Título;x\r\n".encode(), "Tesouro Educação;ç\r\n".encode("latin-1")]
    assert list(text_lines(lines)) == ["Tipo Título;x\r\n", "Tesouro Educação;ç\r\n"]


def test_columns_are_found_without_accents_case_or_quotes():
    header = ['"Tipo Título"', "data  vencimento", "PU BASE MANHÃ"]
    wanted = {"title": ("Tipo Titulo",), "maturity": ("Data Vencimento",)}
    assert column_indexes(header, wanted, label="f") == {"title": 0, "maturity": 1}
    assert column_key("PU BASE MANHÃ") == "pu base manha"
    with pytest.raises(ProviderError, match=r"f has no column PU Base Manha \(its columns: "):
        column_indexes(header[:2], {"price": ("PU Base Manha",)}, label="f")


def test_one_pass_over_the_tesouro_file(tmp_path: Path):
    header = (
        "Tipo Titulo;Data Vencimento;Data Base;Taxa Compra Manha;Taxa Venda Manha;"
        "PU Compra Manha;PU Venda Manha;PU Base Manha"
    )
    rows = [
        "Tesouro Selic;01/03/2029;04/12/2026;0,06;0,07;17330,10;17300,00;17319,83",
        "Tesouro Selic;01/03/2029;03/12/2026;0,06;0,07;17322,00;17290,00;17312,36",
        "Tesouro IPCA+;15/05/2035;03/12/2026;7,01;7,13;2320,00;2310,00;2315,78",
        "",
        "Tesouro Selic;01/03/2029;02/12/2026;0,06;0,07;0,00;0,00;",  # no PU Base
    ]
    path = tmp_path / "precos.csv"
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("latin-1"))
    selic = TreasuryBond("Tesouro Selic", date(2029, 3, 1))

    found = read_prices(path, [selic])

    assert [(c.date, c.close) for c in found.series(selic)] == [
        (date(2026, 12, 3), Decimal("17312.36")),
        (date(2026, 12, 4), Decimal("17319.83")),
    ]
    assert found.latest == date(2026, 12, 4)
    assert found.current == {selic}  # IPCA+ has no price on the latest date
    assert found.bonds == {selic, TreasuryBond("Tesouro IPCA+", date(2035, 5, 15))}
    assert (found.unreadable.count, found.unreadable.examples) == (1, ["line 6: PU Base Manha ''"])
    # The unreadable row is older than the title's latest price: nothing stale.
    assert found.stale_reason(selic) is None


def _month_zip(path: Path, lines: list[str]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inf_diario_fi_202011.csv", "\r\n".join(lines).encode("latin-1"))
    path.write_bytes(buffer.getvalue())


def test_one_pass_over_a_cvm_month_of_the_oldest_period(tmp_path: Path):
    path = tmp_path / "inf_diario_fi_202011.zip"
    _month_zip(
        path,
        [
            "CNPJ_FUNDO;DT_COMPTC;VL_TOTAL;VL_QUOTA;VL_PATRIM_LIQ;CAPTC_DIA;RESG_DIA;NR_COTST",
            "11222333000181;2020-11-27;1000.00;1.5;1000.00;0;0;3",  # bare digits
            '"11.222.333/0001-81";"2020-11-30";"1000.00";"1.6";"1000.00";"0";"0";"3"',  # quoted
            "99.888.777/0001-66;2020-11-30;1000.00;9.9;1000.00;0;0;3",
            "11222333000181;2020-11-28",  # ours, cut short
            "garbage",  # another fund's row, or none: never looked at
        ],
    )
    found = FundQuotas()
    read_quotas(path, None, ["11222333000181"], found)

    closes, ambiguous = found.series("11222333000181")
    assert ambiguous == 0
    assert [(c.date, c.close) for c in closes] == [
        (date(2020, 11, 27), Decimal("1.5")),
        (date(2020, 11, 30), Decimal("1.6")),
    ]
    assert found.unreadable.examples == ["line 5: 2 field(s), 4 expected"]
    assert found.unreadable_days == {"11222333000181": {None}}


def test_a_zip_that_is_not_one_is_a_provider_error(tmp_path: Path):
    path = tmp_path / "inf_diario_fi_202611.zip"
    path.write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(ProviderError, match="is not a readable zip"):
        read_quotas(path, None, ["11222333000181"], FundQuotas())
