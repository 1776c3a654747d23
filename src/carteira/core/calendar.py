"""Exchange business days, from the financial calendars of the `holidays` library.

`B3` is Brasil, Bolsa, Balcão's trading calendar (`holidays` market "BVMF"): national holidays,
Carnival Monday and Tuesday, Good Friday, Corpus Christi, Black Awareness Day (20 November,
from 2024) and, from 2018, the exchange's own closures on 24 December and on the last business
day of the year. `NYSE` is the New York Stock Exchange's ("XNYS"), for US listings.

`ANBIMA` is the national banking calendar renda fixa counts business days by (du/252): the
national public holidays of `holidays`' Brazil plus Carnival Monday and Tuesday and Corpus
Christi, which the library files under Brazil's optional category. Unlike B3's, it has no
closures of the exchange's own (24 and 31 December are business days). This composition
reproduces ANBIMA's published table day for day from 2001 to 2078 (checked against the
ANBIMA.cal file the `bizdays` package ships; `bizdays` itself was not taken because it requires
pandas and pandas-market-calendars for what is a list of dates).

`BANKS` is Brazil's national banking calendar, which federal tax due dates ("o último dia útil
do mês") follow: Resolução CMN 4.880/2020 counts neither Saturdays, Sundays, national holidays
nor Carnival Monday and Tuesday as business days, and banks open no branch to the public on
31 December (taxes due on the last business day of December are paid on the 30th); it keeps
Corpus Christi and the exchange's own closures, which are no national bank holidays.
Holidays are computed once per market and year.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import holidays
from holidays.constants import OPTIONAL, PUBLIC
from holidays.countries.brazil import Brazil

Market = Literal["B3", "NYSE", "ANBIMA", "BANKS"]

# Carteira's market names -> the ISO 10383 MIC codes `holidays` knows them by.
_MIC: dict[str, str] = {"B3": "BVMF", "NYSE": "XNYS"}
# The banking holidays ANBIMA adds to the national ones, as named in `holidays`' Portuguese.
_ANBIMA_OPTIONAL = frozenset({"Carnaval", "Corpus Christi"})
_SATURDAY = 5
_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=512)
def _holidays(market: Market, year: int) -> frozenset[date]:
    if market == "ANBIMA":
        return _anbima(year)
    if market == "BANKS":
        return _bank_holidays(year)
    try:
        mic = _MIC[market]
    except KeyError:
        known = ", ".join([*_MIC, "ANBIMA", "BANKS"])
        raise ValueError(f"unknown market {market!r}; known: {known}") from None
    return frozenset(holidays.financial_holidays(mic, years=year))


def _anbima(year: int) -> frozenset[date]:
    national = Brazil(years=year, language="pt_BR")
    optional = Brazil(years=year, categories=(OPTIONAL,), language="pt_BR")
    banking = {day for day, name in optional.items() if name in _ANBIMA_OPTIONAL}
    return frozenset(national) | banking


def _bank_holidays(year: int) -> frozenset[date]:
    national = Brazil(years=year, categories=(PUBLIC,))
    carnival = Brazil(years=year, categories=(OPTIONAL,), language="en_US")
    return frozenset(
        {*national, *carnival.get_named("Carnival", lookup="exact"), date(year, 12, 31)}
    )


def is_business_day(day: date, *, market: Market = "B3") -> bool:
    """Whether the market works on `day` (a weekday that is not one of its holidays)."""
    return day.weekday() < _SATURDAY and day not in _holidays(market, day.year)


def previous_business_day(day: date, *, market: Market = "B3") -> date:
    """The last business day strictly before `day`."""
    candidate = day - _ONE_DAY
    while not is_business_day(candidate, market=market):
        candidate -= _ONE_DAY
    return candidate


def next_business_day(day: date, *, market: Market = "B3") -> date:
    """The first business day strictly after `day`."""
    candidate = day + _ONE_DAY
    while not is_business_day(candidate, market=market):
        candidate += _ONE_DAY
    return candidate


def last_business_day_of_month(year: int, month: int, *, market: Market = "B3") -> date:
    """The month's last business day."""
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return previous_business_day(first_of_next, market=market)


def business_days(start: date, end: date, *, market: Market = "B3") -> list[date]:
    """Every business day in [start, end], oldest first (empty when start > end)."""
    days: list[date] = []
    day = start
    while day <= end:
        if is_business_day(day, market=market):
            days.append(day)
        day += _ONE_DAY
    return days


# Yahoo exchange codes of US listings.
_US_EXCHANGES = frozenset({"NMS", "NYQ", "NGM", "NCM", "PCX", "ASE", "BTS", "NAS", "NYS", "PNK"})


def previous_trading_day(day: date, *, exchange: str, ticker: str, every_day: bool) -> date:
    """The session before `day` where this listing trades: B3's or NYSE's calendar for their
    listings, every calendar day for what trades around the clock (crypto), and weekdays for
    anything else (a holiday of an unknown market then reads as a gap, never as a day)."""
    if every_day:
        return day - _ONE_DAY
    if exchange == "SAO" or ticker.endswith(".SA"):
        return previous_business_day(day, market="B3")
    if exchange in _US_EXCHANGES:
        return previous_business_day(day, market="NYSE")
    candidate = day - _ONE_DAY
    while candidate.weekday() >= _SATURDAY:
        candidate -= _ONE_DAY
    return candidate
