"""`carteira seed-demo`: a small living portfolio for `make run` (idempotent)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from carteira.allocations import service as allocations
from carteira.allocations.schemas import TransactionIn
from carteira.assets import service as assets
from carteira.assets.models import AssetType
from carteira.assets.schemas import AssetDetails
from carteira.clients import service as clients
from carteira.clients.models import ClientStatus
from carteira.clients.schemas import ClientCreate
from carteira.core import clock
from carteira.core.events import EventBus
from carteira.core.jobs import JobQueue
from carteira.pricing.service import MarketData

EQUITY = AssetType.EQUITY


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

DEMO_CLIENTS = (
    ("Ana Beatriz Souza", "ana.souza@demo.carteira.dev", "52998224725", ClientStatus.ACTIVE),
    ("Bruno Carvalho", "bruno.carvalho@demo.carteira.dev", None, ClientStatus.ACTIVE),
    ("Carla Mendes", "carla.mendes@demo.carteira.dev", None, ClientStatus.ACTIVE),
    ("Diego Fernandes", "diego.fernandes@demo.carteira.dev", None, ClientStatus.INACTIVE),
    ("Elisa Rocha", "elisa.rocha@demo.carteira.dev", None, ClientStatus.ACTIVE),
    ("Fábio Nogueira", "fabio.nogueira@demo.carteira.dev", None, ClientStatus.INACTIVE),
)


def _ledger(rng: random.Random, today: date) -> list[dict[str, Any]]:
    """A plausible two-year ledger: money deposited, purchases from cash (and a few from
    outside), a partial sale, proventos, a split, a custody fee and a withdrawal — every kind a
    new user should see. Quantities never go short."""
    start = today - timedelta(days=rng.randint(600, 730))
    entries: list[dict[str, Any]] = [
        {"kind": "deposit", "date": start, "amount": Decimal(rng.randint(30, 80) * 1000)}
    ]
    held: dict[str, tuple[Decimal, date]] = {}
    for step in range(rng.randint(5, 8)):
        asset = DEMO_ASSETS[(step + rng.randint(0, 5)) % len(DEMO_ASSETS)]
        day = start + timedelta(days=10 + step * rng.randint(40, 80))
        if day > today - timedelta(days=15):
            break
        price = (asset.typical_price * Decimal(rng.randint(80, 120)) / 100).quantize(
            Decimal("0.01")
        )
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
                "price": price,
                "fees": Decimal("4.90") if brl else Decimal(0),
                "settlement": "cash" if brl else "external",
            }
        )
        previous = held.get(asset.ticker, (Decimal(0), day))[0]
        held[asset.ticker] = (previous + quantity, min(day, held.get(asset.ticker, (0, day))[1]))
    late = today - timedelta(days=rng.randint(20, 60))
    for ticker, (quantity, since) in sorted(held.items()):
        after = since + timedelta(days=30)
        if ticker == "PETR4.SA" and after < late:
            entries.append(
                {
                    "kind": "dividend",
                    "date": after,
                    "ticker": ticker,
                    "amount": quantity * Decimal("1.05"),
                }
            )
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
                    "price": Decimal("66.40"),
                    "fees": Decimal("4.90"),
                    "settlement": "cash",
                }
            )
        if ticker == "BOVA11.SA" and after < late:
            entries.append({"kind": "split", "date": after, "ticker": ticker, "ratio": "2:1"})
    entries.append({"kind": "fee", "date": today - timedelta(days=10), "amount": Decimal("25")})
    entries.append(
        {
            "kind": "withdrawal",
            "date": today.replace(day=1),
            "amount": Decimal(rng.randint(1, 5) * 500),
        }
    )
    return sorted(entries, key=lambda e: e["date"])


async def seed_demo(*, events: EventBus, market: MarketData, jobs: JobQueue) -> str:
    created = {"clients": 0, "assets": 0, "transactions": 0}
    registered: dict[str, int] = {}
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
            created["assets"] += 1
        registered[demo_asset.ticker] = asset.id

    services = allocations.Services(
        events=events,
        market=market,
        jobs=jobs,
        reporting_currency=market.settings.reporting_currency,
    )
    today = clock.today()
    adapter: TypeAdapter[TransactionIn] = TypeAdapter(TransactionIn)
    for index, (name, email, document, status) in enumerate(DEMO_CLIENTS):
        client = await clients.find_by_email(email=email)
        if client is None:
            client = await clients.create_client(
                data=ClientCreate(name=name, email=email, document=document, status=status),
                actor_id=None,
                events=events,
            )
            created["clients"] += 1
        if await allocations.has_transactions(client_id=client.id):
            continue
        rng = random.Random(f"carteira-demo-{index}")  # noqa: S311 - demo data, not secrets
        for entry in _ledger(rng, today):
            if "ticker" in entry:
                ticker = entry.pop("ticker")
                entry["asset_id"] = registered[ticker]
            await allocations.record_transaction(
                client_id=client.id,
                data=adapter.validate_python(entry),
                actor_id=None,
                services=services,
            )
            created["transactions"] += 1
    return "demo data: " + ", ".join(f"{count} {kind} created" for kind, count in created.items())
