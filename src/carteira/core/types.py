"""Annotated types shared by the schemas of every module."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Path
from pydantic import Field, PlainSerializer

from carteira.core.jsonable import decimal_str

# Money, prices and quantities travel as JSON strings in plain notation.
DecimalStr = Annotated[
    Decimal, PlainSerializer(decimal_str, return_type=str, when_used="json-unless-none")
]

# A positive amount with the storage's precision: NUMERIC(24, 8).
PositiveAmount = Annotated[
    Decimal,
    Field(gt=0, max_digits=24, decimal_places=8, allow_inf_nan=False),
    PlainSerializer(decimal_str, return_type=str, when_used="json-unless-none"),
]

# Primary keys are PostgreSQL `integer`s: an id outside that range is a 422, never a DB error.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# A path id (`/clients/{client_id}`): same bounds, declared as a path parameter.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
