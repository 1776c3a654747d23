"""Performance of a Tesouro Selic holder against the CDI (issue #30, point 8): the fake Tesouro
Transparente serves a PU that grows with each published CDI rate, so the title earns 100 % of
the CDI over the same days, read from the stored closes without asking any source per day."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from carteira.core import clock
from carteira.pricing.bcb import CDI
from tests.factories import APRIL, CDI_APRIL, make_client, record, register
from tests.support import run_jobs

EVENING = datetime(2026, 5, 4, 19, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
START_PU = Decimal("15000")


def selic_pus() -> list[tuple[date, Decimal]]:
    """The PU on each business day: 15000 on 1 April, then each day's PU the previous one
    times (1 + its CDI rate / 100) — 4 May closes the last April rate (30 April)."""
    days = [*APRIL, date(2026, 5, 4)]
    pus, pu = [], START_PU
    for day, (rate_day, rate) in zip(days, [(APRIL[0], "0"), *CDI_APRIL], strict=True):
        if rate_day != day:
            pu = (pu * (1 + Decimal(rate) / 100)).quantize(Decimal("1E-8"))
        pus.append((day, pu))
    return pus


def test_the_pus_compound_the_cdi():
    pus = dict(selic_pus())
    assert pus[date(2026, 4, 1)] == START_PU
    # 15000 x 1.00054266 on the 2nd (the 1st's rate), to the centavo.
    assert pus[date(2026, 4, 2)].quantize(Decimal("0.01")) == Decimal("15008.14")
    assert len(pus) == 21


async def test_a_tesouro_selic_holder_earns_100_pct_of_the_cdi(
    as_admin, as_reader, settings, bcb, tesouro, yahoo
):
    bcb.add_series(CDI, CDI_APRIL)
    tesouro.add_prices("Tesouro Selic", date(2029, 3, 1), selic_pus())
    with clock.frozen_at(EVENING):
        title = await register(
            as_admin, {"kind": "treasury", "title": "Tesouro Selic", "maturity_date": "2029-03-01"}
        )
        await run_jobs(settings)
        client = await make_client(as_admin)
        bought = await record(
            as_admin, client["id"], "buy", on="2026-04-01", asset=title, amount="30000"
        )
        assert bought["quantity"] == "2"  # 30000 / 15000, the PU of 1 April
        asked_yahoo, asked_tesouro = yahoo.count(), tesouro.count()
        r = await as_reader.get(
            f"/clients/{client['id']}/performance",
            params={"end": "2026-05-04", "benchmarks": "CDI"},
        )
    assert r.status_code == 200, r.text
    body = r.json()
    # From 1 April's close to 4 May's: the title compounds the 20 April rates, as the CDI does.
    cdi_growth = 1.00054266**10 * 1.00052531**10 - 1
    assert body["as_of"] == "2026-05-04"
    assert body["twr_pct"] == pytest.approx(cdi_growth * 100, abs=1e-5)
    assert body["benchmarks"][0]["twr_pct"] == pytest.approx(cdi_growth * 100, abs=1e-6)
    assert body["pct_of_cdi"] == pytest.approx(100, abs=0.01)
    # No source was asked for any day's price: the walk read the stored closes.
    assert (yahoo.count(), tesouro.count()) == (asked_yahoo, asked_tesouro)
