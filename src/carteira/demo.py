"""`carteira seed-demo`: a small living portfolio for `make run` (idempotent)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from pydantic import TypeAdapter

from carteira.allocations import service as allocations
from carteira.allocations.schemas import TransactionIn
from carteira.assets import service as assets
from carteira.assets.models import Asset, AssetType
from carteira.assets.schemas import AssetDetails, InstrumentTerms
from carteira.auth import service as auth
from carteira.clients import service as clients
from carteira.clients.models import ClientStatus
from carteira.clients.schemas import ClientCreate
from carteira.core import clock
from carteira.core.calendar import previous_business_day
from carteira.core.errors import AppError
from carteira.core.events import EventBus
from carteira.core.jobs import JobQueue
from carteira.pricing import service as pricing
from carteira.pricing.service import MarketData

EQUITY = AssetType.EQUITY
CENTS = Decimal("0.01")
DEMO_DAYS = (600, 730)  # how far back a demo ledger begins


@dataclass(frozen=True)
class DemoAsset:
    ticker: str
    details: AssetDetails
    typical_price: Decimal


DEMO_ASSETS = (
    DemoAsset(
        "PETR4.SA",
        AssetDetails(name="Petrobras PN", exchange="SAO", currency="BRL", asset_type=EQUITY),
        Decimal("37.50"),
    ),
    DemoAsset(
        "VALE3.SA",
        AssetDetails(name="Vale ON", exchange="SAO", currency="BRL", asset_type=EQUITY),
        Decimal("61.20"),
    ),
    DemoAsset(
        "ITUB4.SA",
        AssetDetails(name="Itaú Unibanco PN", exchange="SAO", currency="BRL", asset_type=EQUITY),
        Decimal("33.10"),
    ),
    DemoAsset(
        "BOVA11.SA",
        AssetDetails(
            name="iShares Ibovespa", exchange="SAO", currency="BRL", asset_type=AssetType.ETF
        ),
        Decimal("124.80"),
    ),
    DemoAsset(
        "AAPL",
        AssetDetails(name="Apple Inc.", exchange="NMS", currency="USD", asset_type=EQUITY),
        Decimal("189.90"),
    ),
    DemoAsset(
        "BTC-USD",
        AssetDetails(
            name="Bitcoin USD", exchange="CCC", currency="USD", asset_type=AssetType.CRYPTOCURRENCY
        ),
        Decimal("61250.00"),
    ),
)

# Renda fixa, Tesouro Direto and a fund, as an office's clients hold them: each demo client buys
# every one (by amount, at the day's unit price, with money from outside). Fixed dates: the
# same instruments on every run.
_ISSUE = "2024-06-03"
DEMO_INSTRUMENTS: dict[str, dict[str, Any]] = {
    "cdb": {
        "kind": "fixed_income",
        "product": "CDB",
        "issuer": "Banco Sul",
        "indexer": "CDI",
        "rate": "110",
        "rate_mode": "pct_of_index",
        "issue_date": _ISSUE,
        "maturity_date": "2029-06-01",
    },
    "lci": {
        "kind": "fixed_income",
        "product": "LCI",
        "issuer": "Banco Sul",
        "indexer": "CDI",
        "rate": "94",
        "rate_mode": "pct_of_index",
        "issue_date": _ISSUE,
        "maturity_date": "2028-06-01",
    },
    "prefixado": {
        "kind": "fixed_income",
        "product": "CDB",
        "issuer": "Aurora",
        "indexer": "PRE",
        "rate": "12.5",
        "rate_mode": "fixed",
        "issue_date": _ISSUE,
        "maturity_date": "2028-12-01",
    },
    "selic": {"kind": "treasury", "title": "Tesouro Selic", "maturity_date": "2029-03-01"},
    "ipca": {"kind": "treasury", "title": "Tesouro IPCA+", "maturity_date": "2035-05-15"},
    "fund": {
        "kind": "fund",
        "cnpj": "11222333000181",
        "name": "Horizonte Crédito Privado FIRF",
        "fund_class": "renda_fixa",
    },
}
_TERMS: TypeAdapter[InstrumentTerms] = TypeAdapter(InstrumentTerms)

INDEX_ETF = next(a for a in DEMO_ASSETS if a.ticker == "BOVA11.SA")
VALE = next(a for a in DEMO_ASSETS if a.ticker == "VALE3.SA")

# The advisors' books: `make run` creates these two advisor users (dev only); elsewhere the
# demo clients stay unassigned unless users with these emails exist.
ANA, BRUNO = "ana.advisor@example.com", "bruno.advisor@example.com"
DEMO_ADVISORS = (ANA, BRUNO)
DEMO_CLIENTS = (
    ("Ana Beatriz Souza", "ana.souza@demo.carteira.dev", "52998224725", ClientStatus.ACTIVE, ANA),
    ("Bruno Carvalho", "bruno.carvalho@demo.carteira.dev", None, ClientStatus.ACTIVE, ANA),
    ("Carla Mendes", "carla.mendes@demo.carteira.dev", None, ClientStatus.ACTIVE, BRUNO),
    ("Diego Fernandes", "diego.fernandes@demo.carteira.dev", None, ClientStatus.INACTIVE, BRUNO),
    ("Elisa Rocha", "elisa.rocha@demo.carteira.dev", None, ClientStatus.ACTIVE, ANA),
    ("Fábio Nogueira", "fabio.nogueira@demo.carteira.dev", None, ClientStatus.INACTIVE, None),
)


@dataclass
class DemoMarket:
    """What the demo knows of prices while it writes the ledgers: the stored split-adjusted
    closes and splits of its assets (when the provider could be asked), else typical prices."""

    closes: dict[str, list[tuple[date, Decimal]]] = field(default_factory=dict)
    splits: dict[str, list[tuple[date, Decimal]]] = field(default_factory=dict)

    def price(self, asset: DemoAsset, day: date, rng: random.Random) -> Decimal:
        """A trade near the day's close, in the shares of that day (before later splits)."""
        closes = [close for when, close in self.closes.get(asset.ticker, []) if when <= day]
        if not closes:
            return (asset.typical_price * Decimal(rng.randint(80, 120)) / 100).quantize(CENTS)
        shares_since = Decimal(1)
        for ex_date, ratio in self.splits.get(asset.ticker, []):
            if ex_date > day:
                shares_since *= ratio
        near = Decimal(rng.randint(990, 1010)) / 1000
        return (closes[-1] * shares_since * near).quantize(CENTS)


def _ledger(rng: random.Random, today: date, market: DemoMarket) -> list[dict[str, Any]]:
    """A plausible two-year ledger: money deposited, the index ETF first, then purchases from
    cash (and a few from outside), a partial sale, a JCP from a broker's note, a custody fee and
    a withdrawal. The provider's dividends and splits reach it as it is written. Quantities
    never go short."""
    start = today - timedelta(days=rng.randint(*DEMO_DAYS))
    deposit = {"kind": "deposit", "date": start, "amount": Decimal(rng.randint(30, 80) * 1000)}
    purchases, held = _purchases(rng, start=start, today=today, market=market)
    late = today - timedelta(days=rng.randint(20, 60))
    later = _jcp_and_sale(rng, held, late=late, market=market)
    fee = {"kind": "fee", "date": today - timedelta(days=10), "amount": Decimal("25")}
    withdrawal = {
        "kind": "withdrawal",
        "date": today.replace(day=1),
        "amount": Decimal(rng.randint(1, 5) * 500),
    }
    entries = [deposit, *purchases, *later, fee, withdrawal]
    return _with_cash_for_every_payment(sorted(entries, key=lambda e: e["date"]))


def _purchases(
    rng: random.Random, *, start: date, today: date, market: DemoMarket
) -> tuple[list[dict[str, Any]], dict[str, tuple[Decimal, date]]]:
    """Five to eight purchases, the index ETF first, until two weeks ago; and what they left
    held: each ticker's quantity and its first purchase's date."""
    entries: list[dict[str, Any]] = []
    held: dict[str, tuple[Decimal, date]] = {}
    for step in range(rng.randint(5, 8)):
        asset = (
            INDEX_ETF if step == 0 else DEMO_ASSETS[(step + rng.randint(0, 5)) % len(DEMO_ASSETS)]
        )
        day = start + timedelta(days=10 + step * rng.randint(40, 80))
        if day > today - timedelta(days=15):
            break
        crypto = asset.details.asset_type is AssetType.CRYPTOCURRENCY
        quantity = (
            Decimal(rng.randint(1, 50)) / 1000 if crypto else Decimal(rng.randint(1, 30) * 10)
        )
        brl = asset.details.currency == "BRL"
        entries.append(
            {
                "kind": "buy",
                "date": day,
                "ticker": asset.ticker,
                "quantity": quantity,
                "price": market.price(asset, day, rng),
                "fees": Decimal("4.90") if brl else Decimal(0),
                "settlement": "cash" if brl else "external",
            }
        )
        previous, since = held.get(asset.ticker, (Decimal(0), day))
        held[asset.ticker] = (previous + quantity, min(day, since))
    return entries, held


def _jcp_and_sale(
    rng: random.Random,
    held: dict[str, tuple[Decimal, date]],
    *,
    late: date,
    market: DemoMarket,
) -> list[dict[str, Any]]:
    """A JCP on the ITUB4 held (from a broker's note, a month after its purchase) and the sale
    of half the VALE3 held on `late`, when held long enough before it."""
    entries: list[dict[str, Any]] = []
    for ticker, (quantity, since) in sorted(held.items()):
        after = since + timedelta(days=30)
        if ticker == "ITUB4.SA" and after < late:
            entries.append(
                {
                    "kind": "jcp",
                    "date": after,
                    "ticker": ticker,
                    "amount": quantity * Decimal("0.42"),
                }
            )
        if ticker == "VALE3.SA" and after < late and quantity >= 20:
            entries.append(
                {
                    "kind": "sell",
                    "date": late,
                    "ticker": ticker,
                    "quantity": (quantity / 2).quantize(Decimal(1)),
                    "price": market.price(VALE, late, rng),
                    "fees": Decimal("4.90"),
                    "settlement": "cash",
                }
            )
    return entries


def _renda_fixa(rng: random.Random, today: date, keys: list[str]) -> list[dict[str, Any]]:
    """A purchase of each instrument by amount (from outside) on a business day of the last
    year and a half, and one more of the CDB in the last weeks (its IOF still runs)."""
    entries = []
    for key in keys:
        day = previous_business_day(today - timedelta(days=rng.randint(60, 540)))
        amount = Decimal(rng.randint(5, 40) * 1000)
        entries.append({"kind": "buy", "date": day, "instrument": key, "amount": amount})
    if "cdb" in keys:
        day = previous_business_day(today - timedelta(days=rng.randint(6, 20)))
        amount = Decimal(rng.randint(2, 10) * 1000)
        entries.append({"kind": "buy", "date": day, "instrument": "cdb", "amount": amount})
    return entries


def _with_cash_for_every_payment(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A client tops up the account before paying from it: a deposit, on the day, of what a
    purchase, fee or withdrawal would otherwise overdraw (rounded up to the next thousand),
    so no demo client shows a negative balance."""
    cash = Decimal(0)
    ledger: list[dict[str, Any]] = []
    for entry in entries:
        move = _cash_move(entry)
        if move < 0 and cash + move < 0:
            shortfall = -(cash + move)
            top_up = (shortfall / 1000).to_integral_value(rounding=ROUND_CEILING) * 1000
            ledger.append({"kind": "deposit", "date": entry["date"], "amount": top_up})
            cash += top_up
        cash += move
        ledger.append(entry)
    return ledger


def _cash_move(entry: dict[str, Any]) -> Decimal:
    """What an entry of the demo does to its cash in reais."""
    kind = entry["kind"]
    if kind in {"buy", "sell"}:
        if entry.get("settlement") != "cash":
            return Decimal(0)
        gross: Decimal = entry["quantity"] * entry["price"]
        fees: Decimal = entry["fees"]
        return -(gross + fees) if kind == "buy" else gross - fees
    if kind in {"fee", "withdrawal"}:
        return Decimal(-entry["amount"])
    if kind == "deposit":
        return Decimal(entry["amount"])
    if kind == "jcp":
        return Decimal(entry["amount"] * (1 - allocations.jcp_rate(entry["date"])))
    return Decimal(0)


async def _demo_market(
    *, market: MarketData, registered: dict[str, Asset], since: date, today: date
) -> DemoMarket:
    """With the simulated provider (offline, instant) the demo assets' histories, corporate
    actions and exchange rates are stored now, so each ledger gets its dividends and splits as
    it is written; a live provider's are brought by the worker's backfills and jobs."""
    known = DemoMarket()
    if market.provider.source != "simulated":
        return known
    for ticker, asset in registered.items():
        await assets.store_history(market=market, asset=asset, start=since, end=today)
        if asset.kind != "listed":  # instruments: their closes, not a trade's price
            continue
        history = await pricing.daily_history(asset_id=asset.id, start=since, end=today)
        known.closes[ticker] = [(row.date, row.close) for row in history]
    reporting = market.settings.reporting_currency
    for currency in sorted({a.currency for a in registered.values()} - {reporting}):
        await pricing.refresh_fx(
            market=market, currency=currency, reporting=reporting, start=since, end=today
        )
    for event in await pricing.asset_events(asset_ids=[a.id for a in registered.values()]):
        if event.kind == pricing.SPLIT and event.ratio:
            ticker = next(t for t, a in registered.items() if a.id == event.asset_id)
            known.splits.setdefault(ticker, []).append((event.ex_date, event.ratio))
    return known


@dataclass
class _Seeded:
    """What a seeding made, and what it went without (a live source out of reach)."""

    created: dict[str, int] = field(
        default_factory=lambda: {"clients": 0, "assets": 0, "transactions": 0}
    )
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        summary = ", ".join(f"{count} {kind} created" for kind, count in self.created.items())
        if self.skipped:
            summary += "; skipped: " + "; ".join(self.skipped)
        return "demo data: " + summary


async def seed_demo(*, events: EventBus, market: MarketData, jobs: JobQueue) -> str:
    seeded = _Seeded()
    registered = await _demo_assets(market=market, jobs=jobs, seeded=seeded)
    instruments = await _demo_instruments(events=events, market=market, jobs=jobs, seeded=seeded)
    services = allocations.Services(
        events=events,
        market=market,
        jobs=jobs,
        reporting_currency=market.settings.reporting_currency,
    )
    today = clock.today()
    demo_market = await _demo_market(
        market=market,
        registered={**registered, **{a.ticker: a for a in instruments.values()}},
        since=today - timedelta(days=max(market.settings.backfill_days, DEMO_DAYS[1] + 10)),
        today=today,
    )
    for index, demo_client in enumerate(DEMO_CLIENTS):
        client_id = await _demo_client(demo_client, events=events, seeded=seeded)
        rng = random.Random(f"carteira-demo-{index}")  # noqa: S311 - demo data, not secrets
        await _record_ledger(
            client_id,
            await _demo_ledger(client_id, rng, today, demo_market, instruments=instruments),
            tickers={t: a.id for t, a in registered.items()},
            instruments={k: a.id for k, a in instruments.items()},
            services=services,
            seeded=seeded,
        )
    return seeded.summary()


async def _demo_client(
    demo_client: tuple[str, str, str | None, ClientStatus, str | None],
    *,
    events: EventBus,
    seeded: _Seeded,
) -> int:
    """The demo client's id, the client created unless it exists."""
    name, email, document, status, advisor = demo_client
    client = await clients.find_by_email(email=email)
    if client is None:
        advisor_id = await auth.advisor_id_of(email=advisor) if advisor else None
        client = await clients.create_client(
            data=ClientCreate(
                name=name, email=email, document=document, status=status, advisor_id=advisor_id
            ),
            actor_id=None,
            events=events,
        )
        seeded.created["clients"] += 1
    return client.id


async def _demo_ledger(
    client_id: int,
    rng: random.Random,
    today: date,
    market: DemoMarket,
    *,
    instruments: Mapping[str, Asset],
) -> list[dict[str, Any]]:
    """The entries a demo client still lacks: its ledger, unless it has one, and renda fixa
    (also for a client whose ledger was seeded before it existed)."""
    ledger = []
    if not await allocations.has_transactions(client_id=client_id):
        ledger = _ledger(rng, today, market)
    traded = {h.asset_id for h in await allocations.holdings(client_ids=[client_id])}
    keys = [k for k, a in instruments.items() if a.id not in traded]
    if len(keys) == len(instruments):
        ledger += _renda_fixa(rng, today, keys)
    return ledger


async def _demo_assets(*, market: MarketData, jobs: JobQueue, seeded: _Seeded) -> dict[str, Asset]:
    """The demo's listed assets, registered unless they are already."""
    registered: dict[str, Asset] = {}
    for demo_asset in DEMO_ASSETS:
        asset = await assets.find_by_ticker(ticker=demo_asset.ticker)
        if asset is None:
            asset = await assets.register_known_asset(
                ticker=demo_asset.ticker,
                details=demo_asset.details,
                jobs=jobs,
                backfill_days=market.settings.backfill_days,
                actor_id=None,
            )
            seeded.created["assets"] += 1
        registered[demo_asset.ticker] = asset
    return registered


async def _demo_instruments(
    *, events: EventBus, market: MarketData, jobs: JobQueue, seeded: _Seeded
) -> dict[str, Asset]:
    """The demo's renda fixa and funds, registered unless they are already (one whose live
    source is out of reach is skipped)."""
    instruments: dict[str, Asset] = {}
    for key, body in DEMO_INSTRUMENTS.items():
        terms = _TERMS.validate_python(body)
        ticker = assets.registration_of(terms).base_ticker
        asset = await assets.find_by_ticker(ticker=ticker)
        if asset is None:
            try:
                asset = await assets.register(
                    body=terms, market=market, jobs=jobs, events=events, actor_id=None
                )
            except AppError as exc:  # a live source out of reach: the demo goes without it
                seeded.skipped.append(f"{ticker} ({exc.detail})")
                continue
            seeded.created["assets"] += 1
        instruments[key] = asset
    return instruments


_ENTRY: TypeAdapter[TransactionIn] = TypeAdapter(TransactionIn)


async def _record_ledger(
    client_id: int,
    ledger: list[dict[str, Any]],
    *,
    tickers: Mapping[str, int],
    instruments: Mapping[str, int],
    services: allocations.Services,
    seeded: _Seeded,
) -> None:
    """A client's demo entries, in date order (a purchase by amount of an instrument with no
    price that day is skipped)."""
    for entry in sorted(ledger, key=lambda e: e["date"]):
        if "ticker" in entry:
            entry["asset_id"] = tickers[entry.pop("ticker")]
        if "instrument" in entry:
            entry["asset_id"] = instruments[entry.pop("instrument")]
        try:
            await allocations.record_transaction(
                client_id=client_id,
                data=_ENTRY.validate_python(entry),
                actor_id=None,
                services=services,
            )
        except AppError as exc:  # an instrument without a price that day (a live source)
            if "amount" not in entry or entry["kind"] != "buy":
                raise
            seeded.skipped.append(f"a purchase on {entry['date']} ({exc.detail})")
            continue
        seeded.created["transactions"] += 1
