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
    """A corporate action the provider reported (a dividend per share, or a split), or an
    instrument's redemption at maturity (`amount`: the final unit price)."""

    id = fields.BigIntField(primary_key=True)
    asset: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Asset", related_name="events", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16)  # dividend | split | redemption
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


class BenchmarkRate(Model):
    """A benchmark's published value on a day: CDI and SELIC in % per business day, IPCA in %
    for the month (dated the 1st), IBOVESPA its close."""

    id = fields.BigIntField(primary_key=True)
    series = fields.CharField(max_length=16)
    date = fields.DateField()
    value = fields.DecimalField(max_digits=24, decimal_places=8)

    class Meta:
        table = "benchmark_rates"
        unique_together = (("series", "date"),)


class BenchmarkCoverage(Model):
    """The days a benchmark series was asked of its source for: a day inside without a value
    had none to give (a holiday, before the series began), so it is not asked again."""

    series = fields.CharField(max_length=16, primary_key=True)
    covered_from = fields.DateField()
    covered_to = fields.DateField()
    source = fields.CharField(max_length=16)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "benchmark_coverage"
