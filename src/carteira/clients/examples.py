"""Examples of a client for the OpenAPI document (checked by
tests/core/test_openapi_examples.py)."""

from __future__ import annotations

from typing import Any

CLIENT_CREATE: dict[str, Any] = {
    "name": "Ana Beatriz Souza",
    "email": "ana.souza@example.com",
    "document": "52998224725",
    "phone": "+55 11 98765-4321",
    "status": "active",
}


CLIENT: dict[str, Any] = {
    "id": 42,
    **CLIENT_CREATE,
    "advisor_id": 7,
    "created_at": "2026-03-02T14:05:00Z",
    "updated_at": "2026-03-02T14:05:00Z",
}
