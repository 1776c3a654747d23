"""An admin sees every client, so the client guard reads nothing for them: each route under
/clients/{client_id} must itself answer 404 for a client that does not exist, in every
format (the tax PDFs once answered 500, the tax JSON a year of zeros)."""

from __future__ import annotations

import pytest

from carteira.core.config import Settings
from carteira.main import create_app
from tests.support import TEST_JWT_SECRET

MISSING = 2_147_483_646
# What each route needs besides the client to be a valid request.
QUERIES = {
    "/clients/{client_id}/statement": {"year": 2026, "month": 11},
    "/clients/{client_id}/tax/monthly": {"year": 2026},
    "/clients/{client_id}/tax/annual": {"year": 2026},
}
FORMATS = {"/clients/{client_id}/tax/monthly", "/clients/{client_id}/tax/annual"}


def _client_reads() -> list[str]:
    settings = Settings(_env_file=None, environment="test", jwt_secret=TEST_JWT_SECRET)
    paths = create_app(settings).openapi()["paths"]
    return sorted(
        path
        for path, operations in paths.items()
        if path.startswith("/clients/{client_id}") and "get" in operations and path.count("{") == 1
    )


def test_every_read_of_a_client_is_covered():
    assert {"/clients/{client_id}/tax/monthly", "/clients/{client_id}/statement"} <= set(
        _client_reads()
    )


@pytest.mark.parametrize("path", _client_reads())
async def test_an_admin_asking_for_a_missing_client_gets_404(as_admin, path):
    url = path.replace("{client_id}", str(MISSING))
    for fmt in ("json", "xlsx", "pdf") if path in FORMATS else (None,):
        params = {**QUERIES.get(path, {}), **({"format": fmt} if fmt else {})}
        r = await as_admin.get(url, params=params)
        assert (r.status_code, r.json()["code"]) == (404, "client_not_found"), (path, fmt)
