"""An example of captação líquida for the OpenAPI document (checked by
tests/core/test_openapi_examples.py)."""

from __future__ import annotations

from typing import Any

INFLOWS: dict[str, Any] = {
    "inflows": "15000.00",
    "outflows": "2500.00",
    "net": "12500.00",
    "total": "12500.00",
    "count": 3,
    "start": "2026-03-01",
    "end": "2026-03-31",
    "year": 2026,
    "month": 3,
    "currency": "BRL",
    "consolidated": True,
    "by_client": [
        {
            "client_id": 42,
            "name": "Ana Beatriz Souza",
            "inflows": "15000.00",
            "outflows": "2500.00",
            "net": "12500.00",
            "total": "12500.00",
            "count": 3,
        }
    ],
    "by_day": [
        {
            "date": "2026-03-02",
            "inflows": "15000.00",
            "outflows": "0",
            "net": "15000.00",
            "total": "15000.00",
            "count": 2,
        },
        {
            "date": "2026-03-20",
            "inflows": "0",
            "outflows": "2500.00",
            "net": "-2500.00",
            "total": "-2500.00",
            "count": 1,
        },
    ],
    "by_advisor": [
        {
            "advisor_id": 7,
            "advisor": "ana.advisor@example.com",
            "inflows": "15000.00",
            "outflows": "2500.00",
            "net": "12500.00",
            "total": "12500.00",
            "count": 3,
        }
    ],
    "by_currency": [
        {
            "currency": "BRL",
            "inflows": "15000.00",
            "outflows": "2500.00",
            "net": "12500.00",
            "total": "12500.00",
            "count": 3,
        }
    ],
    "fx_missing": [],
}
