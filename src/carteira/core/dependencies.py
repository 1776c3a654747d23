"""Request-scoped access to what the lifespan built (settings, Redis).

Dependencies are `async def` on purpose: FastAPI runs a plain `def` in the thread pool,
a thread hop per request for what is only an attribute read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis

from carteira.core.clock import today
from carteira.core.config import Settings
from carteira.core.events import EventBus
from carteira.core.exports import CsvDialect, ExportFormat, ExportRequest, ReaderPace
from carteira.core.jobs import JobQueue


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_redis(request: Request) -> Redis:
    redis: Redis = request.app.state.redis
    return redis


async def get_events(request: Request) -> EventBus:
    events: EventBus = request.app.state.events
    return events


async def get_jobs(request: Request) -> JobQueue:
    jobs: JobQueue = request.app.state.jobs
    return jobs


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
JobsDep = Annotated[JobQueue, Depends(get_jobs)]
RedisDep = Annotated[Redis, Depends(get_redis)]
EventsDep = Annotated[EventBus, Depends(get_events)]


def export_request(
    request: Request,
    *,
    user_id: int,
    export_format: ExportFormat,
    dialect: CsvDialect = CsvDialect.STANDARD,
) -> ExportRequest:
    """What an export needs from the app: its slots, its limits, the firm's date."""
    settings: Settings = request.app.state.settings
    return ExportRequest(
        limiter=request.app.state.exports,
        user_id=user_id,
        deadline_seconds=settings.export_timeout_seconds,
        pace=ReaderPace(
            min_bytes_per_second=settings.export_min_bytes_per_second,
            window_seconds=settings.export_slow_reader_seconds,
        ),
        today=today(),
        export_format=export_format,
        dialect=dialect,
    )
