"""Imports of a client's history from a file: each kept from its preview to its commit."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from carteira.clients.models import Client


class ImportFormat(StrEnum):
    B3_NEGOCIACAO = "b3_negociacao"  # Área do Investidor: Extratos -> Negociação
    B3_MOVIMENTACAO = "b3_movimentacao"  # Área do Investidor: Extratos -> Movimentação
    CARTEIRA_CSV = "carteira_csv"  # the ledger's own export


class ImportStatus(StrEnum):
    PREVIEW = "preview"
    COMMITTED = "committed"


class ImportBatch(Model):
    """A file read for a client, from its preview to its commit.

    Kept: the preview of every row (with what each `new` row writes), who sent it and when,
    and what its commit wrote."""

    id = fields.IntField(primary_key=True)
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "models.Client", related_name="imports", on_delete=fields.CASCADE
    )
    format = fields.CharEnumField(ImportFormat, max_length=16)
    file_name = fields.CharField(max_length=255)
    status = fields.CharEnumField(ImportStatus, max_length=16, default=ImportStatus.PREVIEW)
    counts: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    rows: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    # No foreign keys to users: the record outlives whoever sent or committed it. None: an
    # operator's `carteira import`.
    created_by = fields.IntField(null=True)
    created_by_email = fields.CharField(max_length=320, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    committed_by = fields.IntField(null=True)
    committed_by_email = fields.CharField(max_length=320, null=True)
    committed_at = fields.DatetimeField(null=True)
    # What the commit wrote: rows created, rows the ledger already held, errors skipped.
    written: fields.Field[dict[str, Any] | None] = fields.JSONField(null=True)

    client_id: int

    class Meta:
        table = "imports"
        indexes = (Index(fields=("client_id", "id")),)
