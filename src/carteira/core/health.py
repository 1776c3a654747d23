"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from carteira.core import database
from carteira.core import redis as redis_module
from carteira.core.config import Settings
from carteira.core.dependencies import RedisDep, SettingsDep
from carteira.core.errors import NotFoundError, ServiceUnavailableError
from carteira.core.metrics import render
from carteira.core.openapi import raises, without_infrastructure

router = APIRouter(tags=["ops"])


class NotReadyError(ServiceUnavailableError):
    code = "not_ready"
    message = "Not ready: a dependency is unavailable."


CHECK_TIMEOUT_SECONDS = 2.0


@router.get("/health")
@without_infrastructure
async def health_get() -> dict[str, str]:
    """The process is up (no dependency is checked)."""
    return {"status": "ok"}


async def _check(probe: Callable[[], Awaitable[None]]) -> str:
    try:
        await asyncio.wait_for(probe(), CHECK_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure means "not ready"
        return f"unavailable: {type(exc).__name__}"
    return "ok"


def _may_scrape(request: Request, settings: Settings) -> bool:
    if settings.metrics_token is not None:
        sent = request.headers.get("authorization", "")
        expected = f"Bearer {settings.metrics_token.get_secret_value()}"
        if hmac.compare_digest(sent.encode(), expected.encode()):
            return True
    peer = request.client.host if request.client else ""
    return peer in settings.metrics_allow_ips


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus exposition (request latency, cache, provider, sockets, ticks, jobs), for
    scrapers from `METRICS_ALLOW_IPS` or with `Authorization: Bearer <METRICS_TOKEN>`."""
    if not _may_scrape(request, settings):
        raise NotFoundError()  # not advertised to whoever else asks
    body, content_type = render()
    return Response(body, media_type=content_type)


@router.get("/ready")
@without_infrastructure
@raises(NotReadyError)
async def ready_get(request: Request, redis: RedisDep) -> JSONResponse:
    """PostgreSQL and Redis answer, and the process has warmed up (core.warmup); 503 naming
    what is missing."""
    db_status, redis_status = await asyncio.gather(
        _check(database.ping), _check(lambda: redis_module.ping(redis))
    )
    warm = request.app.state.warm_up.done
    checks = {"database": db_status, "redis": redis_status, "warm_up": "ok" if warm else "pending"}
    down = [name for name in ("database", "redis") if checks[name] != "ok"]
    missing = [f"{', '.join(down)} unavailable"] if down else []
    if not warm:
        missing.append("warming up")
    if not missing:
        return JSONResponse({"status": "ok", "checks": checks})
    return JSONResponse(
        {
            "detail": f"not ready: {'; '.join(missing)}",
            "code": "not_ready",
            "checks": checks,
        },
        status_code=503,
    )
