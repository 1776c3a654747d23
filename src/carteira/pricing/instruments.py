"""What a market-data provider says an instrument is: its symbol, its type, its details."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, StringConstraints, WithJsonSchema

from carteira.core.types import Label, ShortLabel
from carteira.core.validators import invalid, normalize_text


class AssetType(StrEnum):
    EQUITY = "EQUITY"
    ETF = "ETF"
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


# ---- instruments beyond tickers ------------------------------------------------------------
#
# A Brazilian book is mostly renda fixa and funds. Each asset has a kind; each kind has its price
# source behind the one quotes/history interface (`MarketData.quote`, `MarketData.history`), so
# the modules that value positions never learn about kinds. The terms below live with the asset
# (the `assets` module stores them as entered); pricing reads them through the
# `InstrumentLookup` the application wires in at start-up (pricing/sources.py).


class AssetKind(StrEnum):
    LISTED = "listed"  # a Yahoo symbol (or the simulated provider's)
    FIXED_INCOME = "fixed_income"  # accrued on the curve from the SGS rates stored
    TREASURY = "treasury"  # Tesouro Direto at the PU of Tesouro Transparente's daily file
    FUND = "fund"  # the quota of CVM's daily report


class AssetClass(StrEnum):
    """How an office groups money (AUM, positions, statements)."""

    POS_FIXADO = "pos_fixado"  # CDI/SELIC indexed, Tesouro Selic
    PREFIXADO = "prefixado"
    INFLACAO = "inflacao"  # IPCA
    FUNDOS_RF = "fundos_rf"
    MULTIMERCADO = "multimercado"
    ACOES = "acoes"  # listed BR equities and units
    FIIS = "fiis"
    ETFS = "etfs"
    EXTERIOR = "exterior"  # listed in a foreign currency
    CRIPTO = "cripto"
    CAIXA = "caixa"


class Product(StrEnum):
    CDB = "CDB"
    LCI = "LCI"
    LCA = "LCA"
    LC = "LC"
    CRI = "CRI"
    CRA = "CRA"
    DEBENTURE = "DEBENTURE"
    DEBENTURE_INCENTIVADA = "DEBENTURE_INCENTIVADA"


class Indexer(StrEnum):
    CDI = "CDI"
    SELIC = "SELIC"
    IPCA = "IPCA"
    PRE = "PRE"


class RateMode(StrEnum):
    PCT_OF_INDEX = "pct_of_index"  # 110 % do CDI
    INDEX_PLUS = "index_plus"  # CDI + 1.5 %, IPCA + 6 %
    FIXED = "fixed"  # prefixado 12.5 % a.a.


class TreasuryTitle(StrEnum):
    SELIC = "Tesouro Selic"
    PREFIXADO = "Tesouro Prefixado"
    IPCA = "Tesouro IPCA+"
    IPCA_JUROS = "Tesouro IPCA+ com Juros Semestrais"
    PREFIXADO_JUROS = "Tesouro Prefixado com Juros Semestrais"
    RENDA = "Tesouro Renda+ Aposentadoria Extra"
    EDUCA = "Tesouro Educa+"


class FundClass(StrEnum):
    RENDA_FIXA = "renda_fixa"
    MULTIMERCADO = "multimercado"
    ACOES = "acoes"
    CAMBIAL = "cambial"
