"""The asset registry: one row per Yahoo symbol the firm's clients hold or watch, and per
instrument of another kind (renda fixa, Tesouro Direto, funds) with the terms it was registered
with. The registry is also pricing's `InstrumentLookup` (`InstrumentRegistry`): which tickers
are instruments, and their terms."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from carteira.assets.exceptions import (
    AssetHasTransactionsError,
    AssetNotFoundError,
    TickerTakenError,
    UnknownAssetError,
)
from carteira.assets.models import Asset, AssetClass, AssetKind, AssetType
from carteira.assets.schemas import (
    AssetDetails,
    AssetPatch,
    FundTerms,
    ListedCreate,
    TreasuryTerms,
)
from carteira.audit import service as audit
from carteira.core.calendar import previous_business_day, previous_trading_day
from carteira.core.database import atomic, on_commit
from carteira.core.errors import AppError
from carteira.core.events import EventBus
from carteira.core.jobs import JobQueue
from carteira.core.pagination import PageParams, fetch_page
from carteira.pricing import service as pricing
from carteira.pricing.instruments import (
    FixedIncomeTerms,
    FundClass,
    Indexer,
    Product,
    RateMode,
    TreasuryTitle,
    parse_terms,
)
from carteira.pricing.service import MarketData, PreviousSession, Refreshed
from carteira.pricing.sources import Instrument

ENTITY = "asset"
# Published after an asset's row changed or went away: listings that embed assets drop caches.
ASSET_CHANGED = "asset.changed"
# Published after an asset was registered (with its `ticker`): a ticker once looked up as no
# instrument may now be one.
ASSET_REGISTERED = "asset.registered"
INFO_CACHE = "assets.info"
INSTRUMENTS_CACHE = "assets.instruments"
FIELDS = (
    "ticker",
    "name",
    "exchange",
    "currency",
    "asset_type",
    "sector",
    "kind",
    "asset_class",
    "tax_exempt",
    "terms",
)
LIST_COLUMNS = ("id", *FIELDS, "created_at")
HOME_CURRENCY = "BRL"  # a listing in any other currency is `exterior`
InstrumentTerms = FixedIncomeTerms | TreasuryTerms | FundTerms


def _snapshot(asset: Asset) -> dict[str, Any]:
    return {field: getattr(asset, field) for field in FIELDS}


async def list_assets(
    *, search: str | None, asset_type: AssetType | None, params: PageParams
) -> tuple[list[dict[str, Any]], int]:
    query = Asset.all()
    if search:
        query = query.filter(Q(ticker__icontains=search) | Q(name__icontains=search))
    if asset_type is not None:
        query = query.filter(asset_type=asset_type)
    return await fetch_page(query, order_by=("ticker",), columns=LIST_COLUMNS, params=params)


async def registered_tickers(*, tickers: Iterable[str]) -> set[str]:
    """Which of `tickers` are registered assets."""
    wanted = sorted(set(tickers))
    if not wanted:
        return set()
    found = await Asset.filter(ticker__in=wanted).values_list("ticker", flat=True)
    return {str(ticker) for ticker in found}


async def get_asset(*, asset_id: int) -> Asset:
    asset = await Asset.get_or_none(id=asset_id)
    if asset is None:
        raise AssetNotFoundError()
    return asset


async def find_by_ticker(*, ticker: str) -> Asset | None:
    return await Asset.get_or_none(ticker=ticker.strip().upper())


async def resolve(
    *,
    asset_id: int | None,
    ticker: str | None,
    market: MarketData,
    jobs: JobQueue,
    actor_id: int | None,
) -> Asset:
    """The asset an allocation refers to: by id (422 when unknown), or by ticker, registering
    it on the fly after the provider validated it."""
    if asset_id is not None:
        asset = await Asset.get_or_none(id=asset_id)
        if asset is None:
            raise UnknownAssetError(f"No registered asset with id {asset_id}.")
        return asset
    symbol = (ticker or "").upper()
    if (asset := await find_by_ticker(ticker=symbol)) is not None:
        return asset
    try:
        return await register_asset(ticker=symbol, market=market, jobs=jobs, actor_id=actor_id)
    except TickerTakenError:  # registered concurrently by another request
        return await Asset.get(ticker=symbol)


async def register(
    *,
    body: ListedCreate | InstrumentTerms,
    market: MarketData,
    jobs: JobQueue,
    events: EventBus,
    actor_id: int | None,
) -> Asset:
    """`POST /assets`: a listing by its symbol, or an instrument by its terms."""
    if isinstance(body, ListedCreate):
        return await register_asset(
            ticker=body.ticker, market=market, jobs=jobs, actor_id=actor_id, sector=body.sector
        )
    if isinstance(body, TreasuryTerms):  # a title and maturity Tesouro Transparente prices
        await pricing.ensure_treasury_title(
            market=market, title=body.title.value, maturity_date=body.maturity_date
        )
    return await register_instrument(
        terms=body,
        jobs=jobs,
        events=events,
        backfill_days=market.settings.backfill_days,
        actor_id=actor_id,
    )


async def register_asset(
    *,
    ticker: str,
    market: MarketData,
    jobs: JobQueue,
    actor_id: int | None,
    sector: str | None = None,
) -> Asset:
    """Validate the ticker with the market-data provider, which also names and classifies it;
    its price history is backfilled in the background."""
    if await Asset.exists(ticker=ticker):
        raise TickerTakenError()
    details = await market.describe(ticker)
    if sector is not None:
        details = details.model_copy(update={"sector": sector})
    return await register_known_asset(
        ticker=ticker,
        details=details,
        jobs=jobs,
        backfill_days=market.settings.backfill_days,
        actor_id=actor_id,
    )


async def register_known_asset(
    *,
    ticker: str,
    details: AssetDetails,
    jobs: JobQueue,
    backfill_days: int,
    actor_id: int | None,
) -> Asset:
    """Register with details given by trusted code (demo data, the provider's answer)."""
    try:
        async with atomic():
            asset = await audit.audited_create(
                row=Asset.create(
                    ticker=ticker.upper(),
                    asset_class=listed_class(details.asset_type, details.currency),
                    **details.model_dump(),
                ),
                snapshot=_snapshot,
                entity=ENTITY,
                actor_id=actor_id,
            )
            await pricing.schedule_backfill(jobs=jobs, asset_id=asset.id, days=backfill_days)
    except IntegrityError as exc:
        raise TickerTakenError() from exc
    return asset


def listed_class(asset_type: AssetType, currency: str) -> AssetClass:
    """A listing's class, from what the provider says it is (an admin may correct it, e.g. a
    fund listed as an equity that is a FII)."""
    if asset_type is AssetType.CRYPTOCURRENCY:
        return AssetClass.CRIPTO
    if currency != HOME_CURRENCY:
        return AssetClass.EXTERIOR
    if asset_type is AssetType.ETF:
        return AssetClass.ETFS
    if asset_type is AssetType.FII:
        return AssetClass.FIIS
    return AssetClass.ACOES


# ---- instruments ---------------------------------------------------------------------------

TAX_EXEMPT = frozenset(
    {Product.LCI, Product.LCA, Product.CRI, Product.CRA, Product.DEBENTURE_INCENTIVADA}
)
_CLASS_BY_INDEXER = {
    Indexer.CDI: AssetClass.POS_FIXADO,
    Indexer.SELIC: AssetClass.POS_FIXADO,
    Indexer.PRE: AssetClass.PREFIXADO,
    Indexer.IPCA: AssetClass.INFLACAO,
}
_CLASS_BY_TITLE = {
    TreasuryTitle.SELIC: AssetClass.POS_FIXADO,
    TreasuryTitle.PREFIXADO: AssetClass.PREFIXADO,
    TreasuryTitle.PREFIXADO_JUROS: AssetClass.PREFIXADO,
    TreasuryTitle.IPCA: AssetClass.INFLACAO,
    TreasuryTitle.IPCA_JUROS: AssetClass.INFLACAO,
    TreasuryTitle.RENDA: AssetClass.INFLACAO,
    TreasuryTitle.EDUCA: AssetClass.INFLACAO,
}
_CLASS_BY_FUND = {
    FundClass.RENDA_FIXA: AssetClass.FUNDOS_RF,
    FundClass.MULTIMERCADO: AssetClass.MULTIMERCADO,
    FundClass.ACOES: AssetClass.ACOES,
    FundClass.CAMBIAL: AssetClass.EXTERIOR,
}
# Short codes of tickers: CDB-BANCOX-110CDI-20290515, TD-SELIC-20290301, FI-<cnpj>.
_PRODUCT_CODE = {
    Product.CDB: "CDB",
    Product.LCI: "LCI",
    Product.LCA: "LCA",
    Product.LC: "LC",
    Product.CRI: "CRI",
    Product.CRA: "CRA",
    Product.DEBENTURE: "DEB",
    Product.DEBENTURE_INCENTIVADA: "DEBI",
}
_TITLE_CODE = {
    TreasuryTitle.SELIC: "SELIC",
    TreasuryTitle.PREFIXADO: "PRE",
    TreasuryTitle.PREFIXADO_JUROS: "PREJS",
    TreasuryTitle.IPCA: "IPCA",
    TreasuryTitle.IPCA_JUROS: "IPCAJS",
    TreasuryTitle.RENDA: "RENDA",
    TreasuryTitle.EDUCA: "EDUCA",
}
_PRODUCT_NAME = {
    Product.DEBENTURE: "Debênture",
    Product.DEBENTURE_INCENTIVADA: "Debênture incentivada",
}
MAX_TICKER = 31  # what a ticker symbol may be (pricing.instruments.Ticker)
MAX_SUFFIX = 99  # CDB-...-2 .. -99: same name, other terms (another issue date)
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Registration:
    """What an instrument's terms make of its row."""

    base_ticker: str
    name: str
    asset_type: AssetType
    asset_class: AssetClass
    tax_exempt: bool


def registration_of(terms: InstrumentTerms) -> Registration:
    if isinstance(terms, FixedIncomeTerms):
        return Registration(
            base_ticker=_fixed_income_ticker(terms),
            name=_fixed_income_name(terms),
            asset_type=AssetType.OTHER,
            asset_class=_CLASS_BY_INDEXER[terms.indexer],
            tax_exempt=terms.product in TAX_EXEMPT,
        )
    if isinstance(terms, TreasuryTerms):
        return Registration(
            base_ticker=f"TD-{_TITLE_CODE[terms.title]}-{terms.maturity_date:%Y%m%d}",
            name=f"{terms.title.value} {terms.maturity_date:%d/%m/%Y}",
            asset_type=AssetType.OTHER,
            asset_class=_CLASS_BY_TITLE[terms.title],
            tax_exempt=False,
        )
    return Registration(
        base_ticker=f"FI-{terms.cnpj}",
        name=terms.name or f"Fundo {_masked_cnpj(terms.cnpj)}",
        asset_type=AssetType.MUTUALFUND,
        asset_class=_CLASS_BY_FUND[terms.fund_class],
        tax_exempt=False,
    )


def _rate_text(rate: Decimal, *, decimal_comma: bool = False) -> str:
    text = format(rate.quantize(TWO_PLACES).normalize(), "f")
    return text.replace(".", ",") if decimal_comma else text


def _fixed_income_ticker(terms: FixedIncomeTerms) -> str:
    rate, index = _rate_text(terms.rate), terms.indexer.value
    if terms.rate_mode is RateMode.PCT_OF_INDEX:
        contract = f"{rate}{index}"
    elif terms.rate_mode is RateMode.INDEX_PLUS:
        contract = f"{index}{rate}"
    else:
        contract = f"PRE{rate}"
    product = _PRODUCT_CODE[terms.product]
    tail = f"-{contract}-{terms.maturity_date:%Y%m%d}"
    # Room for the issuer, leaving some for a suffix that tells apart other terms.
    room = MAX_TICKER - len(product) - 1 - len(tail) - len(f"-{MAX_SUFFIX}")
    issuer = _slug(terms.issuer)[: max(room, 1)]
    return f"{product}-{issuer}{tail}"


def _slug(text: str) -> str:
    """Banco Xingu S.A. -> BANCOXINGUSA (letters and digits, without accents)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]", "", ascii_text.upper()) or "EMISSOR"


def _fixed_income_name(terms: FixedIncomeTerms) -> str:
    product = _PRODUCT_NAME.get(terms.product, terms.product.value)
    rate, index = _rate_text(terms.rate, decimal_comma=True), terms.indexer.value
    if terms.rate_mode is RateMode.PCT_OF_INDEX:
        contract = f"{rate}% do {index}"
    elif terms.rate_mode is RateMode.INDEX_PLUS:
        contract = f"{index} + {rate}%"
    else:
        contract = f"prefixado {rate}% a.a."
    return f"{product} {terms.issuer} {contract}, vencimento {terms.maturity_date:%d/%m/%Y}"


def _masked_cnpj(cnpj: str) -> str:
    return f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"


async def _free_ticker(base: str, terms: InstrumentTerms) -> str:
    """`base`, or for a fixed income `base-N` when another paper with other terms (another
    issue) has it. The same terms registered again are the same instrument (409), and so is a
    Tesouro title of the same maturity or a fund of the same CNPJ, whatever else is given."""
    stored_terms = terms.model_dump(mode="json")
    taken = await Asset.filter(ticker__startswith=base).values("ticker", "terms")
    for row in taken:
        same_paper = row["terms"] == stored_terms
        if same_paper or (row["ticker"] == base and not isinstance(terms, FixedIncomeTerms)):
            raise TickerTakenError(f"This instrument is already registered as {row['ticker']}.")
    names = {row["ticker"] for row in taken}
    for candidate in (base, *(f"{base}-{n}" for n in range(2, MAX_SUFFIX + 1))):
        if candidate not in names:
            return candidate
    raise TickerTakenError(f"Too many instruments are registered as {base}.")


async def register_instrument(
    *,
    terms: InstrumentTerms,
    jobs: JobQueue,
    events: EventBus,
    backfill_days: int,
    actor_id: int | None,
) -> Asset:
    """An instrument of another kind than a listing, with the terms it is priced by: its ticker
    generated (readable, unique), its class and tax exemption set by the product; its closes
    backfilled from its issue (fixed income) in the background."""
    registration = registration_of(terms)
    ticker = await _free_ticker(registration.base_ticker, terms)
    try:
        async with atomic():
            asset = await audit.audited_create(
                row=Asset.create(
                    ticker=ticker,
                    name=registration.name,
                    currency=HOME_CURRENCY,
                    asset_type=registration.asset_type,
                    kind=AssetKind(terms.kind),
                    asset_class=registration.asset_class,
                    tax_exempt=registration.tax_exempt,
                    terms=terms.model_dump(mode="json"),
                ),
                snapshot=_snapshot,
                entity=ENTITY,
                actor_id=actor_id,
            )
            if isinstance(terms, FixedIncomeTerms):
                await pricing.ensure_history_from(
                    jobs=jobs, asset_id=asset.id, start=terms.issue_date
                )
            else:
                await pricing.schedule_backfill(jobs=jobs, asset_id=asset.id, days=backfill_days)
            await on_commit(lambda: events.publish(ASSET_REGISTERED, ticker=ticker))
    except IntegrityError as exc:  # the same ticker taken meanwhile
        raise TickerTakenError() from exc
    return asset


async def _announce_change(events: EventBus, asset_id: int) -> None:
    await on_commit(lambda: events.publish(ASSET_CHANGED, asset_id=asset_id))


async def update_asset(
    *, asset_id: int, data: AssetPatch, actor_id: int | None, events: EventBus
) -> Asset:
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "tax_exempt", "asset_class", "asset_type"):
        if required in changes and changes[required] is None:
            changes.pop(required)  # required: an explicit null leaves it as it is

    def change(asset: Asset) -> None:
        retyped = "asset_type" in changes and "asset_class" not in changes
        asset.update_from_dict(changes)
        if retyped and asset.kind is AssetKind.LISTED:  # a listing's class follows its type
            asset.asset_class = listed_class(asset.asset_type, asset.currency)

    async def saved(asset: Asset, _: dict[str, Any]) -> None:
        await _announce_change(events, asset.id)

    asset, _ = await audit.audited_update(
        query=Asset.filter(id=asset_id),
        missing=AssetNotFoundError,
        snapshot=_snapshot,
        change=change,
        entity=ENTITY,
        actor_id=actor_id,
        saved=saved,
    )
    return asset


async def delete_asset(*, asset_id: int, actor_id: int | None, events: EventBus) -> None:
    async def deleted(asset: Asset) -> None:
        await _announce_change(events, asset.id)

    try:
        await audit.audited_delete(
            query=Asset.filter(id=asset_id),
            missing=AssetNotFoundError,
            snapshot=_snapshot,
            entity=ENTITY,
            actor_id=actor_id,
            deleted=deleted,
        )
    except IntegrityError as exc:  # transactions reference it (ON DELETE RESTRICT)
        raise AssetHasTransactionsError() from exc


# How a position's income is taxed: the regressive table on each lot's gain (renda fixa,
# Tesouro Direto), exempt (LCI, LCA, CRI, CRA, incentivized debentures), by the fund's rules
# (come-cotas), or not on the position (a listing: on sales, monthly).
IncomeTax = Literal["regressive", "exempt", "fund", "none"]


@dataclass(frozen=True, slots=True)
class AssetInfo:
    """What other modules need of an asset to show or value a holding of it."""

    id: int
    ticker: str
    name: str
    exchange: str
    currency: str
    asset_type: AssetType
    kind: AssetKind = AssetKind.LISTED
    asset_class: AssetClass = AssetClass.ACOES
    tax_exempt: bool = False

    @property
    def income_tax(self) -> IncomeTax:
        if self.kind is AssetKind.LISTED:
            return "none"
        if self.tax_exempt:
            return "exempt"
        return "fund" if self.kind is AssetKind.FUND else "regressive"


_INFO_COLUMNS = (
    "id",
    "ticker",
    "name",
    "exchange",
    "currency",
    "asset_type",
    "kind",
    "asset_class",
    "tax_exempt",
)


def _info(row: dict[str, Any]) -> AssetInfo:
    return AssetInfo(
        **{
            **row,
            "asset_type": AssetType(row["asset_type"]),
            "kind": AssetKind(row["kind"]),
            "asset_class": AssetClass(row["asset_class"]),
        }
    )


async def describe(
    *, asset_ids: Iterable[int], events: EventBus | None = None
) -> dict[int, AssetInfo]:
    """The assets of these ids (unknown ids are left out). Kept in this process's memory
    until an asset changes anywhere (`asset.changed` on the event bus)."""
    wanted = sorted(set(asset_ids))
    cache = events.cache(INFO_CACHE, cleared_by=(ASSET_CHANGED,)) if events else None
    found: dict[int, AssetInfo] = {}
    missing = []
    for asset_id in wanted:
        hit = cache.get(str(asset_id)) if cache else None
        if hit is not None:
            found[asset_id] = hit
        else:
            missing.append(asset_id)
    if missing:
        generation = cache.generation if cache else 0
        rows = await Asset.filter(id__in=missing).values(*_INFO_COLUMNS)
        for row in rows:
            info = _info(row)
            found[info.id] = info
            if cache:
                cache.set(str(info.id), info, generation=generation)
    return found


async def asset_infos(*, offset: int, limit: int) -> tuple[list[AssetInfo], int]:
    """A slice of the registry in ticker order, and its size."""
    rows = (
        await Asset.all().order_by("ticker").offset(offset).limit(limit).values(*_INFO_COLUMNS)
        if limit > 0
        else []
    )
    total = await Asset.all().count()
    return [_info(row) for row in rows], total


async def info_by_ticker(*, ticker: str) -> AssetInfo | None:
    rows = await Asset.filter(ticker=ticker.strip().upper()).values(*_INFO_COLUMNS)
    return _info(rows[0]) if rows else None


async def infos_by_ticker(*, tickers: Iterable[str]) -> dict[str, AssetInfo]:
    """The registered assets among these tickers, by ticker."""
    wanted = sorted({ticker.strip().upper() for ticker in tickers})
    if not wanted:
        return {}
    rows = await Asset.filter(ticker__in=wanted).values(*_INFO_COLUMNS)
    return {row["ticker"]: _info(row) for row in rows}


async def provider_details(
    *, tickers: Iterable[str], market: MarketData
) -> dict[str, AssetDetails | AppError]:
    """What the provider says of tickers not registered yet (a file's, before they are): each
    one's details, or the error registering it would meet (an unknown ticker, a currency that
    is not money, the provider unavailable)."""
    wanted = sorted({ticker.strip().upper() for ticker in tickers})

    async def ask(ticker: str) -> AssetDetails | AppError:
        try:
            return await market.describe(ticker)
        except AppError as exc:
            return exc

    answers = await asyncio.gather(*(ask(ticker) for ticker in wanted))
    return dict(zip(wanted, answers, strict=True))


def sessions_of(asset: Asset) -> PreviousSession:
    """The asset's calendar: the session before a given day (an instrument's: the banking
    business day before it)."""
    if asset.kind is not AssetKind.LISTED:
        return lambda day: previous_business_day(day, market="ANBIMA")
    every_day = asset.asset_type is AssetType.CRYPTOCURRENCY

    def previous(day: date) -> date:
        return previous_trading_day(
            day, exchange=asset.exchange, ticker=asset.ticker, every_day=every_day
        )

    return previous


class InstrumentRegistry:
    """pricing's `InstrumentLookup`: which tickers are instruments, with their terms. Kept in
    this process's memory (a ticker that is none too) until an asset changes anywhere, or one
    is registered with that ticker."""

    def __init__(self, events: EventBus) -> None:
        self._events = events

    async def instruments(self, tickers: Collection[str]) -> dict[str, Instrument]:
        cache = self._events.cache(
            INSTRUMENTS_CACHE,
            cleared_by=(ASSET_CHANGED, ASSET_REGISTERED),
            keyed_by="ticker",
            max_entries=16384,
        )
        found: dict[str, Instrument] = {}
        missing = []
        for ticker in set(tickers):
            hit: tuple[Instrument | None] | None = cache.get(ticker)
            if hit is None:
                missing.append(ticker)
            elif hit[0] is not None:
                found[ticker] = hit[0]
        if not missing:
            return found
        generation = cache.generation
        rows = (
            await Asset.filter(ticker__in=missing)
            .exclude(kind=AssetKind.LISTED)
            .values("id", "ticker", "kind", "terms")
        )
        by_ticker = {
            row["ticker"]: Instrument(
                asset_id=row["id"],
                ticker=row["ticker"],
                kind=AssetKind(row["kind"]),
                terms=parse_terms(row["terms"]),
            )
            for row in rows
        }
        for ticker in missing:
            instrument = by_ticker.get(ticker)
            cache.set(ticker, (instrument,), generation=generation)
            if instrument is not None:
                found[ticker] = instrument
        return found

    async def of_kind(self, kind: AssetKind) -> list[Instrument]:
        """Every registered instrument of a kind, by id (read each time: a daily job's)."""
        rows = await Asset.filter(kind=kind).order_by("id").values("id", "ticker", "terms")
        return [
            Instrument(
                asset_id=row["id"],
                ticker=row["ticker"],
                kind=kind,
                terms=parse_terms(row["terms"]),
            )
            for row in rows
        ]


async def store_history(*, market: MarketData, asset: Asset, start: date, end: date) -> Refreshed:
    """The asset's closes and corporate actions in [start, end], fetched and stored now."""
    return await pricing.refresh_closes(
        market=market,
        asset_id=asset.id,
        ticker=asset.ticker,
        start=start,
        end=end,
        previous_session=sessions_of(asset),
    )
