"""What a market-data provider says an instrument is: its symbol, its type, its details."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
    model_validator,
)

from carteira.core.types import CalendarDate, DecimalStr, Label, ShortLabel
from carteira.core.validators import cnpj_digits, invalid, normalize_text


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


# ---- terms: what each kind was registered with (stored with the asset, read to price it) -----

# A contracted rate: % of the index (110), the spread over it (1.5) or % a year (12.5).
Rate = Annotated[DecimalStr, Field(gt=0, le=1000, max_digits=12, decimal_places=4)]
FaceValue = Annotated[DecimalStr, Field(gt=0, max_digits=20, decimal_places=8)]
Issuer = Annotated[
    str, AfterValidator(normalize_text), StringConstraints(min_length=1, max_length=100)
]
FACE_VALUE = Decimal(1000)

# The rate modes an indexer is contracted in: "% do CDI", "CDI + x %", "IPCA + x %",
# "prefixado x % a.a.".
MODES_BY_INDEXER: dict[Indexer, frozenset[RateMode]] = {
    Indexer.CDI: frozenset({RateMode.PCT_OF_INDEX, RateMode.INDEX_PLUS}),
    Indexer.SELIC: frozenset({RateMode.PCT_OF_INDEX, RateMode.INDEX_PLUS}),
    Indexer.IPCA: frozenset({RateMode.INDEX_PLUS}),
    Indexer.PRE: frozenset({RateMode.FIXED}),
}


class _Terms(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FixedIncomeTerms(_Terms):
    """A CDB, LCI, LCA, LC, CRI, CRA or debênture, priced on the curve (see pricing/curve.py)."""

    kind: Literal[AssetKind.FIXED_INCOME]
    product: Product
    issuer: Issuer
    indexer: Indexer
    rate: Rate
    rate_mode: RateMode
    issue_date: CalendarDate
    maturity_date: CalendarDate
    face_value: FaceValue = FACE_VALUE

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.maturity_date <= self.issue_date:
            raise invalid(
                "maturity_not_after_issue",
                "maturity_date ({maturity}) must be after issue_date ({issue})",
                maturity=self.maturity_date.isoformat(),
                issue=self.issue_date.isoformat(),
            )
        if self.rate_mode not in MODES_BY_INDEXER[self.indexer]:
            raise invalid(
                "rate_mode_indexer",
                "rate_mode {mode} does not go with indexer {indexer}: CDI and SELIC take"
                " pct_of_index or index_plus, IPCA takes index_plus, PRE takes fixed",
                mode=self.rate_mode.value,
                indexer=self.indexer.value,
            )
        return self


class TreasuryTerms(_Terms):
    """A Tesouro Direto title, priced at the PU of Tesouro Transparente's daily file."""

    kind: Literal[AssetKind.TREASURY]
    title: TreasuryTitle
    maturity_date: CalendarDate


class FundTerms(_Terms):
    """An investment fund, priced at the quota of CVM's daily report."""

    kind: Literal[AssetKind.FUND]
    cnpj: Annotated[str, StringConstraints(max_length=24), AfterValidator(cnpj_digits)]
    name: Label | None = None
    fund_class: FundClass


InstrumentTerms = Annotated[
    FixedIncomeTerms | TreasuryTerms | FundTerms, Field(discriminator="kind")
]
_TERMS: TypeAdapter[FixedIncomeTerms | TreasuryTerms | FundTerms] = TypeAdapter(InstrumentTerms)


def parse_terms(stored: object) -> FixedIncomeTerms | TreasuryTerms | FundTerms:
    """Terms as `assets` stored them (their JSON), validated into their kind's model."""
    return _TERMS.validate_python(stored)
