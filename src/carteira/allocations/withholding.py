"""Income tax withheld at source on proventos, by the law in force on the entry's date.

One dated table: a rate applies from its date until the next one's. JCP (juros sobre capital
próprio) pays 15 % (Lei 9.249/1995, art. 9, § 2) until 2025-12-31 and 17.5 % on JCP paid or
credited from 2026-01-01 (Lei Complementar 224/2025).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from decimal import Decimal

JCP_RATES: tuple[tuple[date, Decimal], ...] = (
    (date.min, Decimal("0.15")),
    (date(2026, 1, 1), Decimal("0.175")),  # LC 224/2025
)
_STARTS = [start for start, _ in JCP_RATES]


def jcp_rate(on: date) -> Decimal:
    """The share of a JCP's gross amount withheld on `on` (0.175 for 17.5 %)."""
    return JCP_RATES[bisect_right(_STARTS, on) - 1][1]


CENTAVO = Decimal("0.01")


def jcp_from_net(net: Decimal, on: date) -> tuple[Decimal, Decimal]:
    """A JCP known by what was credited (B3's extract shows it net): its gross amount, to the
    centavo, and the tax withheld (gross - net) at the rate in force on `on`."""
    gross = (net / (1 - jcp_rate(on))).quantize(CENTAVO)
    return gross, gross - net
