from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class ClientStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class Client(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=320, unique=True)
    document = fields.CharField(max_length=11, null=True, unique=True)
    phone = fields.CharField(max_length=24, null=True)
    status = fields.CharEnumField(ClientStatus, max_length=16, default=ClientStatus.ACTIVE)
    # The advisor whose book this client is in; unassigned clients are seen by admins and
    # readers only. Deleting the advisor's user leaves the client unassigned.
    advisor: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "clients"
        # Listing sorts by name or creation time; the id breaks ties for stable pages.
        indexes = (
            Index(fields=("name", "id")),
            Index(fields=("created_at", "id")),
            Index(fields=("advisor_id", "name", "id")),  # an advisor's own listing
        )
