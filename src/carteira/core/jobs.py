"""Background jobs on arq, behind one small wrapper: the rest of the code never imports arq.

* `@job(...)` declares a task with its timeout, tries and retry delay, explicitly.
* `JobQueue.enqueue()` waits for the current `atomic()` transaction to commit (a rolled-back
  write enqueues nothing) and takes a deterministic `job_id` for jobs that must not run twice
  at once (arq refuses a second job with the same id while the first exists).
* Transient failures (a provider, Redis or PostgreSQL briefly down) retry after a delay;
  anything else fails the job at once.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from arq import Retry
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus
from redis.asyncio import Redis

from carteira.core.database import on_commit
from carteira.core.errors import DATABASE_DOWN_ERRORS, REDIS_DOWN_ERRORS, ServiceUnavailableError
from carteira.core.metrics import JOB_DURATION, JOBS
from carteira.core.tracing import context_from, current_carrier, tracer

logger = logging.getLogger(__name__)

Context = dict[str, Any]
Task = Callable[..., Awaitable[Any]]

TRANSIENT: tuple[type[Exception], ...] = (
    ServiceUnavailableError,
    *DATABASE_DOWN_ERRORS,
    *REDIS_DOWN_ERRORS,
)
PROGRESS_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class JobDefinition:
    name: str
    run: Task
    timeout_seconds: int
    max_tries: int
    retry_delay_seconds: float
    keep_result_seconds: int


REGISTRY: dict[str, JobDefinition] = {}


def job(
    *,
    timeout_seconds: int,
    max_tries: int,
    retry_delay_seconds: float,
    keep_result_seconds: int = 24 * 3600,
) -> Callable[[Task], Task]:
    """Declare a job. It receives the worker context first; its result must be JSON-ready."""

    def declare(task: Task) -> Task:
        name = task.__name__

        @wraps(task)
        async def run(
            ctx: Context, *args: Any, _trace: dict[str, str] | None = None, **kwargs: Any
        ) -> Any:
            # The span continues the trace of the request that enqueued the job, if any.
            started = time.perf_counter()
            outcome = "failed"
            attributes: dict[str, str | int] = {
                "job.id": str(ctx.get("job_id")),
                "job.try": int(ctx.get("job_try", 1)),
            }
            with tracer.start_as_current_span(
                f"job {name}", context=context_from(_trace), attributes=attributes
            ):
                try:
                    result = await task(ctx, *args, **kwargs)
                    outcome = "complete"
                    return result
                except TRANSIENT as exc:
                    outcome = "retried"
                    try_number = int(ctx.get("job_try", 1))
                    logger.warning("job %s try %s failed (%r); retrying", name, try_number, exc)
                    raise Retry(defer=retry_delay_seconds * try_number) from exc
                finally:
                    JOBS.labels(name, outcome).inc()
                    JOB_DURATION.labels(name).observe(time.perf_counter() - started)

        REGISTRY[name] = JobDefinition(
            name=name,
            run=run,
            timeout_seconds=timeout_seconds,
            max_tries=max_tries,
            retry_delay_seconds=retry_delay_seconds,
            keep_result_seconds=keep_result_seconds,
        )
        return run

    return declare


def _progress_key(job_id: str) -> str:
    return f"job-progress:{job_id}"


async def report_progress(ctx: Context, *, done: int, total: int) -> None:
    """Let `GET /jobs/{id}` show how far a running job is."""
    redis: Redis = ctx["redis"]
    await redis.set(
        _progress_key(ctx["job_id"]),
        json.dumps({"done": done, "total": total}),
        ex=PROGRESS_TTL_SECONDS,
    )


@dataclass(frozen=True)
class JobState:
    job_id: str
    status: str  # queued | in_progress | complete | failed | not_found
    function: str | None = None
    enqueued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    tries: int | None = None
    result: Any = None
    error: str | None = None
    progress: dict[str, int] | None = None


class JobQueue:
    def __init__(self, redis: Redis) -> None:
        # Same connection pool as the app's client: arq's client is a thin Redis subclass.
        self.arq = ArqRedis(connection_pool=redis.connection_pool)

    async def enqueue(self, name: str, *args: Any, job_id: str | None = None, **kwargs: Any) -> str:
        """Enqueue `name` once the current transaction commits (now, outside one)."""
        job_id = job_id or uuid.uuid4().hex
        trace_carrier = current_carrier()  # taken now, inside the request's span

        async def send() -> None:
            queued = await self.arq.enqueue_job(
                name, *args, _job_id=job_id, _trace=trace_carrier, **kwargs
            )
            if queued is None:
                logger.info("job %s is already queued or running; not enqueued twice", job_id)

        await on_commit(send)
        return job_id

    async def state(self, job_id: str) -> JobState:
        job = Job(job_id, self.arq)
        status = await job.status()
        if status is JobStatus.not_found:
            return JobState(job_id=job_id, status="not_found")
        raw_progress = await self.arq.get(_progress_key(job_id))
        progress = json.loads(raw_progress) if raw_progress else None
        if status is JobStatus.complete:
            result = await job.result_info()
            if result is None:  # pragma: no cover - expired between the two reads
                return JobState(job_id=job_id, status="not_found")
            failed = not result.success
            return JobState(
                job_id=job_id,
                status="failed" if failed else "complete",
                function=result.function,
                enqueued_at=result.enqueue_time,
                started_at=result.start_time,
                finished_at=result.finish_time,
                tries=result.job_try,
                result=None if failed else result.result,
                error=repr(result.result) if failed else None,
                progress=progress,
            )
        info = await job.info()
        return JobState(
            job_id=job_id,
            status="in_progress" if status is JobStatus.in_progress else "queued",
            function=info.function if info else None,
            enqueued_at=info.enqueue_time if info else None,
            tries=info.job_try if info else None,
            progress=progress,
        )
