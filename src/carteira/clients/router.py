from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Query, Response

from carteira.auth.dependencies import AdminUser, CurrentUser
from carteira.clients import service
from carteira.clients.schemas import (
    ClientCreate,
    ClientListQuery,
    ClientOut,
    ClientPage,
    ClientPatch,
    ClientReplace,
)
from carteira.core.dependencies import EventsDep
from carteira.core.responses import json_response
from carteira.core.types import PathId

router = APIRouter(prefix="/clients", tags=["clients"])


@router.get("", response_model=ClientPage)
async def list_clients(
    _: CurrentUser, query: Annotated[ClientListQuery, Query()], events: EventsDep
) -> Response:
    page = await service.list_clients(
        search=query.search,
        status=query.status,
        sort=query.sort,
        params=query.paging,
        events=events,
    )
    return json_response(page)


@router.post("", response_model=ClientOut, status_code=HTTPStatus.CREATED)
async def create_client(body: ClientCreate, admin: AdminUser, events: EventsDep) -> ClientOut:
    client = await service.create_client(data=body, actor_id=admin.id, events=events)
    return ClientOut.model_validate(client)


@router.get("/{client_id}", response_model=ClientOut)
async def get_client(client_id: PathId, _: CurrentUser) -> ClientOut:
    return ClientOut.model_validate(await service.get_client(client_id=client_id))


@router.put("/{client_id}", response_model=ClientOut)
async def replace_client(
    client_id: PathId, body: ClientReplace, admin: AdminUser, events: EventsDep
) -> ClientOut:
    client = await service.update_client(
        client_id=client_id, data=body, actor_id=admin.id, events=events
    )
    return ClientOut.model_validate(client)


@router.patch("/{client_id}", response_model=ClientOut)
async def patch_client(
    client_id: PathId, body: ClientPatch, admin: AdminUser, events: EventsDep
) -> ClientOut:
    client = await service.update_client(
        client_id=client_id, data=body, actor_id=admin.id, events=events
    )
    return ClientOut.model_validate(client)


@router.delete("/{client_id}", status_code=HTTPStatus.NO_CONTENT)
async def delete_client(client_id: PathId, admin: AdminUser, events: EventsDep) -> Response:
    await service.delete_client(client_id=client_id, actor_id=admin.id, events=events)
    return Response(status_code=HTTPStatus.NO_CONTENT)
