"""Renda fixa on the curve, against figures worked out by hand (each expected unit price below is
the formula in its comment, evaluated with a calculator at 40 digits and rounded to 8 places;
none is computed by the code under test)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from carteira.pricing import curve
from carteira.pricing.curve import Rates
from carteira.pricing.instruments import FixedIncomeTerms, parse_terms


def terms(**given: str) -> FixedIncomeTerms:
    body = {"kind": "fixed_income", "product": "CDB", "issuer": "Banco X", **given}
    parsed = parse_terms(body)
    assert isinstance(parsed, FixedIncomeTerms)
    return parsed


def cdi_terms(rate: str = "110", **given: str) -> FixedIncomeTerms:
    """A CDB on the CDI issued on 1 April 2026 (110 % of the CDI to April 2028 unless told)."""
    defaults = {"rate_mode": "pct_of_index", "maturity_date": "2028-04-03"}
    return terms(indexer="CDI", rate=rate, issue_date="2026-04-01", **(defaults | given))


def ipca_plus_6(*, issue_date: str, maturity_date: str) -> FixedIncomeTerms:
    return terms(
        indexer="IPCA",
        rate="6",
        rate_mode="index_plus",
        issue_date=issue_date,
        maturity_date=maturity_date,
    )


# April 2026 as the SGS publishes the CDI: every ANBIMA business day, none on Good Friday
# (3 April) nor on Tiradentes (21 April) — 20 days. The rate moves after the 15th.
APRIL = [
    *(date(2026, 4, d) for d in (1, 2, 6, 7, 8, 9, 10, 13, 14, 15)),
    *(date(2026, 4, d) for d in (16, 17, 20, 22, 23, 24, 27, 28, 29, 30)),
]
HIGH, LOW = Decimal("0.054266"), Decimal("0.052531")  # % per day
CDI_APRIL = Rates(daily=[(day, HIGH if day.day <= 15 else LOW) for day in APRIL])


def test_the_month_has_the_days_the_vectors_assume():
    assert len(APRIL) == 20
    assert date(2026, 4, 3) not in APRIL
    assert date(2026, 4, 21) not in APRIL


def test_110_pct_of_cdi_over_a_month_with_holidays():
    cdb = cdi_terms()
    on_may_4, on_april_22 = (
        point.price
        for point in sorted(
            curve.prices(cdb, [date(2026, 5, 4), date(2026, 4, 22)], CDI_APRIL),
            key=lambda p: p.date,
            reverse=True,
        )
    )
    # 1000 x (1 + 0.00054266 x 1.1)^10 x (1 + 0.00052531 x 1.1)^10: the 20 published days,
    # the two holidays and 1 May (a Friday) accrue nothing.
    assert on_may_4 == Decimal("1011.81345437")
    # 1000 x (1 + 0.00054266 x 1.1)^10 x (1 + 0.00052531 x 1.1)^3: 16, 17 and 20 April; the
    # holiday on the 21st pays nothing, so the 22nd's price is the 21st's.
    assert on_april_22 == Decimal("1007.73022656")
    assert curve.prices(cdb, [date(2026, 4, 21)], CDI_APRIL)[0].price == on_april_22
    # On the issue date: the face value.
    assert curve.prices(cdb, [date(2026, 4, 1)], CDI_APRIL)[0].price == Decimal(1000)


def test_cdi_plus_1_5_pct():
    cdb = cdi_terms("1.5", rate_mode="index_plus")
    [on_may_4] = curve.prices(cdb, [date(2026, 5, 4)], CDI_APRIL)
    # 1000 x (1.00054266)^10 x (1.00052531)^10 x 1.015^(20/252)
    assert on_may_4.price == Decimal("1011.92907536")
    assert on_may_4.estimated is False


def test_prefixado_12_5_pct_over_21_business_days():
    pre = terms(
        product="LCA",
        indexer="PRE",
        rate="12.5",
        rate_mode="fixed",
        issue_date="2025-12-15",
        maturity_date="2027-12-15",
    )
    # ANBIMA business days in [15 Dec 2025, 15 Jan 2026): 15-19, 22-24, 26, 29-31 Dec, 2 Jan,
    # 5-9 and 12-14 Jan = 21 (24 and 31 December count, though B3 is closed on them).
    # 1000 x 1.125^(21/252)
    [price] = curve.prices(pre, [date(2026, 1, 15)], Rates())
    assert price.price == Decimal("1009.86358055")
    # 1 January is a holiday: the 2nd has the price of the 1st, which has the 31st's + 1 day.
    first, second = curve.prices(pre, [date(2026, 1, 1), date(2026, 1, 2)], Rates())
    assert first.price == second.price


def test_ipca_plus_6_pct_across_a_month_end_with_an_unpublished_month():
    ipca = ipca_plus_6(issue_date="2026-10-15", maturity_date="2035-05-15")
    published = Rates(
        monthly={date(2026, 9, 1): Decimal("0.48"), date(2026, 10, 1): Decimal("0.09")}
    )
    [in_november] = curve.prices(ipca, [date(2026, 11, 16)], published)
    # October: 12 of its 21 business days (15-16, 19-23, 26-30; the 12th is a holiday) at
    # October's 0.09 %; November, not published: 9 of its 19 business days (3-6, 9-13; the 2nd
    # and the 20th are holidays) at the last published rate, October's 0.09 % (not
    # September's 0.48 %); 21 business days at 6 % a.a.
    # 1000 x 1.0009^(12/21) x 1.0009^(9/19) x 1.06^(21/252)
    assert in_november.price == Decimal("1005.81274968")
    assert in_november.estimated is True
    # Within October, everything is published.
    [in_october] = curve.prices(ipca, [date(2026, 10, 30)], published)
    # 1000 x 1.0009^(11/21) x 1.06^(11/252)
    assert in_october.price == Decimal("1003.01924942")
    assert in_october.estimated is False


def test_closes_follow_the_published_days_and_the_day_they_complete():
    cdb = cdi_terms()
    days = curve.close_days(cdb, CDI_APRIL, first=date(2026, 3, 1), last=date(2026, 5, 29))
    # The published days, and 4 May, which the 30 April rate completes; nothing after it is
    # invented (the rates of May are not published).
    assert days == [*APRIL, date(2026, 5, 4)]


def test_the_redemption_waits_for_the_last_rate_before_maturity():
    cdb = cdi_terms("100", maturity_date="2026-04-30")
    # The 29 April rate is the last one the maturity needs.
    assert curve.redemption(cdb, Rates(daily=CDI_APRIL.daily[:-2])) is None
    final = curve.redemption(cdb, CDI_APRIL)
    assert final is not None
    # 1000 x 1.00054266^10 x 1.00052531^9: every published day before 30 April.
    assert (final.date, final.price) == (date(2026, 4, 30), Decimal("1010.20337987"))
    days = curve.close_days(cdb, CDI_APRIL, first=date(2026, 4, 1), last=date(2026, 6, 1))
    assert days[-1] == date(2026, 4, 30)  # nothing after the maturity


def test_an_estimated_ipca_is_no_final_price():
    ipca = ipca_plus_6(issue_date="2026-08-03", maturity_date="2026-11-16")
    known = {date(2026, 8, 1): Decimal("0.2"), date(2026, 9, 1): Decimal("0.48")}
    assert curve.redemption(ipca, Rates(monthly=known)) is None
    known |= {date(2026, 10, 1): Decimal("0.09"), date(2026, 11, 1): Decimal("0.1")}
    final = curve.redemption(ipca, Rates(monthly=known))
    assert final is not None
    assert final.estimated is False


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ({"indexer": "PRE", "rate_mode": "pct_of_index"}, "rate_mode_indexer"),
        ({"indexer": "IPCA", "rate_mode": "pct_of_index"}, "rate_mode_indexer"),
        ({"indexer": "CDI", "rate_mode": "fixed"}, "rate_mode_indexer"),
        ({"maturity_date": "2026-04-01"}, "maturity_not_after_issue"),
    ],
)
def test_incoherent_terms_are_refused(given, code):
    body = {
        "indexer": "CDI",
        "rate": "110",
        "rate_mode": "pct_of_index",
        "issue_date": "2026-04-01",
        "maturity_date": "2027-04-01",
        **given,
    }
    with pytest.raises(ValueError, match=code):
        terms(**body)
