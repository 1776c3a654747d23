"""Jobs started and followed through the API."""

from __future__ import annotations

from carteira.assets import service as assets
from carteira.core.jobs import JobQueue, JobState, Reader
from carteira.jobs.schemas import DailyReturnsJobRequest
from carteira.pricing import service as pricing


async def start_daily_returns(*, jobs: JobQueue, request: DailyReturnsJobRequest) -> str:
    if request.asset_id is not None:
        await assets.get_asset(asset_id=request.asset_id)  # 404 before queueing anything
    return await pricing.schedule_refresh(
        jobs=jobs, asset_id=request.asset_id, start=request.start, end=request.end
    )


async def job_state(*, jobs: JobQueue, job_id: str, user_id: int, is_admin: bool) -> JobState:
    return await jobs.state(job_id, reader=Reader(user_id=user_id, is_admin=is_admin))
