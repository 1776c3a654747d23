from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from carteira.activity.schemas import AuditEntryOut
from carteira.audit import service
from carteira.auth.dependencies import StaffUser
from carteira.clients import service as clients
from carteira.clients.dependencies import Scope
from carteira.core.pagination import Page, Pagination
from carteira.core.types import MAX_ID

router = APIRouter(prefix="/audit", tags=["audit"])

# `allocation`: entries written before the ledger (its buys are `transaction`s now).
Entity = Literal["user", "client", "asset", "transaction", "allocation", "import"]


@router.get("", response_model=Page[AuditEntryOut])
async def audit_list(
    _: StaffUser,
    scope: Scope,
    params: Pagination,
    entity: Annotated[Entity | None, Query()] = None,
    entity_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Page[AuditEntryOut]:
    """Who changed what and when, newest first: every entry for an admin, only the entries
    about their own clients for an advisor (readers: 403)."""
    entries, total = await service.list_entries(
        entity=entity,
        entity_id=entity_id,
        params=params,
        client_ids=await clients.visible_client_ids(scope=scope),
    )
    items = [AuditEntryOut.model_validate(entry) for entry in entries]
    return Page.build(items, total=total, params=params)
