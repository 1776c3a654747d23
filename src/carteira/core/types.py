"""Annotated types shared by the schemas of every module."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from operator import methodcaller
from typing import Annotated

from annotated_types import Ge, Le
from fastapi import Path, Query
from pydantic import AfterValidator, Field, PlainSerializer, StringConstraints

from carteira.core.currencies import currency_code
from carteira.core.money import EXACT, plain
from carteira.core.validators import normalize_text

# Money, prices and quantities travel as JSON strings in plain notation ("1000", "0.00000001",
# never "1E+3"). Values are normalized when a model is validated (`plain`), so the
# serializer can be the C-level `format(value, "f")`: this runs for every amount of every
# listing. Code that sets amounts without validation (model_copy) passes them through
# `money.plain` itself.
_AS_TEXT = PlainSerializer(
    methodcaller("__format__", "f"), return_type=str, when_used="json-unless-none"
)
DecimalStr = Annotated[Decimal, AfterValidator(plain), _AS_TEXT]

# Money the API works out (costs, values, P&L, cash, totals) leaves it rounded to centavos
# (half away from zero, as a spreadsheet's ROUND does, so an advisor checking a figure by hand
# gets the same centavo), in plain notation without trailing zeros ("1234.5"): computed
# unrounded, rounded only when written, so totals add unrounded figures. What a user entered
# (a ledger entry's amount) keeps its own precision, as prices and quantities do.
CENTAVO = Decimal("0.01")


def centavos(value: Decimal) -> Decimal:
    """`value` rounded to centavos, in plain form."""
    return plain(value.quantize(CENTAVO, rounding=ROUND_HALF_UP, context=EXACT))


Money = Annotated[
    Decimal,
    PlainSerializer(
        lambda value: format(centavos(value), "f"), return_type=str, when_used="json-unless-none"
    ),
]

# A positive amount with the storage's precision: NUMERIC(24, 8).
PositiveAmount = Annotated[
    Decimal,
    Field(gt=0, max_digits=24, decimal_places=8, allow_inf_nan=False),
    AfterValidator(plain),
    _AS_TEXT,
]

# Primary keys are PostgreSQL `integer`s: an id outside that range is a 422, never a DB error.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# A path id (`/clients/{client_id}`): same bounds, declared as a path parameter.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

# One line of human text (a name, a sector): NFC, whitespace collapsed, no NUL characters.
Label = Annotated[
    str, AfterValidator(normalize_text), StringConstraints(min_length=1, max_length=200)
]
ShortLabel = Annotated[str, AfterValidator(normalize_text), StringConstraints(max_length=100)]

# Every date the API reads (query windows, job windows, purchase dates): bounded, so that date
# arithmetic on it (a year back, the next day) cannot overflow into a 500.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
CalendarDate = Annotated[date, Ge(EARLIEST_DATE), Le(LATEST_DATE)]

# A currency money is kept in: an ISO 4217 code, any case ("usd" reads as USD); `XXX` or
# `ZZZ` are 422s.
CurrencyCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z]{3}$"), AfterValidator(currency_code)
]


def _optional_currency(code: str | None) -> str | None:
    return None if code is None else currency_code(code)


# `?currency=` on reports and performance: one ISO 4217 currency, any case.
CurrencyQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z]{3}$",
        description="only this currency (ISO 4217), unconverted; default: every currency, "
        "consolidated in REPORTING_CURRENCY",
    ),
    AfterValidator(_optional_currency),
]
