"""Marking holdings to market: the one place where a quantity meets a price.

Exact Decimal amounts (products in a context wide enough to stay exact), percentages as floats.
Amounts stay in each asset's own currency; totals and weights are per currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext

from carteira.core.money import EXACT, mul, plain, sub

HUNDRED = Decimal(100)
EIGHT_PLACES = Decimal("1E-8")
# Products and sums of NUMERIC(24, 8) values have at most 48 significant digits and are shown
# exactly; a quotient that does not terminate (an average cost, a split) fills the engine's
# 60 digits and is shown to 8 decimal places.
EXACT_DIGITS = 48


def market_value(quantity: Decimal, price: Decimal) -> Decimal:
    return plain(mul(quantity, price))


def pct(ratio: Decimal) -> float:
    """A ratio as a percentage (0.05 -> 5.0), rounded for display."""
    return round(float(ratio * HUNDRED), 6)


def gain_pct(value: Decimal, cost: Decimal) -> float | None:
    return pct(value / cost - 1) if cost else None


def difference(a: Decimal, b: Decimal) -> Decimal:
    return plain(sub(a, b))


def portfolio_value(
    quantities: Mapping[int, Decimal], prices: Mapping[int, Decimal], cash: Decimal
) -> Decimal | None:
    """Holdings (asset id -> quantity) at these prices, plus cash; None when a held asset has
    no price (it is never valued at cost)."""
    with localcontext(EXACT):  # exact products and sums with plain operators (C speed)
        value = cash
        for asset_id, quantity in quantities.items():
            price = prices.get(asset_id)
            if price is None:
                return None
            value += quantity * price
        return value


def shown(value: Decimal) -> Decimal:
    """An amount as the API shows it: exact when it is, else to 8 decimal places."""
    if len(value.as_tuple().digits) > EXACT_DIGITS:
        value = value.quantize(EIGHT_PLACES)
    return plain(value)
