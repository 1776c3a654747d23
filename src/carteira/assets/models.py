from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from carteira.pricing.instruments import AssetClass as AssetClass
from carteira.pricing.instruments import AssetKind as AssetKind
from carteira.pricing.instruments import AssetType as AssetType


class Asset(Model):
    id = fields.IntField(primary_key=True)
    ticker = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=200)
    exchange = fields.CharField(max_length=64, default="")
    currency = fields.CharField(max_length=8, default="")
    asset_type = fields.CharEnumField(AssetType, max_length=16, default=AssetType.OTHER)
    sector = fields.CharField(max_length=100, null=True)
    # A listing (a provider's symbol) or an instrument priced by its kind's source.
    kind = fields.CharEnumField(AssetKind, max_length=16, default=AssetKind.LISTED)
    # How an office groups money; set by the product (or the listing) at registration.
    asset_class = fields.CharEnumField(AssetClass, max_length=16, default=AssetClass.ACOES)
    # Income tax exempt (LCI, LCA, CRI, CRA, incentivized debentures).
    tax_exempt = fields.BooleanField(default=False)
    # The instrument's terms as registered (pricing.instruments' model of its kind, as JSON);
    # null for a listing.
    terms: fields.Field[dict[str, object] | None] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "assets"
