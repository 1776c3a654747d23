"""pt-BR text of figures as the printed documents (statements, tax PDFs) write them:
R$ 1.234,56, 1.234,5, 31/12/2026, março de 2026.

Money is rounded to centavos exactly as the API serializes it (core.types.centavos), so the
printed figure is the JSON's with Brazilian separators."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from carteira.core.types import centavos

DASH = "—"
MONTHS = (
    "janeiro", "fevereiro", "março", "abril", "maio", "junho",
    "julho", "agosto", "setembro", "outubro", "novembro", "dezembro",
)  # fmt: skip
SYMBOLS = {"BRL": "R$", "USD": "US$", "EUR": "€"}


def _br(number_text: str) -> str:
    """'1,234.56' (Python's grouping) as '1.234,56'."""
    return number_text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def money(value: Decimal | None, currency: str = "BRL") -> str:
    """`R$ 1.234,56`; another currency by its symbol (`US$ 10,00`) or its code (`CHF 10,00`)."""
    if value is None:
        return DASH
    amount = centavos(value)
    text = f"{SYMBOLS.get(currency, currency)} " + _br(f"{abs(amount):,.2f}")
    return f"-{text}" if amount < 0 else text


def number(value: Decimal | float | None, places: int | None = None) -> str:
    """A quantity, price or rate: every significant place kept unless `places` is given."""
    if value is None:
        return DASH
    if places is None:
        exponent = Decimal(str(value)).normalize().as_tuple().exponent
        places = max(0, -exponent) if isinstance(exponent, int) else 0
    return _br(f"{value:,.{places}f}")


def day(value: date | None) -> str:
    return DASH if value is None else value.strftime("%d/%m/%Y")


def month_name(year: int, month: int) -> str:
    """março de 2026."""
    return f"{MONTHS[month - 1]} de {year}"
