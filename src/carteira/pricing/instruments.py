"""What a market-data provider says an instrument is: its symbol, its type, its details."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, StringConstraints, WithJsonSchema

from carteira.core.types import Label, ShortLabel
from carteira.core.validators import invalid, normalize_text


class AssetType(StrEnum):
    """Yahoo's quote types, and `FII`: a listed fundo imobiliário (or Fiagro), which Yahoo
    calls an EQUITY; an admin sets it (its sales are taxed apart, and never exempt)."""

    EQUITY = "EQUITY"
    ETF = "ETF"
    FII = "FII"
    MUTUALFUND = "MUTUALFUND"
    CRYPTOCURRENCY = "CRYPTOCURRENCY"
    INDEX = "INDEX"
    CURRENCY = "CURRENCY"
    FUTURE = "FUTURE"
    OTHER = "OTHER"


# Yahoo symbols: PETR4.SA, AAPL, BTC-USD, ^BVSP (index), BRL=X (currency), ES=F (future).
_TICKER = re.compile(r"^\^?[A-Z0-9][A-Z0-9.\-=]{0,30}$")


def parse_ticker(value: str) -> str:
    value = value.strip().upper()
    if not _TICKER.fullmatch(value):
        raise invalid(
            "ticker_format",
            "'{ticker}' is not a ticker symbol (e.g. PETR4.SA, AAPL, BTC-USD, ^BVSP)",
            ticker=value,
        )
    return value


Ticker = Annotated[
    str,
    StringConstraints(max_length=40),
    AfterValidator(parse_ticker),
    # What the validator accepts, told to the OpenAPI document (any case, padded or not).
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*\^?[A-Za-z0-9][A-Za-z0-9.=-]{0,30}\s*$",
            "maxLength": 40,
        }
    ),
]
Code = Annotated[str, AfterValidator(normalize_text), StringConstraints(max_length=64)]
Currency = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{0,8}$")
]


class AssetDetails(BaseModel):
    """What describes a ticker: filled by the market-data provider, or given by trusted code."""

    name: Label
    exchange: Code = ""
    currency: Currency = ""
    asset_type: AssetType = AssetType.OTHER
    sector: ShortLabel | None = None
