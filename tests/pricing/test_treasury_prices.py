"""Tesouro Direto at market: the real client against the fake Tesouro Transparente file — the
PU Base Manha of each date stored for every registered title from one download a day, the
quote, the history with its redemption, the titles registration accepts, and the file's faults
(issue #30, points 3 and 11)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from carteira.core import clock
from carteira.pricing import service
from carteira.pricing.exceptions import (
    ProviderError,
    ProviderUnavailableError,
    UnknownTreasuryTitleError,
)
from carteira.pricing.instruments import AssetKind
from carteira.pricing.schemas import RedemptionEvent
from carteira.pricing.service import MarketData
from carteira.pricing.sources import Instrument
from carteira.pricing.treasury import TreasuryBond, tesouro_limits
from carteira.pricing.upstream import Upstream
from tests.factories import TreasuryTerms, instrument
from tests.fakes.tesouro import PRICES_PATH, FakeTesouro
from tests.support import SAO_PAULO, evening_of, refresh_and_quote, stored_closes

NOV30, DEC1, DEC2, DEC3, DEC4 = (date(2026, 11, 30), *(date(2026, 12, d) for d in range(1, 5)))
SELIC_2029 = date(2029, 3, 1)
IPCA_2035 = date(2035, 5, 15)

# Each day's PU Base Manha as the file writes it, and the Decimal it must be stored as.
SELIC_PUS = {
    NOV30: ("17290,01", "17290.01"),
    DEC1: ("17297,45", "17297.45"),
    DEC2: ("17304,90", "17304.90"),
    DEC3: ("17312,36", "17312.36"),
    DEC4: ("17319,83", "17319.83"),
}
IPCA_PUS = {DEC3: ("2315,78", "2315.78"), DEC4: ("2317,02", "2317.02")}


async def treasury(ticker: str, title: str, maturity: date) -> Instrument:
    return await instrument(ticker, AssetKind.TREASURY, TreasuryTerms(title, maturity))


def publish(tesouro: FakeTesouro, *, through: date) -> None:
    """The file as the portal serves it on `through`: every day up to it."""
    tesouro.add_prices(
        "Tesouro Selic", SELIC_2029, [(d, pu) for d, (pu, _) in SELIC_PUS.items() if d <= through]
    )
    tesouro.add_prices(
        "Tesouro IPCA+", IPCA_2035, [(d, pu) for d, (pu, _) in IPCA_PUS.items() if d <= through]
    )
    tesouro.add_prices("Tesouro Prefixado", date(2031, 1, 1), [(through, "742,18")])


def expected(pus: dict[date, tuple[str, str]], *, through: date) -> dict[date, Decimal]:
    return {day: Decimal(value) for day, (_, value) in pus.items() if day <= through}


@pytest.fixture
def market(app) -> MarketData:
    return app.state.market


@pytest.fixture
async def titles(app) -> tuple[Instrument, Instrument]:
    selic = await treasury("TD-SELIC-20290301", "Tesouro Selic", SELIC_2029)
    # The registry's spelling may differ in case and spaces from the file's.
    ipca = await treasury("TD-IPCA-20350515", "tesouro  IPCA+", IPCA_2035)
    return selic, ipca


async def test_the_pu_base_of_each_date_is_stored_for_every_title_from_one_download(
    market, tesouro, titles
):
    selic, ipca = titles
    publish(tesouro, through=DEC4)
    with clock.frozen_at(evening_of(DEC4)):
        report = await market.treasury.refresh([selic, ipca], start=None, end=DEC4)

    assert await stored_closes(selic) == expected(SELIC_PUS, through=DEC4)
    assert await stored_closes(ipca) == expected(IPCA_PUS, through=DEC4)
    assert tesouro.count(PRICES_PATH) == 1
    assert (report.inserted, report.updated, report.latest) == (7, 0, DEC4)
    assert (report.failed, report.stale, report.missing, report.unreadable.count) == ({}, {}, [], 0)


async def test_the_file_is_downloaded_once_a_day(market, tesouro, titles):
    selic, ipca = titles
    publish(tesouro, through=DEC3)
    with clock.frozen_at(evening_of(DEC3)):
        await market.treasury.refresh([selic, ipca], start=None, end=DEC3)
        await market.treasury.refresh([selic], start=DEC1, end=DEC3)
        await market.treasury.history(ipca, start=DEC1, end=DEC3)
        await service.treasury_titles(market=market)
    assert tesouro.count(PRICES_PATH) == 1

    publish(tesouro, through=DEC4)  # the next day's file has one more date
    with clock.frozen_at(evening_of(DEC4)):
        report = await market.treasury.refresh([selic, ipca], start=DEC1, end=DEC4)
        await service.treasury_titles(market=market)
    assert tesouro.count(PRICES_PATH) == 2
    assert report.inserted == 2  # DEC4 of each title; the days before unchanged
    assert await stored_closes(selic) == expected(SELIC_PUS, through=DEC4)


async def test_the_quote_is_the_latest_stored_close_with_its_date(market, tesouro, titles):
    selic, _ = titles
    with pytest.raises(ProviderUnavailableError):  # nothing stored yet: being fetched
        await market.treasury.quote(selic)

    publish(tesouro, through=DEC4)
    with clock.frozen_at(evening_of(DEC4)):
        await market.treasury.refresh([selic], start=None, end=DEC4)
    quote = await market.treasury.quote(selic)

    assert (quote.price, quote.previous_close) == (Decimal("17319.83"), Decimal("17312.36"))
    assert quote.as_of.astimezone(SAO_PAULO).date() == DEC4  # the file's date, not now
    assert (quote.source, quote.currency, quote.stale) == ("tesouro", "BRL", False)
    assert quote.name == "Tesouro Selic 2029"
    # (17319.83 / 17312.36 - 1) x 100, by hand: 7.47 / 17312.36 = 0.000431484...
    assert quote.change_pct == pytest.approx(0.043148, abs=1e-6)


async def test_history_answers_from_the_file_with_the_redemption_at_maturity(
    market, tesouro, titles
):
    selic, _ = titles
    publish(tesouro, through=DEC4)
    matured_on = date(2026, 1, 1)
    tesouro.add_prices(
        "Tesouro Prefixado",
        matured_on,
        [(date(2025, 12, 29), "999,52"), (date(2025, 12, 30), "999,87")],
    )
    prefixado = await treasury("TD-PRE-20260101", "Tesouro Prefixado", matured_on)

    with clock.frozen_at(evening_of(DEC4)):
        matured = await market.treasury.history(prefixado, start=date(2025, 12, 1), end=DEC4)
        running = await market.treasury.history(selic, start=DEC2, end=DEC4)

    assert [(c.date, c.close) for c in matured.closes] == [
        (date(2025, 12, 29), Decimal("999.52")),
        (date(2025, 12, 30), Decimal("999.87")),
    ]
    # Redeemed at maturity at its final unit price.
    assert matured.redemptions == [RedemptionEvent(date=matured_on, amount=Decimal("999.87"))]
    assert [c.date for c in running.closes] == [DEC2, DEC3, DEC4]
    assert (running.redemptions, running.currency, running.skipped) == ([], "BRL", [])


async def test_registration_checks_the_title_against_the_file(market, tesouro):
    publish(tesouro, through=DEC4)
    tesouro.add_prices("Tesouro Prefixado", date(2026, 1, 1), [(date(2025, 12, 30), "999,87")])
    with clock.frozen_at(evening_of(DEC4)):
        catalog = await service.treasury_titles(market=market)
        found = await service.ensure_treasury_title(
            market=market, title=" tesouro selic ", maturity_date=SELIC_2029
        )
        # A title no longer on offer is still known (a client may hold it).
        matured = await service.ensure_treasury_title(
            market=market, title="Tesouro Prefixado", maturity_date=date(2026, 1, 1)
        )
        with pytest.raises(UnknownTreasuryTitleError) as raised:
            await service.ensure_treasury_title(
                market=market, title="Tesouro Selic", maturity_date=date(2029, 3, 2)
            )

    assert found == TreasuryBond("Tesouro Selic", SELIC_2029)  # as the file names it
    assert matured == TreasuryBond("Tesouro Prefixado", date(2026, 1, 1))
    assert catalog.latest == DEC4
    assert [b.label for b in catalog.current] == [
        "Tesouro IPCA+ 15/05/2035",
        "Tesouro Prefixado 01/01/2031",
        "Tesouro Selic 01/03/2029",
    ]
    error = raised.value
    assert (error.status_code, error.code) == (422, "unknown_treasury_title")
    assert error.detail == (
        "Tesouro Transparente's price file has no Tesouro Selic maturing on 02/03/2029; it"
        " prices: Tesouro IPCA+ 15/05/2035; Tesouro Prefixado 01/01/2031;"
        " Tesouro Selic 01/03/2029."
    )
    assert error.fields == {
        "title": "Tesouro Selic",
        "maturity_date": "2029-03-02",
        "available": (
            "Tesouro IPCA+ 15/05/2035; Tesouro Prefixado 01/01/2031; Tesouro Selic 01/03/2029"
        ),
    }
    assert tesouro.count(PRICES_PATH) == 1


async def test_transient_failures_are_retried_then_the_circuit_opens(market, tesouro, titles):
    selic, _ = titles
    publish(tesouro, through=DEC4)
    tesouro.fail_next(2, status=503)
    with clock.frozen_at(evening_of(DEC4)):
        report = await market.treasury.refresh([selic], start=None, end=DEC4)
    assert report.failed == {}
    assert tesouro.count(PRICES_PATH) == 3

    # A new day, the portal down: tries, then the circuit stops the calls.
    tesouro.down = True
    calls, errors = [], []
    with clock.frozen_at(evening_of(date(2026, 12, 5))):
        for _ in range(7):
            failed = await market.treasury.refresh([selic], start=DEC1, end=DEC4)
            calls.append(tesouro.count(PRICES_PATH))
            errors.append(failed.failed["precotaxatesourodireto.csv"])
    assert errors[0] == "Tesouro Transparente's price file unavailable (HTTP 503)."
    assert calls[0] == 3 + 3  # three tries
    assert errors[-1] == "Tesouro Transparente's price file paused after repeated failures."
    assert calls[-1] == calls[-2]  # paused: no more calls while the circuit is open
    assert market.treasury.circuit.state.value == "open"


async def test_a_file_larger_than_allowed_is_refused_without_retrying(tesouro, settings, tmp_path):
    publish(tesouro, through=DEC4)
    http = Upstream(source="tesouro", label="The file", limits=tesouro_limits(settings), headers={})
    try:
        with pytest.raises(ProviderError, match="The file sent a file larger than 100 bytes"):
            await http.get_file(
                tesouro.prices_url, into=tmp_path / "f.csv", max_bytes=100, read=lambda p: p
            )
    finally:
        await http.close()
    assert tesouro.count(PRICES_PATH) == 1


# -- faults (point 11): the last known prices answer, marked stale; the failure is reported --


async def _published_through_dec3(market: MarketData, tesouro: FakeTesouro, titles) -> None:
    publish(tesouro, through=DEC3)
    with clock.frozen_at(evening_of(DEC3)):
        report = await market.treasury.refresh(list(titles), start=None, end=DEC3)
    assert report.failed == {}
    tesouro.reset()
    publish(tesouro, through=DEC4)  # the next day's file


FAILURES = {
    "unreachable": lambda t: setattr(t, "down", True),
    # every try cut halfway through the transfer (fewer bytes than announced)
    "truncated": lambda t: t.truncate_next(10),
    "renamed column": lambda t: t.rename_column("PU Base Manha", "PU_BASE"),
    "utf-16": lambda t: setattr(t, "encoding", "utf-16"),
    "an html page": lambda t: t.garbage_next(10),
    "json": lambda t: t.malformed_next(10),
}


@pytest.mark.parametrize("fault", list(FAILURES))
async def test_a_file_that_cannot_be_used_leaves_the_last_prices_marked_stale(
    market, tesouro, titles, fault
):
    selic, ipca = titles
    await _published_through_dec3(market, tesouro, titles)
    FAILURES[fault](tesouro)

    report, quote = await refresh_and_quote(
        market.treasury, [selic, ipca], selic, start=DEC1, end=DEC4
    )

    assert list(report.failed) == ["precotaxatesourodireto.csv"], report.failed
    assert (report.inserted, report.updated) == (0, 0)
    assert await stored_closes(selic) == expected(SELIC_PUS, through=DEC3)  # nothing lost
    assert (quote.price, quote.stale) == (Decimal("17312.36"), True)
    assert quote.as_of.astimezone(SAO_PAULO).date() == DEC3


async def test_a_file_in_latin_1_is_read(market, tesouro, titles):
    selic, ipca = titles
    await _published_through_dec3(market, tesouro, titles)
    tesouro.encoding = "latin-1"
    tesouro.rename_column("Tipo Titulo", "Tipo Título")  # an accent only Latin-1 can carry
    tesouro.add_garbage("Tesouro Educa+;15/12/2030;04/12/2026;6,90;7,02;3456,78;3450,01;3452,10")

    report, quote = await refresh_and_quote(
        market.treasury, [selic, ipca], selic, start=DEC1, end=DEC4
    )

    assert (report.failed, report.inserted, report.unreadable.count) == ({}, 2, 0)
    assert await stored_closes(selic) == expected(SELIC_PUS, through=DEC4)
    assert (quote.price, quote.stale) == (Decimal("17319.83"), False)


async def test_garbage_rows_are_skipped_and_reported(market, tesouro, titles):
    selic, ipca = titles
    await _published_through_dec3(market, tesouro, titles)
    tesouro.reset()
    publish(tesouro, through=DEC3)
    tesouro.add_prices("Tesouro IPCA+", IPCA_2035, [(DEC4, "2317,02")])
    tesouro.add_garbage(
        "Tesouro Selic;01/03/2029;04/12/2026;10,25;10,37;n/d;n/d;n/d",  # Selic's latest row
        "<html>",
        "Tesouro Selic;01/03/2029;32/13/2026;10,25;10,37;1;1;1",
    )

    with clock.frozen_at(evening_of(DEC4)):
        report = await market.treasury.refresh([selic, ipca], start=DEC1, end=DEC4)
        selic_quote = await market.treasury.quote(selic)
        ipca_quote = await market.treasury.quote(ipca)

    assert report.failed == {}
    assert report.unreadable.count == 3
    assert report.unreadable.examples[0].endswith("PU Base Manha 'n/d'")
    assert report.stale == {selic.asset_id: "TD-SELIC-20290301: its latest rows were unreadable"}
    assert await stored_closes(ipca) == expected(IPCA_PUS, through=DEC4)
    assert await stored_closes(selic) == expected(SELIC_PUS, through=DEC3)
    assert (selic_quote.price, selic_quote.stale) == (Decimal("17312.36"), True)
    assert (ipca_quote.price, ipca_quote.stale) == (Decimal("2317.02"), False)


async def test_a_file_cut_short_keeps_what_it_has_and_marks_the_rest_stale(market, tesouro, titles):
    selic, ipca = titles
    await _published_through_dec3(market, tesouro, titles)
    # Rows come title by title (IPCA+, Prefixado, Selic): the cut takes Selic's last ones.
    tesouro.cut_next(10, share=0.8)

    report, quote = await refresh_and_quote(
        market.treasury, [selic, ipca], selic, start=DEC1, end=DEC4
    )

    assert report.failed == {}
    assert await stored_closes(ipca) == expected(IPCA_PUS, through=DEC4)
    # Selic's last rows are gone (or its last line cut in the middle): its price is old.
    assert list(report.stale) == [selic.asset_id]
    assert await stored_closes(selic) != expected(SELIC_PUS, through=DEC4)
    assert quote.stale is True
