from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from carteira.assets.models import Asset
    from carteira.clients.models import Client


class Allocation(Model):
    """One purchase lot. Quantities and prices are NUMERIC(24, 8), never floats."""

    id = fields.IntField(primary_key=True)
    # RESTRICT: deleting a client or an asset that still has lots is refused (409), never cascaded.
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "models.Client", related_name="allocations", on_delete=fields.RESTRICT
    )
    asset: fields.ForeignKeyRelation[Asset] = fields.ForeignKeyField(
        "models.Asset", related_name="allocations", on_delete=fields.RESTRICT
    )
    quantity = fields.DecimalField(max_digits=24, decimal_places=8)
    buy_price = fields.DecimalField(max_digits=24, decimal_places=8)
    buy_date = fields.DateField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    client_id: int
    asset_id: int

    class Meta:
        table = "allocations"
        indexes = (
            Index(fields=("client_id", "buy_date")),
            Index(fields=("asset_id",)),
            Index(fields=("buy_date",)),  # monthly inflows
        )
