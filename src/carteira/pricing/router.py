from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from pydantic import AfterValidator

from carteira.auth.dependencies import CurrentUser
from carteira.core.errors import InvalidInputError
from carteira.core.openapi import raises
from carteira.core.responses import json_response
from carteira.core.validators import invalid
from carteira.pricing.dependencies import MarketDep
from carteira.pricing.exceptions import (
    ProviderBudgetError,
    ProviderError,
    ProviderUnavailableError,
)
from carteira.pricing.instruments import parse_ticker
from carteira.pricing.schemas import QuotesOut, SearchOut

router = APIRouter(tags=["market data"])
CACHE_HEADERS: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "X-Cache": {"description": "HIT or MISS", "schema": {"type": "string"}},
            "X-Cache-TTL": {
                "description": "seconds the answer stays fresh",
                "schema": {"type": "integer"},
            },
            "X-Cache-Key": {
                "description": "the cache entry (percent-encoded)",
                "schema": {"type": "string"},
            },
            "X-Cache-Stale": {
                "description": "`true`: an expired answer, served because the provider failed",
                "schema": {"type": "string"},
            },
        }
    }
}

MAX_TICKERS = 50


def _ticker_list(raw: list[str]) -> list[str]:
    # Accepts `tickers=A,B` and `tickers=A&tickers=B` alike.
    parts = (part for value in raw for part in value.split(",") if part.strip())
    tickers = list(dict.fromkeys(parse_ticker(part) for part in parts))
    if not tickers:
        raise invalid("tickers_missing", "give at least one ticker")
    if len(tickers) > MAX_TICKERS:
        raise invalid("too_many_tickers", "at most {limit} tickers per request", limit=MAX_TICKERS)
    return tickers


Tickers = Annotated[
    list[str],
    Query(max_length=60, description="comma-separated, e.g. PETR4.SA,AAPL (at most 50)"),
    AfterValidator(_ticker_list),
]


@router.get("/assets/search", response_model=SearchOut, responses=CACHE_HEADERS)
@raises(InvalidInputError, ProviderError, ProviderUnavailableError, ProviderBudgetError)
async def assets_search(
    user: CurrentUser,
    market: MarketDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="name or symbol")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Response:
    """The provider's symbol search, cached (`X-Cache: HIT|MISS`, `X-Cache-TTL`, `X-Cache-Key`)."""
    if not q.strip():
        raise InvalidInputError("q must not be blank.")
    cached = await market.search(q, limit=limit, budget=market.budget_for(user.id))
    headers = {
        "X-Cache": "HIT" if cached.hit else "MISS",
        "X-Cache-TTL": str(cached.ttl_left),
        # Header values are ASCII: a query in any script travels percent-encoded.
        "X-Cache-Key": quote(cached.key, safe=":"),
    }
    if cached.stale:
        headers["X-Cache-Stale"] = "true"
    return json_response(SearchOut(items=cached.value), headers=headers)


@router.get("/quotes", response_model=QuotesOut)
@raises(ProviderError, ProviderUnavailableError, ProviderBudgetError)
async def quotes_get(user: CurrentUser, market: MarketDep, tickers: Tickers) -> Response:
    """Latest quotes; tickers the provider cannot answer are listed under `errors` (an unknown
    ticker is remembered as unknown for a while: asking again costs no provider call)."""
    batch = await market.quotes(tickers, budget=market.budget_for(user.id))
    if not batch.quotes and batch.errors:
        failures = list(batch.errors.values())
        for kind in (ProviderUnavailableError, ProviderError, ProviderBudgetError):
            if all(isinstance(e, kind) for e in failures):
                raise failures[0]
    ordered = [batch.quotes[t] for t in tickers if t in batch.quotes]
    return json_response(QuotesOut(items=ordered, errors=batch.error_list()))
