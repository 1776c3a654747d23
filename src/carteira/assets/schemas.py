from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from carteira.core.types import Label, ShortLabel
from carteira.pricing.instruments import AssetClass as AssetClass
from carteira.pricing.instruments import AssetDetails as AssetDetails
from carteira.pricing.instruments import AssetKind, FixedIncomeTerms
from carteira.pricing.instruments import AssetType as AssetType
from carteira.pricing.instruments import FundTerms as FundTerms
from carteira.pricing.instruments import InstrumentTerms as InstrumentTerms
from carteira.pricing.instruments import Ticker as Ticker
from carteira.pricing.instruments import TreasuryTerms as TreasuryTerms
from carteira.pricing.instruments import TreasuryTitle as TreasuryTitle
from carteira.pricing.instruments import parse_ticker as parse_ticker


class ListedCreate(BaseModel):
    """Only the symbol: the market-data provider validates it and fills the rest."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal[AssetKind.LISTED] = AssetKind.LISTED
    ticker: Ticker
    sector: ShortLabel | None = None


def _kind_of(body: Any) -> str:
    """The body's kind; a body without one is a listing (the API before instruments)."""
    if isinstance(body, dict):
        kind = body.get("kind", AssetKind.LISTED.value)
        return kind if isinstance(kind, str) else ""
    return str(getattr(body, "kind", AssetKind.LISTED.value))


# `POST /assets`: a listing by its symbol, or an instrument by its kind's terms.
AssetCreate = Annotated[
    Annotated[ListedCreate, Tag(AssetKind.LISTED.value)]
    | Annotated[FixedIncomeTerms, Tag(AssetKind.FIXED_INCOME.value)]
    | Annotated[TreasuryTerms, Tag(AssetKind.TREASURY.value)]
    | Annotated[FundTerms, Tag(AssetKind.FUND.value)],
    Discriminator(_kind_of),
]


class AssetPatch(BaseModel):
    """`tax_exempt` and `asset_class` correct what the product set (admins only, as every
    change of an asset)."""

    model_config = ConfigDict(extra="forbid")

    name: Label | None = None
    sector: ShortLabel | None = None
    tax_exempt: bool | None = None
    asset_class: AssetClass | None = None
    asset_type: AssetType | None = Field(
        None,
        description="correct what the provider said: `FII` for a fundo imobiliário or Fiagro"
        " (Yahoo calls them EQUITY), which the income tax treats apart",
    )


class AssetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ticker: str
    name: str
    exchange: str
    currency: str
    asset_type: AssetType
    sector: str | None
    kind: AssetKind
    asset_class: AssetClass
    tax_exempt: bool
    terms: InstrumentTerms | None = Field(
        description="an instrument's terms as registered; null for a listing"
    )
    created_at: datetime
