"""What the sources of published files share (Tesouro Transparente's daily CSV, CVM's monthly
zips): each file downloaded to disk at most once a day and read row by row, never whole in
memory; the outcome of each source's last refresh, which marks its quotes stale; and a quote
made of the last stored close.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from carteira.core import clock
from carteira.core.calendar import previous_business_day
from carteira.core.errors import REDIS_DOWN_ERRORS
from carteira.pricing.closes import latest_closes
from carteira.pricing.exceptions import ProviderError, ProviderUnavailableError
from carteira.pricing.instruments import AssetType
from carteira.pricing.provider import change_pct
from carteira.pricing.schemas import Quote, Source
from carteira.pricing.sources import Instrument
from carteira.pricing.upstream import Upstream

# A refusal (404) is remembered this long: a month's file may be published later in the day.
NOT_THERE_SECONDS = 3600
# How many unreadable rows a report quotes (all are counted).
QUOTED_ROWS = 5
# How long the outcome of a refresh is kept: a few missed daily runs.
STATUS_SECONDS = 7 * 24 * 3600


def previous_session(day: date) -> date:
    """The business day before `day`: Tesouro Direto and funds publish on B3's business days,
    so a close after a holiday still has a daily return."""
    return previous_business_day(day, market="B3")


# -- downloads ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Download:
    day: date  # the firm's day it was fetched on
    path: Path | None  # None: the upstream said it is not there
    at: float  # monotonic time of the fetch


class DailyFiles:
    """One upstream's files, each downloaded at most once per firm's day (concurrent callers
    share the download) into a private temporary directory; yesterday's copies are deleted as
    soon as a file is asked for on a new day. A failed download leaves no copy behind and is
    tried again by the next caller (the upstream's circuit bounds how often)."""

    def __init__(self, http: Upstream, *, max_bytes: int) -> None:
        self.http = http
        self.max_bytes = max_bytes
        self._dir: Path | None = None
        self._files: dict[str, _Download] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def _directory(self) -> Path:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix=f"carteira-{self.http.source}-"))
        return self._dir

    async def get(self, url: str, *, name: str, check: Callable[[Path], None]) -> Path | None:
        """Today's copy of the file at `url` (`name` identifies it on disk), downloaded when
        there is none yet; None when the upstream says it is not there. `check(path)` raises
        ProviderError on a file that cannot be used (a wrong header, not a zip)."""
        today = clock.today()
        self._forget_before(today)
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            known = self._files.get(name)
            if known is not None and self._still_good(known, today):
                return known.path
            target = self._directory() / name
            part = target.with_name(name + ".part")

            def accepted(path: Path) -> bool:
                check(path)
                return True

            try:
                found = await self.http.get_file(
                    url, into=part, max_bytes=self.max_bytes, read=accepted
                )
            except BaseException:
                part.unlink(missing_ok=True)  # a cut or refused download leaves nothing
                raise
            if found is None:
                part.unlink(missing_ok=True)
                self._files[name] = _Download(today, None, time.monotonic())
                return None
            # A reader of the old copy keeps its open file; the new one takes the name.
            part.replace(target)
            self._files[name] = _Download(today, target, time.monotonic())
            return target

    @staticmethod
    def _still_good(known: _Download, today: date) -> bool:
        """Today's copy; or today's "not there", for a while (it may be published later)."""
        if known.day != today:
            return False
        return known.path is not None or time.monotonic() - known.at < NOT_THERE_SECONDS

    def _forget_before(self, today: date) -> None:
        for name, download in list(self._files.items()):
            if download.day != today:
                del self._files[name]
                if download.path is not None:
                    download.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self._files.clear()


# -- reading rows -------------------------------------------------------------------------------


def decode_line(raw: bytes) -> str:
    """A line of a published file as UTF-8, or as Latin-1 where it is not UTF-8 (both
    encodings are published, and a file may even mix them)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def text_lines(lines: Iterable[bytes]) -> Iterator[str]:
    """Each line decoded (`decode_line`); a byte-order mark before the first is dropped."""
    first = True
    for raw in lines:
        line = decode_line(raw)
        if first:
            line = line.removeprefix("\ufeff")
            first = False
        yield line


def column_key(name: str) -> str:
    """A header name compared without accents, case, surrounding quotes or repeated spaces
    ("Tipo Título" and "tipo titulo" are the same column)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return " ".join(plain.strip().strip('"').split()).casefold()


def column_indexes(
    header: list[str], wanted: Mapping[str, Collection[str]], *, label: str
) -> dict[str, int]:
    """Where each wanted column is (`wanted`: our name -> the names the file may give it);
    ProviderError naming the missing ones and the columns the file has."""
    keys = {column_key(name): index for index, name in enumerate(header)}
    found: dict[str, int] = {}
    missing = []
    for ours, names in wanted.items():
        index = next((keys[column_key(n)] for n in names if column_key(n) in keys), None)
        if index is None:
            missing.append(" or ".join(names))
        else:
            found[ours] = index
    if missing:
        raise ProviderError(
            f"{label} has no column {', '.join(missing)} (its columns: "
            f"{'; '.join(h.strip() for h in header)[:300]})."
        )
    return found


@dataclass
class Unreadable:
    """Rows of a file that could not be read: counted, the first few quoted with their line."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, line: int, reason: str) -> None:
        self.count += 1
        if len(self.examples) < QUOTED_ROWS:
            self.examples.append(f"line {line}: {reason}"[:200])

    def extend(self, other: Unreadable) -> None:
        self.count += other.count
        self.examples.extend(other.examples[: QUOTED_ROWS - len(self.examples)])

    def summary(self, label: str) -> list[str]:
        if not self.count:
            return []
        return [f"{self.count} unreadable row(s) of {label} skipped ({'; '.join(self.examples)})"]


# -- what a refresh did -------------------------------------------------------------------------


@dataclass
class BatchReport:
    """One refresh of a published file's prices for many instruments."""

    source: str
    instruments: int = 0
    inserted: int = 0
    updated: int = 0
    latest: date | None = None  # the latest date the file has
    missing: list[str] = field(default_factory=list)  # tickers the file has no price for
    stale: dict[int, str] = field(default_factory=dict)  # asset id -> why its price is old
    unreadable: Unreadable = field(default_factory=Unreadable)
    failed: dict[str, str] = field(default_factory=dict)  # file -> why it could not be used
    files_read: int = 0
    redeemed: list[int] = field(default_factory=list)  # asset ids whose redemption is new

    @property
    def nothing_read(self) -> bool:
        """Every file it needed failed: the source is down, or sends garbage."""
        return bool(self.failed) and not self.files_read

    def as_result(self) -> dict[str, Any]:
        """JSON-ready, for a job's result."""
        return {
            "instruments": self.instruments,
            "inserted": self.inserted,
            "updated": self.updated,
            "latest": self.latest.isoformat() if self.latest else None,
            "missing": self.missing,
            "stale": sorted(self.stale.values()),
            "unreadable_rows": self.unreadable.count,
            "unreadable": self.unreadable.examples,
            "failed": self.failed,
            "redemptions": len(self.redeemed),
        }


@dataclass(frozen=True)
class RefreshStatus:
    """The outcome of a source's last refresh, kept in Redis for every process: a failed one
    (the file unreachable or unusable) marks all of the source's quotes stale; a good one
    marks stale only the instruments whose latest rows were unreadable."""

    ok: bool
    at: datetime
    detail: str = ""
    stale_assets: frozenset[int] = frozenset()

    def stale(self, asset_id: int) -> bool:
        return not self.ok or asset_id in self.stale_assets


def _status_key(source: str) -> str:
    return f"md:refresh:{source}"


async def record_refresh(
    redis: Redis, source: str, *, error: str | None = None, stale_assets: Iterable[int] = ()
) -> None:
    status = {
        "ok": error is None,
        "at": clock.now().isoformat(),
        "detail": error or "",
        "stale_assets": sorted(set(stale_assets)),
    }
    # Without Redis the outcome is only in the job's result; quotes then are not marked.
    with contextlib.suppress(*REDIS_DOWN_ERRORS):
        await redis.set(_status_key(source), json.dumps(status), ex=STATUS_SECONDS)


async def refresh_status(redis: Redis, source: str) -> RefreshStatus | None:
    try:
        raw = await redis.get(_status_key(source))
    except REDIS_DOWN_ERRORS:
        return None
    if raw is None:
        return None
    status = json.loads(raw)
    return RefreshStatus(
        ok=bool(status["ok"]),
        at=datetime.fromisoformat(status["at"]),
        detail=str(status.get("detail", "")),
        stale_assets=frozenset(int(i) for i in status.get("stale_assets", [])),
    )


# -- quotes from stored closes ------------------------------------------------------------------


async def stored_quote(
    instrument: Instrument,
    *,
    source: Source,
    name: str,
    asset_type: AssetType,
    redis: Redis,
) -> Quote:
    """The instrument's latest stored close as its quote, dated the day it is of (a published
    price is a day's, never "now"), with the close before it as the previous one; stale when
    the source's last refresh failed. ProviderUnavailableError while nothing is stored yet
    (the backfill of a new instrument is on its way)."""
    closes = await latest_closes(asset_id=instrument.asset_id, count=2)
    if not closes:
        raise ProviderUnavailableError(
            f"No price of {instrument.ticker} is stored yet; it is being fetched."
        )
    (day, price), previous_close = closes[0], closes[1][1] if len(closes) > 1 else None
    status = await refresh_status(redis, source)
    return Quote(
        ticker=instrument.ticker,
        price=price,
        previous_close=previous_close,
        change_pct=change_pct(price, previous_close),
        currency="BRL",
        asset_type=asset_type,
        name=name,
        as_of=datetime.combine(day, datetime.min.time(), tzinfo=clock.timezone()),
        source=source,
        stale=status is not None and status.stale(instrument.asset_id),
    )
