"""Clients: the firm's investors."""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from carteira.audit import service as audit
from carteira.clients.exceptions import (
    ClientDocumentTakenError,
    ClientEmailTakenError,
    ClientHasAllocationsError,
    ClientNotFoundError,
)
from carteira.clients.models import Client, ClientStatus
from carteira.clients.schemas import ClientCreate, ClientPatch, ClientReplace, ClientSort
from carteira.core.database import atomic
from carteira.core.pagination import PageParams, fetch_page

ENTITY = "client"
FIELDS = ("name", "email", "document", "phone", "status")
LIST_COLUMNS = ("id", *FIELDS, "created_at", "updated_at")


def _snapshot(client: Client) -> dict[str, Any]:
    return {field: getattr(client, field) for field in FIELDS}


def _integrity_conflict(exc: IntegrityError) -> Exception:
    message = str(exc)
    if "document" in message:
        return ClientDocumentTakenError()
    if "email" in message:
        return ClientEmailTakenError()
    return exc


async def list_clients(
    *, search: str | None, status: ClientStatus | None, sort: ClientSort, params: PageParams
) -> tuple[list[dict[str, Any]], int]:
    query = Client.all()
    if search:
        query = query.filter(Q(name__icontains=search) | Q(email__icontains=search))
    if status is not None:
        query = query.filter(status=status)
    tie_breaker = "-id" if sort.startswith("-") else "id"
    return await fetch_page(
        query, order_by=(sort, tie_breaker), columns=LIST_COLUMNS, params=params
    )


async def get_client(*, client_id: int) -> Client:
    client = await Client.get_or_none(id=client_id)
    if client is None:
        raise ClientNotFoundError()
    return client


async def ensure_client_exists(*, client_id: int) -> None:
    if not await Client.exists(id=client_id):
        raise ClientNotFoundError()


async def create_client(*, data: ClientCreate, actor_id: int | None) -> Client:
    try:
        async with atomic():
            client = await Client.create(**data.model_dump())
            await audit.record(
                actor_id=actor_id,
                action=audit.Action.CREATE,
                entity=ENTITY,
                entity_id=client.id,
                changes=_snapshot(client),
            )
    except IntegrityError as exc:
        raise _integrity_conflict(exc) from exc
    return client


async def update_client(
    *, client_id: int, data: ClientReplace | ClientPatch, actor_id: int | None
) -> Client:
    """PUT replaces every field; PATCH changes only the fields that were sent."""
    changes = (
        data.model_dump()
        if isinstance(data, ClientReplace)
        else data.model_dump(exclude_unset=True)
    )
    try:
        async with atomic():
            client = await Client.select_for_update().get_or_none(id=client_id)
            if client is None:
                raise ClientNotFoundError()
            before = _snapshot(client)
            client.update_from_dict(changes)
            trail = audit.diff(before, _snapshot(client))
            if trail:
                await client.save()
                await audit.record(
                    actor_id=actor_id,
                    action=audit.Action.UPDATE,
                    entity=ENTITY,
                    entity_id=client.id,
                    changes=trail,
                )
    except IntegrityError as exc:
        raise _integrity_conflict(exc) from exc
    return client


async def delete_client(*, client_id: int, actor_id: int | None) -> None:
    """Refused (409) while allocations reference the client: nothing cascades away silently."""
    try:
        async with atomic():
            client = await Client.select_for_update().get_or_none(id=client_id)
            if client is None:
                raise ClientNotFoundError()
            await audit.record(
                actor_id=actor_id,
                action=audit.Action.DELETE,
                entity=ENTITY,
                entity_id=client.id,
                changes=_snapshot(client),
            )
            await client.delete()
    except IntegrityError as exc:  # the allocations' foreign key is ON DELETE RESTRICT
        raise ClientHasAllocationsError() from exc


async def find_by_email(*, email: str) -> Client | None:
    return await Client.get_or_none(email=email.lower())
