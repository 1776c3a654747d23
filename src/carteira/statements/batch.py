"""A whole book's statements at once, shared out among any number of workers.

`POST /jobs/statements` records the batch in Redis (who asked, the month, the clients the
caller may see) and enqueues one job, `statements_batch`, after the commit. That job splits
the clients into chunks of `STATEMENTS_CHUNK_SIZE` and enqueues one `statements_chunk` job per
chunk (deterministic ids: a retried batch job never enqueues a chunk twice); any worker
connected to the same Redis takes them, one chunk at a time per process (a busy process
hands a chunk it took back to the queue). A worker prints in `STATEMENTS_RENDER_PROCESSES`
idle-priority processes of its own (core.pdf.PdfRenderer), one client per process at a time,
each statement made whole there (figures, HTML, PDF: statements.printing), and keeps each PDF
in Redis; a client that fails is recorded with its reason and the chunk carries on.
The chunk that finishes last assembles the ZIP (one `SET NX` decides which), keeps it for
`STATEMENTS_KEEP_SECONDS` and marks the batch ready; the batch job, which has been reporting
`done`/`total` meanwhile, then ends with the summary `GET /jobs/{id}` shows.

Every step is idempotent (a client already rendered is skipped, a chunk counted once), so
a worker killed mid-chunk leaves a chunk another worker retries, never a lost or doubled one.
The ZIP is read back with `GET /jobs/{id}/result`, only by the user who asked and by admins.
"""

from __future__ import annotations

import asyncio
import csv
import inspect
import io
import json
import logging
import tempfile
import time
import zipfile
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from redis.asyncio import Redis

from carteira.clients import service as clients
from carteira.clients.service import ClientScope
from carteira.core.config import Settings
from carteira.core.jobs import TRANSIENT, Context, JobQueue, job, report_progress, set_progress
from carteira.core.pdf import PdfRenderer
from carteira.statements import printing, service
from carteira.statements.exceptions import (
    StatementPrintInterruptedError,
    StatementResultNotFoundError,
    StatementResultNotReadyError,
)

logger = logging.getLogger(__name__)

BATCH_TIMEOUT_SECONDS = 6 * 3600
ZIP_PIECE_BYTES = 1024 * 1024
POLL_SECONDS = 0.5
FAILURES_FILE = "falhas.csv"
HAND_OVER_SECONDS = 1.0
_rendering = False  # this process is rendering a chunk (see statements_chunk)


T = TypeVar("T")


async def _done(command: Awaitable[T] | T) -> T:
    """A redis-py command's answer (its commands are typed for the sync client too)."""
    assert inspect.isawaitable(command)
    answer: T = await command
    return answer


def _key(batch_id: str, part: str) -> str:
    return f"statements:{batch_id}:{part}"


@dataclass(frozen=True)
class Batch:
    batch_id: str
    creator_id: int
    year: int
    month: int
    client_ids: list[int]
    chunk_size: int

    @property
    def chunks(self) -> list[list[int]]:
        ids, size = self.client_ids, self.chunk_size
        return [ids[i : i + size] for i in range(0, len(ids), size)]

    def dumps(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def loads(cls, raw: bytes | str) -> Batch:
        return cls(**json.loads(raw))


async def start(
    *,
    year: int,
    month: int,
    advisor_id: int | None,
    creator_id: int,
    scope: ClientScope,
    settings: Settings,
    jobs: JobQueue,
    redis: Redis,
) -> str:
    """Records the batch and enqueues its job (sent once the outbox row commits)."""
    client_ids = await clients.matching_client_ids(
        search=None, status=None, scope=scope, advisor_id=advisor_id
    )
    batch_id = f"statements-{year}-{month:02d}-{time.time_ns():x}"
    batch = Batch(
        batch_id=batch_id,
        creator_id=creator_id,
        year=year,
        month=month,
        client_ids=client_ids,
        chunk_size=settings.statements_chunk_size,
    )
    lifetime = _lifetime(settings)
    await redis.set(_key(batch_id, "meta"), batch.dumps(), ex=lifetime)
    await set_progress(redis, batch_id, done=0, total=len(client_ids))
    await jobs.keep_private(batch_id, owner_id=creator_id, seconds=lifetime)
    await jobs.enqueue("statements_batch", batch_id, job_id=batch_id)
    return batch_id


async def _batch(redis: Redis, batch_id: str) -> Batch | None:
    raw = await redis.get(_key(batch_id, "meta"))
    return Batch.loads(raw) if raw else None


@job(timeout_seconds=BATCH_TIMEOUT_SECONDS, max_tries=3, retry_delay_seconds=5)
async def statements_batch(ctx: Context, batch_id: str) -> dict[str, Any]:
    """Fans the batch out in chunks, then follows them until the last one has built the ZIP."""
    redis: Redis = ctx["redis"]
    jobs: JobQueue = ctx["jobs"]
    batch = await _batch(redis, batch_id)
    if batch is None:
        return {"total": 0, "rendered": 0, "failed": [], "expired": True}
    total = len(batch.client_ids)
    chunks = batch.chunks
    for index, chunk in enumerate(chunks):
        await jobs.enqueue(
            "statements_chunk", batch_id, index, chunk, 0, job_id=f"{batch_id}-chunk-{index}-0"
        )
    if not chunks:
        await _assemble(redis, batch, ctx["settings"])
    while True:
        ready = await redis.get(_key(batch_id, "ready"))
        if ready is not None:
            summary: dict[str, Any] = json.loads(ready)
            await report_progress(ctx, done=total, total=total)
            return summary
        await asyncio.sleep(POLL_SECONDS)


CHUNK_TRIES = 3


@job(timeout_seconds=1800, max_tries=CHUNK_TRIES, retry_delay_seconds=5)
async def statements_chunk(
    ctx: Context, batch_id: str, index: int, client_ids: Sequence[int], handed: int = 0
) -> int:
    """Renders a chunk's clients (a failure is recorded, never fatal); the last chunk to end
    assembles the ZIP. Returns how many clients this run rendered, or -1 when it handed the
    chunk back to the queue.

    Rendering is CPU-bound (a chunk keeps the worker's render processes busy), and arq lets a
    worker claim up to `max_jobs` jobs at once: a worker that is already rendering a chunk
    would take every other chunk too and leave the other workers idle. So a worker renders one
    chunk at a time, and a chunk that reaches a busy worker is enqueued again, a second later,
    for whichever worker is free (`handed` counts the hand-overs: each copy has its own id)."""
    global _rendering
    if _rendering:
        await ctx["jobs"].enqueue(
            "statements_chunk",
            batch_id,
            index,
            list(client_ids),
            handed + 1,
            job_id=f"{batch_id}-chunk-{index}-{handed + 1}",
            _defer_by=HAND_OVER_SECONDS,
        )
        return -1
    _rendering = True
    try:
        return await _render_chunk(ctx, batch_id, index, client_ids)
    except TRANSIENT as exc:
        if int(ctx.get("job_try", 1)) < CHUNK_TRIES:
            raise  # retried; what it rendered stays rendered
        # Out of tries: its clients not yet rendered are listed as failed, so the batch ends.
        await _give_up_chunk(ctx, batch_id, index, client_ids, exc)
        return 0
    finally:
        _rendering = False


async def _render_chunk(ctx: Context, batch_id: str, index: int, client_ids: Sequence[int]) -> int:
    redis: Redis = ctx["redis"]
    settings: Settings = ctx["settings"]
    renderer: PdfRenderer = ctx["pdf"]
    batch = await _batch(redis, batch_id)
    if batch is None:
        return 0
    names = await _names(client_ids)
    done = await _seen(redis, batch_id)  # by an earlier try of this chunk
    # One client per render process (each makes its statements whole: figures, HTML, PDF;
    # see statements.printing), or one at a time in this process.
    slots = asyncio.Semaphore(max(renderer.processes, 1))

    async def render(client_id: int) -> bool:
        async with slots:
            return await _render_client(ctx, batch, client_id=client_id, name=names[client_id])

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(render(client_id))
                for client_id in client_ids
                if client_id not in done
            ]
    except ExceptionGroup as failures:  # transient only (a client's own failure is recorded)
        raise failures.exceptions[0] from None
    await _chunk_done(redis, batch, index, settings)
    return sum(task.result() for task in tasks)


async def _give_up_chunk(
    ctx: Context, batch_id: str, index: int, client_ids: Sequence[int], exc: Exception
) -> None:
    redis: Redis = ctx["redis"]
    settings: Settings = ctx["settings"]
    batch = await _batch(redis, batch_id)
    if batch is None:
        return
    logger.warning("statements chunk %s of %s out of tries: %r", index, batch_id, exc)
    lifetime = _lifetime(settings)
    try:
        names = await _names(client_ids)
    except TRANSIENT:  # the database still down: the ids will do
        names = {client_id: f"cliente {client_id}" for client_id in client_ids}
    done = await _seen(redis, batch_id)
    for client_id in client_ids:
        if client_id not in done:
            name = names[client_id]
            reason = printing.failure_reason(exc)
            await _record(
                redis, batch, client_id=client_id, name=name, outcome=reason, lifetime=lifetime
            )
    await _chunk_done(redis, batch, index, settings)


async def _seen(redis: Redis, batch_id: str) -> set[int]:
    """The batch's clients already printed or listed as failed."""
    return {int(member) for member in await _done(redis.smembers(_key(batch_id, "seen")))}


async def _names(client_ids: Sequence[int]) -> dict[int, str]:
    """Each client's name for its file and the failures' list (a deleted one gets its id)."""
    labels = await clients.labels(client_ids=client_ids)
    return {
        client_id: labels[client_id].name if client_id in labels else f"cliente {client_id}"
        for client_id in client_ids
    }


def _lifetime(settings: Settings) -> int:
    """How long a batch's pieces live in Redis: its longest run, then the keeping time."""
    return BATCH_TIMEOUT_SECONDS + settings.statements_keep_seconds


async def _chunk_done(redis: Redis, batch: Batch, index: int, settings: Settings) -> None:
    """Counts the chunk; the last one to end assembles the ZIP (one `SET NX` decides which)."""
    lifetime = _lifetime(settings)
    chunks_done = _key(batch.batch_id, "chunks")
    await _done(redis.sadd(chunks_done, str(index)))
    await redis.expire(chunks_done, lifetime)
    finished = int(await _done(redis.scard(chunks_done))) == len(batch.chunks)
    if finished and await redis.set(_key(batch.batch_id, "assembling"), 1, nx=True, ex=lifetime):
        await _assemble(redis, batch, settings)


async def _render_client(ctx: Context, batch: Batch, *, client_id: int, name: str) -> bool:
    """One client's statement kept in the batch, or its failure recorded; False when it
    failed."""
    redis: Redis = ctx["redis"]
    settings: Settings = ctx["settings"]
    renderer: PdfRenderer = ctx["pdf"]
    lifetime = _lifetime(settings)
    outcome: bytes | str
    try:
        if renderer.processes:
            made = await renderer.run(
                partial(printing.print_statement, settings, client_id, batch.year, batch.month)
            )
            if isinstance(made, printing.PrintFailure) and made.transient:
                raise StatementPrintInterruptedError(made.reason)
            outcome = made.reason if isinstance(made, printing.PrintFailure) else made
        else:
            outcome = await service.statement_pdf(
                client_id=client_id,
                year=batch.year,
                month=batch.month,
                settings=settings,
                market=ctx["market"],
                events=ctx["events"],
                jobs=ctx["jobs"],
                renderer=renderer,
            )
    except TRANSIENT:
        raise
    except Exception as exc:  # one client never stops the batch
        outcome = printing.failure_reason(exc)
    if isinstance(outcome, str):
        logger.warning("statement of client %s failed: %s", client_id, outcome)
    await _record(redis, batch, client_id=client_id, name=name, outcome=outcome, lifetime=lifetime)
    return isinstance(outcome, bytes)


async def _record(
    redis: Redis,
    batch: Batch,
    *,
    client_id: int,
    name: str,
    outcome: bytes | str,
    lifetime: int,
) -> None:
    """A client's PDF, or why it has none, kept in the batch; the client counted done."""
    batch_id = batch.batch_id
    if isinstance(outcome, bytes):
        file_name = service.file_name(
            client_id=client_id, name=name, year=batch.year, month=batch.month
        )
        pdfs = _key(batch_id, "pdfs")
        await _done(redis.hset(pdfs, file_name, outcome))  # type: ignore[arg-type]
        await redis.expire(_key(batch_id, "pdfs"), lifetime)
    else:
        reason = json.dumps({"name": name, "reason": outcome})
        await _done(redis.hset(_key(batch_id, "failed"), str(client_id), reason))
        await redis.expire(_key(batch_id, "failed"), lifetime)
    seen = _key(batch_id, "seen")
    await _done(redis.sadd(seen, str(client_id)))
    await redis.expire(seen, lifetime)
    done = int(await _done(redis.scard(seen)))
    await set_progress(redis, batch_id, done=done, total=len(batch.client_ids))


async def _assemble(redis: Redis, batch: Batch, settings: Settings) -> None:
    """The ZIP of every PDF and the list of failures, kept in pieces for the download."""
    batch_id, keep = batch.batch_id, settings.statements_keep_seconds
    failed = {
        int(client_id): json.loads(raw)
        for client_id, raw in (await _done(redis.hgetall(_key(batch_id, "failed")))).items()
    }
    size = 0
    rendered = 0
    zip_key = _key(batch_id, "zip")
    await redis.delete(zip_key)
    with tempfile.TemporaryFile() as spool:
        # PDFs are compressed already: stored as they are.
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as archive:
            async for name, pdf in redis.hscan_iter(_key(batch_id, "pdfs")):
                archive.writestr(name.decode(), pdf)
                rendered += 1
            if failed:
                archive.writestr(FAILURES_FILE, _failures_csv(failed))
        spool.seek(0)
        while piece := spool.read(ZIP_PIECE_BYTES):
            await _done(redis.rpush(zip_key, piece))
            size += len(piece)
    await redis.expire(zip_key, keep)
    summary = {
        "total": len(batch.client_ids),
        "rendered": rendered,
        "failed": sorted(failed),
        "chunks": len(batch.chunks),
        "zip_bytes": size,
        "result": f"/jobs/{batch_id}/result",
    }
    await redis.set(_key(batch_id, "ready"), json.dumps(summary), ex=keep)
    await redis.expire(_key(batch_id, "meta"), keep)
    await redis.delete(_key(batch_id, "pdfs"))


def _failures_csv(failed: dict[int, dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL)
    writer.writerow(["cliente_id", "nome", "motivo"])
    for client_id, failure in sorted(failed.items()):
        # A name is text in a spreadsheet, never a formula.
        name = failure["name"]
        writer.writerow([client_id, f"'{name}" if name[:1] in "=+-@" else name, failure["reason"]])
    return "\ufeff" + out.getvalue()


async def result_pieces(
    *, batch_id: str, user_id: int, is_admin: bool, redis: Redis
) -> tuple[Batch, AsyncIterator[bytes]]:
    """The batch's ZIP, piece by piece: only for the user who asked for it and for admins
    (anyone else is answered as for a batch that does not exist)."""
    batch = await _batch(redis, batch_id)
    if batch is None or not (is_admin or batch.creator_id == user_id):
        raise StatementResultNotFoundError()
    if await redis.get(_key(batch_id, "ready")) is None:
        raise StatementResultNotReadyError()
    zip_key = _key(batch_id, "zip")
    count = int(await _done(redis.llen(zip_key)))
    if count == 0:
        raise StatementResultNotFoundError()

    async def pieces() -> AsyncIterator[bytes]:
        for index in range(count):
            piece: bytes | None = await _done(redis.lindex(zip_key, index))  # type: ignore[arg-type]
            if piece is None:  # expired while being read
                return
            yield piece

    return batch, pieces()
