"""What the import endpoints read and write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from carteira.allocations.schemas import Kind, ProviderChangeOut
from carteira.assets.schemas import TreasuryTerms
from carteira.core.pagination import Page
from carteira.core.types import DecimalStr
from carteira.imports import examples
from carteira.imports.formats import RowStatus
from carteira.imports.models import ImportFormat, ImportStatus


class ImportRowOut(BaseModel):
    """One row of the file (`line`: the row number a spreadsheet shows). `new`: it will be
    written; `duplicate`: the ledger already holds it (an earlier import of the same or an
    overlapping file); `ignored`: not something the ledger records, `code` and `message` say
    why; `error`: `field` names the file's column at fault, `code` and `message` what is
    wrong."""

    line: int
    status: RowStatus
    kind: Kind | None = None
    date: dt.date | None = None
    ticker: str | None = None
    quantity: DecimalStr | None = None
    price: DecimalStr | None = None
    amount: DecimalStr | None = Field(None, description="a provento's gross amount")
    tax: DecimalStr | None = Field(None, description="withheld (a JCP's, from its net value)")
    ratio: str | None = Field(None, description='a split\'s new shares for old ones ("2:1")')
    code: str | None = Field(
        None,
        description="why the row is ignored or in error: one of the import's codes"
        " (`market_not_recorded`, `unknown_treasury_maturity`, `not_a_date`, …) or of the"
        " ledger's (`date_in_future`, `insufficient_quantity`, `unknown_ticker`, …)",
    )
    message: str | None = None
    field: str | None = Field(None, description="the file's column at fault")
    values: dict[str, str] = Field(
        default_factory=dict, description="what the message names (a ticker, a date, a limit)"
    )


class StoredRow(ImportRowOut):
    """A row as kept until the commit: a new row's entry and reference too, and a Tesouro
    title's terms (registered at the commit when they are not yet)."""

    entry: dict[str, Any] | None = None
    external_ref: str | None = None
    treasury: TreasuryTerms | None = None


class ImportCounts(BaseModel):
    rows: int
    new: int
    duplicate: int
    ignored: int
    error: int


class ImportWrittenOut(BaseModel):
    """What the commit wrote: `created` entries; `duplicate`, new rows of the preview that the
    ledger held by the time of the commit; `skipped_errors`, error rows left out
    (`skip_errors=true`)."""

    created: int
    duplicate: int
    skipped_errors: int


class ImportSummary(BaseModel):
    """An import: the file, who sent it and when, its counts, and its commit."""

    id: int
    client_id: int
    format: ImportFormat
    file_name: str
    status: ImportStatus
    counts: ImportCounts
    created_by: int | None = Field(description="the user who sent the file (null: an operator)")
    created_by_email: str | None
    created_at: dt.datetime
    committed_by: int | None
    committed_by_email: str | None
    committed_at: dt.datetime | None
    written: ImportWrittenOut | None


class ImportOut(ImportSummary):
    """An import with every row of its file."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.IMPORT]})

    rows: list[ImportRowOut]


class ImportCommitted(ImportSummary):
    """The import once written, and what the write did to the provider-made entries (an
    imported provento supersedes the provider's of its asset and ex date)."""

    provider_changes: list[ProviderChangeOut]


ImportPage = Page[ImportSummary]
