from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from carteira.core.types import Id


class StatementsJobRequest(BaseModel):
    """Every visible client's statement of the month (an advisor: their own book)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"year": 2026, "month": 11}]}
    )

    year: int = Field(ge=1900, le=2200)
    month: int = Field(ge=1, le=12)
    advisor_id: Id | None = Field(None, description="only this advisor's clients")
