"""The OpenAPI document a SPA team generates its client from: linted, stable, complete."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import shutil
import subprocess

from tests.support import REPO

spec_path = REPO / "tools" / "lint_openapi.py"
_loader = importlib.util.spec_from_file_location("lint_openapi", spec_path)
assert _loader is not None
lint = importlib.util.module_from_spec(_loader)
assert _loader.loader is not None
_loader.loader.exec_module(lint)

DOCUMENT = lint.document()


def test_the_document_is_valid_and_breaks_no_rule():
    from openapi_spec_validator import validate

    validate(DOCUMENT)
    assert lint.problems(DOCUMENT) == []


def test_operation_ids_are_readable_and_stable():
    ids = {
        (method, path): op["operationId"]
        for path, ops in DOCUMENT["paths"].items()
        for method, op in ops.items()
    }
    assert ids[("get", "/clients")] == "clients_list"
    assert ids[("post", "/clients")] == "clients_create"
    assert ids[("post", "/clients/{client_id}/transactions")] == "transactions_create"
    assert ids[("get", "/clients/{client_id}/performance")] == "performance_get"
    assert len(set(ids.values())) == len(ids)


def test_errors_are_per_operation_with_their_codes():
    create = DOCUMENT["paths"]["/clients/{client_id}/transactions"]["post"]["responses"]
    # No domain conflict here: only a row vanishing under the write.
    conflict = create["409"]["content"]["application/json"]["schema"]
    assert conflict["properties"]["code"]["enum"] == ["conflict"]
    codes = create["422"]["content"]["application/json"]["schema"]["oneOf"][1]
    assert "insufficient_quantity" in codes["properties"]["code"]["enum"]
    assert create["404"]["content"]["application/json"]["schema"]["properties"]["code"]["enum"] == [
        "client_not_found"
    ]
    assert "Location" in create["201"]["headers"]
    assert "Retry-After" in create["503"]["headers"]
    health = DOCUMENT["paths"]["/health"]["get"]["responses"]
    assert set(health) == {"200", "431"}
    listing = DOCUMENT["paths"]["/clients"]["get"]
    assert "403" not in listing["responses"]  # any role reads it
    assert listing["security"] == [{"OAuth2PasswordBearer": []}, {"sessionCookie": []}]
    write = DOCUMENT["paths"]["/clients"]["post"]
    assert {"sessionCookie": [], "csrfToken": []} in write["security"]


def test_the_headers_a_client_reads_are_documented():
    paths = DOCUMENT["paths"]
    search = paths["/assets/search"]["get"]["responses"]["200"]["headers"]
    assert {"X-Cache", "X-Cache-TTL", "X-Cache-Key", "X-Cache-Stale"} <= set(search)
    for path in (
        "/clients/{client_id}/positions",
        "/clients/{client_id}/performance",
        "/reports/inflows",
        "/reports/clients",
    ):
        assert "Content-Disposition" in paths[path]["get"]["responses"]["200"]["headers"], path


def test_the_linter_catches_what_it_is_for():
    broken = copy.deepcopy(DOCUMENT)
    created = broken["paths"]["/clients"]["post"]
    del created["responses"]["201"]["headers"]["Location"]
    created["operationId"] = "createClientClientsPost"
    broken["paths"]["/clients"]["get"]["responses"]["404"] = {
        "description": "x",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
    found = lint.problems(broken)
    assert any("Location" in problem for problem in found)
    assert any("createClientClientsPost" in problem for problem in found)
    assert any("GET /clients: 404" in problem for problem in found)


TS_TOOLS = REPO / "tools" / "openapi-ts"


def test_a_typescript_client_generates_without_warnings(tmp_path):
    assert shutil.which("node"), (
        "the TypeScript client is generated with Node (`.ci/run` installs it)"
    )
    generator = TS_TOOLS / "node_modules" / ".bin" / "openapi-typescript"
    assert generator.exists(), "run `make test` (it installs tools/openapi-ts with npm ci)"
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(DOCUMENT))
    output = tmp_path / "api.d.ts"
    env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"}
    generated = subprocess.run(
        [str(generator), str(document), "--output", str(output)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr
    assert "warn" not in (generated.stdout + generated.stderr).lower(), generated.stderr
    typed = output.read_text()
    assert "clients_list" in typed
    assert '"insufficient_quantity"' in typed  # the error codes are typed, not just strings
    compiled = subprocess.run(
        [str(TS_TOOLS / "node_modules" / ".bin" / "tsc"), "--noEmit", "--strict", str(output)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
