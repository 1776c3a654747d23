"""Clients: the firm's investors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from tortoise.exceptions import IntegrityError

from carteira.audit import service as audit
from carteira.clients.exceptions import (
    ClientDocumentTakenError,
    ClientEmailTakenError,
    ClientHasTransactionsError,
    ClientNotFoundError,
)
from carteira.clients.models import Client, ClientStatus
from carteira.clients.schemas import (
    ClientCreate,
    ClientPage,
    ClientPatch,
    ClientReplace,
    ClientSort,
)
from carteira.core.database import atomic, db, on_commit
from carteira.core.events import EventBus
from carteira.core.exports import cursor_rows
from carteira.core.pagination import PageParams

ENTITY = "client"
FIELDS = ("name", "email", "document", "phone", "status")
LIST_COLUMNS = ("id", *FIELDS, "created_at", "updated_at")
CACHE = "clients.listing"


def _snapshot(client: Client) -> dict[str, Any]:
    return {field: getattr(client, field) for field in FIELDS}


def _integrity_conflict(exc: IntegrityError) -> Exception:
    message = str(exc)
    if "document" in message:
        return ClientDocumentTakenError()
    if "email" in message:
        return ClientEmailTakenError()
    return exc


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(search: str | None, status: ClientStatus | None) -> tuple[str, list[Any]]:
    conditions, args = [], []
    if search:
        args.append(f"%{_escape_like(search)}%")
        conditions.append(f"(name ILIKE ${len(args)} OR email ILIKE ${len(args)})")
    if status is not None:
        args.append(status.value)
        conditions.append(f"status = ${len(args)}")
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), args


_ORDER = {
    "name": "name, id",
    "-name": "name DESC, id DESC",
    "created_at": "created_at, id",
    "-created_at": "created_at DESC, id DESC",
}


async def list_clients(
    *,
    search: str | None,
    status: ClientStatus | None,
    sort: ClientSort,
    params: PageParams,
    events: EventBus,
) -> ClientPage:
    """The hottest read of the API. Pages and per-filter totals are kept in this process until
    a client write anywhere invalidates them (through the event bus); a miss is plain SQL
    over the (name, id)/(created_at, id) indexes. See bench/README.md for why."""
    cache = events.cache(CACHE)
    generation = cache.generation
    page_key = f"page\x00{search}\x00{status}\x00{sort}\x00{params.page}\x00{params.page_size}"
    if (hit := cache.get(page_key)) is not None:
        return hit  # type: ignore[no-any-return]
    # Identifiers come from the whitelists above; every value is a bound parameter.
    where, args = _where(search, status)
    page_sql = (
        f"SELECT {', '.join(LIST_COLUMNS)} FROM clients{where} ORDER BY {_ORDER[sort]}"  # noqa: S608
        f" LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}"
    )
    async with db().acquire_connection() as connection:
        rows = [
            dict(r) for r in await connection.fetch(page_sql, *args, params.limit, params.offset)
        ]
        count_key = f"count\x00{search}\x00{status}"
        total = len(rows)  # when the whole result fits on the first page
        if params.page > 1 or len(rows) == params.limit:
            cached_total = cache.get(count_key)
            if cached_total is None:
                count_sql = f"SELECT COUNT(*) FROM clients{where}"  # noqa: S608
                total = int(await connection.fetchval(count_sql, *args))
                cache.set(count_key, total, generation=generation)
            else:
                total = int(cached_total)
    page = ClientPage.build(rows, total=total, params=params)
    cache.set(page_key, page, generation=generation)
    return page


async def get_client(*, client_id: int) -> Client:
    client = await Client.get_or_none(id=client_id)
    if client is None:
        raise ClientNotFoundError()
    return client


async def ensure_client_exists(*, client_id: int) -> None:
    if not await Client.exists(id=client_id):
        raise ClientNotFoundError()


async def lock_client(*, client_id: int) -> None:
    """Inside a transaction: the client's row, locked until it ends. Every write to a client's
    ledger takes it first, so that its writes (and the client's deletion) happen one at a time."""
    # A row read FOR UPDATE (EXISTS would not lock anything).
    rows = await db().execute_query_dict(
        "SELECT id FROM clients WHERE id = $1 FOR UPDATE", [client_id]
    )
    if not rows:
        raise ClientNotFoundError()


async def client_names(*, client_ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(client_ids))
    if not wanted:
        return {}
    rows = await Client.filter(id__in=wanted).values_list("id", "name")
    return {int(client_id): str(name) for client_id, name in rows}


async def _counts_changed(events: EventBus) -> None:
    await on_commit(lambda: events.invalidate(CACHE))


async def create_client(*, data: ClientCreate, actor_id: int | None, events: EventBus) -> Client:
    try:
        async with atomic():
            client = await audit.audited_create(
                row=Client.create(**data.model_dump()),
                snapshot=_snapshot,
                entity=ENTITY,
                actor_id=actor_id,
            )
            await _counts_changed(events)
    except IntegrityError as exc:
        raise _integrity_conflict(exc) from exc
    return client


async def update_client(
    *, client_id: int, data: ClientReplace | ClientPatch, actor_id: int | None, events: EventBus
) -> Client:
    """PUT replaces every field; PATCH changes only the fields that were sent."""
    changes = (
        data.model_dump()
        if isinstance(data, ClientReplace)
        else data.model_dump(exclude_unset=True)
    )

    def change(client: Client) -> None:
        client.update_from_dict(changes)

    async def saved(_: Client, __: dict[str, Any]) -> None:
        await _counts_changed(events)

    try:
        client, _ = await audit.audited_update(
            query=Client.filter(id=client_id),
            missing=ClientNotFoundError,
            snapshot=_snapshot,
            change=change,
            entity=ENTITY,
            actor_id=actor_id,
            saved=saved,
        )
    except IntegrityError as exc:
        raise _integrity_conflict(exc) from exc
    return client


async def delete_client(*, client_id: int, actor_id: int | None, events: EventBus) -> None:
    """Refused (409) while the client has transactions: nothing cascades away silently."""

    async def deleted(_: Client) -> None:
        await _counts_changed(events)

    try:
        await audit.audited_delete(
            query=Client.filter(id=client_id),
            missing=ClientNotFoundError,
            snapshot=_snapshot,
            entity=ENTITY,
            actor_id=actor_id,
            deleted=deleted,
        )
    except IntegrityError as exc:  # the ledger's foreign key is ON DELETE RESTRICT
        raise ClientHasTransactionsError() from exc


async def find_by_email(*, email: str) -> Client | None:
    return await Client.get_or_none(email=email.lower())


_CLIENT_ROWS = "SELECT id, name, email, status FROM clients ORDER BY id"


async def client_rows(*, idle_seconds: float) -> AsyncIterator[tuple[Any, ...]]:
    """Every client (id, name, email, status), streamed for exports."""
    async for record in cursor_rows(_CLIENT_ROWS, idle_seconds=idle_seconds):
        yield record
