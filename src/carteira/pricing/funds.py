"""Investment funds at the CVM quota: CVM's daily report of every fund (informe diário).

`{CVM_DATA_URL}/dados/FI/DOC/INF_DIARIO/DADOS/inf_diario_fi_AAAAMM.zip` holds one
`;`-separated CSV of a month (some 500,000 rows, Latin-1): `TP_FUNDO_CLASSE;CNPJ_FUNDO_CLASSE;
ID_SUBCLASSE;DT_COMPTC;VL_TOTAL;VL_QUOTA;VL_PATRIM_LIQ;CAPTC_DIA;RESG_DIA;NR_COTST` — before
December 2023 `CNPJ_FUNDO`, without class or subclass. Months older than the last year live
in one zip per year, `.../DADOS/HIST/inf_diario_fi_AAAA.zip`, a CSV per month inside. Each zip
is streamed to disk (at most once a day per process) and its CSV read row by row straight out
of the zip in a thread: a row's CNPJ is looked at as bytes, and only the rows of the CNPJs
asked for are decoded. A fund's price on a day is its quota (`VL_QUOTA`); CVM publishes a day
or more late, so the quote is the latest known quota with its date.
"""

from __future__ import annotations

import asyncio
import csv
import re
import zipfile
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Protocol

from redis.asyncio import Redis

from carteira.core import clock
from carteira.core.config import Settings
from carteira.core.errors import AppError
from carteira.pricing.circuit import CircuitBreaker
from carteira.pricing.closes import store_closes
from carteira.pricing.exceptions import ProviderError
from carteira.pricing.files import (
    BatchReport,
    DailyFiles,
    Unreadable,
    column_indexes,
    column_key,
    decode_line,
    previous_session,
    record_refresh,
    stored_quote,
    text_lines,
)
from carteira.pricing.instruments import AssetType
from carteira.pricing.schemas import DailyClose, PriceHistory, Quote, Source
from carteira.pricing.sources import Instrument
from carteira.pricing.upstream import Upstream, UpstreamLimits

LABEL = "CVM's daily report of funds"
SOURCE: Source = "cvm"
DAILY_REPORTS = "/dados/FI/DOC/INF_DIARIO/DADOS"
MAX_BYTES = 2 * 1024 * 1024 * 1024  # a year of the history is some hundreds of MB
# Our name -> the column's names in the files of each period (the current one first).
COLUMNS = {
    "cnpj": ("CNPJ_FUNDO_CLASSE", "CNPJ_FUNDO"),
    "day": ("DT_COMPTC",),
    "quota": ("VL_QUOTA",),
}
SUBCLASS = "id_subclasse"  # only in the current period's files
CHUNK_BYTES = 256 * 1024

Month = tuple[int, int]  # (year, month)


class FundTerms(Protocol):
    """What pricing reads of a fund's terms (`assets` validates and keeps them)."""

    @property
    def cnpj(self) -> str: ...


_NOT_CNPJ = re.compile(r"[^0-9A-Za-z]")


def cnpj_key(value: str) -> str:
    """A CNPJ without its punctuation ("00.000.000/0001-91" -> "00000000000191"; CNPJs may
    have letters from 2026 on, kept upper-case); a purely numeric one padded to 14 digits."""
    bare = _NOT_CNPJ.sub("", value).upper()
    return bare.zfill(14) if bare.isdigit() else bare


def cnpj_formatted(key: str) -> str:
    return f"{key[:2]}.{key[2:5]}.{key[5:8]}/{key[8:12]}-{key[12:]}"


def cnpj_of(instrument: Instrument) -> str:
    terms: FundTerms = instrument.terms
    return cnpj_key(terms.cnpj)


def months(start: date, end: date) -> list[Month]:
    """Every month touching [start, end], oldest first."""
    found = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _quota(text: str) -> Decimal:
    text = text.strip()
    if "," in text:  # a decimal comma (CVM writes a point)
        text = text.replace(".", "").replace(",", ".")
    value = Decimal(text)
    if not value.is_finite() or value <= 0:
        raise InvalidOperation(text)
    return value


def _day(text: str) -> date:
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.strptime(text, "%d/%m/%Y").date()


# -- one pass over a month ----------------------------------------------------------------------


@dataclass
class FundQuotas:
    """What passes over months found for the CNPJs asked for."""

    # CNPJ -> day -> the class's quota (a row without subclass)
    quotas: dict[str, dict[date, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    # CNPJ -> day -> the quotas of its subclasses, used when the class has none that day
    by_subclass: dict[str, dict[date, set[Decimal]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    unreadable: Unreadable = field(default_factory=Unreadable)
    # CNPJ -> the days of its unreadable rows (None: the day itself unreadable)
    unreadable_days: dict[str, set[date | None]] = field(default_factory=lambda: defaultdict(set))

    def series(self, cnpj: str) -> tuple[list[DailyClose], int]:
        """The fund's quotas, oldest first, and how many days had only subclasses of different
        quotas (nothing says which is the fund's: left out)."""
        by_day = dict(self.quotas.get(cnpj, {}))
        ambiguous = 0
        for day, values in self.by_subclass.get(cnpj, {}).items():
            if day in by_day:
                continue
            if len(values) == 1:
                by_day[day] = next(iter(values))
            else:
                ambiguous += 1
        return [DailyClose(date=d, close=by_day[d]) for d in sorted(by_day)], ambiguous

    def stale_reason(self, cnpj: str, last: date | None) -> str | None:
        bad = self.unreadable_days.get(cnpj, set())
        if any(day is None or last is None or day >= last for day in bad):
            return "its latest rows were unreadable"
        return None


def _csvs(archive: zipfile.ZipFile) -> list[str]:
    return [n for n in archive.namelist() if n.lower().endswith(".csv")]


def _the_csv(archive: zipfile.ZipFile) -> str:
    """A month's zip holds one CSV."""
    names = _csvs(archive)
    if len(names) != 1:
        raise ProviderError(f"{LABEL}: a month's zip holds {len(names)} CSV files, not one.")
    return names[0]


def _named_csv(archive: zipfile.ZipFile, name: str) -> str | None:
    """A month's CSV in a year's zip, if the year has it."""
    return next((n for n in _csvs(archive) if n.rsplit("/", 1)[-1].lower() == name.lower()), None)


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ProviderError(f"{LABEL}: {path.name} is not a readable zip (cut short?).") from exc


def _header(stream: IO[bytes]) -> list[str]:
    return next(csv.reader(text_lines([stream.readline()]), delimiter=";"), [])


def check_month_zip(path: Path) -> None:
    """ProviderError unless the file is a zip of one CSV with the columns it must have."""
    with _open_zip(path) as archive, archive.open(_the_csv(archive)) as stream:
        column_indexes(_header(stream), COLUMNS, label=LABEL)


def check_year_zip(path: Path) -> None:
    """ProviderError unless the file is a zip (a cut one has no directory); a month's CSV in
    it is checked when read."""
    with _open_zip(path):
        pass


def read_quotas(path: Path, member: str | None, wanted: Collection[str], into: FundQuotas) -> None:
    """One pass over a month's CSV (the zip's one CSV, or `member` of a year's zip) adding the
    quotas of the `wanted` CNPJs to `into`. ProviderError when the file cannot be read."""
    # A row's CNPJ as the file may write it (punctuated, or bare) -> ours.
    keys: dict[bytes, str] = {}
    for cnpj in wanted:
        keys[cnpj.encode()] = cnpj
        if len(cnpj) == 14:
            keys[cnpj_formatted(cnpj).encode()] = cnpj
    with _open_zip(path) as archive:
        name = _the_csv(archive) if member is None else _named_csv(archive, member)
        if name is None:
            return  # the year's zip has no such month
        try:
            with archive.open(name) as stream:
                _read_rows(stream, keys, into)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:  # a bad CRC, a cut member
            raise ProviderError(f"{LABEL}: {path.name} is corrupt ({exc}).") from exc


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream's lines (without their "\n"), split 256 KiB at a time: a zip member's own
    readline is Python, line by line, and would cost more than the rest of the pass."""
    rest = b""
    while chunk := stream.read(CHUNK_BYTES):
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        yield from lines
    if rest:
        yield rest


def _read_rows(stream: IO[bytes], keys: Mapping[bytes, str], into: FundQuotas) -> None:
    header = _header(stream)
    at = column_indexes(header, COLUMNS, label=LABEL)
    cnpj_at, day_at, quota_at = at["cnpj"], at["day"], at["quota"]
    subclass_at = next((i for i, h in enumerate(header) if column_key(h) == SUBCLASS), None)
    width = max([*at.values(), subclass_at or 0]) + 1
    split_at = cnpj_at + 1
    for line, raw in enumerate(_lines(stream), start=2):
        if b'"' in raw:  # quoted fields (never seen in CVM's files): read as CSV proper
            fields = next(csv.reader([decode_line(raw)], delimiter=";"), [])
            cnpj_field = fields[cnpj_at].strip().encode() if len(fields) > cnpj_at else None
        else:
            parts = raw.split(b";", split_at)
            cnpj_field = parts[cnpj_at].strip() if len(parts) > cnpj_at else None
            fields = None
        if cnpj_field is None:
            if raw.strip():
                into.unreadable.add(line, "too few fields")
            continue
        cnpj = keys.get(cnpj_field)
        if cnpj is None:
            continue  # another fund: never decoded
        if fields is None:
            fields = decode_line(raw).rstrip("\r").split(";")
        _add_row(into, cnpj, fields, line, width, day_at, quota_at, subclass_at)


def _add_row(
    into: FundQuotas,
    cnpj: str,
    fields: list[str],
    line: int,
    width: int,
    day_at: int,
    quota_at: int,
    subclass_at: int | None,
) -> None:
    if len(fields) < width:
        into.unreadable.add(line, f"{len(fields)} field(s), {width} expected")
        into.unreadable_days[cnpj].add(None)
        return
    try:
        day = _day(fields[day_at])
    except ValueError:
        into.unreadable.add(line, f"DT_COMPTC {fields[day_at][:20]!r}")
        into.unreadable_days[cnpj].add(None)
        return
    try:
        quota = _quota(fields[quota_at])
    except (InvalidOperation, ValueError):
        into.unreadable.add(line, f"VL_QUOTA {fields[quota_at][:20]!r}")
        into.unreadable_days[cnpj].add(day)
        return
    subclass = fields[subclass_at].strip() if subclass_at is not None else ""
    if subclass:
        into.by_subclass[cnpj][day].add(quota)
    else:
        into.quotas[cnpj][day] = quota  # a later row of the same day is a re-filing


# -- the source ---------------------------------------------------------------------------------


def cvm_limits(settings: Settings) -> UpstreamLimits:
    return UpstreamLimits(
        timeout_seconds=settings.cvm_timeout_seconds,
        max_tries=settings.cvm_max_tries,
        max_retry_seconds=settings.cvm_timeout_seconds * settings.cvm_max_tries + 10,
        connections=2,
    )


def _cvm_status(status: int, body: bytes) -> None:
    """A month not published yet (or moved to the year's zip) is a 404: nothing there."""
    if status != 404:
        raise ProviderError(f"{LABEL} answered HTTP {status}.")


def _month_name(month: Month) -> str:
    return f"inf_diario_fi_{month[0]}{month[1]:02d}"


class CvmSource:
    """The `PriceSource` of funds."""

    source: str = SOURCE

    def __init__(
        self, settings: Settings, *, redis: Redis, circuit: CircuitBreaker | None = None
    ) -> None:
        self._base_url = settings.cvm_data_url.rstrip("/") + DAILY_REPORTS
        self._redis = redis
        self._http = Upstream(
            source=SOURCE,
            label=LABEL,
            limits=cvm_limits(settings),
            headers={"User-Agent": "carteira", "Accept": "application/zip, */*"},
            circuit=circuit,
            on_status=_cvm_status,
        )
        self._files = DailyFiles(self._http, max_bytes=MAX_BYTES)

    @property
    def circuit(self) -> CircuitBreaker:
        return self._http.circuit

    async def close(self) -> None:
        await self._http.close()
        self._files.close()

    async def _month_file(self, month: Month) -> tuple[Path, str | None] | None:
        """The zip holding a month, and the month's CSV in it when the zip is a year's; None
        when CVM has not published the month (yet)."""
        name = _month_name(month)
        path = await self._files.get(
            f"{self._base_url}/{name}.zip", name=f"{name}.zip", check=check_month_zip
        )
        if path is not None:
            return path, None
        if month >= clock.current_month():
            return None  # this month's first file comes after its first business day
        year = f"inf_diario_fi_{month[0]}.zip"
        path = await self._files.get(
            f"{self._base_url}/HIST/{year}", name=year, check=check_year_zip
        )
        return (path, f"{name}.csv") if path is not None else None

    async def read(self, cnpjs: Collection[str], *, start: date, end: date) -> FundQuotas:
        """The quotas of `cnpjs` in every month touching [start, end] (each month's file
        downloaded at most once today), oldest month first."""
        found = FundQuotas()
        for month in months(start, end):
            located = await self._month_file(month)
            if located is not None:
                await asyncio.to_thread(read_quotas, located[0], located[1], cnpjs, found)
        return found

    # -- PriceSource -----------------------------------------------------------------------------

    async def quote(self, instrument: Instrument) -> Quote:
        return await stored_quote(
            instrument,
            source=SOURCE,
            name=instrument.ticker,
            asset_type=AssetType.MUTUALFUND,
            redis=self._redis,
        )

    async def history(self, instrument: Instrument, *, start: date, end: date) -> PriceHistory:
        cnpj = cnpj_of(instrument)
        found = await self.read([cnpj], start=start, end=end)
        closes, ambiguous = found.series(cnpj)
        skipped = found.unreadable.summary(LABEL) if cnpj in found.unreadable_days else []
        if ambiguous:
            skipped.append(f"{ambiguous} day(s) with subclasses of different quotas left out")
        return PriceHistory(
            closes=[c for c in closes if start <= c.date <= end], currency="BRL", skipped=skipped
        )

    # -- every registered fund at once -----------------------------------------------------------

    async def refresh(
        self, instruments: Sequence[Instrument], *, start: date, end: date
    ) -> BatchReport:
        """The quotas of every instrument in [start, end] from one pass over each month's file,
        stored; the outcome recorded for the quotes (a failure makes them stale, and is in the
        report, never raised)."""
        report = BatchReport(source=SOURCE, instruments=len(instruments))
        cnpjs = {instrument.asset_id: cnpj_of(instrument) for instrument in instruments}
        found = FundQuotas()
        for month in months(start, end):
            try:
                located = await self._month_file(month)
                if located is not None:
                    await asyncio.to_thread(
                        read_quotas, located[0], located[1], set(cnpjs.values()), found
                    )
                    report.files_read += 1
            except AppError as exc:
                report.failed[_month_name(month)] = exc.detail
        report.unreadable = found.unreadable
        for instrument in instruments:
            cnpj = cnpjs[instrument.asset_id]
            series, ambiguous = found.series(cnpj)
            closes = [c for c in series if start <= c.date <= end]
            if not closes:
                report.missing.append(f"{instrument.ticker} ({cnpj_formatted(cnpj)})")
            if ambiguous:
                report.stale[instrument.asset_id] = (
                    f"{instrument.ticker}: {ambiguous} day(s) with subclasses of different"
                    " quotas, none for the fund"
                )
            stored = await store_closes(
                asset_id=instrument.asset_id, closes=closes, previous_session=previous_session
            )
            report.inserted += stored.inserted
            report.updated += stored.updated
            if closes and (report.latest is None or closes[-1].date > report.latest):
                report.latest = closes[-1].date
            last = closes[-1].date if closes else None
            if (reason := found.stale_reason(cnpj, last)) is not None:
                report.stale[instrument.asset_id] = f"{instrument.ticker}: {reason}"
        error = "; ".join(f"{name}: {detail}" for name, detail in report.failed.items())
        await record_refresh(self._redis, SOURCE, error=error or None, stale_assets=report.stale)
        return report
