"""Background jobs on arq, behind one small wrapper: the rest of the code never imports arq.

* `@job(...)` declares a task with its timeout, tries and retry delay, explicitly.
* `JobQueue.enqueue()` records the job in the outbox (core.outbox) inside the current
  `atomic()` transaction and sends it once that commits (a rolled-back write enqueues
  nothing; a send that fails is retried by the worker's relay); it takes a deterministic
  `job_id` for jobs that must not run twice at once (arq refuses a second job with the same
  id while the first exists).
* Traces: `enqueue()` is a PRODUCER span whose W3C context travels with the job; the job's
  run is a CONSUMER span in the same trace, linked to it.
* Transient failures (a provider, Redis or PostgreSQL briefly down) retry after a delay;
  anything else fails the job at once.
* A running job renews a short claim (a heartbeat) instead of holding arq's claim for its
  whole timeout: a worker killed mid-job leaves a job that another worker retries within
  seconds, not after half an hour.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from arq import Retry
from arq.connections import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix, retry_key_prefix
from arq.jobs import Job, JobStatus
from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind
from redis.asyncio import Redis

from carteira.core.database import atomic, on_commit
from carteira.core.errors import DATABASE_DOWN_ERRORS, REDIS_DOWN_ERRORS, ServiceUnavailableError
from carteira.core.metrics import JOB_DURATION, JOBS
from carteira.core.outbox import OutboxJob
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
DEFAULT_HEARTBEAT_SECONDS = 15.0
# The relay leaves fresh rows to the request that wrote them (it sends right after commit).
OUTBOX_GRACE_SECONDS = 5
KEEP_RESULT_SECONDS = 24 * 3600  # arq keeps a finished job's result this long by default


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
    keep_result_seconds: int = KEEP_RESULT_SECONDS,
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
                **_messaging(name, str(ctx.get("job_id")), operation="process"),
            }
            # The first short lease before any work: a worker killed from here on leaves a
            # claim that lapses in seconds, not after the job's whole timeout.
            await _lease(ctx)
            heartbeat = asyncio.create_task(_heartbeat(ctx))
            # The PRODUCER span of `enqueue()` is the parent (one trace) and the link.
            producer = context_from(_trace)
            producer_span = trace.get_current_span(producer).get_span_context()
            with tracer.start_as_current_span(
                f"job {name}",
                context=producer,
                kind=SpanKind.CONSUMER,
                links=[Link(producer_span)] if producer_span.is_valid else None,
                attributes=attributes,
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
                    heartbeat.cancel()
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


def _messaging(name: str, job_id: str, *, operation: str) -> dict[str, str]:
    """OpenTelemetry's messaging attributes of a job's PRODUCER and CONSUMER spans."""
    return {
        "messaging.system": "arq",
        "messaging.operation.type": operation,
        "messaging.destination.name": default_queue_name,
        "messaging.message.id": job_id,
        "job.function": name,
    }


def _every(ctx: Context) -> float:
    settings = ctx.get("settings")
    return settings.job_heartbeat_seconds if settings else DEFAULT_HEARTBEAT_SECONDS


async def _lease(ctx: Context) -> None:
    """Shorten this job's claim to three heartbeats (arq's own lasts the job's timeout)."""
    redis: Redis | None = ctx.get("redis")
    if redis is None or "job_id" not in ctx:
        return
    with contextlib.suppress(*REDIS_DOWN_ERRORS):
        await redis.pexpire(in_progress_key_prefix + ctx["job_id"], int(_every(ctx) * 3 * 1000))


async def _heartbeat(ctx: Context) -> None:
    """Keep this job's claim alive in short leases while it runs (arq's own claim lasts the
    job's whole timeout, so a killed worker would leave the job stuck that long)."""
    while True:
        await asyncio.sleep(_every(ctx))
        await _lease(ctx)


def _progress_key(job_id: str) -> str:
    return f"job-progress:{job_id}"


def _owner_key(job_id: str) -> str:
    return f"job-owner:{job_id}"


@dataclass(frozen=True)
class Reader:
    """Who asks for a job's state: a private job answers only its owner and admins."""

    user_id: int
    is_admin: bool


async def report_progress(ctx: Context, *, done: int, total: int) -> None:
    """Let `GET /jobs/{id}` show how far a running job is."""
    await set_progress(ctx["redis"], ctx["job_id"], done=done, total=total)


async def set_progress(redis: Redis, job_id: str, *, done: int, total: int) -> None:
    """The progress of job `job_id`, reported by whichever job does its work (a job that
    fans out into others: each of them)."""
    await redis.set(
        _progress_key(job_id), json.dumps({"done": done, "total": total}), ex=PROGRESS_TTL_SECONDS
    )


@dataclass(frozen=True)
class JobState:
    job_id: str
    status: str  # queued | in_progress | retrying | complete | failed | not_found
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
        """Record `name` in the outbox in the current transaction (its own, outside one) and
        send it once that commits; the relay retries what could not be sent."""
        job_id = job_id or uuid.uuid4().hex
        # The PRODUCER span: the job is asked for here; its carrier travels with the job, whose
        # CONSUMER span continues this trace and links back to it.
        with tracer.start_as_current_span(
            f"enqueue {name}",
            kind=SpanKind.PRODUCER,
            attributes={"job.id": job_id, **_messaging(name, job_id, operation="send")},
        ):
            async with atomic():
                entry = await OutboxJob.create(
                    job_id=job_id,
                    function=name,
                    args=list(args),
                    kwargs=kwargs,
                    trace=current_carrier(),  # names the PRODUCER span
                )
                await on_commit(lambda: self._send_now(entry))
        return job_id

    async def _send_now(self, entry: OutboxJob) -> None:
        try:
            await self._send(entry)
        except (*REDIS_DOWN_ERRORS, *DATABASE_DOWN_ERRORS) as exc:
            logger.warning("job %s not sent yet (%r); the relay will retry", entry.job_id, exc)

    async def _send(self, entry: OutboxJob) -> None:
        kwargs: dict[str, Any] = dict(entry.kwargs)
        queued = await self.arq.enqueue_job(
            entry.function, *entry.args, _job_id=entry.job_id, _trace=entry.trace, **kwargs
        )
        if queued is None:
            logger.info("job %s is already queued or running; not enqueued twice", entry.job_id)
        await OutboxJob.filter(id=entry.id).delete()

    async def relay(self, *, limit: int = 200) -> int:
        """Send what the outbox still holds (the worker runs this every few seconds)."""
        sent = 0
        async with atomic():
            entries = await (
                OutboxJob.filter(
                    created_at__lt=datetime.now(UTC) - timedelta(seconds=OUTBOX_GRACE_SECONDS)
                )
                .order_by("id")
                .limit(limit)
                .select_for_update(skip_locked=True)
            )
            for entry in entries:
                try:
                    await self._send(entry)
                    sent += 1
                except REDIS_DOWN_ERRORS:
                    await OutboxJob.filter(id=entry.id).update(attempts=entry.attempts + 1)
                    break
        return sent

    async def keep_private(self, job_id: str, *, owner_id: int, seconds: int) -> None:
        """Let only `owner_id` and admins read job `job_id`'s state (its summary may name
        clients): anyone else is answered as for a job that does not exist. `seconds`: how
        long the job may take; the record outlives its result."""
        await self.arq.set(_owner_key(job_id), str(owner_id), ex=seconds + KEEP_RESULT_SECONDS)

    async def state(self, job_id: str, *, reader: Reader | None = None) -> JobState:
        """The job's state; with `reader`, `not_found` for a private job that is not theirs."""
        if reader is not None and not reader.is_admin:
            owner = await self.arq.get(_owner_key(job_id))
            if owner is not None and int(owner) != reader.user_id:
                return JobState(job_id=job_id, status="not_found")
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
        tried = int(await self.arq.get(retry_key_prefix + job_id) or 0)
        return JobState(
            job_id=job_id,
            status=(
                "in_progress"
                if status is JobStatus.in_progress
                else "retrying"
                if tried
                else "queued"
            ),
            function=info.function if info else None,
            enqueued_at=info.enqueue_time if info else None,
            tries=tried or (info.job_try if info else None),
            progress=progress,
        )
