"""`carteira seed-demo`: a small living portfolio for `make run` (idempotent)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from carteira.allocations import service as allocations
from carteira.allocations.schemas import AllocationCreate
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


def _lots(rng: random.Random, today: date) -> list[tuple[DemoAsset, Decimal, Decimal, date]]:
    """About eight lots over the past two years, the last one in the current month."""
    lots: list[tuple[DemoAsset, date]] = []
    for _ in range(rng.randint(5, 9)):
        asset = rng.choice(DEMO_ASSETS)
        bought = today - timedelta(days=rng.randint(20, 730))
        lots.append((asset, bought))
    lots.append((rng.choice(DEMO_ASSETS), today.replace(day=1)))
    result = []
    for asset, bought in lots:
        drift = Decimal(rng.randint(80, 120)) / 100
        price = (asset.typical_price * drift).quantize(Decimal("0.01"))
        crypto = asset.details.asset_type is AssetType.CRYPTOCURRENCY
        quantity = (
            Decimal(rng.randint(1, 50)) / 1000 if crypto else Decimal(rng.randint(1, 40) * 10)
        )
        result.append((asset, quantity, price, bought))
    return result


async def seed_demo(*, events: EventBus, market: MarketData, jobs: JobQueue) -> str:
    created = {"clients": 0, "assets": 0, "allocations": 0}
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

    today = clock.today()
    for index, (name, email, document, status) in enumerate(DEMO_CLIENTS):
        client = await clients.find_by_email(email=email)
        if client is None:
            client = await clients.create_client(
                data=ClientCreate(name=name, email=email, document=document, status=status),
                actor_id=None,
                events=events,
            )
            created["clients"] += 1
        if await allocations.has_allocations(client_id=client.id):
            continue
        rng = random.Random(f"carteira-demo-{index}")  # noqa: S311 - demo data, not secrets
        for demo_asset, quantity, price, bought in _lots(rng, today):
            await allocations.create_allocation(
                client_id=client.id,
                data=AllocationCreate(
                    asset_id=registered[demo_asset.ticker],
                    quantity=quantity,
                    buy_price=price,
                    buy_date=bought,
                ),
                actor_id=None,
                events=events,
                market=market,
                jobs=jobs,
                reporting_currency=market.settings.reporting_currency,
            )
            created["allocations"] += 1
    return "demo data: " + ", ".join(f"{count} {kind} created" for kind, count in created.items())
