"""Rates of income tax withheld at source that the ledger applies, each in one dated table:
a rate applies from its date until the next one's.

JCP (juros sobre capital próprio): 15 % (Lei 9.249/1995, art. 9, § 2), 17.5 % on JCP paid
or credited from 1 January 2026 (Lei Complementar 224/2025).
"""

from __future__ import annotations

import bisect
from datetime import date
from decimal import Decimal

JCP_RATES: tuple[tuple[date, Decimal], ...] = (
    (date(1996, 1, 1), Decimal("0.15")),
    (date(2026, 1, 1), Decimal("0.175")),
)


def jcp_rate(on: date) -> Decimal:
    """The JCP withholding in force on `on` (the first rate for any earlier date)."""
    index = bisect.bisect_right([start for start, _ in JCP_RATES], on) - 1
    return JCP_RATES[max(index, 0)][1]
