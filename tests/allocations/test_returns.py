from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from carteira.allocations.returns import (
    NEEDS_PURCHASE_AND_VALUE,
    NOT_CONVERGED,
    SAME_DATE,
    SAME_SIGN,
    CashFlow,
    ValuationDay,
    XirrResult,
    annualize,
    twr,
    twr_series,
    xirr,
    xirr_result,
)


def flows(*pairs: tuple[date, str]) -> list[CashFlow]:
    return [CashFlow(on, Decimal(amount)) for on, amount in pairs]


def days(*rows: tuple[str, ...]) -> list[ValuationDay]:
    """(value, inflow, outflow[, purchases' gain]) per consecutive day, from 2024-01-01."""
    start = date(2024, 1, 1)
    return [
        ValuationDay(
            start + timedelta(days=i),
            Decimal(row[0]),
            Decimal(row[1]),
            Decimal(row[2]),
            Decimal(row[3] if len(row) > 3 else "0"),
        )
        for i, row in enumerate(rows)
    ]


# --- XIRR: published vectors -------------------------------------------------


def test_xirr_portfolio_performance_simple_excel_case() -> None:
    # Portfolio Performance, IRRTest.testSimpleExcelTestCase
    result = xirr(flows((date(2010, 1, 1), "-200"), (date(2010, 12, 31), "210")))
    assert result == pytest.approx(0.050140747, abs=1e-6)


def test_xirr_portfolio_performance_complex_excel_case() -> None:
    # Portfolio Performance, IRRTest.testComplexExcelTestCaseWithSlowCurve
    result = xirr(
        flows(
            (date(2002, 11, 30), "-4398"),
            (date(2007, 6, 11), "200"),
            (date(2008, 5, 11), "270"),
            (date(2009, 5, 1), "280"),
            (date(2010, 6, 1), "280"),
            (date(2011, 5, 2), "300"),
            (date(2012, 4, 30), "330"),
            (date(2012, 12, 6), "14508"),
        )
    )
    assert result == pytest.approx(0.1444629967, abs=1e-4)


def test_xirr_pyxirr_readme_sample() -> None:
    result = xirr(
        flows(
            (date(2015, 6, 11), "-1000"),
            (date(2015, 7, 21), "-9000"),
            (date(2015, 10, 17), "-3000"),
            (date(2018, 6, 10), "20000"),
        )
    )
    assert result == pytest.approx(0.16353715844, abs=1e-9)


def test_xirr_result_carries_the_value_without_a_reason() -> None:
    result = xirr_result(flows((date(2010, 1, 1), "-200"), (date(2010, 12, 31), "210")))
    assert result.reason is None
    assert result.value == pytest.approx(0.050140747, abs=1e-6)


# --- XIRR: undefined cases ---------------------------------------------------


@pytest.mark.parametrize(
    ("cash_flows", "reason"),
    [
        pytest.param([], NEEDS_PURCHASE_AND_VALUE, id="no flows"),
        pytest.param(flows((date(2020, 1, 1), "-100")), NEEDS_PURCHASE_AND_VALUE, id="one flow"),
        pytest.param(
            flows((date(2020, 1, 1), "0"), (date(2021, 1, 1), "0")),
            NEEDS_PURCHASE_AND_VALUE,
            id="all zero",
        ),
        pytest.param(
            flows((date(2020, 1, 1), "-100"), (date(2021, 1, 1), "-50")), SAME_SIGN, id="all in"
        ),
        pytest.param(
            flows((date(2020, 1, 1), "100"), (date(2021, 1, 1), "50")), SAME_SIGN, id="all out"
        ),
        pytest.param(
            flows((date(2020, 1, 1), "-100"), (date(2020, 1, 1), "110")), SAME_DATE, id="one date"
        ),
        pytest.param(
            # A 10^7-fold gain in one day: the rate overflows a float.
            flows((date(2020, 1, 1), "-1"), (date(2020, 1, 2), "10000000")),
            NOT_CONVERGED,
            id="overflow",
        ),
    ],
)
def test_xirr_is_undefined_with_a_reason(cash_flows: list[CashFlow], reason: str) -> None:
    assert xirr_result(cash_flows) == XirrResult(None, reason)
    assert xirr(cash_flows) is None


# --- TWR ---------------------------------------------------------------------


def test_twr_quota_method_flows_enter_at_the_end_of_their_day() -> None:
    # Portfolio Performance's TTWROR sample, under the quota method: money in or out on a
    # day enters at the day's end (the flows here are bought or sold at the close), so each
    # day is (V_t - in_t + out_t) / V_{t-1}.
    sample = days(
        ("10000", "10000", "0"),
        ("10230", "0", "0"),
        ("10630", "200", "0"),
        ("9995.59", "0", "400"),
        ("10289.58", "0", "0"),
        ("10583.57", "0", "0"),
        ("16179.56", "5400", "0"),
        ("11600.00", "0", "3697.04"),
        ("10596.15", "0", "0"),
    )
    expected = (
        (10230 / 10000)
        * ((10630 - 200) / 10230)
        * ((9995.59 + 400) / 10630)
        * (10289.58 / 9995.59)
        * (10583.57 / 10289.58)
        * ((16179.56 - 5400) / 10583.57)
        * ((11600.00 + 3697.04) / 16179.56)
        * (10596.15 / 11600.00)
    ) - 1
    result = twr(sample)
    assert result is not None
    assert result == pytest.approx(expected, abs=1e-12)
    assert result * 100 == pytest.approx(-5.000003, abs=1e-5)


def test_a_fully_invested_client_buying_more_at_the_close_earns_the_assets_return() -> None:
    # 100 shares at 10.00; the next day the share closes at 10.50 and 100 more are bought at
    # that close: the day's return is the share's, 5 %, not 5 % diluted by the new money.
    series = twr_series(days(("1000", "1000", "0"), ("2100", "1050", "0", "0")))
    assert series[-1] == pytest.approx(0.05)


def test_a_purchase_earns_from_the_price_paid_to_the_close_on_its_own_money() -> None:
    # A nearly empty portfolio (10.00 of cash) takes 1,000 and buys at 100 what closes at 101:
    # the day is 1 % on the money invested, never 100 x 10 / 10 on the cash that was there.
    # carried = 1020 - 1000 - 10 = 10 -> 10 / 10; bought = 1020 / (1020 - 10).
    series = twr_series(days(("10", "10", "0"), ("1020", "1000", "0", "10")))
    assert series[-1] == pytest.approx(1020 / 1010 - 1)


def test_twr_first_day_earns_from_the_price_paid() -> None:
    # Bought 1,000 at the price paid; it closes at 1,050 (+50), then 1,102.50.
    series = twr_series(days(("1050", "1000", "0", "50"), ("1102.5", "0", "0")))
    assert series == pytest.approx([0.05, 0.1025])


def test_twr_of_nothing_is_undefined() -> None:
    assert twr([]) is None
    assert twr_series([]) == []
    assert twr(days(("0", "0", "0"), ("0", "0", "0"))) is None


def test_an_empty_portfolio_before_the_first_purchase_has_no_return() -> None:
    series = twr_series(days(("0", "0", "0"), ("0", "0", "0"), ("110", "100", "0", "10")))
    assert series == pytest.approx([0.0, 0.0, 0.1])


def test_buying_at_the_close_gives_no_return_that_day() -> None:
    # Held 1000 worth; bought 500 more at that day's close price, which did not move.
    series = twr_series(days(("1000", "1000", "0"), ("1500", "500", "0")))
    assert series[-1] == pytest.approx(0.0)


def test_a_later_purchase_leaves_earlier_points_unchanged() -> None:
    history = days(
        ("1000", "1000", "0"),
        ("1100", "0", "0"),
        ("1050", "0", "0"),
        ("6300", "5000", "0"),  # a large purchase, then a drop
        ("5000", "0", "0"),
    )
    for k in range(1, len(history)):
        assert twr_series(history[:k]) == twr_series(history)[:k]


def test_a_sale_does_not_count_as_a_loss() -> None:
    # Worth 1000, sold 400 at the close with the price unchanged.
    series = twr_series(days(("1000", "1000", "0"), ("600", "0", "400")))
    assert series[-1] == pytest.approx(0.0)


def test_twr_rejects_unordered_days() -> None:
    day = ValuationDay(date(2024, 1, 2), Decimal(100), Decimal(100))
    earlier = ValuationDay(date(2024, 1, 1), Decimal(100))
    with pytest.raises(ValueError, match="strictly increasing"):
        twr_series([day, earlier])
    with pytest.raises(ValueError, match="strictly increasing"):
        twr_series([day, day])


# --- annualize ---------------------------------------------------------------


def test_annualize_two_years_of_ten_percent() -> None:
    assert annualize(0.21, 730) == pytest.approx(0.10)


def test_annualize_one_year_is_identity() -> None:
    assert annualize(0.07, 365) == pytest.approx(0.07)


def test_annualize_a_total_loss_stays_a_total_loss() -> None:
    assert annualize(-1.0, 730) == -1.0


def test_annualize_rejects_an_empty_span() -> None:
    with pytest.raises(ValueError, match="positive"):
        annualize(0.1, 0)
