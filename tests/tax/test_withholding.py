"""The dated withholding table: the rate in force on each date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from carteira.allocations.withholding import jcp_rate


def test_jcp_is_withheld_at_15_percent_until_2025_and_at_17_5_from_2026():
    assert jcp_rate(date(2010, 6, 1)) == Decimal("0.15")
    assert jcp_rate(date(2025, 12, 31)) == Decimal("0.15")
    assert jcp_rate(date(2026, 1, 1)) == Decimal("0.175")  # LC 224/2025
    assert jcp_rate(date(2030, 1, 1)) == Decimal("0.175")
    assert jcp_rate(date(1990, 1, 1)) == Decimal("0.15")  # before the table: its first rate
