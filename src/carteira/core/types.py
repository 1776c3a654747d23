"""Annotated types shared by the schemas of every module."""

from __future__ import annotations

from decimal import Decimal
from operator import methodcaller
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, Field, PlainSerializer

from carteira.core.money import plain

# Money, prices and quantities travel as JSON strings in plain notation ("1000", "0.00000001",
# never "1E+3"). Values are normalized when a model is validated (`plain`), so the
# serializer can be the C-level `format(value, "f")`: this runs for every amount of every
# listing. Code that sets amounts without validation (model_copy) passes them through
# `money.plain` itself.
_AS_TEXT = PlainSerializer(
    methodcaller("__format__", "f"), return_type=str, when_used="json-unless-none"
)
DecimalStr = Annotated[Decimal, AfterValidator(plain), _AS_TEXT]

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
