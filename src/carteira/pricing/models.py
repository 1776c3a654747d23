from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from carteira.assets.models import Asset


class DailyReturn(Model):
    """One daily close of an asset and its return over the previous stored close."""

    id = fields.BigIntField(primary_key=True)
    asset: fields.ForeignKeyRelation[Asset] = fields.ForeignKeyField(
        "models.Asset", related_name="daily_returns", on_delete=fields.CASCADE
    )
    date = fields.DateField()
    close = fields.DecimalField(max_digits=24, decimal_places=8)
    # Percent (1.5 means +1.5 %); null on the asset's first stored day.
    return_pct = fields.DecimalField(max_digits=20, decimal_places=10, null=True)

    asset_id: int

    class Meta:
        table = "daily_returns"
        unique_together = (("asset", "date"),)
