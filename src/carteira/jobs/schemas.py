from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, model_validator

from carteira.core import clock
from carteira.core.types import CalendarDate, Id
from carteira.core.validators import invalid

MAX_SPAN_DAYS = 3660


class DailyReturnsJobRequest(BaseModel):
    """All optional: one asset or all of them; the last week by default."""

    model_config = ConfigDict(extra="forbid")

    asset_id: Id | None = None
    start: CalendarDate | None = None
    end: CalendarDate | None = None

    @model_validator(mode="after")
    def _sane_window(self) -> Self:
        today = clock.today()
        if self.end is not None and self.end > today:
            raise invalid("end_in_future", "end cannot be in the future")
        if self.start is not None and self.start > (self.end or today):
            raise invalid("start_after_end", "start must not be after end")
        if self.start is not None and ((self.end or today) - self.start).days > MAX_SPAN_DAYS:
            raise invalid("span_too_long", "at most {days} days per job", days=MAX_SPAN_DAYS)
        return self


class JobAccepted(BaseModel):
    job_id: str


class JobProgress(BaseModel):
    done: int
    total: int


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    job_id: str
    status: Literal["queued", "in_progress", "retrying", "complete", "failed", "not_found"]
    function: str | None = None
    enqueued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    tries: int | None = None
    result: Any = None
    error: str | None = None
    progress: JobProgress | None = None
