"""Exact decimal arithmetic for money and quantities.

Python's default decimal context keeps 28 significant digits, fewer than a NUMERIC(24, 8)
times a NUMERIC(24, 8) can have: products and sums go through a context wide enough to
stay exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Context, Decimal

EXACT = Context(prec=80, rounding=ROUND_HALF_EVEN)
ZERO = Decimal(0)


def mul(a: Decimal, b: Decimal) -> Decimal:
    return EXACT.multiply(a, b)


def sub(a: Decimal, b: Decimal) -> Decimal:
    return EXACT.subtract(a, b)


def total(values: Iterable[Decimal]) -> Decimal:
    result = ZERO
    for value in values:
        result = EXACT.add(result, value)
    return result


def plain(value: Decimal) -> Decimal:
    """Without trailing zeros, so that `format(value, "f")` prints it the short way."""
    normalized = value.normalize(EXACT)
    return ZERO if normalized.is_zero() else normalized
