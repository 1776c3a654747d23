from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Body, Path, Response

from carteira.assets.exceptions import AssetNotFoundError
from carteira.auth.dependencies import AdminUser, CurrentUser
from carteira.core.dependencies import JobsDep
from carteira.core.openapi import raises
from carteira.jobs import service
from carteira.jobs.schemas import DailyReturnsJobRequest, JobAccepted, JobOut

router = APIRouter(prefix="/jobs", tags=["jobs"])

JobId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9:._-]+$")]


@router.post("/daily-returns", response_model=JobAccepted, status_code=HTTPStatus.ACCEPTED)
@raises(AssetNotFoundError)
async def jobs_daily_returns(
    _: AdminUser,
    jobs: JobsDep,
    response: Response,
    body: Annotated[DailyReturnsJobRequest | None, Body()] = None,
) -> JobAccepted:
    """Refresh `daily_returns` (one asset or all; the last week unless `start`/`end` say)."""
    job_id = await service.start_daily_returns(jobs=jobs, request=body or DailyReturnsJobRequest())
    response.headers["Location"] = f"/jobs/{job_id}"
    return JobAccepted(job_id=job_id)


@router.get("/{job_id}", response_model=JobOut)
async def jobs_get(job_id: JobId, user: CurrentUser, jobs: JobsDep) -> JobOut:
    """Status (queued, in_progress, complete, failed, not_found), timings, result or error,
    and progress (`done`/`total`) while it runs. A batch of statements answers only the user
    who started it and admins (`not_found` for anyone else)."""
    state = await service.job_state(
        jobs=jobs, job_id=job_id, user_id=user.id, is_admin=user.is_admin
    )
    return JobOut.model_validate(state)
