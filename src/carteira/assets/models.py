from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from carteira.pricing.instruments import AssetType as AssetType


class Asset(Model):
    id = fields.IntField(primary_key=True)
    ticker = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=200)
    exchange = fields.CharField(max_length=64, default="")
    currency = fields.CharField(max_length=8, default="")
    asset_type = fields.CharEnumField(AssetType, max_length=16, default=AssetType.OTHER)
    sector = fields.CharField(max_length=100, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "assets"
