from __future__ import annotations

import re
from http import HTTPStatus
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import File, Form, Query, Response, UploadFile

from carteira.allocations.exceptions import AmountOutOfRangeError, InsufficientQuantityError
from carteira.assets.exceptions import UnknownAssetError
from carteira.auth.dependencies import WriterUser
from carteira.clients.dependencies import client_router
from carteira.core.openapi import raises
from carteira.core.pagination import Pagination
from carteira.core.types import PathId
from carteira.imports import service
from carteira.imports.dependencies import ImportServicesDep
from carteira.imports.exceptions import (
    AlreadyCommittedError,
    ColumnsNotFoundError,
    ExpandsTooMuchError,
    ImportHasErrorsError,
    ImportNotFoundError,
    ImportTooLargeError,
    TooManyRowsError,
    UnreadableFileError,
    UnsupportedFileError,
)
from carteira.imports.models import ImportFormat
from carteira.imports.schemas import ImportCommitted, ImportOut, ImportPage
from carteira.pricing.exceptions import TICKER_LOOKUP_ERRORS

router = client_router(tags=["imports"], prefix="/imports")
# The route a file is sent to: its body may be as large as MAX_IMPORT_BYTES (and a form's
# framing), beyond the MAX_BODY_BYTES of every other route.
UPLOAD_PATH = re.compile(r"^/clients/[0-9]+/imports/?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _file_name(name: str | None) -> str:
    """The name the file had on the sender's machine, without its folders (for the record)."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    return _CONTROL.sub("", base).strip()[:255] or "import"


@router.post("", response_model=ImportOut, status_code=HTTPStatus.CREATED)
@raises(
    ImportTooLargeError,
    TooManyRowsError,
    UnsupportedFileError,
    UnreadableFileError,
    ExpandsTooMuchError,
    ColumnsNotFoundError,
)
async def imports_create(
    client_id: PathId,
    file: Annotated[UploadFile, File(description="XLSX or CSV, at most MAX_IMPORT_BYTES")],
    format: Annotated[ImportFormat, Form(description="how to read the file")],
    user: WriterUser,
    services: ImportServicesDep,
    response: Response,
) -> ImportOut:
    """A file of the client's history read into a preview: one row per line of the file
    (`new`, `duplicate`, `ignored` with the reason, `error` with the column) and the counts.
    Nothing is written to the ledger until the preview is committed. `b3_negociacao` and
    `b3_movimentacao`: B3's Área do Investidor extracts (XLSX or CSV); `carteira_csv`: the
    ledger's own export (`GET /clients/{id}/transactions?format=csv`)."""
    data = await file.read(services.max_bytes + 1)
    created = await service.preview(
        client_id=client_id,
        file_format=format,
        file_name=_file_name(file.filename),
        data=data,
        actor_id=user.id,
        services=services,
    )
    response.headers["Location"] = f"/clients/{client_id}/imports/{created.id}"
    return created


@router.get("", response_model=ImportPage)
async def imports_list(client_id: PathId, params: Pagination) -> ImportPage:
    """The client's imports, newest first: file name, who sent it and when, counts, and what
    the commit wrote."""
    return await service.list_imports(client_id=client_id, params=params)


@router.get("/{import_id}", response_model=ImportOut)
@raises(ImportNotFoundError)
async def imports_get(client_id: PathId, import_id: PathId) -> ImportOut:
    """An import with every row of its file."""
    return await service.get_import(client_id=client_id, import_id=import_id)


@router.post("/{import_id}/commit", response_model=ImportCommitted)
@raises(
    ImportNotFoundError,
    AlreadyCommittedError,
    ImportHasErrorsError,
    InsufficientQuantityError,
    AmountOutOfRangeError,
    UnknownAssetError,
    *TICKER_LOOKUP_ERRORS,
)
async def imports_commit(
    client_id: PathId,
    import_id: PathId,
    user: WriterUser,
    services: ImportServicesDep,
    skip_errors: Annotated[
        bool, Query(description="write the new rows and leave the error rows out")
    ] = False,
) -> ImportCommitted:
    """Every `new` row of the preview written in ONE transaction through the ledger (the same
    validation, audit and derived figures as a single write; tickers not registered yet are
    registered through the provider). 422 `import_has_errors` while error rows remain, unless
    `skip_errors=true`; 409 `import_already_committed` the second time; a quantity below zero
    on any date refuses the whole write."""
    return await service.commit(
        client_id=client_id,
        import_id=import_id,
        skip_errors=skip_errors,
        actor_id=user.id,
        services=services,
    )
