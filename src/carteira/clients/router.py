from __future__ import annotations

from http import HTTPStatus

from fastapi import APIRouter, Response

from carteira.auth.dependencies import WriterUser
from carteira.clients import service
from carteira.clients.dependencies import Scope, client_router
from carteira.clients.exceptions import (
    AssignmentForbiddenError,
    ClientDocumentTakenError,
    ClientEmailTakenError,
    ClientHasTransactionsError,
    ClientNeedsReviewError,
    ClientReviewsThrottledError,
    UnknownAdvisorError,
)
from carteira.clients.schemas import (
    ClientCreate,
    ClientOut,
    ClientPatch,
    ClientReplace,
)
from carteira.core.dependencies import EventsDep
from carteira.core.openapi import raises
from carteira.core.types import PathId

router = APIRouter(prefix="/clients", tags=["clients"])
# /clients/{client_id}: only for those who may see the client.
client_detail = client_router(tags=["clients"])


@router.post("", response_model=ClientOut, status_code=HTTPStatus.CREATED)
@raises(
    ClientEmailTakenError,
    ClientDocumentTakenError,
    ClientNeedsReviewError,
    ClientReviewsThrottledError,
    AssignmentForbiddenError,
    UnknownAdvisorError,
)
async def clients_create(
    body: ClientCreate, user: WriterUser, scope: Scope, events: EventsDep, response: Response
) -> ClientOut:
    """A new client: an advisor's is theirs; an admin may assign it (`advisor_id`). An email
    or CPF another client has is 409 `client_email_taken`/`client_document_taken`, except
    for an advisor when that client is not in their book: 409 `client_needs_review` whoever
    has it (audited for the admins; a few an hour, then 429)."""
    client = await service.create_client(data=body, actor_id=user.id, events=events, scope=scope)
    response.headers["Location"] = f"/clients/{client.id}"
    return ClientOut.model_validate(client)


@client_detail.get("", response_model=ClientOut)
async def clients_get(client_id: PathId) -> ClientOut:
    """One client."""
    return ClientOut.model_validate(await service.get_client(client_id=client_id))


@client_detail.put("", response_model=ClientOut)
@raises(
    ClientEmailTakenError,
    ClientDocumentTakenError,
    ClientNeedsReviewError,
    ClientReviewsThrottledError,
    AssignmentForbiddenError,
    UnknownAdvisorError,
)
async def clients_replace(
    client_id: PathId, body: ClientReplace, user: WriterUser, scope: Scope, events: EventsDep
) -> ClientOut:
    """Every field at once (optional ones left out are cleared; `advisor_id` only when sent)."""
    client = await service.update_client(
        client_id=client_id, data=body, actor_id=user.id, events=events, scope=scope
    )
    return ClientOut.model_validate(client)


@client_detail.patch("", response_model=ClientOut)
@raises(
    ClientEmailTakenError,
    ClientDocumentTakenError,
    ClientNeedsReviewError,
    ClientReviewsThrottledError,
    AssignmentForbiddenError,
    UnknownAdvisorError,
)
async def clients_update(
    client_id: PathId, body: ClientPatch, user: WriterUser, scope: Scope, events: EventsDep
) -> ClientOut:
    """Only the fields sent; only an admin changes `advisor_id`."""
    client = await service.update_client(
        client_id=client_id, data=body, actor_id=user.id, events=events, scope=scope
    )
    return ClientOut.model_validate(client)


@client_detail.delete("", status_code=HTTPStatus.NO_CONTENT)
@raises(ClientHasTransactionsError)
async def clients_delete(client_id: PathId, user: WriterUser, events: EventsDep) -> Response:
    """Refused (409) while the client has transactions."""
    await service.delete_client(client_id=client_id, actor_id=user.id, events=events)
    return Response(status_code=HTTPStatus.NO_CONTENT)
