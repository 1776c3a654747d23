"""Funds at the CVM quota: the real client against the fake CVM open-data site — monthly zips
streamed and read for the registered CNPJs only, both periods' column names, old months from
the year's zip, the latest known quota with its date, and the files' faults (issue #30,
points 4 and 11)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from carteira.core import clock
from carteira.pricing.instruments import AssetKind, AssetType
from carteira.pricing.service import MarketData
from carteira.pricing.sources import Instrument
from tests.factories import FundTerms, instrument
from tests.fakes.cvm import DAILY_PATH, HIST_PATH, FakeCvm
from tests.support import SAO_PAULO, evening_of, refresh_and_quote, stored_closes

TODAY = date(2026, 12, 4)
NOVEMBER = (2026, 11)

# Quotas as CVM writes them, by day.
ALFA = "11.222.333/0001-81"
ALFA_QUOTAS = {
    date(2026, 11, 26): "1.52346789",
    date(2026, 11, 27): "1.52391234",
    date(2026, 11, 30): "1.52440001",
}
BETA = "22.333.444/0001-05"
BETA_QUOTAS = {date(2026, 11, 27): "98.76543210", date(2026, 11, 30): "98.80012345"}


async def fund(ticker: str, cnpj: str) -> Instrument:
    return await instrument(ticker, AssetKind.FUND, FundTerms(cnpj))


def as_decimals(quotas: dict[date, str]) -> dict[date, Decimal]:
    return {day: Decimal(quota) for day, quota in quotas.items()}


def publish_november(cvm: FakeCvm, *, filler: int = 3000) -> None:
    cvm.add_filler(NOVEMBER, filler)  # other funds' rows, never decoded
    cvm.add_quotas(ALFA, list(ALFA_QUOTAS.items()))
    cvm.add_quotas(BETA, list(BETA_QUOTAS.items()))
    cvm.add_quotas("33.444.555/0001-10", [(date(2026, 11, 30), "7.5")])  # not registered


@pytest.fixture
def market(app) -> MarketData:
    return app.state.market


@pytest.fixture
async def funds(app) -> tuple[Instrument, Instrument]:
    alfa = await fund("FI-11222333000181", "11222333000181")  # digits, as registered
    beta = await fund("FI-22333444000105", BETA)  # punctuated
    return alfa, beta


def month_path(year: int, month: int) -> str:
    return f"{DAILY_PATH}/inf_diario_fi_{year}{month:02d}.zip"


async def test_the_quotas_of_registered_funds_come_from_one_pass_over_each_month(
    market, cvm, funds
):
    alfa, beta = funds
    publish_november(cvm)
    with clock.frozen_at(evening_of(TODAY)):
        report = await market.funds.refresh([alfa, beta], start=date(2026, 11, 20), end=TODAY)
        again = await market.funds.refresh([alfa, beta], start=date(2026, 11, 20), end=TODAY)

    assert await stored_closes(alfa) == as_decimals(ALFA_QUOTAS)
    assert await stored_closes(beta) == as_decimals(BETA_QUOTAS)
    # November's zip once; December's not published yet (404, nothing else asked).
    assert [path for path, _ in cvm.calls] == [month_path(2026, 11), month_path(2026, 12)]
    assert (report.inserted, report.latest, report.files_read) == (5, date(2026, 11, 30), 1)
    assert (report.failed, report.stale, report.missing, report.unreadable.count) == ({}, {}, [], 0)
    assert (again.inserted, again.updated) == (0, 0)


async def test_old_months_come_from_the_years_zip_with_the_old_column_names(market, cvm):
    legacy = await fund("FI-44555666000130", "44.555.666/0001-30")
    cvm.add_quotas(legacy.terms.cnpj, [(date(2020, 11, 30), "3.1"), (date(2020, 12, 30), "3.2")])
    cvm.add_quotas(legacy.terms.cnpj, [(date(2021, 1, 4), "3.25")])
    cvm.add_filler((2020, 12), 50)
    cvm.move_to_history(2020)  # more than a year old: only in HIST/inf_diario_fi_2020.zip

    with clock.frozen_at(evening_of(TODAY)):
        history = await market.funds.history(
            legacy, start=date(2020, 11, 15), end=date(2021, 1, 31)
        )

    # 2020: `CNPJ_FUNDO;DT_COMPTC;...`; 2021: `TP_FUNDO;CNPJ_FUNDO;DT_COMPTC;...`
    assert [(c.date, c.close) for c in history.closes] == [
        (date(2020, 11, 30), Decimal("3.1")),
        (date(2020, 12, 30), Decimal("3.2")),
        (date(2021, 1, 4), Decimal("3.25")),
    ]
    assert [path for path, _ in cvm.calls] == [
        month_path(2020, 11),  # 404: moved
        f"{HIST_PATH}/inf_diario_fi_2020.zip",  # downloaded once for both months
        month_path(2020, 12),
        month_path(2021, 1),
    ]
    assert (history.currency, history.skipped) == ("BRL", [])


async def test_the_quote_is_the_latest_known_quota_with_its_date(market, cvm, funds):
    alfa, _ = funds
    publish_november(cvm)
    with clock.frozen_at(evening_of(TODAY)):
        await market.funds.refresh([alfa], start=date(2026, 11, 1), end=TODAY)
    quote = await market.funds.quote(alfa)

    # CVM publishes late: on 4 December the latest quota is of 30 November, and says so.
    assert quote.as_of.astimezone(SAO_PAULO).date() == date(2026, 11, 30)
    assert (quote.price, quote.previous_close) == (
        Decimal("1.52440001"),
        Decimal("1.52391234"),
    )
    assert (quote.source, quote.asset_type, quote.stale) == ("cvm", AssetType.MUTUALFUND, False)


async def test_a_class_with_subclasses_is_priced_by_the_class_or_its_one_quota(market, cvm):
    fic = await fund("FI-55666777000140", "55.666.777/0001-40")
    day1, day2, day3 = date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)
    cvm.add_quotas(fic.terms.cnpj, [(day1, "10.5")])  # the class's own row
    cvm.add_quotas(fic.terms.cnpj, [(day1, "10.4"), (day2, "10.6")], subclass="SUB1")
    cvm.add_quotas(fic.terms.cnpj, [(day3, "10.7")], subclass="SUB1")
    cvm.add_quotas(fic.terms.cnpj, [(day3, "11.9")], subclass="SUB2")

    with clock.frozen_at(evening_of(TODAY)):
        report = await market.funds.refresh([fic], start=date(2026, 11, 1), end=TODAY)

    # day1: the class; day2: its one subclass; day3: two subclasses disagree, none is the fund.
    assert await stored_closes(fic) == {day1: Decimal("10.5"), day2: Decimal("10.6")}
    assert report.stale == {
        fic.asset_id: (
            "FI-55666777000140: 1 day(s) with subclasses of different quotas, none for the fund"
        )
    }


# -- faults (point 11): the last known quotas answer, marked stale; the failure is reported --


async def _november_stored(market: MarketData, cvm: FakeCvm, funds) -> None:
    publish_november(cvm, filler=500)
    with clock.frozen_at(evening_of(date(2026, 11, 30))):
        report = await market.funds.refresh(list(funds), start=date(2026, 11, 1), end=TODAY)
    assert report.failed == {}
    cvm.reset()
    publish_november(cvm, filler=500)
    cvm.add_quotas(ALFA, [(date(2026, 12, 1), "1.525")])
    cvm.add_quotas(BETA, [(date(2026, 12, 1), "98.9")])


FAILURES = {
    "unreachable": lambda c: setattr(c, "down", True),
    "truncated": lambda c: c.truncate_next(20),  # every try cut halfway through the transfer
    "cut short": lambda c: c.cut_next(20),  # half a zip, served as if whole
    "renamed column": lambda c: c.rename_column("VL_QUOTA", "VALOR_QUOTA"),
    "an html page": lambda c: c.garbage_next(20),
}


@pytest.mark.parametrize("fault", list(FAILURES))
async def test_a_file_that_cannot_be_used_leaves_the_last_quotas_marked_stale(
    market, cvm, funds, fault
):
    alfa, beta = funds
    await _november_stored(market, cvm, funds)
    FAILURES[fault](cvm)

    report, quote = await refresh_and_quote(
        market.funds, [alfa, beta], alfa, start=date(2026, 11, 24), end=TODAY
    )

    assert set(report.failed) <= {"inf_diario_fi_202611", "inf_diario_fi_202612"}
    assert report.failed
    assert report.nothing_read
    assert await stored_closes(alfa) == as_decimals(ALFA_QUOTAS)  # nothing lost
    assert (quote.price, quote.stale) == (Decimal("1.52440001"), True)
    assert quote.as_of.astimezone(SAO_PAULO).date() == date(2026, 11, 30)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8", "utf-8-sig"])
async def test_files_in_either_encoding_are_read(market, cvm, funds, encoding):
    alfa, beta = funds
    await _november_stored(market, cvm, funds)
    cvm.encoding = encoding
    cvm.add_garbage((2026, 12), "CLASSES - FIF;90.000.001/0001-01;;2026-12-01;1;2;3;0;0;1 ação")

    report, quote = await refresh_and_quote(
        market.funds, [alfa, beta], alfa, start=date(2026, 11, 24), end=TODAY
    )

    assert (report.failed, report.unreadable.count) == ({}, 0)
    assert (await stored_closes(alfa))[date(2026, 12, 1)] == Decimal("1.525")
    assert (quote.price, quote.stale) == (Decimal("1.525"), False)


async def test_garbage_rows_are_skipped_and_reported(market, cvm, funds):
    alfa, beta = funds
    await _november_stored(market, cvm, funds)
    cvm.reset()
    publish_november(cvm, filler=500)
    cvm.add_quotas(BETA, [(date(2026, 12, 1), "98.9")])
    cvm.add_garbage(
        (2026, 12),
        f"CLASSES - FIF;{ALFA};;2026-12-01;1523467.89;n/d;1520000.12;0.00;0.00;42",
        "<html><body>Service Unavailable</body></html>",
        f"CLASSES - FIF;{ALFA};;2026-13-45;1523467.89;1.6;1520000.12;0.00;0.00;42",
        f"CLASSES - FIF;{ALFA}",
    )

    report, alfa_quote, beta_quote = await refresh_and_quote(
        market.funds, [alfa, beta], alfa, beta, start=date(2026, 11, 24), end=TODAY
    )

    assert report.failed == {}
    assert report.unreadable.count == 4
    assert report.unreadable.examples[0].endswith("VL_QUOTA 'n/d'")
    assert report.stale == {alfa.asset_id: "FI-11222333000181: its latest rows were unreadable"}
    assert (alfa_quote.price, alfa_quote.stale) == (Decimal("1.52440001"), True)
    assert (beta_quote.price, beta_quote.stale) == (Decimal("98.9"), False)
