from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class DailyReturn(Model):
    """One daily close of an asset and its return over the previous stored close."""

    id = fields.BigIntField(primary_key=True)
    # The registry's asset (a key only: this module reads prices, not the registry).
    asset: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
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
