"""Property-based fuzzing of every operation in the app's own OpenAPI document (schemathesis).

A real `carteira serve` process on the run's database answers, as an admin and as a reader:
no 5xx, and status codes, content types, headers and bodies as documented (the 422 shapes
included). The seed is fixed, so a run is reproducible; `bench/fuzz.sh` runs the same checks
with many more cases. Every finding has a regression test in
tests/core/test_fuzz_findings.py.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import Account
from tests.factories import make_allocation, make_asset, make_client
from tests.fuzzing import st_command
from tests.support import REPO, carteira_process, free_port, process_env, wait_http

pytestmark = pytest.mark.multiprocess

MIN_CASES = 1000


async def run_schemathesis(base_url: str, token: str, report: Path) -> dict[str, Any]:
    """`st run` against the live server; the JSON report, or the console output on failure."""
    command = st_command(base_url, token, report)
    # Under `make test` coverage follows every Python subprocess; the fuzzer runs none of the
    # project's code, and tracing it doubled its time, so only the server it fuzzes is measured.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SCHEMATHESIS_", "COVERAGE_PROCESS_"))
    }
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=REPO,
        env={**env, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": "tests.fuzz_hooks"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode(errors="replace")[-8000:]
    result: dict[str, Any] = json.loads(report.read_text())
    return result


@pytest.fixture
async def server(settings, as_admin, tesouro) -> AsyncIterator[str]:
    """A served API with a row in every table, so that some fuzzed ids exist, and a Tesouro
    file that prices a title (a registration checks a treasury title against it)."""
    tesouro.add_prices("Tesouro Selic", date(2029, 3, 1), [(date(2026, 12, 4), "17345,67")])
    client = await make_client(as_admin)
    asset = await make_asset(as_admin, "PETR4.SA")
    await make_allocation(as_admin, client["id"], asset_id=asset["id"])
    port = free_port()
    env = process_env(settings, MARKET_DATA_PROVIDER="simulated", LOG_LEVEL="CRITICAL")
    with carteira_process("serve", "--port", str(port), env=env):
        url = f"http://127.0.0.1:{port}"
        await wait_http(f"{url}/health")
        yield url


@pytest.mark.parametrize("role", ["reader", "admin"])
async def test_every_operation_survives_fuzzing(server, admin, reader, role, tmp_path):
    account: Account = {"admin": admin, "reader": reader}[role]
    report = await run_schemathesis(server, account.token, tmp_path / "report.json")
    assert report["complete"] is True
    assert report["failures"] == []
    assert report["errors"] == []
    assert report["operations"]["tested"] == report["operations"]["selected"] >= 36
    assert report["test_cases"]["generated"] >= MIN_CASES
    # The fuzzer's session outlived the run: its cases were not 401s by accident.
    headers = {"Authorization": f"Bearer {account.token}"}
    async with aiohttp.ClientSession() as http, http.get(f"{server}/auth/me", headers=headers) as r:
        assert r.status == 200
