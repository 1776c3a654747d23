"""The daily job of Tesouro Direto's and funds' prices: every registered instrument refreshed
from one download of each file, and a file that cannot be used reported, never a crash
(issue #30, points 3, 4 and 11)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal

import pytest
from arq import Retry

from carteira.core import clock
from carteira.pricing import service
from carteira.pricing.instruments import AssetKind
from carteira.pricing.sources import Instrument
from carteira.pricing.tasks import daily_published_prices
from tests.factories import FundTerms, TreasuryTerms, instrument
from tests.fakes.cvm import FakeCvm
from tests.fakes.tesouro import PRICES_PATH, FakeTesouro
from tests.support import SAO_PAULO

FRIDAY = datetime(2026, 12, 4, 18, 30, tzinfo=SAO_PAULO)
DEC3, DEC4 = date(2026, 12, 3), date(2026, 12, 4)


class Registry:
    """What the assets module tells pricing about its instruments (the application's lookup)."""

    def __init__(self, instruments: list[Instrument]) -> None:
        self.by_ticker = {i.ticker: i for i in instruments}

    async def instruments(self, tickers: Collection[str]) -> dict[str, Instrument]:
        return {t: self.by_ticker[t] for t in tickers if t in self.by_ticker}

    async def of_kind(self, kind: AssetKind) -> list[Instrument]:
        return [i for i in self.by_ticker.values() if i.kind is kind]


@pytest.fixture
async def registered(app) -> tuple[Instrument, Instrument]:
    selic = await instrument(
        "TD-SELIC-20290301", AssetKind.TREASURY, TreasuryTerms("Tesouro Selic", date(2029, 3, 1))
    )
    alfa = await instrument("FI-11222333000181", AssetKind.FUND, FundTerms("11222333000181"))
    app.state.market.instruments = Registry([selic, alfa])
    return selic, alfa


def publish(tesouro: FakeTesouro, cvm: FakeCvm) -> None:
    tesouro.add_prices("Tesouro Selic", date(2029, 3, 1), [(DEC3, "17312,36"), (DEC4, "17319,83")])
    cvm.add_filler((2026, 11), 200)
    cvm.add_quotas("11.222.333/0001-81", [(date(2026, 11, 30), "1.5244"), (DEC3, "1.5251")])


def context(app) -> dict[str, object]:
    return {"market": app.state.market, "events": app.state.events, "job_id": "test"}


async def closes(asset_id: int) -> dict[date, Decimal]:
    rows = await service.daily_history(asset_id=asset_id, start=DEC3.replace(day=1), end=DEC4)
    return {row.date: row.close for row in rows}


async def test_the_daily_job_refreshes_every_instrument_from_each_file_once(
    app, tesouro, cvm, registered
):
    selic, alfa = registered
    publish(tesouro, cvm)
    with clock.frozen_at(FRIDAY):
        result = await daily_published_prices(context(app))

    assert await closes(selic.asset_id) == {DEC3: Decimal("17312.36"), DEC4: Decimal("17319.83")}
    assert await closes(alfa.asset_id) == {DEC3: Decimal("1.5251")}
    assert tesouro.count(PRICES_PATH) == 1
    # The window's two months: November's zip, and December's.
    assert cvm.count() == 2
    assert result["start"] == "2026-11-24"
    assert (result["tesouro"]["inserted"], result["cvm"]["inserted"]) == (2, 2)
    assert result["failed"] == {}


async def test_a_source_that_fails_is_reported_while_the_other_is_refreshed(
    app, tesouro, cvm, registered
):
    selic, alfa = registered
    publish(tesouro, cvm)
    tesouro.rename_column("PU Base Manha", "PU Base")
    with clock.frozen_at(FRIDAY):
        result = await daily_published_prices(context(app))
        quote = await app.state.market.funds.quote(alfa)

    assert result["failed"] == {
        "tesouro": {
            "precotaxatesourodireto.csv": (
                "Tesouro Transparente's price file has no column PU Base Manha (its columns:"
                " Tipo Titulo; Data Vencimento; Data Base; Taxa Compra Manha; Taxa Venda Manha;"
                " PU Compra Manha; PU Venda Manha; PU Base)."
            )
        }
    }
    assert await closes(selic.asset_id) == {}
    assert await closes(alfa.asset_id) == {DEC3: Decimal("1.5251")}
    assert (quote.price, quote.stale) == (Decimal("1.5251"), False)


async def test_when_nothing_could_be_refreshed_the_job_is_tried_again_later(
    app, tesouro, cvm, registered
):
    tesouro.down = True
    cvm.down = True
    with clock.frozen_at(FRIDAY), pytest.raises(Retry):
        await daily_published_prices(context(app))


async def test_without_instruments_nothing_is_downloaded(app, tesouro, cvm):
    with clock.frozen_at(FRIDAY):
        result = await daily_published_prices(context(app))
    assert result["failed"] == {}
    assert tesouro.count() == cvm.count() == 0
