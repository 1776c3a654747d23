"""Imports of a client's history from a file: read into a preview (nothing written to the
ledger), then committed in one write through the ledger.

A preview reads the whole file (`formats`), then, row by row: gives each Tesouro Direto row its
title's maturity from Tesouro Transparente's file (the extract names only the year), hence its
treasury asset; validates each entry as a single write would; gives it a reference from its
content and its occurrence among identical rows of the file (`external_ref`), so that the same
file again, or one that overlaps it, finds its rows `duplicate`; asks the provider about
tickers not registered yet (an unknown one is an `error` row); and tries the new rows against
the ledger (a sale that would go short, a split with nothing held, are errors; a split told by
shares gets its ratio). The preview is kept, audited with the file's name and counts, until it
is committed: the Tesouro titles not registered yet registered as `POST /assets` registers
them, then every `new` row, in one transaction, through `allocations.service.record_imported`.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

from pydantic import TypeAdapter, ValidationError

from carteira.allocations import service as ledger
from carteira.allocations.schemas import Kind, SplitIn, TransactionIn
from carteira.assets import service as assets
from carteira.assets.exceptions import TickerTakenError
from carteira.assets.schemas import AssetDetails, TreasuryTerms, TreasuryTitle
from carteira.audit import service as audit
from carteira.auth import service as auth
from carteira.clients import service as clients
from carteira.core.database import atomic
from carteira.core.errors import AppError
from carteira.core.jsonable import decimal_str
from carteira.core.pagination import PageParams
from carteira.imports import cells, formats
from carteira.imports.exceptions import (
    AlreadyCommittedError,
    ImportHasErrorsError,
    ImportNotFoundError,
    ImportTooLargeError,
)
from carteira.imports.formats import Mapped, RowStatus
from carteira.imports.models import ImportBatch, ImportFormat, ImportStatus
from carteira.imports.schemas import (
    ImportCommitted,
    ImportCounts,
    ImportOut,
    ImportPage,
    ImportRowOut,
    ImportSummary,
    ImportWrittenOut,
    StoredRow,
)
from carteira.pricing import service as pricing
from carteira.pricing.exceptions import UnknownTickerError
from carteira.pricing.service import MarketData

ENTITY = "import"
_ENTRY: TypeAdapter[TransactionIn] = TypeAdapter(TransactionIn)
REFERENCE_PREFIX = "import:"
# Issues about a whole entry (no field in their location) and the field they are about.
_ISSUE_FIELDS = {
    "asset_reference_missing": "ticker",
    "asset_reference_twice": "ticker",
    "tax_exceeds_amount": "tax",
    "ratio_not_positive": "ratio",
}


@dataclass(frozen=True)
class ImportServices:
    """What an import needs from the running app: the ledger's services and the size limit."""

    ledger: ledger.Services
    max_bytes: int


# ---- preview -------------------------------------------------------------------------------


async def preview(
    *,
    client_id: int,
    file_format: ImportFormat,
    file_name: str,
    data: bytes,
    actor_id: int | None,
    services: ImportServices,
) -> ImportOut:
    """The file read and every row judged; nothing is written to the ledger."""
    await clients.ensure_client_exists(client_id=client_id)
    if len(data) > services.max_bytes:
        raise ImportTooLargeError(
            f"The file is larger than {services.max_bytes} bytes (MAX_IMPORT_BYTES).",
            fields={"limit": str(services.max_bytes)},
        )
    rows = await asyncio.to_thread(formats.read, data, file_format)
    treasury = await _place_treasury(rows, market=services.ledger.market)
    reporting = services.ledger.reporting_currency
    entries = _validated(rows)
    references = _references(rows, entries, reporting_currency=reporting)
    held = await ledger.existing_references(client_id=client_id, references=references.values())
    for row in rows:
        if row.status is RowStatus.NEW and references.get(row.line) in held:
            row.status = RowStatus.DUPLICATE
            row.message = "Already in the ledger (an earlier import of this or another file)."
    currencies = await _check_tickers(
        rows, entries, treasury=treasury, market=services.ledger.market
    )
    await _try(client_id, rows, entries, currencies=currencies, reporting_currency=reporting)
    stored = [
        _stored(row, entries.get(row.line), references.get(row.line), treasury.get(row.line))
        for row in rows
    ]
    batch = await _save(
        client_id=client_id,
        file_format=file_format,
        file_name=file_name,
        stored=stored,
        actor_id=actor_id,
    )
    return _detail(batch)


async def _place_treasury(
    rows: Sequence[Mapped], *, market: MarketData
) -> dict[int, TreasuryTerms]:
    """Each Tesouro Direto row's asset (by line): its title at the one maturity of the year the
    extract gives in Tesouro Transparente's file (read once), as the terms it is, or will be,
    registered with; its entry names that asset's ticker. A row the file cannot place, or
    every row when the file cannot be read now, is an error naming the product."""
    wanted = [row for row in rows if row.status is RowStatus.NEW and row.treasury is not None]
    if not wanted:
        return {}
    try:
        catalog = await pricing.treasury_titles(market=market)
    except AppError as exc:
        for row in wanted:
            name = row.treasury.name if row.treasury else ""
            values = {**exc.fields, "product": name}
            row.fail(exc.code, f"{name}: {exc.detail}", column=row.columns.get("ticker"), **values)
        return {}
    # The titles Carteira registers, compared as B3 and the file may write them.
    titles = {cells.key(title.value): title for title in TreasuryTitle}
    maturities: dict[TreasuryTitle, list[date]] = defaultdict(list)
    for bond in catalog.bonds:
        if (title := titles.get(cells.key(bond.title))) is not None:
            maturities[title].append(bond.maturity_date)
    placed: dict[int, TreasuryTerms] = {}
    for row in wanted:
        assert row.treasury is not None
        assert row.entry is not None
        title = titles.get(cells.key(row.treasury.title))
        maturity = formats.place_treasury(
            row, maturities=maturities[title] if title is not None else []
        )
        if title is None or maturity is None:
            continue
        terms = TreasuryTerms.model_validate(
            {"kind": "treasury", "title": title, "maturity_date": maturity}
        )
        row.entry["ticker"] = assets.registration_of(terms).base_ticker
        placed[row.line] = terms
    return placed


def _validated(rows: Sequence[Mapped]) -> dict[int, TransactionIn]:
    """Each new row's entry, validated as a single write validates it (by line); a row whose
    entry the ledger would refuse becomes an error naming the file's column."""
    entries: dict[int, TransactionIn] = {}
    for row in rows:
        if row.status is not RowStatus.NEW or row.entry is None:
            continue
        entry = _validate(row)
        if entry is not None:
            entries[row.line] = entry
            _show(row, entry)
    return entries


def _validate(row: Mapped) -> TransactionIn | None:
    try:
        return _ENTRY.validate_python(row.entry)
    except ValidationError as exc:
        issue = exc.errors()[0]
        loc = [part for part in issue["loc"] if isinstance(part, str)]
        name = loc[1] if len(loc) > 1 else _ISSUE_FIELDS.get(issue["type"], "")
        column = row.columns.get(name) or name or None
        values = {key: str(value) for key, value in (issue.get("ctx") or {}).items()}
        row.fail(
            issue["type"],
            f"{column}: {issue['msg']}." if column else f"{issue['msg']}.",
            column=column,
            **values,
        )
        return None


def _show(row: Mapped, entry: TransactionIn) -> None:
    """The preview's columns from the entry as validated (a JCP's tax worked out, a ticker in
    capitals; a split told by shares shows its ratio once the ledger has worked it out)."""
    told_by_shares = row.added is not None or row.leaves is not None
    for name in ("ticker", "quantity", "price", "amount", "tax", "ratio"):
        value = getattr(entry, name, None)
        if name == "ratio" and told_by_shares:
            continue
        if value is not None:
            setattr(row, name, value.upper() if name == "ticker" else value)
    row.kind, row.date = entry.kind, entry.date


def _identity(entry: TransactionIn, row: Mapped, *, reporting_currency: str) -> str:
    """An entry's content, normalized: the same figures read from any format say the same."""
    values = entry.model_dump(exclude={"note"}, exclude_none=True)
    kind = Kind(values["kind"])
    if "ticker" in values or "asset_id" in values:
        values.pop("currency", None)  # a security's currency is its asset's
        values["ticker"] = str(values.get("ticker", "")).upper()
    else:
        values["currency"] = values.get("currency") or reporting_currency
    if kind not in (Kind.BUY, Kind.SELL):
        values.pop("settlement", None)  # always cash
    if row.added is not None:
        values.pop("ratio", None)  # the ledger works it out: the shares say it
        values["added"] = row.added
    elif row.leaves is not None:
        values.pop("ratio", None)
        values["leaves"] = row.leaves
    return "|".join(f"{key}={_text(value)}" for key, value in sorted(values.items()))


def _text(value: object) -> str:
    if isinstance(value, Decimal):
        return decimal_str(value)  # 10.50 and 10.5 are one figure
    if isinstance(value, date):
        return value.isoformat()
    return str(value.value if isinstance(value, Enum) else value)


def _references(
    rows: Sequence[Mapped], entries: dict[int, TransactionIn], *, reporting_currency: str
) -> dict[int, str]:
    """Each new row's `external_ref`: its content and its occurrence among identical rows of
    the file (two identical trades on a day are two trades)."""
    seen: Counter[str] = Counter()
    references: dict[int, str] = {}
    for row in rows:
        entry = entries.get(row.line)
        if entry is None:
            continue
        identity = _identity(entry, row, reporting_currency=reporting_currency)
        seen[identity] += 1
        digest = hashlib.sha256(identity.encode()).hexdigest()[:40]
        references[row.line] = f"{REFERENCE_PREFIX}{digest}:{seen[identity]}"
    return references


async def _check_tickers(
    rows: Sequence[Mapped],
    entries: dict[int, TransactionIn],
    *,
    treasury: Mapping[int, TreasuryTerms],
    market: MarketData,
) -> dict[str, str]:
    """The provider asked about the new rows' tickers not registered yet: a row of a ticker it
    does not know (or cannot answer for now) is an error. Each known one's currency (a
    Tesouro title's, placed in Tesouro Transparente's file, is the real's)."""
    wanted = {
        ticker.upper()
        for row in rows
        if row.status is RowStatus.NEW
        and (ticker := getattr(entries.get(row.line), "ticker", None)) is not None
    }
    titles = {
        ticker.upper()
        for line in treasury
        if (ticker := getattr(entries.get(line), "ticker", None)) is not None
    }
    registered = await assets.infos_by_ticker(tickers=wanted)
    answers = await assets.provider_details(
        tickers=wanted - titles - set(registered), market=market
    )
    currencies = dict.fromkeys(titles, assets.HOME_CURRENCY)
    currencies |= {ticker: info.currency for ticker, info in registered.items()}
    for ticker, answer in answers.items():
        if isinstance(answer, AssetDetails):
            currencies[ticker] = answer.currency
    for row in rows:
        ticker = getattr(entries.get(row.line), "ticker", None)
        refused = answers.get(ticker.upper()) if ticker else None
        if row.status is RowStatus.NEW and isinstance(refused, AppError):
            detail = (
                f"{ticker}: the market-data provider does not know this ticker."
                if isinstance(refused, UnknownTickerError)
                else f"{ticker}: {refused.detail}"
            )
            row.fail(refused.code, detail, column=row.columns.get("ticker"), ticker=ticker or "")
            entries.pop(row.line, None)
    return currencies


async def _try(
    client_id: int,
    rows: Sequence[Mapped],
    entries: dict[int, TransactionIn],
    *,
    currencies: dict[str, str],
    reporting_currency: str,
) -> None:
    """The new rows tried against the ledger: the rows it would refuse become errors, and a
    split told by shares gets its ratio (validated as any split)."""
    new = [row for row in rows if row.status is RowStatus.NEW and row.line in entries]
    check = await ledger.try_import(
        client_id=client_id,
        drafts=[
            ledger.DraftIn(key=row.line, data=entries[row.line], added=row.added, leaves=row.leaves)
            for row in new
        ],
        currencies=currencies,
        reporting_currency=reporting_currency,
    )
    for row in new:
        problem = check.problems.get(row.line)
        if problem is not None:
            field = "ratio" if problem.code == ledger.NOTHING_HELD else "quantity"
            row.fail(problem.code, problem.message, column=row.columns.get(field), **problem.fields)
            entries.pop(row.line, None)
        elif row.line in check.ratios and row.entry is not None:
            row.entry["ratio"] = check.ratios[row.line]
            entry = _validate(row)
            if entry is None:
                entries.pop(row.line, None)
            else:
                entries[row.line] = entry
                _show(row, entry)
                row.ratio = entry.ratio if isinstance(entry, SplitIn) else None


def _stored(
    row: Mapped,
    entry: TransactionIn | None,
    reference: str | None,
    treasury: TreasuryTerms | None,
) -> StoredRow:
    new = row.status is RowStatus.NEW and entry is not None
    return StoredRow(
        line=row.line,
        status=row.status,
        kind=Kind(row.kind) if row.kind else None,
        date=row.date,
        ticker=row.ticker,
        quantity=row.quantity,
        price=row.price,
        amount=row.amount,
        tax=row.tax,
        ratio=row.ratio,
        code=row.code,
        message=row.message,
        field=row.column,
        values=row.values,
        entry=entry.model_dump(mode="json", exclude_none=True) if new and entry else None,
        external_ref=reference if new else None,
        treasury=treasury if new else None,
    )


def _counts(rows: Sequence[ImportRowOut]) -> ImportCounts:
    tally = Counter(row.status for row in rows)
    return ImportCounts(
        rows=len(rows),
        new=tally[RowStatus.NEW],
        duplicate=tally[RowStatus.DUPLICATE],
        ignored=tally[RowStatus.IGNORED],
        error=tally[RowStatus.ERROR],
    )


async def _email_of(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return (await auth.user_emails(user_ids=[user_id])).get(user_id)


async def _save(
    *,
    client_id: int,
    file_format: ImportFormat,
    file_name: str,
    stored: list[StoredRow],
    actor_id: int | None,
) -> ImportBatch:
    counts = _counts(stored)
    async with atomic():
        batch = await ImportBatch.create(
            client_id=client_id,
            format=file_format,
            file_name=file_name,
            status=ImportStatus.PREVIEW,
            counts=counts.model_dump(),
            rows=[row.model_dump(mode="json") for row in stored],
            created_by=actor_id,
            created_by_email=await _email_of(actor_id),
        )
        await audit.record(
            actor_id=actor_id,
            action=audit.Action.CREATE,
            entity=ENTITY,
            entity_id=batch.id,
            changes={
                "file_name": file_name,
                "format": file_format.value,
                "status": ImportStatus.PREVIEW.value,
                "counts": counts.model_dump(),
            },
            client_id=client_id,
        )
    return batch


# ---- commit --------------------------------------------------------------------------------


async def commit(
    *,
    client_id: int,
    import_id: int,
    skip_errors: bool,
    actor_id: int | None,
    services: ImportServices,
) -> ImportCommitted:
    """Every `new` row of the preview written in one transaction through the ledger (validated
    again, tickers registered, audited, derived figures and streams moved); refused while
    error rows remain unless `skip_errors`."""
    batch = await _batch(client_id, import_id)
    _committable(batch, skip_errors=skip_errors)
    stored = [StoredRow.model_validate(row) for row in batch.rows]
    rows = _entries_to_write(stored)
    errors = sum(1 for row in stored if row.status is RowStatus.ERROR)
    email = await _email_of(actor_id)
    await _register_treasury(stored, actor_id=actor_id, services=services.ledger)

    async def mark(written: ledger.ImportWritten) -> None:
        await _mark_committed(
            batch,
            written,
            skip_errors=skip_errors,
            skipped_errors=errors,
            actor_id=actor_id,
            email=email,
        )

    written = await ledger.record_imported(
        client_id=client_id,
        rows=rows,
        actor_id=actor_id,
        services=services.ledger,
        inside=mark,
    )
    return ImportCommitted(
        **_summary(batch).model_dump(), provider_changes=written.provider_changes
    )


def _entries_to_write(stored: Sequence[StoredRow]) -> list[ledger.ImportedIn]:
    """The preview's `new` rows as the ledger takes them, validated again: a row the schema
    no longer accepts refuses the commit."""
    rows = []
    for row in stored:
        if row.status is not RowStatus.NEW or row.entry is None or row.external_ref is None:
            continue
        try:
            data = _ENTRY.validate_python(row.entry)
        except ValidationError as exc:
            raise ImportHasErrorsError(
                f"Line {row.line} is no longer valid ({exc.errors()[0]['msg']}): preview the"
                " file again.",
                fields={"line": str(row.line)},
            ) from exc
        rows.append(ledger.ImportedIn(data=data, external_ref=row.external_ref))
    return rows


async def _mark_committed(
    batch: ImportBatch,
    written: ledger.ImportWritten,
    *,
    skip_errors: bool,
    skipped_errors: int,
    actor_id: int | None,
    email: str | None,
) -> None:
    """The preview marked committed and audited, in the ledger write's transaction."""
    # The client is locked: a concurrent commit of the same preview waits for this one, then
    # finds it committed (and writes nothing). Only the summary is read and written again
    # (the rows stay as they are).
    locked = (
        await ImportBatch.filter(id=batch.id)
        .select_for_update()
        .only("id", "status", "counts")
        .first()
    )
    if locked is None:
        raise ImportNotFoundError()
    _committable(locked, skip_errors=skip_errors)
    outcome = ImportWrittenOut(
        created=written.created, duplicate=written.duplicate, skipped_errors=skipped_errors
    )
    changed = {
        "status": ImportStatus.COMMITTED,
        "committed_by": actor_id,
        "committed_by_email": email,
        "committed_at": datetime.now(UTC),
        "written": outcome.model_dump(),
    }
    await ImportBatch.filter(id=batch.id).update(**changed)
    batch.update_from_dict(changed)
    await audit.record(
        actor_id=actor_id,
        action=audit.Action.UPDATE,
        entity=ENTITY,
        entity_id=batch.id,
        changes={
            "file_name": batch.file_name,
            "status": {"from": ImportStatus.PREVIEW.value, "to": ImportStatus.COMMITTED.value},
            "written": outcome.model_dump(),
        },
        client_id=batch.client_id,
    )


async def _register_treasury(
    stored: Sequence[StoredRow], *, actor_id: int | None, services: ledger.Services
) -> None:
    """The Tesouro titles of the new rows not registered yet, registered as `POST /assets`
    registers them (checked against today's Tesouro Transparente file, audited, backfilled),
    before the ledger's write looks their tickers up."""
    titles = {
        str(row.entry["ticker"]): row.treasury
        for row in stored
        if row.status is RowStatus.NEW and row.entry is not None and row.treasury is not None
    }
    registered = await assets.registered_tickers(tickers=titles)
    for ticker in sorted(set(titles) - registered):
        try:
            await assets.register(
                body=titles[ticker],
                market=services.market,
                jobs=services.jobs,
                events=services.events,
                actor_id=actor_id,
            )
        except TickerTakenError:
            continue  # registered meanwhile: the ledger's write finds it


def _committable(batch: ImportBatch, *, skip_errors: bool) -> None:
    if batch.status is ImportStatus.COMMITTED:
        raise AlreadyCommittedError()
    errors = int(batch.counts.get("error", 0))
    if errors and not skip_errors:
        raise ImportHasErrorsError(
            f"{errors} row(s) of this import have errors: fix the file, or commit with"
            " skip_errors=true to leave them out.",
            fields={"errors": str(errors)},
        )


# ---- reading -------------------------------------------------------------------------------

_SUMMARY_COLUMNS = (
    "id",
    "client_id",
    "format",
    "file_name",
    "status",
    "counts",
    "created_by",
    "created_by_email",
    "created_at",
    "committed_by",
    "committed_by_email",
    "committed_at",
    "written",
)


async def _batch(client_id: int, import_id: int) -> ImportBatch:
    batch = await ImportBatch.get_or_none(id=import_id, client_id=client_id)
    if batch is None:
        await clients.ensure_client_exists(client_id=client_id)
        raise ImportNotFoundError()
    return batch


def _summary(batch: ImportBatch) -> ImportSummary:
    return ImportSummary.model_validate({name: getattr(batch, name) for name in _SUMMARY_COLUMNS})


def _detail(batch: ImportBatch) -> ImportOut:
    return ImportOut(**_summary(batch).model_dump(), rows=batch.rows)


async def get_import(*, client_id: int, import_id: int) -> ImportOut:
    return _detail(await _batch(client_id, import_id))


async def list_imports(*, client_id: int, params: PageParams) -> ImportPage:
    """The client's imports, newest first (without their rows)."""
    await clients.ensure_client_exists(client_id=client_id)
    query = ImportBatch.filter(client_id=client_id)
    total = await query.count()
    found = (
        await query.order_by("-id")
        .offset(params.offset)
        .limit(params.limit)
        .values(*_SUMMARY_COLUMNS)
    )
    return ImportPage.build(
        [ImportSummary.model_validate(row) for row in found], total=total, params=params
    )
