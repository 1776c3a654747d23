"""A database of the previous release (purchase lots) upgraded to the ledger: every lot becomes
a buy with external settlement (same id), and what derives from the ledger starts from them."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg

from carteira.core.embedded import create_database, drop_database, with_database
from tests.support import REPO, process_env, run_carteira

BEFORE_THE_LEDGER = "3_"  # the last migration of the previous release


async def test_lots_of_the_previous_release_become_the_ledger(servers, run_id, settings, tmp_path):
    scratch = f"carteira_upgrade_{run_id}"
    await create_database(servers.postgres_admin_url, scratch)
    url = with_database(servers.postgres_admin_url, scratch)
    try:
        previous = tmp_path / "migrations"
        (previous / "models").mkdir(parents=True)
        for migration in sorted((REPO / "migrations" / "models").glob("*.py")):
            if migration.name < BEFORE_THE_LEDGER or migration.name.startswith(BEFORE_THE_LEDGER):
                shutil.copy(migration, previous / "models" / migration.name)
        env = process_env(settings, DATABASE_URL=url, MIGRATIONS_DIR=str(previous))
        assert run_carteira("migrate", env=env).returncode == 0

        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            now = datetime.now(UTC)
            await conn.execute(
                "INSERT INTO clients (id, name, email, status, created_at, updated_at) VALUES"
                " (1, 'Ana', 'ana@example.com', 'active', $1, $1),"
                " (2, 'Bia', 'bia@example.com', 'active', $1, $1)",
                now,
            )
            await conn.execute(
                "INSERT INTO assets (id, ticker, name, exchange, currency, asset_type, created_at)"
                " VALUES (1, 'PETR4.SA', 'Petrobras', 'SAO', 'BRL', 'EQUITY', $1),"
                " (2, 'AAPL', 'Apple', 'NMS', 'USD', 'EQUITY', $1)",
                now,
            )
            await conn.execute(
                "INSERT INTO allocations (id, client_id, asset_id, quantity, buy_price, buy_date,"
                " created_at, updated_at) VALUES"
                " (7, 1, 1, 100, 30.5, '2026-02-03', $1, $1),"
                " (8, 1, 1, 0.5, 10, '2026-02-03', $1, $1),"
                " (9, 2, 2, 2, 150, '2026-03-01', $1, $1)",
                now,
            )
            await conn.execute("SELECT setval('allocations_id_seq', 9)")
        finally:
            await conn.close()

        upgraded = run_carteira("migrate", env=process_env(settings, DATABASE_URL=url))
        assert upgraded.returncode == 0, upgraded.stderr
        assert "ledger" in upgraded.stdout

        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            ledger = await conn.fetch(
                "SELECT id, client_id, kind, date, asset_id, quantity, price, currency,"
                " settlement, source FROM transactions ORDER BY id"
            )
            assert [tuple(row) for row in ledger] == [
                (
                    7,
                    1,
                    "buy",
                    date(2026, 2, 3),
                    1,
                    Decimal("100"),
                    Decimal("30.5"),
                    "BRL",
                    "external",
                    "manual",
                ),
                (
                    8,
                    1,
                    "buy",
                    date(2026, 2, 3),
                    1,
                    Decimal("0.5"),
                    Decimal("10"),
                    "BRL",
                    "external",
                    "manual",
                ),
                (
                    9,
                    2,
                    "buy",
                    date(2026, 3, 1),
                    2,
                    Decimal("2"),
                    Decimal("150"),
                    "USD",
                    "external",
                    "manual",
                ),
            ]
            holdings = await conn.fetch(
                "SELECT client_id, asset_id, quantity, cost FROM holdings ORDER BY 1, 2"
            )
            assert [tuple(r) for r in holdings] == [
                (1, 1, Decimal("100.5"), Decimal("3055")),
                (2, 2, Decimal("2"), Decimal("300")),
            ]
            flows = await conn.fetch(
                "SELECT client_id, date, currency, inflow, outflow, entries FROM client_flows"
                " ORDER BY 1"
            )
            assert [tuple(r) for r in flows] == [
                (1, date(2026, 2, 3), "BRL", Decimal("3055"), Decimal("0"), 2),
                (2, date(2026, 3, 1), "USD", Decimal("300"), Decimal("0"), 1),
            ]
            assert not await conn.fetchval("SELECT to_regclass('allocations') IS NOT NULL")
            # New entries continue after the old ids.
            next_id = await conn.fetchval(
                "SELECT nextval(pg_get_serial_sequence('transactions', 'id'))"
            )
            assert next_id == 10
        finally:
            await conn.close()
    finally:
        await drop_database(servers.postgres_admin_url, scratch)
