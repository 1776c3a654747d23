"""Exchange business days, as the `holidays` library's financial calendars have them.

The B3 dates below are what `holidays` (>= 0.109, market "BVMF") says, and they agree with the
closures B3 announced for 2024: Carnival Monday and Tuesday, Black Awareness Day (a national
holiday from 2024 on, a trading day before), and the exchange's own closures on 24 and 31
December (releases before 0.109 lacked those two). São Paulo's city holidays are trading days.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from carteira.core.calendar import (
    business_days,
    is_business_day,
    last_business_day_of_month,
    next_business_day,
    previous_business_day,
)


@pytest.mark.parametrize(
    "day",
    [
        date(2024, 1, 1),  # Confraternização Universal
        date(2024, 2, 12),  # Carnival Monday
        date(2024, 2, 13),  # Carnival Tuesday
        date(2024, 3, 29),  # Good Friday
        date(2024, 5, 30),  # Corpus Christi
        date(2024, 11, 15),  # Proclamação da República
        date(2024, 11, 20),  # Consciência Negra, a national holiday from 2024
        date(2024, 12, 24),  # B3 closes on Christmas Eve
        date(2024, 12, 25),
        date(2024, 12, 31),  # and on the last business day of the year
        date(2024, 2, 10),  # a Saturday
        date(2024, 2, 11),  # a Sunday
    ],
)
def test_b3_closures(day):
    assert not is_business_day(day)
    assert not is_business_day(day, market="B3")


@pytest.mark.parametrize(
    "day",
    [
        date(2024, 2, 14),  # Ash Wednesday: B3 opens (in the afternoon)
        date(2023, 11, 20),  # Consciência Negra was a trading day before 2024
        date(2024, 12, 23),
        date(2024, 12, 30),
        date(2025, 1, 2),
        date(2024, 1, 25),  # São Paulo's anniversary: a city holiday, not B3's since 2022
    ],
)
def test_b3_trading_days(day):
    assert is_business_day(day)


def test_last_business_day_of_the_year_moves_with_the_weekend():
    # 31 December 2023 was a Sunday: B3's year-end closure fell on Friday the 29th.
    assert not is_business_day(date(2023, 12, 29))
    assert is_business_day(date(2023, 12, 28))


def test_nyse_has_its_own_holidays():
    assert not is_business_day(date(2024, 7, 4), market="NYSE")  # Independence Day
    assert not is_business_day(date(2024, 11, 28), market="NYSE")  # Thanksgiving
    assert is_business_day(date(2024, 2, 12), market="NYSE")  # Carnival is Brazil's
    assert is_business_day(date(2024, 11, 20), market="NYSE")
    # Christmas 2021 fell on a Saturday: observed on Friday the 24th.
    assert not is_business_day(date(2021, 12, 24), market="NYSE")
    # New Year's Day 2022 (a Saturday) is not observed on the Friday before.
    assert is_business_day(date(2021, 12, 31), market="NYSE")


def test_previous_business_day_skips_weekends_and_holidays():
    assert previous_business_day(date(2024, 2, 14)) == date(2024, 2, 9)  # over Carnival
    assert previous_business_day(date(2025, 1, 2)) == date(2024, 12, 30)  # over 31 Dec, 1 Jan
    assert previous_business_day(date(2024, 11, 21)) == date(2024, 11, 19)
    assert previous_business_day(date(2024, 7, 5), market="NYSE") == date(2024, 7, 3)
    # Strictly before: a business day is not its own previous one.
    assert previous_business_day(date(2024, 2, 9)) == date(2024, 2, 8)


def test_business_days_in_a_window():
    assert business_days(date(2024, 2, 8), date(2024, 2, 16)) == [
        date(2024, 2, 8),
        date(2024, 2, 9),
        date(2024, 2, 14),
        date(2024, 2, 15),
        date(2024, 2, 16),
    ]
    assert business_days(date(2024, 12, 23), date(2025, 1, 3)) == [
        date(2024, 12, 23),
        date(2024, 12, 26),
        date(2024, 12, 27),
        date(2024, 12, 30),
        date(2025, 1, 2),
        date(2025, 1, 3),
    ]
    assert business_days(date(2024, 3, 2), date(2024, 3, 1)) == []
    # 262 weekdays in 2024, 11 of them closures on B3 and 10 on the NYSE.
    assert len(business_days(date(2024, 1, 1), date(2024, 12, 31))) == 251
    assert len(business_days(date(2024, 1, 1), date(2024, 12, 31), market="NYSE")) == 252


def test_an_unknown_market_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown market 'LSE'"):
        is_business_day(date(2024, 1, 2), market="LSE")  # type: ignore[arg-type]


# ANBIMA's table of national banking holidays ("feriados nacionais"), as ANBIMA publishes it.
ANBIMA_2024 = [
    date(2024, 1, 1),  # Confraternização Universal
    date(2024, 2, 12),  # Carnaval
    date(2024, 2, 13),  # Carnaval
    date(2024, 3, 29),  # Paixão de Cristo
    date(2024, 4, 21),  # Tiradentes (a Sunday)
    date(2024, 5, 1),  # Dia do Trabalho
    date(2024, 5, 30),  # Corpus Christi
    date(2024, 9, 7),  # Independência do Brasil (a Saturday)
    date(2024, 10, 12),  # Nossa Sr.a Aparecida (a Saturday)
    date(2024, 11, 2),  # Finados (a Saturday)
    date(2024, 11, 15),  # Proclamação da República
    date(2024, 11, 20),  # Dia Nacional de Zumbi e da Consciência Negra
    date(2024, 12, 25),  # Natal
]


def test_anbima_holidays_are_anbimas_table():
    days = business_days(date(2024, 1, 1), date(2024, 12, 31), market="ANBIMA")
    year = [date(2024, 1, 1) + timedelta(days=n) for n in range(366)]
    holidays_on_weekdays = {d for d in year if d.weekday() < 5} - set(days)
    assert holidays_on_weekdays == {d for d in ANBIMA_2024 if d.weekday() < 5}


def test_anbima_counts_what_b3_closes_on_its_own():
    # 24 and 31 December are banking business days; B3 closes on both.
    for day in (date(2025, 12, 24), date(2025, 12, 31)):
        assert is_business_day(day, market="ANBIMA")
        assert not is_business_day(day, market="B3")
    # Ash Wednesday and Public Servant's Day (optional holidays) are business days too.
    assert is_business_day(date(2026, 2, 18), market="ANBIMA")
    assert is_business_day(date(2026, 10, 28), market="ANBIMA")
    # 21 business days from 15 December 2025, by hand: 15-19, 22-24, 26, 29-31 Dec (12),
    # 2 Jan (13), 5-9 (18), 12-14 (21) -> the 21st is 14 January 2026.
    days = business_days(date(2025, 12, 15), date(2026, 1, 14), market="ANBIMA")
    assert (len(days), days[-1]) == (21, date(2026, 1, 14))
    assert next_business_day(date(2025, 12, 31), market="ANBIMA") == date(2026, 1, 2)


def test_the_last_banking_day_of_a_month_for_tax_due_dates():
    def last(year: int, month: int) -> date:
        return last_business_day_of_month(year, month, market="BANKS")

    assert last(2026, 3) == date(2026, 3, 31)  # a Tuesday
    assert last(2026, 1) == date(2026, 1, 30)  # the 31st is a Saturday
    # Carnival Monday 28/02/2022 (Resolução CMN 4.880/2020): February's last is Friday 25.
    assert last(2022, 2) == date(2022, 2, 25)
    # Good Friday 29/03/2024: March's last is Thursday 28.
    assert last(2024, 3) == date(2024, 3, 28)
    # No branch opens on 31 December: Tuesday 30/12/2025.
    assert last(2025, 12) == date(2025, 12, 30)
    # Friday 30/12/2022 is a banking day (B3 closed on it: its last day of the year).
    assert last(2022, 12) == date(2022, 12, 30)
    assert last_business_day_of_month(2022, 12, market="B3") == date(2022, 12, 29)
    # Corpus Christi 31/05/2018 is no national bank holiday.
    assert last(2018, 5) == date(2018, 5, 31)
