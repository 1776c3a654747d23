"""A batch's statement made whole in an idle-priority render process: figures, HTML and PDF.

A worker printing a book hands each client to its render processes (core.pdf.PdfRenderer,
under SCHED_IDLE). Gathering a client's figures (the ledger replayed, the performance walked,
the tax worked out) was the one part left in the worker, at normal priority: it held a core
in bursts, and an API request that woke meanwhile could wait for it up to a scheduler tick.
Here nothing of a batch competes with the API but its database queries.

Each render process opens its own services once (a database pool of two, Redis, the market
data, as the worker has them) and keeps them for its next clients. What crosses back to the
worker is the PDF or a `PrintFailure`: the reason as text and whether it was transient (the
chunk is then retried), since not every exception of the app's survives pickling.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from carteira.assets.service import InstrumentRegistry
from carteira.core.clock import set_timezone
from carteira.core.config import Settings
from carteira.core.database import init_orm, ping
from carteira.core.errors import AppError
from carteira.core.events import EventBus
from carteira.core.jobs import TRANSIENT, JobQueue
from carteira.core.redis import create_redis
from carteira.pricing.service import MarketData, create_market_data
from carteira.statements import service

logger = logging.getLogger(__name__)
T = TypeVar("T")

PRINT_PROCESS_POOL_SIZE = 2  # it prints one client at a time


@dataclass(frozen=True)
class PrintFailure:
    reason: str
    transient: bool


def failure_reason(exc: Exception) -> str:
    """What the batch's list of failures says of a client's statement."""
    if isinstance(exc, AppError):
        return f"{exc.code}: {exc.detail}"
    return f"erro ao gerar o PDF ({type(exc).__name__})"


@dataclass(frozen=True)
class _Services:
    loop: asyncio.AbstractEventLoop
    context: contextvars.Context  # the ORM's, set up by the first task and kept for the next
    settings: Settings
    events: EventBus
    market: MarketData
    jobs: JobQueue

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(self.loop.create_task(work, context=self.context))


_services: _Services | None = None  # this render process's own


def print_statement(
    settings: Settings, client_id: int, year: int, month: int
) -> bytes | PrintFailure:
    """The client's statement of the month, made in this process (a render process's job)."""
    try:
        services = _open(settings)
        return services.run(_print(services, client_id=client_id, year=year, month=month))
    except TRANSIENT as exc:
        return PrintFailure(reason=failure_reason(exc), transient=True)
    except Exception as exc:  # one client's failure is listed, never fatal
        if not isinstance(exc, AppError):
            logger.exception("statement of client %s failed", client_id)
        return PrintFailure(reason=failure_reason(exc), transient=False)


def prepare(settings: Settings) -> None:
    """A render process's start (a worker starts them as it starts): its services open and
    its database connections made before the first client of a batch."""
    services = _open(settings)
    services.run(ping())


def _open(settings: Settings) -> _Services:
    global _services
    if _services is None:
        set_timezone(settings.timezone)
        loop, context = asyncio.new_event_loop(), contextvars.Context()
        connected = loop.create_task(_connect(settings), context=context)
        _services = _Services(loop, context, settings, *loop.run_until_complete(connected))
    return _services


async def _connect(settings: Settings) -> tuple[EventBus, MarketData, JobQueue]:
    await init_orm(
        settings.model_copy(update={"database_pool_size": PRINT_PROCESS_POOL_SIZE}),
        role="statements",
    )
    redis = create_redis(settings)
    events = EventBus(redis)  # publish-only, as the worker's
    market = create_market_data(settings, redis, instruments=InstrumentRegistry(events))
    return events, market, JobQueue(redis)


async def _print(services: _Services, *, client_id: int, year: int, month: int) -> bytes:
    # Printed in a thread of this process, idle as it is.
    return await service.statement_pdf(
        client_id=client_id,
        year=year,
        month=month,
        settings=services.settings,
        market=services.market,
        events=services.events,
        jobs=services.jobs,
    )
