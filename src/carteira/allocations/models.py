"""The ledger and what is derived from it, kept with it.

`transactions` is the ledger. `holdings`, `cash_balances`, `client_flows` and
`realized_sales` are derived from it by the positions engine and rewritten in the transaction
of every ledger write, so that reports, assets and streams read a few indexed rows instead of
replaying ledgers.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from carteira.allocations.ledger import Kind, Settlement

if TYPE_CHECKING:
    from carteira.assets.models import Asset
    from carteira.clients.models import Client


class Source(StrEnum):
    MANUAL = "manual"
    PROVIDER = "provider"
    IMPORT = "import"  # a row of a client's file (B3's extracts, a spreadsheet)


class Transaction(Model):
    """One entry of a client's ledger (amounts NUMERIC, never floats)."""

    id = fields.IntField(primary_key=True)
    # RESTRICT: a client or an asset with transactions cannot be deleted (409), never cascaded.
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "models.Client", related_name="transactions", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(Kind, max_length=16)
    date = fields.DateField()
    asset: fields.ForeignKeyNullableRelation[Asset] = fields.ForeignKeyField(
        "models.Asset", related_name="transactions", on_delete=fields.RESTRICT, null=True
    )
    quantity = fields.DecimalField(max_digits=24, decimal_places=8, null=True)
    price = fields.DecimalField(max_digits=24, decimal_places=8, null=True)
    amount = fields.DecimalField(max_digits=24, decimal_places=8, null=True)
    fees = fields.DecimalField(max_digits=24, decimal_places=8, default=0)
    tax = fields.DecimalField(max_digits=24, decimal_places=8, default=0)
    currency = fields.CharField(max_length=8)
    # A split's ratio: `split_to` new shares for every `split_from` old ones ("2:1" -> 2, 1).
    split_to = fields.DecimalField(max_digits=24, decimal_places=8, null=True)
    split_from = fields.DecimalField(max_digits=24, decimal_places=8, null=True)
    settlement = fields.CharEnumField(Settlement, max_length=8)
    source = fields.CharEnumField(Source, max_length=8, default=Source.MANUAL)
    # Unique per client: provider-made entries (a dividend, a split) and imported rows are never
    # made twice.
    external_ref = fields.CharField(max_length=64, null=True)
    # A provider-made entry follows the ledger (its amount is recomputed by every write that
    # changes the quantity it was paid on) until a user changes its figures: then it is theirs
    # (`edited`), and a change of its basis only flags it (`needs_review`). `provider_amount`
    # is the provider's figure as of the last write: a dividend's amount (a redemption's
    # quantity), 0 when nothing was held or a hand entry supersedes the event (the provider
    # would remove it), NULL for a split that applies.
    edited = fields.BooleanField(default=False)
    needs_review = fields.BooleanField(default=False)
    provider_amount = fields.DecimalField(max_digits=24, decimal_places=8, null=True)
    note = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    client_id: int
    asset_id: int | None

    class Meta:
        table = "transactions"
        unique_together = (("client_id", "external_ref"),)
        indexes = (
            Index(fields=("client_id", "date")),
            Index(fields=("asset_id", "date")),
        )


class Holding(Model):
    """A client's position in an asset, as computed after the client's last write."""

    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "models.Client", related_name="holdings", on_delete=fields.CASCADE
    )
    asset: fields.ForeignKeyRelation[Asset] = fields.ForeignKeyField(
        "models.Asset", related_name="holdings", on_delete=fields.RESTRICT
    )
    currency = fields.CharField(max_length=8)
    quantity = fields.DecimalField(max_digits=30, decimal_places=12)
    cost = fields.DecimalField(max_digits=30, decimal_places=12)
    realized = fields.DecimalField(max_digits=30, decimal_places=12)
    income = fields.DecimalField(max_digits=30, decimal_places=12)
    # Open purchase lots (FIFO) left in the position; NULL in rows written before the count was
    # kept, which are read by replaying the ledger until the client's next write.
    open_lots = fields.IntField(null=True)

    client_id: int
    asset_id: int

    class Meta:
        table = "holdings"
        unique_together = (("client", "asset"),)
        indexes = (Index(fields=("asset_id",)),)


class CashBalance(Model):
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "models.Client", related_name="cash_balances", on_delete=fields.CASCADE
    )
    currency = fields.CharField(max_length=8)
    balance = fields.DecimalField(max_digits=30, decimal_places=12)

    client_id: int

    class Meta:
        table = "cash_balances"
        unique_together = (("client", "currency"),)


class ClientFlow(Model):
    """Net new money (captação) of a client on a day in a currency.

    Kept by delta: each write adds what it changes, so a month's report reads a few rows."""

    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "models.Client", related_name="flows", on_delete=fields.CASCADE
    )
    date = fields.DateField()
    currency = fields.CharField(max_length=8)
    inflow = fields.DecimalField(max_digits=30, decimal_places=8, default=0)
    outflow = fields.DecimalField(max_digits=30, decimal_places=8, default=0)
    entries = fields.IntField(default=0)

    client_id: int

    class Meta:
        table = "client_flows"
        unique_together = (("client", "date", "currency"),)
        indexes = (Index(fields=("date", "currency")),)


class RealizedSale(Model):
    """A sale, or its day-trade or swing part, as the engine realized it (the base of the
    monthly income-tax apuração). Rewritten from the earliest date a write touches."""

    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "models.Client", related_name="realized_sales", on_delete=fields.CASCADE
    )
    asset: fields.ForeignKeyRelation[Asset] = fields.ForeignKeyField(
        "models.Asset", related_name="realized_sales", on_delete=fields.RESTRICT
    )
    entry_id = fields.IntField()  # the sale (a transaction id)
    date = fields.DateField()
    currency = fields.CharField(max_length=8)
    day_trade = fields.BooleanField()
    quantity = fields.DecimalField(max_digits=30, decimal_places=12)
    sale_value = fields.DecimalField(max_digits=30, decimal_places=12)
    proceeds = fields.DecimalField(max_digits=30, decimal_places=12)
    cost = fields.DecimalField(max_digits=30, decimal_places=12)
    gain = fields.DecimalField(max_digits=30, decimal_places=12)

    client_id: int
    asset_id: int

    class Meta:
        table = "realized_sales"
        indexes = (Index(fields=("client_id", "date")),)


class RealizedKept(Model):
    """A client whose `realized_sales` are complete (every write since the table began, or a
    rebuild, kept them); the others' are read from their replayed ledger until their next
    write."""

    client: fields.OneToOneRelation[Client] = fields.OneToOneField(
        "models.Client", related_name="realized_kept", on_delete=fields.CASCADE, primary_key=True
    )

    client_id: int

    class Meta:
        table = "realized_kept"


class DismissedEntry(Model):
    """A provider-made entry a user deleted: the decision is remembered, so that a re-run of
    the corporate actions never brings it back."""

    id = fields.IntField(primary_key=True)
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "models.Client", related_name="dismissed_entries", on_delete=fields.CASCADE
    )
    external_ref = fields.CharField(max_length=64)
    dismissed_at = fields.DatetimeField(auto_now_add=True)

    client_id: int

    class Meta:
        table = "dismissed_entries"
        unique_together = (("client", "external_ref"),)
