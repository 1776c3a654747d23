"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from carteira.core import database
from carteira.core import redis as redis_module
from carteira.core.dependencies import RedisDep
from carteira.core.metrics import render

router = APIRouter(tags=["ops"])

CHECK_TIMEOUT_SECONDS = 2.0


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is up (no dependency is checked)."""
    return {"status": "ok"}


async def _check(probe: Callable[[], Awaitable[None]]) -> str:
    try:
        await asyncio.wait_for(probe(), CHECK_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure means "not ready"
        return f"unavailable: {type(exc).__name__}"
    return "ok"


@router.get("/metrics", response_class=Response)
async def metrics() -> Response:
    """Prometheus exposition (request latency, cache, provider, sockets, ticks, jobs)."""
    body, content_type = render()
    return Response(body, media_type=content_type)


@router.get("/ready", responses={503: {"description": "a dependency is down"}})
async def ready(redis: RedisDep) -> JSONResponse:
    """PostgreSQL and Redis answer; 503 naming what does not."""
    db_status, redis_status = await asyncio.gather(
        _check(database.ping), _check(lambda: redis_module.ping(redis))
    )
    checks = {"database": db_status, "redis": redis_status}
    down = [name for name, state in checks.items() if state != "ok"]
    if not down:
        return JSONResponse({"status": "ok", "checks": checks})
    return JSONResponse(
        {
            "detail": f"not ready: {', '.join(down)} unavailable",
            "code": "not_ready",
            "checks": checks,
        },
        status_code=503,
    )
