from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Query, Response

from carteira.auth.dependencies import CurrentUser, WriterUser
from carteira.clients import service
from carteira.clients.dependencies import Scope, client_router
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
# /clients/{client_id}: only for those who may see the client.
client_detail = client_router(tags=["clients"])


@router.get("", response_model=ClientPage)
async def list_clients(
    _: CurrentUser, scope: Scope, query: Annotated[ClientListQuery, Query()], events: EventsDep
) -> Response:
    page = await service.list_clients(
        search=query.search,
        status=query.status,
        sort=query.sort,
        params=query.paging,
        events=events,
        scope=scope,
        advisor_id=query.advisor_id,
    )
    return json_response(page)


@router.post("", response_model=ClientOut, status_code=HTTPStatus.CREATED)
async def create_client(
    body: ClientCreate, user: WriterUser, scope: Scope, events: EventsDep
) -> ClientOut:
    client = await service.create_client(data=body, actor_id=user.id, events=events, scope=scope)
    return ClientOut.model_validate(client)


@client_detail.get("", response_model=ClientOut)
async def get_client(client_id: PathId, _: CurrentUser) -> ClientOut:
    return ClientOut.model_validate(await service.get_client(client_id=client_id))


@client_detail.put("", response_model=ClientOut)
async def replace_client(
    client_id: PathId, body: ClientReplace, user: WriterUser, scope: Scope, events: EventsDep
) -> ClientOut:
    client = await service.update_client(
        client_id=client_id, data=body, actor_id=user.id, events=events, scope=scope
    )
    return ClientOut.model_validate(client)


@client_detail.patch("", response_model=ClientOut)
async def patch_client(
    client_id: PathId, body: ClientPatch, user: WriterUser, scope: Scope, events: EventsDep
) -> ClientOut:
    client = await service.update_client(
        client_id=client_id, data=body, actor_id=user.id, events=events, scope=scope
    )
    return ClientOut.model_validate(client)


@client_detail.delete("", status_code=HTTPStatus.NO_CONTENT)
async def delete_client(client_id: PathId, user: WriterUser, events: EventsDep) -> Response:
    await service.delete_client(client_id=client_id, actor_id=user.id, events=events)
    return Response(status_code=HTTPStatus.NO_CONTENT)
