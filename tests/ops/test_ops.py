from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from itertools import pairwise

import asyncpg
import pytest
from redis.asyncio import Redis
from tortoise import Tortoise
from tortoise.utils import get_schema_sql

from carteira.core.embedded import create_database, drop_database, with_database
from carteira.core.warmup import WarmUp
from tests.support import TEST_JWT_SECRET, app_state_set, run_carteira


async def test_ready_when_everything_answers(client):
    r = await client.get("/ready")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "warm_up": "ok"},
    }


async def test_ready_is_503_while_the_process_warms_up(client, app):
    async def never_run() -> None:
        raise AssertionError("not run by this test")

    with app_state_set(app, "warm_up", WarmUp([("a step", never_run)])):
        r = await client.get("/ready")
    assert r.status_code == 503
    body = r.json()
    assert body["code"] == "not_ready"
    assert body["detail"] == "not ready: warming up"
    assert body["checks"] == {"database": "ok", "redis": "ok", "warm_up": "pending"}


async def test_ready_is_503_naming_redis_when_it_is_unreachable(client, app):
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    with app_state_set(app, "redis", dead):
        r = await client.get("/ready")
    assert r.status_code == 503
    body = r.json()
    assert body["code"] == "not_ready"
    assert "redis" in body["detail"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("unavailable")
    await dead.aclose()


async def test_every_response_has_a_request_id_and_security_headers(client):
    r = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    generated = await client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["x-request-id"]) == 32


async def test_unknown_route_has_the_error_shape(client):
    r = await client.get("/no/such/route")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found", "code": "not_found"}
    r = await client.put("/health")
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"


async def test_migrations_match_the_models(app, servers, run_id):
    """The migrated schema equals what the models describe: no change lacks a migration."""
    scratch = f"carteira_models_{run_id}"
    await create_database(servers.postgres_admin_url, scratch)
    try:
        models_sql = get_schema_sql(Tortoise.get_connection("default"), safe=False)
        conn = await asyncpg.connect(
            with_database(servers.postgres_admin_url, scratch).replace(
                "postgres://", "postgresql://"
            )
        )
        try:
            await conn.execute(models_sql)
            from_models = await _catalog(conn)
        finally:
            await conn.close()
        migrated = await _catalog_of_app()
        assert migrated == from_models
    finally:
        await drop_database(servers.postgres_admin_url, scratch)


_COLUMNS = """
    SELECT table_name, column_name, data_type, is_nullable,
           character_maximum_length, numeric_precision, numeric_scale
    FROM information_schema.columns WHERE table_schema = 'public'
    ORDER BY table_name, column_name
"""
_INDEXES = "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2"
_CHECKS = """
    SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace AND contype IN ('f', 'u') ORDER BY 1, 2
"""


async def _catalog(conn) -> dict[str, list[tuple]]:
    return {
        "columns": [tuple(r) for r in await conn.fetch(_COLUMNS)],
        "indexes": [tuple(r) for r in await conn.fetch(_INDEXES)],
        "constraints": [tuple(r) for r in await conn.fetch(_CHECKS)],
    }


async def _catalog_of_app() -> dict[str, list[tuple]]:
    db = Tortoise.get_connection("default")
    result = {}
    for name, sql in (("columns", _COLUMNS), ("indexes", _INDEXES), ("constraints", _CHECKS)):
        _, rows = await db.execute_query(sql)
        result[name] = [tuple(r.values()) for r in rows]
    return result


async def test_hand_written_checks_guard_the_ledger(app):
    """The CHECKs added by hand in the ledger migration (the models cannot declare them)."""
    db = Tortoise.get_connection("default")
    _, rows = await db.execute_query(
        "SELECT conname FROM pg_constraint"
        " WHERE contype = 'c' AND conrelid = 'transactions'::regclass"
    )
    assert {r["conname"] for r in rows} == {
        "transactions_kind_known",
        "transactions_settlement_known",
        "transactions_source_known",
        "transactions_quantity_positive",
        "transactions_price_positive",
        "transactions_amount_not_negative",
        "transactions_costs_not_negative",
        "transactions_split_positive",
        "transactions_trades_complete",
    }


def _cli(
    settings, *args, stdin: str = "", extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **(extra_env or {}),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "JWT_SECRET": TEST_JWT_SECRET,
        "ENVIRONMENT": "test",
        "BCRYPT_ROUNDS": "4",
        "LOG_LEVEL": "WARNING",
    }
    return run_carteira(*args, env=env, stdin=stdin)


@pytest.mark.usefixtures("app")
def test_cli_create_user_then_duplicate_fails_clearly(settings):
    first = _cli(
        settings,
        "create-user",
        "--email",
        "ops@example.com",
        "--role",
        "admin",
        stdin="a-good-password\n",
    )
    assert first.returncode == 0, first.stderr
    assert "created admin user ops@example.com" in first.stdout
    second = _cli(
        settings,
        "create-user",
        "--email",
        "OPS@example.com",
        "--role",
        "reader",
        stdin="another-pass\n",
    )
    assert second.returncode == 1
    assert "already exists" in second.stderr


@pytest.mark.usefixtures("app")
def test_cli_create_user_rejects_a_short_password(settings):
    result = _cli(
        settings, "create-user", "--email", "s@example.com", "--role", "reader", stdin="short\n"
    )
    assert result.returncode == 2
    assert "password" in result.stderr


@pytest.mark.usefixtures("app")
def test_cli_migrate_is_idempotent(settings):
    result = _cli(settings, "migrate")
    assert result.returncode == 0, result.stderr
    assert "applied 0 migration(s)" in result.stdout


def test_cli_refuses_to_serve_without_a_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "JWT_SECRET"}
    env["ENVIRONMENT"] = "production"
    result = subprocess.run(
        [sys.executable, "-c", "from carteira.main import create_app; create_app()"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "JWT_SECRET must be set" in result.stderr


async def test_cli_seed_demo_is_idempotent(settings, as_admin):
    offline = {"MARKET_DATA_PROVIDER": "simulated"}
    first = _cli(settings, "seed-demo", extra_env=offline)
    assert first.returncode == 0, first.stderr
    assert "6 clients created, 12 assets created" in first.stdout
    assert "skipped" not in first.stdout  # offline, every instrument is priced (simulated)
    second = _cli(settings, "seed-demo", extra_env=offline)
    assert second.returncode == 0, second.stderr
    assert "0 clients created, 0 assets created, 0 transactions created" in second.stdout

    listed = (await as_admin.get("/assets", params={"page_size": 100})).json()["items"]
    tickers = {a["ticker"] for a in listed}
    renda_fixa = {
        "CDB-BANCOSUL-110CDI-20290601",
        "LCI-BANCOSUL-94CDI-20280601",
        "CDB-AURORA-PRE12.5-20281201",
        "TD-SELIC-20290301",
        "TD-IPCA-20350515",
        "FI-11222333000181",
    }
    assert tickers == {"PETR4.SA", "VALE3.SA", "ITUB4.SA", "BOVA11.SA", "AAPL", "BTC-USD"} | (
        renda_fixa
    )
    inactive = (await as_admin.get("/clients", params={"status": "inactive"})).json()
    assert inactive["total"] >= 1
    # A new user sees every kind of entry somewhere in the demo ledgers; the dividends and
    # splits are the (simulated) provider's, applied as each ledger was written.
    kinds: set[str] = set()
    for client in (await as_admin.get("/clients", params={"page_size": 100})).json()["items"]:
        ledger = (
            await as_admin.get(f"/clients/{client['id']}/transactions", params={"page_size": 100})
        ).json()["items"]
        kinds |= {entry["kind"] for entry in ledger}
        assert all(e["source"] == "provider" for e in ledger if e["kind"] in {"dividend", "split"})
        positions = await as_admin.get(f"/clients/{client['id']}/positions")
        assert positions.status_code == 200
        # A coherent office: no demo client is overdrawn (three of six were).
        assert all(Decimal(c["balance"]) >= 0 for c in positions.json()["cash"])
        # Every client holds a CDB at a % of the CDI, an LCI, a prefixado, Tesouro Selic and
        # IPCA+ and a fund, each valued; renda fixa and Tesouro with gross and net.
        held = {p["ticker"]: p for p in positions.json()["positions"] if p["quantity"] != "0"}
        assert renda_fixa <= set(held)
        for ticker in renda_fixa - {"FI-11222333000181"}:
            position = held[ticker]
            assert position["gross_value"] is not None
            assert position["net_value"] is not None
            assert Decimal(position["net_value"]) <= Decimal(position["gross_value"])
        assert held["FI-11222333000181"]["gross_value"] is not None
        classes = {c["asset_class"] for c in positions.json()["by_class"]}
        assert {"pos_fixado", "prefixado", "inflacao", "fundos_rf"} <= classes
        # Valued on one split basis: no day of the series moves like a split.
        series = (await as_admin.get(f"/clients/{client['id']}/performance")).json()["series"]
        growth = [1 + p["cumulative_twr_pct"] / 100 for p in series if p["cumulative_twr_pct"]]
        assert growth
        assert all(abs(b / a - 1) < 0.25 for a, b in pairwise(growth))
    assert {"deposit", "buy", "sell", "dividend", "jcp", "split", "fee", "withdrawal"} <= kinds
