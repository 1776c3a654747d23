from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from carteira.pricing.service import MarketData


async def get_market(request: Request) -> MarketData:
    market: MarketData = request.app.state.market
    return market


MarketDep = Annotated[MarketData, Depends(get_market)]
