"""Jobs waiting to reach the queue: written in the transaction that asked for them.

A write that enqueues a job (an asset's backfill) records it here in its own transaction; the
job is sent to Redis once that commits. If Redis cannot take it then, the row stays and the
worker's relay sends it a few seconds later, so a committed write never loses its job and is
never answered as a failure.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OutboxJob(Model):
    id = fields.BigIntField(primary_key=True)
    job_id = fields.CharField(max_length=100)
    function = fields.CharField(max_length=100)
    args: fields.Field[list[object]] = fields.JSONField(default=list)
    kwargs: fields.Field[dict[str, object]] = fields.JSONField(default=dict)
    trace: fields.Field[dict[str, str]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    attempts = fields.IntField(default=0)

    class Meta:
        table = "job_outbox"
        indexes = (("created_at",),)
