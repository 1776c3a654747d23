from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Query, Response

from carteira.auth.dependencies import AdminUser, CurrentUser
from carteira.clients import service
from carteira.clients.models import ClientStatus
from carteira.clients.schemas import ClientCreate, ClientOut, ClientPatch, ClientReplace, ClientSort
from carteira.core.pagination import Page, Pagination
from carteira.core.responses import json_response
from carteira.core.types import PathId

router = APIRouter(prefix="/clients", tags=["clients"])

ClientPage = Page[ClientOut]


@router.get("", response_model=ClientPage)
async def list_clients(
    _: CurrentUser,
    params: Pagination,
    search: Annotated[
        str | None, Query(max_length=100, description="case-insensitive, in name or email")
    ] = None,
    status: ClientStatus | None = None,
    sort: ClientSort = "name",
) -> Response:
    rows, total = await service.list_clients(search=search, status=status, sort=sort, params=params)
    return json_response(ClientPage.build(rows, total=total, params=params))


@router.post("", response_model=ClientOut, status_code=HTTPStatus.CREATED)
async def create_client(body: ClientCreate, admin: AdminUser) -> ClientOut:
    return ClientOut.model_validate(await service.create_client(data=body, actor_id=admin.id))


@router.get("/{client_id}", response_model=ClientOut)
async def get_client(client_id: PathId, _: CurrentUser) -> ClientOut:
    return ClientOut.model_validate(await service.get_client(client_id=client_id))


@router.put("/{client_id}", response_model=ClientOut)
async def replace_client(client_id: PathId, body: ClientReplace, admin: AdminUser) -> ClientOut:
    client = await service.update_client(client_id=client_id, data=body, actor_id=admin.id)
    return ClientOut.model_validate(client)


@router.patch("/{client_id}", response_model=ClientOut)
async def patch_client(client_id: PathId, body: ClientPatch, admin: AdminUser) -> ClientOut:
    client = await service.update_client(client_id=client_id, data=body, actor_id=admin.id)
    return ClientOut.model_validate(client)


@router.delete("/{client_id}", status_code=HTTPStatus.NO_CONTENT)
async def delete_client(client_id: PathId, admin: AdminUser) -> Response:
    await service.delete_client(client_id=client_id, actor_id=admin.id)
    return Response(status_code=HTTPStatus.NO_CONTENT)
