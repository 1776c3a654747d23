from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from carteira.activity.schemas import AuditEntryOut
from carteira.audit import service
from carteira.auth.dependencies import AdminUser
from carteira.core.pagination import Page, Pagination
from carteira.core.types import MAX_ID

router = APIRouter(prefix="/audit", tags=["audit"])

# `allocation`: entries written before the ledger (its buys are `transaction`s now).
Entity = Literal["user", "client", "asset", "transaction", "allocation"]


@router.get("", response_model=Page[AuditEntryOut])
async def list_audit_entries(
    _: AdminUser,
    params: Pagination,
    entity: Annotated[Entity | None, Query()] = None,
    entity_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Page[AuditEntryOut]:
    entries, total = await service.list_entries(entity=entity, entity_id=entity_id, params=params)
    items = [AuditEntryOut.model_validate(entry) for entry in entries]
    return Page.build(items, total=total, params=params)
