from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    id = fields.BigIntField(primary_key=True)
    # No foreign key: the trail must outlive the user who wrote it.
    user_id = fields.IntField(null=True)
    action = fields.CharField(max_length=16)
    entity = fields.CharField(max_length=32)
    entity_id = fields.BigIntField()
    # The client the entry concerns (a client, or a row of a client's ledger): what an
    # advisor's view of the trail is filtered by.
    client_id = fields.IntField(null=True)
    at = fields.DatetimeField(auto_now_add=True)
    changes: fields.Field[dict[str, object]] = fields.JSONField(default=dict)

    class Meta:
        table = "audit_log"
        indexes = (("entity", "entity_id"), ("client_id", "id"))
