"""Client scoping for every route: which clients the caller may see, and the one guard that
every `/clients/{client_id}/...` route goes through."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from carteira.auth.dependencies import CurrentUser
from carteira.clients import service
from carteira.clients.exceptions import ClientNotFoundError
from carteira.clients.service import ClientScope
from carteira.core.dependencies import get_events
from carteira.core.openapi import raises
from carteira.core.types import PathId


async def client_scope(user: CurrentUser) -> ClientScope:
    return ClientScope(advisor_id=user.advisor_id)


Scope = Annotated[ClientScope, Depends(client_scope)]


@raises(ClientNotFoundError)
async def visible_client(request: Request, client_id: PathId, user: CurrentUser) -> int:
    """The path's client, when the caller may see it; 404 (as for a missing one) otherwise."""
    # The scope and the event bus by plain calls, not as `Scope`/`EventsDep`: FastAPI resolves
    # every declared dependency on every request, even a cached one, and this guard runs
    # before each of the hottest reads.
    scope = await client_scope(user)
    events = await get_events(request)
    await service.ensure_visible(client_id=client_id, scope=scope, events=events)
    return client_id


def client_router(*, tags: list[str], prefix: str = "") -> APIRouter:
    """A router for `/clients/{client_id}{prefix}/...`: every route in it is guarded by the
    caller's authentication and the client's visibility before its body is validated or
    anything runs (so a route that needs no principal declares no `CurrentUser`)."""
    return APIRouter(
        prefix=f"/clients/{{client_id}}{prefix}",
        tags=list(tags),
        dependencies=[Depends(visible_client)],
    )
