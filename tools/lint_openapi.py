"""Lint the API's OpenAPI document: valid OpenAPI 3.1 (openapi-spec-validator), then the
rules a SPA team relies on. `make lint` runs it; exit status 1 lists every problem.

    .venv/bin/python tools/lint_openapi.py
"""

from __future__ import annotations

import re
import sys
from typing import Any

from openapi_spec_validator import validate

OPERATION_ID = re.compile(r"^[a-z]+(_[a-z]+)+$")
PUBLIC = {"auth_login", "auth_refresh", "health_get", "ready_get", "dashboard_get"}
# The main resources' schemas carry examples (request and response).
EXAMPLES = (
    "ClientCreate",
    "ClientOut",
    "PositionsOut",
    "PerformanceOut",
    "InflowsOut",
    "TransactionOut",
)


def document() -> dict[str, Any]:
    from carteira.core.config import Settings
    from carteira.main import create_app

    settings = Settings(_env_file=None, environment="test", jwt_secret="x" * 40)
    spec: dict[str, Any] = create_app(settings).openapi()
    return spec


def _error_codes(response: dict[str, Any]) -> list[str] | None:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    variants = schema.get("oneOf", [schema])
    codes: list[str] = []
    for variant in variants:
        if "$ref" in variant:
            codes.append(variant["$ref"])
            continue
        enum = variant.get("properties", {}).get("code", {}).get("enum")
        if not enum:
            return None
        codes += enum
    return codes


def problems(spec: dict[str, Any]) -> list[str]:
    found: list[str] = []
    declared = {tag["name"]: tag.get("description") for tag in spec.get("tags", [])}
    found += [f"tag {name!r} has no description" for name, text in declared.items() if not text]
    seen: set[str] = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            op_id = operation.get("operationId", "")
            if not OPERATION_ID.match(op_id):
                found.append(f"{where}: operationId {op_id!r} is not <resource>_<verb>")
            if op_id in seen:
                found.append(f"{where}: operationId {op_id!r} is used twice")
            seen.add(op_id)
            for tag in operation.get("tags", []) or ["(none)"]:
                if tag not in declared:
                    found.append(f"{where}: tag {tag!r} is not declared")
            if not operation.get("summary") or not operation.get("description"):
                found.append(f"{where}: needs a summary and a description")
            if op_id not in PUBLIC and not operation.get("security"):
                found.append(f"{where}: no security requirement")
            for status, response in operation["responses"].items():
                if status in ("201", "202") and "Location" not in response.get("headers", {}):
                    found.append(f"{where}: {status} without a Location header")
                if status in ("429", "503") and "Retry-After" not in response.get("headers", {}):
                    found.append(f"{where}: {status} without a Retry-After header")
                if status[0] in "45" and not _error_codes(response):
                    found.append(f"{where}: {status} does not enumerate its error codes")
    schemas = spec.get("components", {}).get("schemas", {})
    for name in EXAMPLES:
        if not schemas.get(name, {}).get("examples"):
            found.append(f"schema {name} has no examples")
    schemes = spec.get("components", {}).get("securitySchemes", {})
    for scheme in ("OAuth2PasswordBearer", "sessionCookie", "csrfToken"):
        if scheme not in schemes:
            found.append(f"security scheme {scheme} is not declared")
    return found


def main() -> int:
    spec = document()
    validate(spec)  # raises with the first structural error
    found = problems(spec)
    for problem in found:
        print(f"openapi: {problem}", file=sys.stderr)
    operations = sum(len(ops) for ops in spec["paths"].values())
    print(f"openapi: {operations} operations, {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
