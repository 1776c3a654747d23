"""The production stack's own configuration, run for real outside Docker: the proxy's
Caddyfile in front of a real `carteira serve`, and PostgreSQL's init script on the test
server, followed by `carteira migrate` as the role it creates."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import asyncpg
import pytest

from carteira.core.embedded import drop_database
from tests.support import carteira_process, free_port, process_env, run_carteira, wait_http

ROOT = Path(__file__).resolve().parents[2]
INIT_SCRIPT = ROOT / "deploy" / "postgres" / "initdb" / "10-carteira-role.sh"

pytestmark = pytest.mark.multiprocess


# ---- the proxy ------------------------------------------------------------------------------


@contextmanager
def caddy(site_port: int, upstream_port: int, workdir: Path) -> Iterator[None]:
    """deploy/Caddyfile as compose runs it, moved to local ports (and no admin endpoint, so
    that runs can overlap)."""
    text = (ROOT / "deploy" / "Caddyfile").read_text()
    assert text.count(":8000 {") == 1
    assert text.count("reverse_proxy api:8000") == 1
    local = text.replace(":8000 {", f"http://127.0.0.1:{site_port} {{").replace(
        "reverse_proxy api:8000", f"reverse_proxy 127.0.0.1:{upstream_port}"
    )
    config = workdir / "Caddyfile"
    config.write_text("{\n\tadmin off\n}\n\n" + local)
    caddy_bin = shutil.which("caddy")
    assert caddy_bin is not None
    env = {**os.environ, "XDG_DATA_HOME": str(workdir), "XDG_CONFIG_HOME": str(workdir)}
    process = subprocess.Popen(
        [caddy_bin, "run", "--config", str(config), "--adapter", "caddyfile"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        process.terminate()
        process.wait(10)


async def test_the_proxy_serves_the_api_but_not_metrics_or_docs(settings, tmp_path):
    assert shutil.which("caddy"), "needs Caddy (`.ci/run` installs it)"
    api_port, proxy_port = free_port(), free_port()
    api, proxy = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{proxy_port}"
    with (
        carteira_process("serve", "--port", str(api_port), env=process_env(settings)),
        caddy(proxy_port, api_port, tmp_path),
    ):
        await wait_http(f"{api}/ready")
        await wait_http(f"{proxy}/ready")
        async with aiohttp.ClientSession() as http:
            for path in ("/metrics", "/docs", "/redoc", "/openapi.json"):
                async with http.get(f"{api}{path}") as direct:
                    assert direct.status == 200, path  # the API serves it on its own port
                for variant in (path, path + "/", path + "?x=1", "/" + path, path.upper()):
                    async with http.get(f"{proxy}{variant}", allow_redirects=False) as r:
                        assert r.status == 404, variant
                        assert await r.json() == {"detail": "Not Found", "code": "not_found"}
            async with http.get(f"{proxy}/health") as r:
                assert r.status == 200
            async with http.get(f"{proxy}/clients") as r:
                assert r.status == 401  # the API itself answers everything else


# ---- PostgreSQL's init script ---------------------------------------------------------------


async def test_the_init_script_makes_a_non_superuser_owner_that_can_migrate(
    servers, settings, run_id, tmp_path
):
    assert shutil.which("psql"), "needs psql (`.ci/run` installs it)"
    admin = urlsplit(servers.postgres_admin_url)
    socket_dir = parse_qs(admin.query).get("host", [""])[0]
    host = socket_dir or admin.hostname or "127.0.0.1"
    port = str(admin.port or 5432)
    role = f"carteira_role_{run_id}"
    password = "init-script-password"  # this test's throwaway role
    env = {
        "PATH": os.environ["PATH"],
        "PGHOST": host,
        "PGPORT": port,
        "POSTGRES_USER": admin.username or "postgres",
        "POSTGRES_DB": "postgres",
        "CARTEIRA_DB_USER": role,
        "CARTEIRA_DB_NAME": role,
        "CARTEIRA_DB_PASSWORD": password,
    }
    if admin.password:
        env["PGPASSWORD"] = admin.password
    done = subprocess.run(
        [str(INIT_SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    try:
        assert done.returncode == 0, done.stderr
        authority = f"{role}:{password}@" + ("" if socket_dir else f"{host}:{port}")
        url = f"postgres://{authority}/{role}" + (f"?host={socket_dir}" if socket_dir else "")
        migrated = run_carteira("migrate", env=process_env(settings, DATABASE_URL=url))
        assert migrated.returncode == 0, migrated.stderr
        assert "applied" in migrated.stdout

        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            assert await conn.fetchval("SELECT current_user") == role
            assert (
                await conn.fetchval(
                    "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles"
                    " WHERE rolname = current_user"
                )
                is False
            )
            owners = await conn.fetch(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
            )
            assert [r["tableowner"] for r in owners] == [role]
        finally:
            await conn.close()
    finally:
        await drop_database(servers.postgres_admin_url, role)
        conn = await asyncpg.connect(
            servers.postgres_admin_url.replace("postgres://", "postgresql://", 1)
        )
        try:
            await conn.execute(f'DROP ROLE IF EXISTS "{role}"')
        finally:
            await conn.close()
