"""Request-scoped access to what the lifespan built (settings, Redis).

Dependencies are `async def` on purpose: FastAPI runs a plain `def` in the thread pool,
a thread hop per request for what is only an attribute read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis

from carteira.core.config import Settings
from carteira.core.events import EventBus
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
