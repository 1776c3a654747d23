"""Tesouro Direto at market: Tesouro Transparente's daily file of every title's prices.

`TESOURO_PRICES_URL` (the open-data portal's `precotaxatesourodireto.csv`) has a row per
title, maturity and day since 2002: `Tipo Titulo;Data Vencimento;Data Base;Taxa Compra Manha;
Taxa Venda Manha;PU Compra Manha;PU Venda Manha;PU Base Manha` — `;`-separated, dates
dd/mm/aaaa, decimal commas, in UTF-8 or Latin-1. A title's unit price on a day is its
`PU Base Manha`. The file is downloaded at most once a day per process (with the retries and
the circuit of every upstream), kept on disk and read row by row in a thread: one pass gives
every registered title's closes (the daily job), or one title's (its backfill). The quote is
the latest stored close, with its date.
"""

from __future__ import annotations

import _csv
import asyncio
import csv
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol

from redis.asyncio import Redis

from carteira.core.config import Settings
from carteira.core.errors import AppError
from carteira.pricing.circuit import CircuitBreaker
from carteira.pricing.closes import store_closes
from carteira.pricing.corporate import store_events
from carteira.pricing.exceptions import ProviderError, UnknownTreasuryTitleError
from carteira.pricing.files import (
    BatchReport,
    DailyFiles,
    Unreadable,
    column_indexes,
    previous_session,
    record_refresh,
    stored_quote,
    text_lines,
)
from carteira.pricing.instruments import AssetType
from carteira.pricing.schemas import DailyClose, PriceHistory, Quote, RedemptionEvent, Source
from carteira.pricing.sources import Instrument
from carteira.pricing.upstream import Upstream, UpstreamLimits

LABEL = "Tesouro Transparente's price file"
SOURCE: Source = "tesouro"
FILE_NAME = "precotaxatesourodireto.csv"
MAX_BYTES = 256 * 1024 * 1024  # the whole history since 2002 is some 15 MB
TESOURO_DATE = "%d/%m/%Y"
# Our name -> the column's name in the file (compared without accents or case).
COLUMNS = {
    "title": ("Tipo Titulo",),
    "maturity": ("Data Vencimento",),
    "day": ("Data Base",),
    "price": ("PU Base Manha",),
}


@dataclass(frozen=True, order=True, slots=True)
class TreasuryBond:
    """A Tesouro Direto title of one maturity, as the file names it."""

    title: str
    maturity_date: date

    @property
    def label(self) -> str:
        return f"{self.title} {self.maturity_date:%d/%m/%Y}"


class TreasuryTerms(Protocol):
    """What pricing reads of a treasury asset's terms (`assets` validates and keeps them)."""

    @property
    def title(self) -> str: ...

    @property
    def maturity_date(self) -> date: ...


BondKey = tuple[str, date]


def _title(text: str) -> str:
    return " ".join(text.split())


def bond_key(title: str, maturity_date: date) -> BondKey:
    """Titles compare without case or repeated spaces."""
    return _title(title).casefold(), maturity_date


def bond_of(instrument: Instrument) -> TreasuryBond:
    terms: TreasuryTerms = instrument.terms
    return TreasuryBond(_title(str(terms.title)), terms.maturity_date)


def br_decimal(text: str) -> Decimal:
    """A number as Brazil writes it: `1.234,56` (or `1234,56`, or `1234.56`)."""
    text = text.strip()
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation(text)
    return value


def br_date(text: str) -> date:
    return datetime.strptime(text.strip(), TESOURO_DATE).date()


# -- one pass over the file ---------------------------------------------------------------------


@dataclass(frozen=True)
class TreasuryCatalog:
    """The titles the file has: every title and maturity it ever priced, and those priced on
    its latest date (what is on offer now)."""

    bonds: frozenset[TreasuryBond]
    current: tuple[TreasuryBond, ...]
    latest: date | None

    def find(self, *, title: str, maturity_date: date) -> TreasuryBond | None:
        key = bond_key(title, maturity_date)
        return next((b for b in self.bonds if bond_key(b.title, b.maturity_date) == key), None)


@dataclass
class TreasuryPrices:
    """What one pass over the file found: the closes of the titles asked for, the titles of
    the whole file, and the rows it could not read."""

    closes: dict[BondKey, dict[date, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    bonds: set[TreasuryBond] = field(default_factory=set)
    latest: date | None = None
    current: set[TreasuryBond] = field(default_factory=set)
    unreadable: Unreadable = field(default_factory=Unreadable)
    # A title asked for -> the days of its unreadable rows (None: the day itself unreadable).
    unreadable_days: dict[BondKey, set[date | None]] = field(
        default_factory=lambda: defaultdict(set)
    )

    def note(
        self, bond: TreasuryBond, key: BondKey, day: date, price: Decimal, *, wanted: bool
    ) -> None:
        """A usable row: its title in the catalog (current when the file's latest date), its
        close kept when its title was asked for."""
        self.bonds.add(bond)
        if self.latest is None or day > self.latest:
            self.latest = day
            self.current = set()
        if day == self.latest:
            self.current.add(bond)
        if wanted:
            self.closes[key][day] = price

    def catalog(self) -> TreasuryCatalog:
        return TreasuryCatalog(frozenset(self.bonds), tuple(sorted(self.current)), self.latest)

    def series(self, bond: TreasuryBond) -> list[DailyClose]:
        by_day = self.closes.get(bond_key(bond.title, bond.maturity_date), {})
        return [DailyClose(date=day, close=by_day[day]) for day in sorted(by_day)]

    def redemption(self, bond: TreasuryBond) -> RedemptionEvent | None:
        """Once the file is past the title's maturity: the title's last unit price, paid at
        maturity (the file prices a title up to its maturity, never after)."""
        if self.latest is None or self.latest < bond.maturity_date:
            return None
        series = [c for c in self.series(bond) if c.date <= bond.maturity_date]
        return RedemptionEvent(date=bond.maturity_date, amount=series[-1].close) if series else None

    def stale_reason(self, bond: TreasuryBond) -> str | None:
        """Why the title's latest close may be older than the file: its latest rows were
        unreadable, or the file has no price of it on its latest date before its maturity."""
        key = bond_key(bond.title, bond.maturity_date)
        by_day = self.closes.get(key, {})
        last = max(by_day) if by_day else None
        bad = self.unreadable_days.get(key, set())
        if any(day is None or last is None or day >= last for day in bad):
            return "its latest rows were unreadable"
        if self.latest is not None and bond.maturity_date > self.latest and last != self.latest:
            return f"no price on the file's latest date, {self.latest:%d/%m/%Y}"
        return None


def check_header(path: Path) -> None:
    """ProviderError unless the file starts with the columns it must have."""
    with path.open("rb") as stream:
        try:
            header = next(csv.reader(text_lines(stream), delimiter=";"), [])
        except csv.Error as exc:
            raise ProviderError(f"{LABEL} does not start with a CSV header ({exc}).") from exc
    column_indexes(header, COLUMNS, label=LABEL)


def _rows(reader: _csv.Reader, unreadable: Unreadable) -> Iterator[tuple[int, list[str]]]:
    """Each row with its line number; a line the CSV reader refuses is counted and skipped."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            unreadable.add(reader.line_num, str(exc))
            continue
        yield reader.line_num, row


def read_prices(path: Path, wanted: Collection[TreasuryBond]) -> TreasuryPrices:
    """One pass over the file: the closes of `wanted`, the catalog of titles, and the rows
    that could not be read (skipped, counted). ProviderError when no row at all is usable."""
    wanted_keys = {bond_key(b.title, b.maturity_date) for b in wanted}
    found = TreasuryPrices()
    cells = _Cells(found.unreadable)
    with path.open("rb") as stream:
        reader = csv.reader(text_lines(stream), delimiter=";")
        try:
            header = next(reader, [])
        except csv.Error as exc:
            raise ProviderError(f"{LABEL} does not start with a CSV header ({exc}).") from exc
        at = column_indexes(header, COLUMNS, label=LABEL)
        title_at, maturity_at, day_at, price_at = (at[c] for c in COLUMNS)
        width = max(at.values()) + 1
        usable = 0
        for line, row in _rows(reader, found.unreadable):
            if not any(cell.strip() for cell in row):
                continue  # blank line
            if len(row) < width:
                found.unreadable.add(line, f"{len(row)} field(s), {width} expected")
                continue
            pair = cells.bond(row[title_at], row[maturity_at], line=line)
            if pair is None:
                continue
            bond, key = pair
            day = cells.day(row[day_at], line=line)
            if day is None:
                if key in wanted_keys:
                    found.unreadable_days[key].add(None)
                continue
            price = _price(row[price_at])
            if price is None:
                found.unreadable.add(line, f"PU Base Manha {row[price_at][:20]!r}")
                if key in wanted_keys:
                    found.unreadable_days[key].add(day)
                continue
            usable += 1
            found.note(bond, key, day, price, wanted=key in wanted_keys)
    if not usable:
        raise ProviderError(f"{LABEL} has no usable row.")
    return found


class _Cells:
    """The title, maturity and date cells read once each: the same few hundred titles and few
    thousand days repeat all along the file. A cell that cannot be read is noted on its line
    (and read again when it comes back)."""

    def __init__(self, unreadable: Unreadable) -> None:
        self.unreadable = unreadable
        self.bonds: dict[tuple[str, str], tuple[TreasuryBond, BondKey]] = {}
        self.days: dict[str, date] = {}

    def bond(
        self, title_cell: str, maturity_cell: str, *, line: int
    ) -> tuple[TreasuryBond, BondKey] | None:
        pair = self.bonds.get((title_cell, maturity_cell))
        if pair is not None:
            return pair
        title = _title(title_cell)
        try:
            maturity = br_date(maturity_cell)
        except ValueError:
            self.unreadable.add(line, f"maturity {maturity_cell[:20]!r}")
            return None
        if not title:
            self.unreadable.add(line, "no title")
            return None
        pair = self.bonds[(title_cell, maturity_cell)] = (
            TreasuryBond(title, maturity),
            bond_key(title, maturity),
        )
        return pair

    def day(self, cell: str, *, line: int) -> date | None:
        day = self.days.get(cell)
        if day is not None:
            return day
        try:
            day = self.days[cell] = br_date(cell)
        except ValueError:
            self.unreadable.add(line, f"date {cell[:20]!r}")
            return None
        return day


def _price(cell: str) -> Decimal | None:
    """The unit price of a row (None: not a positive number)."""
    try:
        price = br_decimal(cell)  # finite, or InvalidOperation
    except (InvalidOperation, ValueError):
        return None
    return price if price > 0 else None


# -- the source ---------------------------------------------------------------------------------


def tesouro_limits(settings: Settings) -> UpstreamLimits:
    return UpstreamLimits(
        timeout_seconds=settings.tesouro_timeout_seconds,
        max_tries=settings.tesouro_max_tries,
        # every try may take its whole time (a big file on a slow link), plus the waits
        max_retry_seconds=settings.tesouro_timeout_seconds * settings.tesouro_max_tries + 10,
        connections=2,
    )


class TesouroSource:
    """The `PriceSource` of treasury assets (and the titles registration accepts)."""

    source: str = SOURCE

    def __init__(
        self, settings: Settings, *, redis: Redis, circuit: CircuitBreaker | None = None
    ) -> None:
        self._url = settings.tesouro_prices_url
        self._redis = redis
        self._http = Upstream(
            source=SOURCE,
            label=LABEL,
            limits=tesouro_limits(settings),
            headers={"User-Agent": "carteira", "Accept": "text/csv, */*"},
            circuit=circuit,
        )
        self._files = DailyFiles(self._http, max_bytes=MAX_BYTES)
        self._catalog: tuple[Path, int, TreasuryCatalog] | None = None

    @property
    def circuit(self) -> CircuitBreaker:
        return self._http.circuit

    async def close(self) -> None:
        await self._http.close()
        self._files.close()

    async def _file(self) -> Path:
        path = await self._files.get(self._url, name=FILE_NAME, check=check_header)
        if path is None:  # only a refusal the upstream discipline lets through
            raise ProviderError(f"{LABEL} is not there.")
        return path

    async def read(self, bonds: Collection[TreasuryBond]) -> TreasuryPrices:
        """Today's file (downloaded if need be), read for `bonds` in a thread."""
        path = await self._file()
        prices = await asyncio.to_thread(read_prices, path, bonds)
        self._catalog = (path, path.stat().st_mtime_ns, prices.catalog())
        return prices

    async def catalog(self) -> TreasuryCatalog:
        """The titles today's file has (read once per download)."""
        path = await self._file()
        known = self._catalog
        if known is not None and known[:2] == (path, path.stat().st_mtime_ns):
            return known[2]
        return (await self.read(())).catalog()

    # -- PriceSource -----------------------------------------------------------------------------

    async def quote(self, instrument: Instrument) -> Quote:
        bond = bond_of(instrument)
        return await stored_quote(
            instrument,
            source=SOURCE,
            name=f"{bond.title} {bond.maturity_date.year}",
            asset_type=AssetType.OTHER,
            redis=self._redis,
        )

    async def history(self, instrument: Instrument, *, start: date, end: date) -> PriceHistory:
        bond = bond_of(instrument)
        prices = await self.read([bond])
        redemption = prices.redemption(bond)
        key = bond_key(bond.title, bond.maturity_date)
        skipped = prices.unreadable.summary(LABEL) if key in prices.unreadable_days else []
        return PriceHistory(
            closes=[c for c in prices.series(bond) if start <= c.date <= end],
            redemptions=(
                [redemption] if redemption is not None and start <= redemption.date <= end else []
            ),
            currency="BRL",
            skipped=skipped,
        )

    # -- every registered title at once ----------------------------------------------------------

    async def refresh(
        self, instruments: Sequence[Instrument], *, start: date | None, end: date
    ) -> BatchReport:
        """The closes of every instrument in [start, end] (start None: all the file has) from
        one download and one pass, stored; the outcome recorded for the quotes (a failure
        makes them stale, and is in the report, never raised)."""
        report = BatchReport(source=SOURCE, instruments=len(instruments))
        bonds = {instrument.asset_id: bond_of(instrument) for instrument in instruments}
        try:
            prices = await self.read(bonds.values())
        except AppError as exc:
            report.failed[FILE_NAME] = exc.detail
            await record_refresh(self._redis, SOURCE, error=exc.detail)
            return report
        report.files_read = 1
        report.latest = prices.latest
        report.unreadable = prices.unreadable
        for instrument in instruments:
            bond = bonds[instrument.asset_id]
            series = prices.series(bond)
            if not series:
                report.missing.append(f"{instrument.ticker} ({bond.label})")
            closes = [c for c in series if (start is None or c.date >= start) and c.date <= end]
            stored = await store_closes(
                asset_id=instrument.asset_id, closes=closes, previous_session=previous_session
            )
            report.inserted += stored.inserted
            report.updated += stored.updated
            if (redemption := prices.redemption(bond)) is not None:
                events = await store_events(
                    asset_id=instrument.asset_id,
                    dividends=(),
                    splits=(),
                    redemptions=[redemption],
                    source=SOURCE,
                )
                if events.redemptions:  # new: the holders' ledgers redeem it
                    report.redeemed.append(instrument.asset_id)
            if (reason := prices.stale_reason(bond)) is not None:
                report.stale[instrument.asset_id] = f"{instrument.ticker}: {reason}"
        await record_refresh(self._redis, SOURCE, stale_assets=report.stale)
        return report


def unknown_title(
    catalog: TreasuryCatalog, *, title: str, maturity_date: date
) -> UnknownTreasuryTitleError:
    """The 422 of a title and maturity the file does not have, listing what it prices now."""
    available = "; ".join(b.label for b in catalog.current) or "none"
    return UnknownTreasuryTitleError(
        f"{LABEL} has no {_title(title)} maturing on {maturity_date:%d/%m/%Y}; it prices:"
        f" {available}.",
        fields={
            "title": _title(title),
            "maturity_date": maturity_date.isoformat(),
            "available": available,
        },
    )
