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


class AssetEvent(Model):
    """A corporate action the provider reported: a dividend per share, or a split."""

    id = fields.BigIntField(primary_key=True)
    asset: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Asset", related_name="events", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16)  # dividend | split
    ex_date = fields.DateField()
    amount = fields.DecimalField(max_digits=24, decimal_places=10, null=True)
    numerator = fields.DecimalField(max_digits=24, decimal_places=8, null=True)
    denominator = fields.DecimalField(max_digits=24, decimal_places=8, null=True)
    source = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    asset_id: int

    class Meta:
        table = "asset_events"
        unique_together = (("asset", "kind", "ex_date"),)


class FxRate(Model):
    """A daily close of a currency pair (`series` USDBRL: reais per dollar)."""

    id = fields.BigIntField(primary_key=True)
    series = fields.CharField(max_length=16)
    date = fields.DateField()
    rate = fields.DecimalField(max_digits=24, decimal_places=10)

    class Meta:
        table = "fx_rates"
        unique_together = (("series", "date"),)
