"""The schemathesis command over the app's served OpenAPI, with this suite's checks (the fuzz test
and bench/fuzz.py both run it)."""

from __future__ import annotations

import sys
from pathlib import Path

ST = Path(sys.executable).with_name("st")


CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance"
)


# Operations that end the fuzzer's own session: logging out, and an admin editing its own
# account (which revokes its tokens). They would turn the rest of the run into 401s; their
# behaviour has dedicated tests in tests/auth/test_auth.py and test_users.py.
SESSION_ENDING = (
    "--exclude-path",
    "/auth/logout",
    "--exclude-operation-id",
    "users_update",
)


EXAMPLES_PER_OPERATION = 25


def st_command(
    base_url: str,
    token: str,
    report: Path,
    *,
    examples: int = EXAMPLES_PER_OPERATION,
    seed: int = 20261123,
    phases: str = "examples,coverage,fuzzing",
) -> list[str]:
    """`st run` over the served OpenAPI with this suite's checks (bench/fuzz.py reuses it)."""
    return [
        *(str(ST), "run", f"{base_url}/openapi.json"),
        *("--header", f"Authorization: Bearer {token}"),
        *("--checks", CHECKS),
        *("--phases", phases),
        *("--max-examples", str(examples)),
        *("--seed", str(seed)),
        # One worker: CPython 3.11's `ast.parse` is not thread-safe, and schemathesis compiles
        # with it while generating (`--workers 2` failed 1 run in 6 with "AST constructor
        # recursion depth mismatch"). The case count is the same.
        *("--workers", "1"),
        *("--suppress-health-check", "all"),
        *("--request-timeout", "30"),
        *("--report", "json", "--report-json-path", str(report)),
        *SESSION_ENDING,
    ]
