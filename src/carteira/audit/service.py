"""The audit trail: who changed what, when; written in the transaction of the change.

`audited_update` and `audited_delete` are the one way a module changes or removes a row: lock
it, 404 when it is not there, snapshot, change, diff, save, let the module react (derived
state, events after the commit), and record the entry — all in one transaction.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from carteira.audit.models import AuditEntry
from carteira.core.database import atomic, db
from carteira.core.jsonable import to_jsonable
from carteira.core.pagination import PageParams

M = TypeVar("M", bound=Model)
Snapshot = Callable[[M], Mapping[str, Any]]


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    # A write refused because it met data the actor may not see (kept for the admins).
    REFUSED = "refused"


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields whose value changed, as `{field: {"from": old, "to": new}}`."""
    return {
        field: {"from": to_jsonable(before.get(field)), "to": to_jsonable(value)}
        for field, value in after.items()
        if before.get(field) != value
    }


CLIENT_ENTITY = "client"


def _client_of(entity: str, row: Model) -> int | None:
    """The client a row concerns: a client itself, or a row that belongs to one."""
    if entity == CLIENT_ENTITY:
        return int(row.pk)
    owner = getattr(row, "client_id", None)
    return int(owner) if owner is not None else None


async def record(
    *,
    actor_id: int | None,
    action: Action,
    entity: str,
    entity_id: int,
    changes: Mapping[str, Any],
    client_id: int | None = None,
) -> None:
    """Append one entry. Call it inside the writer's `atomic()` block so both commit together."""
    await AuditEntry.create(
        user_id=actor_id,
        action=action.value,
        entity=entity,
        entity_id=entity_id,
        client_id=client_id,
        changes=to_jsonable(dict(changes)),
    )


@dataclass(frozen=True, slots=True)
class Record:
    """One entry of `record_many`."""

    action: Action
    entity: str
    entity_id: int
    changes: Mapping[str, Any]
    client_id: int | None = None


_RECORD_MANY = """
    INSERT INTO audit_log (user_id, action, entity, entity_id, client_id, at, changes)
    SELECT $1, action, entity, entity_id, client_id, now(), changes::jsonb
    FROM unnest($2::varchar[], $3::varchar[], $4::bigint[], $5::int[], $6::text[])
        AS t(action, entity, entity_id, client_id, changes)
"""


async def record_many(*, actor_id: int | None, records: Sequence[Record]) -> None:
    """Append several entries in one statement (a write that changes many rows at once).
    Call it inside the writer's `atomic()` block, like `record`."""
    if not records:
        return
    await db().execute_query(
        _RECORD_MANY,
        [
            actor_id,
            [r.action.value for r in records],
            [r.entity for r in records],
            [r.entity_id for r in records],
            [r.client_id for r in records],
            [json.dumps(to_jsonable(dict(r.changes))) for r in records],
        ],
    )


async def _maybe(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result


async def audited_update(
    *,
    query: QuerySet[M],
    missing: Callable[[], Exception],
    snapshot: Snapshot[M],
    change: Callable[[M], Awaitable[Mapping[str, Any] | None] | Mapping[str, Any] | None],
    entity: str,
    actor_id: int | None,
    saved: Callable[[M, dict[str, Any]], Awaitable[None]] | None = None,
) -> tuple[M, dict[str, Any]]:
    """Lock the row `query` finds (or raise `missing()`), apply `change` to it, and when that
    changed anything: save it, call `saved(row, trail)` and record the trail. `change` may
    return extra trail entries (a password change shows as `***`)."""
    async with atomic():
        row = await query.select_for_update().first()
        if row is None:
            raise missing()
        before = dict(snapshot(row))
        extra = await _maybe(change(row)) or {}
        trail: dict[str, Any] = {**diff(before, snapshot(row)), **extra}
        if trail:
            await row.save()
            if saved is not None:
                await saved(row, trail)
            await record(
                actor_id=actor_id,
                action=Action.UPDATE,
                entity=entity,
                entity_id=row.pk,
                changes=trail,
                client_id=_client_of(entity, row),
            )
    return row, trail


async def audited_delete(
    *,
    query: QuerySet[M],
    missing: Callable[[], Exception],
    snapshot: Snapshot[M],
    entity: str,
    actor_id: int | None,
    check: Callable[[M], Awaitable[None]] | None = None,
    deleted: Callable[[M], Awaitable[None]] | None = None,
) -> M:
    """Lock the row (or raise `missing()`), let `check` refuse, record the row as it was,
    delete it and call `deleted(row)`."""
    async with atomic():
        row = await query.select_for_update().first()
        if row is None:
            raise missing()
        if check is not None:
            await check(row)
        await record(
            actor_id=actor_id,
            action=Action.DELETE,
            entity=entity,
            entity_id=row.pk,
            changes=snapshot(row),
            client_id=_client_of(entity, row),
        )
        await row.delete()
        if deleted is not None:
            await deleted(row)
    return row


async def audited_create(
    *, row: Awaitable[M], snapshot: Snapshot[M], entity: str, actor_id: int | None
) -> M:
    """Create the row (an awaitable `Model.create(...)`) and record it, in one transaction."""
    async with atomic():
        created = await row
        await record(
            actor_id=actor_id,
            action=Action.CREATE,
            entity=entity,
            entity_id=created.pk,
            changes=snapshot(created),
            client_id=_client_of(entity, created),
        )
    return created


async def list_entries(
    *,
    entity: str | None,
    entity_id: int | None,
    params: PageParams,
    client_ids: Collection[int] | None = None,
) -> tuple[list[AuditEntry], int]:
    """Newest first; `client_ids`: only the entries about these clients (None: every entry)."""
    if client_ids is not None and not client_ids:
        return [], 0
    query = AuditEntry.all()
    if client_ids is not None:
        query = query.filter(client_id__in=list(client_ids))
    if entity is not None:
        query = query.filter(entity=entity)
    if entity_id is not None:
        query = query.filter(entity_id=entity_id)
    total = await query.count()
    entries = await query.order_by("-id").offset(params.offset).limit(params.limit)
    return entries, total
