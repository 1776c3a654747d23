"""arq `WorkerSettings`, assembled from the modules' tasks.

`carteira worker` runs it; `arq carteira.worker.WorkerSettings --check` is its liveness probe.
"""

from __future__ import annotations

import logging
from typing import Any

from arq.connections import RedisSettings

from carteira.core.config import get_settings
from carteira.core.database import close_orm, init_orm
from carteira.core.redis import create_redis

logger = logging.getLogger(__name__)

_settings = get_settings()


async def startup(ctx: dict[str, Any]) -> None:
    settings = _settings
    ctx["settings"] = settings
    await init_orm(settings)
    ctx["app_redis"] = create_redis(settings)
    logger.info("worker started")


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["app_redis"].aclose()
    await close_orm()
    logger.info("worker stopped")


async def ping(ctx: dict[str, Any]) -> str:
    """A no-op job: proves the queue and the worker work end to end."""
    return "pong"


class WorkerSettings:
    functions = [ping]
    cron_jobs: list[Any] = []
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(_settings.redis_url)
    health_check_interval = 30
    job_timeout = 600
    max_tries = 5
    keep_result = 3600
