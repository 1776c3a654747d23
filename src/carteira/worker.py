"""arq `WorkerSettings`, assembled from the modules' tasks, and the worker that runs them.

`carteira worker` runs it (`run()`); `arq carteira.worker.WorkerSettings --check` is its
liveness probe.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import random
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from arq import Worker, cron, func
from arq.connections import RedisSettings

from carteira.allocations import tasks as ledger_tasks
from carteira.assets import tasks as asset_tasks
from carteira.assets.service import InstrumentRegistry
from carteira.core.clock import set_timezone
from carteira.core.config import Settings, get_settings
from carteira.core.cron import parse_cron
from carteira.core.database import close_orm, init_orm
from carteira.core.errors import REDIS_DOWN_ERRORS
from carteira.core.events import EventBus
from carteira.core.jobs import REGISTRY, Context, JobQueue
from carteira.core.logging import job_id_var
from carteira.core.memory import start_trimming
from carteira.core.metrics import discard_process_files, serve_worker_metrics
from carteira.core.pdf import PdfRenderer
from carteira.core.tracing import configure_tracing
from carteira.pricing import tasks as pricing_tasks
from carteira.pricing.service import create_market_data
from carteira.realtime import tasks as realtime_tasks
from carteira.statements import batch as statement_batches  # noqa: F401 - registers its jobs
from carteira.statements import printing

logger = logging.getLogger(__name__)

OUTBOX_RELAY_SECONDS = 5
# Waiting for Redis to come back: the first retry after about this long, each next one up to
# twice as late, never later than the cap.
REDIS_RETRY_FIRST_SECONDS = 0.5
REDIS_RETRY_MAX_SECONDS = 10.0

# Whether this process ran a worker: one that only loaded the settings (`arq ... --check`, the
# container's health check every 30 s) leaves no metrics file behind when it exits.
_started = False


def _discard_metrics_unless_started() -> None:
    if not _started:
        discard_process_files()


atexit.register(_discard_metrics_unless_started)


async def relay_outbox(ctx: Context) -> int:
    """Jobs whose send failed after their write committed (Redis was away) go out now."""
    jobs: JobQueue = ctx["jobs"]
    return await jobs.relay()


def worker_settings(settings: Settings, *, manage_orm: bool = True) -> dict[str, Any]:
    """Everything an arq `Worker` needs; `manage_orm=False` when the process already has the
    ORM open (tests running the worker beside the app)."""
    return {
        "functions": _functions(),
        "cron_jobs": _cron_jobs(settings),
        **_hooks(settings, manage_orm=manage_orm),
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "timezone": ZoneInfo(settings.daily_close_timezone),
        "health_check_interval": 30,
        "max_jobs": 20,
    }


def _hooks(settings: Settings, *, manage_orm: bool) -> dict[str, Any]:
    """What the worker runs as it starts, before each job, and as it stops."""

    async def startup(ctx: Context) -> None:
        global _started
        _started = True
        ctx["settings"] = settings
        set_timezone(settings.timezone)
        configure_tracing(settings, service_name="carteira-worker")
        if settings.worker_metrics_port:
            serve_worker_metrics(settings.worker_metrics_port)
        if manage_orm:
            await init_orm(settings, role="worker")
        ctx["events"] = EventBus(ctx["redis"])  # publish-only: ticks, invalidations
        ctx["market"] = create_market_data(
            settings, ctx["redis"], instruments=InstrumentRegistry(ctx["events"])
        )
        ctx["jobs"] = JobQueue(ctx["redis"])
        ctx["pdf"] = PdfRenderer(
            processes=_render_processes(settings), prepare=partial(printing.prepare, settings)
        )
        ctx["pdf"].start()  # its render processes ready before a batch asks for them
        ctx["heap_trim"] = start_trimming(settings.heap_trim_seconds)
        logger.info("worker started: %s", ", ".join(sorted(REGISTRY)))

    async def job_start(ctx: Context) -> None:
        # Each job runs in a task of its own: every line logged for it (arq's included) names it.
        job_id_var.set(str(ctx["job_id"]))

    async def shutdown(ctx: Context) -> None:
        ctx["pdf"].close()
        if ctx["heap_trim"] is not None:
            ctx["heap_trim"].cancel()
        await ctx["market"].close()
        if manage_orm:
            await close_orm()
        logger.info("worker stopped")

    return {"on_startup": startup, "on_job_start": job_start, "on_shutdown": shutdown}


def _render_processes(settings: Settings) -> int:
    """STATEMENTS_RENDER_PROCESSES, else one per core this process may run on."""
    configured = settings.statements_render_processes
    return len(os.sched_getaffinity(0)) if configured is None else configured


def _functions() -> list[Any]:
    """Every job the modules registered (core.jobs' REGISTRY), as arq runs it."""
    return [
        func(
            definition.run,  # type: ignore[arg-type]  # arq's WorkerCoroutine protocol
            name=definition.name,
            timeout=definition.timeout_seconds,
            max_tries=definition.max_tries,
            keep_result=definition.keep_result_seconds,
        )
        for definition in REGISTRY.values()
    ]


def _cron_jobs(settings: Settings) -> list[Any]:
    """The price tick and the outbox relay, every few seconds; the day's closing jobs."""
    every_few_seconds = [
        cron(
            realtime_tasks.publish_tick,
            name="price_tick",
            second=set(range(0, 60, settings.tick_seconds)),
            unique=True,
            run_at_startup=True,
            timeout=settings.tick_seconds * 2,
            keep_result=0,
            max_tries=1,
        ),
        cron(
            relay_outbox,
            name="outbox_relay",
            second=set(range(0, 60, OUTBOX_RELAY_SECONDS)),
            unique=True,
            timeout=30,
            keep_result=0,
            max_tries=1,
        ),
    ]
    at_the_close = [
        cron(task, name=name, unique=True, timeout=timeout, **parse_cron(settings.daily_close_cron))
        for task, name, timeout in (
            (ledger_tasks.daily_fx, "daily_fx", 900),
            (pricing_tasks.daily_benchmarks, "daily_benchmarks", 900),
            (pricing_tasks.daily_published_prices, "daily_published_prices", 3600),
            (asset_tasks.daily_closes, "daily_closes", 1800),
        )
    ]
    return every_few_seconds + at_the_close


# What arq's CLI and `carteira worker` load: the settings of this process's environment.
WorkerSettings = type("WorkerSettings", (), worker_settings(get_settings()))


class ResilientWorker(Worker):
    """arq's worker, except that losing Redis does not end it.

    arq lets a failed poll of Redis escape its loop, and the process exits: no more price
    ticks, outbox relay or crons until someone restarts it. Here a poll (which also starts
    jobs, records the health key and enqueues the crons) that finds Redis gone waits for it
    with growing, jittered delays, then carries on; the jobs that lost their claim meanwhile
    are retried (core.jobs' short leases)."""

    async def _poll_iteration(self) -> None:  # arq 0.28's one poll (requirements/*.lock)
        try:
            await super()._poll_iteration()
        except REDIS_DOWN_ERRORS as exc:
            await self._until_redis_answers(exc)

    async def _until_redis_answers(self, cause: Exception) -> None:
        logger.warning("Redis is unavailable (%r); waiting for it", cause)
        delay = REDIS_RETRY_FIRST_SECONDS
        while True:
            await asyncio.sleep(random.uniform(delay / 2, delay))  # noqa: S311 - jitter
            try:
                await self.pool.ping()
            except REDIS_DOWN_ERRORS:
                delay = min(delay * 2, REDIS_RETRY_MAX_SECONDS)
                continue
            logger.info("Redis answers again; the worker carries on")
            return


def run() -> None:
    """`carteira worker`: the settings of this process's environment, until a signal stops it."""
    ResilientWorker(**worker_settings(get_settings())).run()
