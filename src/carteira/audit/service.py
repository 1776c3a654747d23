"""The audit trail: who changed what, when; written in the transaction of the change."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from carteira.audit.models import AuditEntry
from carteira.core.jsonable import to_jsonable
from carteira.core.pagination import PageParams


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields whose value changed, as `{field: {"from": old, "to": new}}`."""
    return {
        field: {"from": to_jsonable(before.get(field)), "to": to_jsonable(value)}
        for field, value in after.items()
        if before.get(field) != value
    }


async def record(
    *,
    actor_id: int | None,
    action: Action,
    entity: str,
    entity_id: int,
    changes: Mapping[str, Any],
) -> None:
    """Append one entry. Call it inside the writer's `atomic()` block so both commit together."""
    await AuditEntry.create(
        user_id=actor_id,
        action=action.value,
        entity=entity,
        entity_id=entity_id,
        changes=to_jsonable(dict(changes)),
    )


async def list_entries(
    *, entity: str | None, entity_id: int | None, params: PageParams
) -> tuple[list[AuditEntry], int]:
    query = AuditEntry.all()
    if entity is not None:
        query = query.filter(entity=entity)
    if entity_id is not None:
        query = query.filter(entity_id=entity_id)
    total = await query.count()
    entries = await query.order_by("-id").offset(params.offset).limit(params.limit)
    return entries, total
