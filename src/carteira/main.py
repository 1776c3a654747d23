"""The application factory: `create_app(settings)` wires core services and module routers."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from tortoise.contrib.fastapi import RegisterTortoise

from carteira import __version__
from carteira.activity.router import router as audit_router
from carteira.allocations.router import allocations_router, clients_list_router
from carteira.allocations.router import router as ledger_router
from carteira.assets.router import router as assets_router
from carteira.assets.service import InstrumentRegistry
from carteira.auth.router import router as auth_router
from carteira.auth.router import users_router
from carteira.auth.sessions import SessionStore
from carteira.benchmarks.router import router as benchmarks_router
from carteira.clients import service as clients_service
from carteira.clients.router import client_detail as client_detail_router
from carteira.clients.router import router as clients_router
from carteira.core import database, openapi
from carteira.core.clock import set_timezone
from carteira.core.config import Settings, get_settings
from carteira.core.database import give_back_timezone_setting, tortoise_config
from carteira.core.errors import install_error_handlers
from carteira.core.events import EventBus
from carteira.core.exports import ExportLimiter
from carteira.core.health import router as health_router
from carteira.core.hosts import AllowedHostsMiddleware
from carteira.core.jobs import JobQueue
from carteira.core.limits import BodyAllowance, RequestLimitsMiddleware
from carteira.core.logging import configure_logging
from carteira.core.memory import start_trimming
from carteira.core.metrics import watch_gc_pauses
from carteira.core.middleware import RequestContextMiddleware
from carteira.core.redis import create_redis
from carteira.core.security_headers import SecurityHeadersMiddleware
from carteira.core.tracing import configure_tracing, instrument_app
from carteira.core.warmup import WarmUp
from carteira.imports import router as imports_router
from carteira.imports.exceptions import ImportTooLargeError
from carteira.jobs.router import router as jobs_router
from carteira.pricing.router import router as pricing_router
from carteira.pricing.service import create_market_data
from carteira.realtime.router import router as realtime_router
from carteira.realtime.service import Hub
from carteira.reports import service as reports_service
from carteira.reports.router import router as reports_router
from carteira.statements.router import jobs_router as statements_jobs_router
from carteira.statements.router import router as statements_router
from carteira.tax.router import reports_router as tax_reports_router
from carteira.tax.router import router as tax_router
from carteira.web.router import router as web_router

DOCS_ASSETS = "/docs/assets"
GC_THRESHOLDS = (50_000, 20, 100)  # allocations before a young pass; young, middle passes
# What a multipart form adds around an uploaded file (boundaries, part headers, the format).
FORM_FRAMING_BYTES = 64 * 1024
# The longest a starting process waits for its warm-up's first attempt before it listens.
WARM_UP_SECONDS = 30.0
DESCRIPTION = """
Back office of an investment advisory firm: clients, assets, allocations (purchase lots),
live valuation, performance, net inflows ("captado") and exports.

Errors are `{"detail": "...", "code": "..."}`. Decimals travel as JSON strings.
"""


def _warm_up(app: FastAPI, settings: Settings) -> WarmUp:
    """What a fresh process's first requests need (see core.warmup)."""
    events = app.state.events
    return WarmUp(
        [
            ("the database pool", database.ping),  # opens its floor, DATABASE_POOL_MIN
            ("the client list", lambda: clients_service.warm_up(events=events)),
            (
                "the month's captação",
                lambda: reports_service.warm_up(
                    reporting=settings.reporting_currency, events=events
                ),
            ),
            ("held quotes and dashboards", app.state.hub.warm_up),
        ]
    )


# Starlette tries routes in order: the hottest reads come first.
ROUTERS = (
    clients_list_router,
    clients_router,
    client_detail_router,
    allocations_router,
    ledger_router,
    imports_router.router,
    pricing_router,  # before assets: /assets/search is not an /assets/{asset_id}
    assets_router,
    health_router,
    auth_router,
    users_router,
    reports_router,
    tax_router,
    tax_reports_router,
    benchmarks_router,
    realtime_router,
    web_router,
    statements_router,
    jobs_router,
    statements_jobs_router,
    audit_router,
)
CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
CORS_HEADERS = [
    "Authorization",
    "Content-Type",
    "X-CSRF-Token",
    "X-Request-ID",
    "traceparent",
    "tracestate",
]
CORS_EXPOSED = [
    "X-Request-ID",
    "X-Cache",
    "X-Cache-TTL",
    "X-Cache-Key",
    "X-Cache-Stale",
    "Retry-After",
    "Content-Disposition",
    "Location",
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = (settings or get_settings()).ensure_secure()
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    set_timezone(settings.timezone)
    tracing = configure_tracing(settings, service_name="carteira-api")
    app = _application(settings)
    app.state.settings = settings
    install_error_handlers(app)
    openapi.install(app)
    for router in ROUTERS:
        app.include_router(router)
    _add_middleware(app, settings)
    if tracing is not None:
        instrument_app(app)
    return app


def _application(settings: Settings) -> FastAPI:
    """The app itself, with its docs (served offline) when the settings turn them on."""
    common: dict[str, Any] = {
        "title": "Carteira",
        "version": __version__,
        "description": DESCRIPTION,
        "lifespan": _lifespan(settings),
        "generate_unique_id_function": openapi.operation_id,
    }
    if not settings.docs_on:
        return FastAPI(**common, docs_url=None, redoc_url=None, openapi_url=None)
    # Swagger UI and ReDoc from the installed package, so the docs work offline; no validator
    # badge either (it would load an image from the validator's host).
    return FastAPIOffline(
        **common, swagger_ui_parameters={"validatorUrl": None}, static_url=DOCS_ASSETS
    )


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """What the process opens before it serves, and closes after."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events = _open_services(app, settings)
        try:
            timezone_setting = os.environ.get("TIMEZONE")
            async with RegisterTortoise(app, config=tortoise_config(settings, role="api")):
                give_back_timezone_setting(timezone_setting)
                await events.wait_healthy(seconds=2.0)
                warming = await _start_warm_up(app, settings)
                _keep_the_collector_off_the_warm_heap()
                trimming = start_trimming(settings.heap_trim_seconds)
                try:
                    yield
                finally:
                    warming.cancel()
                    if trimming is not None:
                        trimming.cancel()
        finally:
            await _close_services(app)

    return lifespan


def _open_services(app: FastAPI, settings: Settings) -> EventBus:
    """Redis and what lives on it (events, sessions, market data, jobs, the realtime hub),
    kept on `app.state` and started; the event bus."""
    redis = create_redis(settings)
    events = EventBus(redis)
    app.state.redis = redis
    app.state.events = events
    app.state.sessions = SessionStore(bus=events)
    app.state.market = create_market_data(settings, redis, instruments=InstrumentRegistry(events))
    app.state.jobs = JobQueue(redis)
    app.state.exports = ExportLimiter(
        max_total=settings.export_max_concurrent, max_per_user=settings.export_max_per_user
    )
    app.state.hub = Hub(
        bus=events,
        market=app.state.market,
        sessions=app.state.sessions,
        reporting_currency=settings.reporting_currency,
        tick_seconds=settings.tick_seconds,
        max_per_user=settings.ws_max_per_user,
    )
    events.start()
    app.state.hub.start()
    return events


async def _close_services(app: FastAPI) -> None:
    await app.state.hub.stop()
    await app.state.events.stop()
    await app.state.market.close()
    await app.state.redis.aclose()


async def _start_warm_up(app: FastAPI, settings: Settings) -> asyncio.Task[None]:
    """The warm-up, running; returns once its first attempt is over (or WARM_UP_SECONDS)."""
    warm_up = app.state.warm_up = _warm_up(app, settings)
    warming = asyncio.create_task(warm_up.run(), name="warm-up")
    # uvicorn listens only once start-up is over: until the first attempt has run, no
    # connection reaches this process (its /ready says 503 after that while a step still
    # fails, e.g. PostgreSQL down at start).
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(warm_up.first_attempt(), WARM_UP_SECONDS)
    return warming


def _keep_the_collector_off_the_warm_heap() -> None:
    # Everything alive now lives as long as the process: keep it out of the collector's full
    # passes, which otherwise stall the loop for 100s of ms.
    gc.collect()
    gc.freeze()
    # Requests allocate fast and free nearly everything by reference counting; at Python's
    # default thresholds the collector ran a full pass over the warm caches every ~10 s under
    # load (~190 ms each, measured by the soak).
    gc.set_threshold(*GC_THRESHOLDS)
    watch_gc_pauses()


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Outermost last: the request id wraps everything, including CORS preflights."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_HEADERS,
            expose_headers=CORS_EXPOSED,
        )
    app.add_middleware(
        RequestLimitsMiddleware,
        max_body_bytes=settings.max_body_bytes,
        allowances=[
            BodyAllowance(
                path=imports_router.UPLOAD_PATH,
                max_bytes=settings.max_import_bytes + FORM_FRAMING_BYTES,
                error=ImportTooLargeError,
            )
        ],
    )
    # Inside the security headers and the request id: a refused host is answered like any 4xx.
    app.add_middleware(AllowedHostsMiddleware, allowed=settings.allowed_hosts)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.cookie_secure)
    app.add_middleware(RequestContextMiddleware)
