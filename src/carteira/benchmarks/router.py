from __future__ import annotations

from fastapi import APIRouter, Response

from carteira.auth.dependencies import CurrentUser
from carteira.benchmarks import service
from carteira.benchmarks.schemas import BenchmarkPage
from carteira.core.pagination import Pagination
from carteira.core.responses import json_response
from carteira.pricing.dependencies import MarketDep

router = APIRouter(tags=["benchmarks"])


@router.get("/benchmarks", response_model=BenchmarkPage)
async def benchmarks_list(_: CurrentUser, params: Pagination, market: MarketDep) -> Response:
    """What `/clients/{id}/performance?benchmarks=` accepts: CDI, SELIC, IPCA and IBOV, then
    every registered asset by ticker."""
    items, total = await service.list_benchmarks(params=params, market=market)
    return json_response(BenchmarkPage.build(items, total=total, params=params))
