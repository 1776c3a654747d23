"""A database of before instruments upgraded: every asset is a listing, classed by its type and
currency, taxed as before (not exempt), without terms."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import asyncpg

from carteira.core.embedded import create_database, drop_database, with_database
from tests.support import REPO, process_env, run_carteira

BEFORE_INSTRUMENTS = 9  # the last migration before assets had kinds


async def test_the_assets_of_before_become_classed_listings(servers, run_id, settings, tmp_path):
    scratch = f"carteira_instruments_{run_id}"
    await create_database(servers.postgres_admin_url, scratch)
    url = with_database(servers.postgres_admin_url, scratch)
    try:
        previous = tmp_path / "migrations"
        (previous / "models").mkdir(parents=True)
        for migration in sorted((REPO / "migrations" / "models").glob("*.py")):
            if int(migration.name.split("_")[0]) <= BEFORE_INSTRUMENTS:
                shutil.copy(migration, previous / "models" / migration.name)
        env = process_env(settings, DATABASE_URL=url, MIGRATIONS_DIR=str(previous))
        assert run_carteira("migrate", env=env).returncode == 0
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute(
                "INSERT INTO assets (id, ticker, name, exchange, currency, asset_type, created_at)"
                " VALUES (1, 'PETR4.SA', 'Petrobras', 'SAO', 'BRL', 'EQUITY', $1),"
                " (2, 'BOVA11.SA', 'iShares Ibovespa', 'SAO', 'BRL', 'ETF', $1),"
                " (3, 'AAPL', 'Apple', 'NMS', 'USD', 'EQUITY', $1),"
                " (4, 'IVV', 'iShares S&P 500', 'PCX', 'USD', 'ETF', $1),"
                " (5, 'BTC-USD', 'Bitcoin', 'CCC', 'USD', 'CRYPTOCURRENCY', $1),"
                " (6, '^BVSP', 'Ibovespa', 'SAO', 'BRL', 'INDEX', $1)",
                datetime.now(UTC),
            )
        finally:
            await conn.close()

        upgraded = run_carteira("migrate", env=process_env(settings, DATABASE_URL=url))
        assert upgraded.returncode == 0, upgraded.stderr
        assert "instruments" in upgraded.stdout
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            rows = await conn.fetch(
                "SELECT ticker, kind, asset_class, tax_exempt, terms FROM assets ORDER BY id"
            )
        finally:
            await conn.close()
        assert [tuple(row) for row in rows] == [
            ("PETR4.SA", "listed", "acoes", False, None),
            ("BOVA11.SA", "listed", "etfs", False, None),
            ("AAPL", "listed", "exterior", False, None),
            ("IVV", "listed", "exterior", False, None),
            ("BTC-USD", "listed", "cripto", False, None),
            ("^BVSP", "listed", "acoes", False, None),
        ]
    finally:
        await drop_database(servers.postgres_admin_url, scratch)
