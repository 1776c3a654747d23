from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import StreamingResponse

from carteira.auth.dependencies import CurrentUser, WriterUser
from carteira.clients.dependencies import Scope, client_router
from carteira.core.dependencies import EventsDep, JobsDep, RedisDep, SettingsDep
from carteira.core.openapi import raises
from carteira.core.types import PathId
from carteira.jobs.schemas import JobAccepted
from carteira.pricing.dependencies import MarketDep
from carteira.statements import batch, service
from carteira.statements.exceptions import (
    StatementBeforeFirstEntryError,
    StatementMonthInFutureError,
    StatementResultNotFoundError,
    StatementResultNotReadyError,
)
from carteira.statements.schemas import StatementsJobRequest

router = client_router(tags=["statements"])
jobs_router = APIRouter(prefix="/jobs", tags=["statements"])

PDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/pdf": {}},
        "description": "the statement, A4, in Portuguese",
        "headers": {
            "Content-Disposition": {
                "description": "attachment; filename=relatorio-<year>-<month>-<client>.pdf",
                "schema": {"type": "string"},
            }
        },
    }
}
ZIP_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/zip": {}},
        "description": "one PDF per client, and falhas.csv listing those that failed",
    }
}
JobId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9:._-]+$")]
Year = Annotated[int, Query(ge=1900, le=2200, description="the statement's year")]
Month = Annotated[int, Query(ge=1, le=12, description="the statement's month")]


@router.get("/statement", response_class=Response, responses=PDF_RESPONSES)
@raises(StatementMonthInFutureError, StatementBeforeFirstEntryError)
async def statement_get(
    client_id: PathId,
    year: Year,
    month: Month,
    settings: SettingsDep,
    market: MarketDep,
    events: EventsDep,
    jobs: JobsDep,
) -> Response:
    """The client's monthly statement (PDF, pt-BR, A4): patrimônio, rentabilidade beside CDI
    and IBOVESPA, the curve, allocation, positions (renda fixa gross, IR, IOF and net),
    the month's movements and proventos, realized gains and the month's DARF. A month not yet
    closed is marked `parcial`; one ending before the client's first entry is 422."""
    data = await service.figures(
        client_id=client_id,
        year=year,
        month=month,
        settings=settings,
        market=market,
        events=events,
        jobs=jobs,
    )
    pdf = await service.pdf_of(data)
    name = service.file_name(client_id=client_id, name=data.client_name, year=year, month=month)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@jobs_router.post("/statements", response_model=JobAccepted, status_code=HTTPStatus.ACCEPTED)
async def jobs_statements(
    body: StatementsJobRequest,
    user: WriterUser,
    scope: Scope,
    settings: SettingsDep,
    jobs: JobsDep,
    redis: RedisDep,
    response: Response,
) -> JobAccepted:
    """Every visible client's statement of the month (an advisor: their own clients only;
    `advisor_id` narrows it to one advisor's book), rendered by the workers. Follow it with
    `GET /jobs/{id}` (`progress`: done / total clients); the ZIP is then at
    `GET /jobs/{id}/result` for `STATEMENTS_KEEP_SECONDS`."""
    job_id = await batch.start(
        year=body.year,
        month=body.month,
        advisor_id=body.advisor_id,
        creator_id=user.id,
        scope=scope,
        settings=settings,
        jobs=jobs,
        redis=redis,
    )
    response.headers["Location"] = f"/jobs/{job_id}"
    return JobAccepted(job_id=job_id)


@jobs_router.get("/{job_id}/result", response_class=Response, responses=ZIP_RESPONSES)
@raises(StatementResultNotFoundError, StatementResultNotReadyError)
async def jobs_result(job_id: JobId, user: CurrentUser, redis: RedisDep) -> StreamingResponse:
    """A batch of statements as a ZIP (streamed): only for the user who started it and for
    admins (404 for anyone else, as for a batch that does not exist); 409 while rendering."""
    found, pieces = await batch.result_pieces(
        batch_id=job_id, user_id=user.id, is_admin=user.is_admin, redis=redis
    )
    name = f"relatorios-{found.year}-{found.month:02d}.zip"
    return StreamingResponse(
        pieces,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
