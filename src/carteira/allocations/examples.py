"""Examples of a transaction, positions and performance for the OpenAPI document (checked by
tests/unit/test_openapi_examples.py)."""

from __future__ import annotations

from typing import Any

TRANSACTION: dict[str, Any] = {
    "id": 1001,
    "client_id": 42,
    "kind": "buy",
    "date": "2026-03-02",
    "asset_id": 3,
    "ticker": "PETR4.SA",
    "asset_name": "Petróleo Brasileiro S.A. - Petrobras",
    "currency": "BRL",
    "quantity": "100",
    "price": "37.50",
    "amount": None,
    "fees": "4.90",
    "tax": "0",
    "ratio": None,
    "settlement": "external",
    "source": "manual",
    "external_ref": None,
    "edited": False,
    "needs_review": False,
    "provider_amount": None,
    "note": None,
    "created_at": "2026-03-02T14:06:00Z",
    "updated_at": "2026-03-02T14:06:00Z",
}

# The buy above dated before a dividend of 0.50 per share the provider had paid on 60 shares.
TRANSACTION_WRITTEN: dict[str, Any] = {
    **TRANSACTION,
    "provider_changes": [
        {
            "id": 987,
            "change": "updated",
            "kind": "dividend",
            "date": "2026-04-15",
            "asset_id": 3,
            "old_amount": "30",
            "new_amount": "80",
            "needs_review": False,
        }
    ],
}


POSITIONS: dict[str, Any] = {
    "client_id": 42,
    "positions": [
        {
            "asset_id": 3,
            "ticker": "PETR4.SA",
            "name": "Petróleo Brasileiro S.A. - Petrobras",
            "currency": "BRL",
            "asset_type": "EQUITY",
            "lots": 1,
            "quantity": "100",
            "average_cost": "37.549",
            "cost": "3754.90",
            "current_price": "38.20",
            "daily_change_pct": 0.79,
            "market_value": "3820.00",
            "unrealized_pnl": "65.10",
            "realized_pnl": "0",
            "income": "105.00",
            "total_return": "170.10",
            "weight_pct": 100.0,
            "fx_rate": "1",
            "market_value_reporting": "3820.00",
        }
    ],
    "cash": [{"currency": "BRL", "balance": "1250.00"}],
    "totals": [
        {
            "currency": "BRL",
            "cost": "3754.90",
            "market_value": "3820.00",
            "cash": "1250.00",
            "value": "5070.00",
            "unrealized_pnl": "65.10",
            "realized_pnl": "0",
            "income": "105.00",
            "total_return": "170.10",
        }
    ],
    "consolidated": {
        "currency": "BRL",
        "market_value": "3820.00",
        "cash": "1250.00",
        "value": "5070.00",
        "fx_rates": {},
        "fx_missing": [],
        "fx_stale": False,
    },
    "prices_unavailable": False,
}


PERFORMANCE: dict[str, Any] = {
    "client_id": 42,
    "currency": "BRL",
    "consolidated": True,
    "currencies": ["BRL"],
    "start": "2026-03-02",
    "end": "2026-03-04",
    "totals": {
        "market_value": "3820.00",
        "cash": "1250.00",
        "value": "5070.00",
        "cost": "3754.90",
        "invested": "5000",
        "pnl": "70.00",
        "accumulated_return_pct": 1.4,
        "day_change": "30.00",
        "day_change_pct": 0.59,
        "fx_rates": {},
    },
    "xirr_pct": None,
    "xirr_period_pct": None,
    "xirr_note": "all cash flows are on the same date",
    "xirr_note_code": "same_date",
    "twr_pct": 1.4,
    "twr_annualized_pct": None,
    "periods": {"month": 1.4, "ytd": 1.4, "12m": 1.4, "inception": 1.4},
    "monthly": [
        {
            "month": "2026-03",
            "portfolio_pct": 1.4,
            "benchmarks": {"CDI": 0.12, "IBOV": 0.8},
            "pct_of_cdi": 1166.6667,
        }
    ],
    "volatility_pct": 8.9,
    "max_drawdown_pct": -0.3,
    "max_drawdown_peak": "2026-03-03",
    "max_drawdown_trough": "2026-03-04",
    "benchmarks": [
        {
            "code": "CDI",
            "name": "CDI (Banco Central do Brasil, SGS 12)",
            "source": "bcb",
            "currency": "BRL",
            "available": True,
            "twr_pct": 0.12,
            "periods": {"month": 0.12, "ytd": 0.12, "12m": 0.12, "inception": 0.12},
            "series": [
                {"date": "2026-03-02", "cumulative_pct": 0.04},
                {"date": "2026-03-03", "cumulative_pct": 0.08},
                {"date": "2026-03-04", "cumulative_pct": 0.12},
            ],
            "notes": [],
        }
    ],
    "pct_of_cdi": 1166.6667,
    "series": [
        {"date": "2026-03-02", "value": "5000", "invested": "5000", "cumulative_twr_pct": 0.0},
        {"date": "2026-03-03", "value": "5085", "invested": "5000", "cumulative_twr_pct": 1.7},
        {"date": "2026-03-04", "value": "5070", "invested": "5000", "cumulative_twr_pct": 1.4},
    ],
    "prices_unavailable": False,
    "prices_missing": [],
    "fx_missing": [],
}
