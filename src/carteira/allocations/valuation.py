"""Marking lots and positions to market: exact Decimal arithmetic, percentages as floats.

Amounts stay in each asset's own currency; totals and weights are per currency, never a sum
of reais and dollars.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal

from carteira.allocations.schemas import AllocationOut, CurrencyTotals, PositionOut
from carteira.core.money import mul, plain, sub, total
from carteira.pricing.schemas import Quote

HUNDRED = Decimal(100)


def _pct(ratio: Decimal) -> float:
    return round(float(ratio * HUNDRED), 6)


def value_lot(lot: AllocationOut, quote: Quote | None) -> AllocationOut:
    if quote is None:
        return lot
    market_value = mul(lot.quantity, quote.price)
    return lot.model_copy(
        update={
            "current_price": quote.price,
            "daily_change_pct": quote.change_pct,
            "market_value": plain(market_value),
            "pnl": plain(sub(market_value, lot.cost)),
            "accumulated_return_pct": _pct(quote.price / lot.buy_price - 1),
        }
    )


def value_positions(
    positions: Sequence[PositionOut], quotes: Mapping[str, Quote]
) -> tuple[list[PositionOut], list[CurrencyTotals]]:
    valued = []
    for position in positions:
        quote = quotes.get(position.ticker)
        if quote is None:
            valued.append(position)
            continue
        market_value = mul(position.quantity, quote.price)
        valued.append(
            position.model_copy(
                update={
                    "current_price": quote.price,
                    "daily_change_pct": quote.change_pct,
                    "market_value": plain(market_value),
                    "pnl": plain(sub(market_value, position.cost)),
                    "accumulated_return_pct": _pct(market_value / position.cost - 1),
                }
            )
        )
    by_currency: dict[str, list[PositionOut]] = defaultdict(list)
    for position in valued:
        by_currency[position.currency].append(position)
    totals = [_totals(currency, group) for currency, group in sorted(by_currency.items())]
    weights: dict[int, float] = {}
    for currency_total in totals:
        denominator = currency_total.market_value
        if denominator:  # unknown (a price is missing) or zero: no weights
            for p in by_currency[currency_total.currency]:
                assert p.market_value is not None
                weights[p.asset_id] = _pct(p.market_value / denominator)
    return [p.model_copy(update={"weight_pct": weights.get(p.asset_id)}) for p in valued], totals


def _totals(currency: str, group: Sequence[PositionOut]) -> CurrencyTotals:
    cost = total(p.cost for p in group)
    values = [p.market_value for p in group if p.market_value is not None]
    if len(values) < len(group):
        return CurrencyTotals(currency=currency, cost=cost)  # a price is missing: no total
    market_value = total(values)
    return CurrencyTotals(
        currency=currency,
        cost=cost,
        market_value=market_value,
        pnl=sub(market_value, cost),
        accumulated_return_pct=_pct(market_value / cost - 1) if cost else None,
    )
