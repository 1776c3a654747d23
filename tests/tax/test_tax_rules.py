"""The monthly apuração's rules at their edges, pure; every figure worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from carteira.allocations.service import SaleCategory, sale_category
from carteira.assets.schemas import AssetClass, AssetType
from carteira.assets.service import AssetInfo, listed_class
from carteira.pricing.instruments import AssetKind
from carteira.tax import classes, rules
from carteira.tax.rules import Sale
from carteira.tax.service import darf_due_date

D = Decimal
COMUM, DAY_TRADE, FII = SaleCategory.COMUM, SaleCategory.DAY_TRADE, SaleCategory.FII


def stock(day: str, value: str, gain: str) -> Sale:
    return Sale(date.fromisoformat(day), COMUM, False, True, D(value), D(gain))


def etf(day: str, value: str, gain: str) -> Sale:
    return Sale(date.fromisoformat(day), COMUM, False, False, D(value), D(gain))


def day_trade(day: str, value: str, gain: str) -> Sale:
    return Sale(date.fromisoformat(day), DAY_TRADE, True, False, D(value), D(gain))


def fii(day: str, value: str, gain: str) -> Sale:
    return Sale(date.fromisoformat(day), FII, False, False, D(value), D(gain))


def run(sales, first=(2026, 1), last=(2026, 12)):
    return {
        r.month: r for r in rules.apuracao(sales, first=first, last=last, due_date=darf_due_date)
    }


def test_stock_sales_of_exactly_20000_are_exempt_one_centavo_more_are_not():
    months = run([stock("2026-03-02", "20000.00", "500"), stock("2026-04-01", "20000.01", "500")])
    assert months[(2026, 3)].pool(COMUM).exempt_gains == 500
    assert months[(2026, 3)].pool(COMUM).tax == 0
    assert months[(2026, 4)].pool(COMUM).exempt_gains == 0
    assert months[(2026, 4)].pool(COMUM).tax == D("75.00")  # 15 % of 500


def test_the_irrf_of_a_month_adding_up_to_one_real_is_not_withheld():
    # 0.005 % of 20000 = 1.00 exactly: none; of 20020 = 1.001: 1.00 withheld.
    months = run([etf("2026-03-02", "20000", "0"), etf("2026-04-01", "20020", "0")])
    assert months[(2026, 3)].pool(COMUM).irrf == 0
    assert months[(2026, 4)].pool(COMUM).irrf == D("1.00")


def test_each_pool_offsets_only_its_own_losses():
    months = run(
        [
            day_trade("2026-03-02", "1000", "-300"),
            fii("2026-03-03", "1000", "-200"),
            etf("2026-04-01", "1000", "400"),
            day_trade("2026-05-04", "1000", "500"),
            fii("2026-05-05", "1000", "100"),
        ]
    )
    april, may = months[(2026, 4)], months[(2026, 5)]
    # The ETF's 400 meets no comum loss: 15 % = 60.
    assert (april.pool(COMUM).loss_used, april.pool(COMUM).tax) == (0, D("60.00"))
    # May: the day trade's 500 takes its 300 (20 % of 200 = 40); the FII's 100 takes 100 of
    # its 200 (100 left).
    assert (may.pool(DAY_TRADE).loss_used, may.pool(DAY_TRADE).tax) == (300, D("40.00"))
    assert (may.pool(FII).loss_used, may.pool(FII).loss_carried_out) == (100, 100)


def test_irrf_left_over_carries_to_later_months_of_the_year_only():
    # March: an ETF sold for 40000 at no gain: 0.005 % = 2.00 withheld, nothing to deduct it
    # from. April: 100 of gain, 15 % = 15.00, less the 2.00 of March and 0.005 % x 30000 =
    # 1.50 of April: 11.50 due.
    months = run([etf("2026-03-02", "40000", "0"), etf("2026-04-01", "30000", "100")])
    assert (months[(2026, 3)].irrf_left, months[(2026, 3)].darf.amount) == (D("2.00"), 0)
    april = months[(2026, 4)].darf
    assert (april.irrf_deducted, april.amount) == (D("3.50"), D("11.50"))
    # December's IRRF does not reach January: 0.005 % x 40000 = 2.00 in December 2025; January
    # 2026's 15 % of 100 = 15.00 less its own 0.005 % x 30000 = 1.50 only: 13.50.
    months = run(
        [etf("2025-12-01", "40000", "0"), etf("2026-01-05", "30000", "100")],
        first=(2025, 12),
        last=(2026, 1),
    )
    assert months[(2025, 12)].irrf_left == D("2.00")
    assert months[(2026, 1)].darf.amount == D("13.50")


def test_an_fiis_irrf_is_deducted_from_the_fiis_tax_only():
    # March: an FII sold for 40000 at no gain (0.005 % = 2.00 withheld) and an ETF's 100 of
    # gain (15.00) on 1000 of sales (0.05: the month's 2.05 is withheld). The stocks' sheet
    # owes 15.00 - 0.05 = 14.95; the FII's 2.00 waits for FII tax.
    month = run([fii("2026-03-02", "40000", "0"), etf("2026-03-03", "1000", "100")])[(2026, 3)]
    assert (month.darf.irrf_deducted, month.darf.amount, month.irrf_left) == (
        D("0.05"),
        D("14.95"),
        D("2.00"),
    )


def test_a_total_under_the_minimum_crosses_the_year():
    # December 2025: 15 % of 30 = 4.50 on 1000 of ETF sales (0.005 % = 0.05, under R$ 1.00:
    # none): carried. January 2026: another 4.50: 9.00, carried. February: 13.50, paid by the
    # last banking day of March (Tuesday 31/03/2026).
    months = run(
        [
            etf("2025-12-01", "1000", "30"),
            etf("2026-01-05", "1000", "30"),
            etf("2026-02-02", "1000", "30"),
        ],
        first=(2025, 12),
        last=(2026, 2),
    )
    assert months[(2025, 12)].darf.carried_under_minimum == D("4.50")
    assert months[(2026, 1)].darf.carried_under_minimum == D("9.00")
    february = months[(2026, 2)].darf
    assert (february.amount, february.due_date) == (D("13.50"), date(2026, 3, 31))


def test_a_december_darf_is_due_on_the_last_banking_day_of_january():
    assert darf_due_date((2026, 12)) == date(2027, 1, 29)  # Friday: 30 and 31 are a weekend
    assert darf_due_date((2025, 11)) == date(2025, 12, 30)  # no bank opens on 31 December
    assert darf_due_date((2028, 1)) == date(2028, 2, 25)  # Carnival: 28 and 29/02/2028
    # Banks open on Friday 30/12/2022, which B3 closed (its last day of the year): November
    # 2022's DARF was due that Friday, not on Thursday 29.
    assert darf_due_date((2022, 11)) == date(2022, 12, 30)


def _info(
    ticker: str,
    asset_type: str = "EQUITY",
    currency: str = "BRL",
    *,
    asset_class: str | None = None,
    kind: str = "listed",
    tax_exempt: bool = False,
) -> AssetInfo:
    """An asset as the registry keeps it: a listing's class follows its type and currency."""
    listed = listed_class(AssetType(asset_type), currency)
    return AssetInfo(
        1,
        ticker,
        ticker,
        "SAO",
        currency,
        AssetType(asset_type),
        kind=AssetKind(kind),
        asset_class=AssetClass(asset_class) if asset_class else listed,
        tax_exempt=tax_exempt,
    )


def test_which_assets_are_stocks_bdrs_or_outside():
    # The class is the registry's; BDRs are stocks there, told apart for the exemption only.
    assert classes.asset_class(_info("PETR4.SA")) is AssetClass.ACOES
    assert classes.exemptable(_info("PETR4.SA"))
    assert classes.asset_class(_info("TAEE11.SA")) is AssetClass.ACOES  # a unit
    assert classes.maybe_an_fii(_info("TAEE11.SA"))
    for bdr in ("AAPL34.SA", "MSFT35.SA", "ROXO34.SA", "BIVB39.SA", "AMZO32.SA"):
        assert classes.asset_class(_info(bdr)) is AssetClass.ACOES
        assert not classes.exemptable(_info(bdr))
    assert classes.asset_class(_info("BOVA11.SA", "ETF")) is AssetClass.ETFS
    assert not classes.exemptable(_info("BOVA11.SA", "ETF"))
    assert classes.asset_class(_info("HGLG11.SA", "FII")) is AssetClass.FIIS
    assert not classes.maybe_an_fii(_info("HGLG11.SA", "FII"))
    assert classes.outside(_info("AAPL", currency="USD")) is classes.Outside.FOREIGN
    assert classes.outside(_info("BTC-BRL", "CRYPTOCURRENCY")) is classes.Outside.CRYPTO
    assert classes.outside(_info("PETR4.SA")) is None
    # A fund of class acoes is no stock: its redemptions are the fund's, not the exemption's.
    fund = _info("FI-11222333000181", "MUTUALFUND", asset_class="acoes", kind="fund")
    assert not classes.exemptable(fund)


def test_the_pools_follow_the_asset_class():
    # An FII by its class (an admin's FII type sets it), not by its type alone.
    assert sale_category(_info("HGLG11.SA", asset_class="fiis"), day_trade=True) is (
        SaleCategory.FII
    )
    assert sale_category(_info("TAEE11.SA"), day_trade=True) is SaleCategory.DAY_TRADE
    assert sale_category(_info("AAPL34.SA"), day_trade=False) is SaleCategory.COMUM
    # Renda fixa, Tesouro and funds are taxed at source: outside the monthly apuração.
    for kind, exempt in (("fixed_income", False), ("fixed_income", True), ("treasury", False)):
        held = _info("CDB-X", "OTHER", asset_class="pos_fixado", kind=kind, tax_exempt=exempt)
        assert sale_category(held, day_trade=False) is None
    fund = _info("FI-11222333000181", "MUTUALFUND", asset_class="acoes", kind="fund")
    assert sale_category(fund, day_trade=False) is None
    assert sale_category(_info("BTC-BRL", "CRYPTOCURRENCY"), day_trade=False) is None
    assert sale_category(_info("AAPL", currency="USD"), day_trade=False) is None
