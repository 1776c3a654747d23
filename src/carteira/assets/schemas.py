from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from carteira.core.types import Label, ShortLabel
from carteira.pricing.instruments import AssetDetails as AssetDetails
from carteira.pricing.instruments import AssetType as AssetType
from carteira.pricing.instruments import Ticker as Ticker
from carteira.pricing.instruments import parse_ticker as parse_ticker


class AssetCreate(BaseModel):
    """Only the symbol: the market-data provider validates it and fills the rest."""

    model_config = ConfigDict(extra="forbid")

    ticker: Ticker
    sector: ShortLabel | None = None


class AssetPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Label | None = None
    sector: ShortLabel | None = None
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
    created_at: datetime
