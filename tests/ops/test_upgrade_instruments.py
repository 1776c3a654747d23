"""A database of before instruments upgraded: every asset is a listing, classed by its type and
currency, taxed as before (not exempt), without terms."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support import connected, database_of_before, upgrade

BEFORE_INSTRUMENTS = 9  # the last migration before assets had kinds


async def test_the_assets_of_before_become_classed_listings(servers, run_id, settings, tmp_path):
    async with database_of_before(
        servers,
        settings,
        tmp_path,
        f"carteira_instruments_{run_id}",
        last_migration=BEFORE_INSTRUMENTS,
    ) as url:
        async with connected(url) as conn:
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

        assert "instruments" in upgrade(settings, url)
        async with connected(url) as conn:
            rows = await conn.fetch(
                "SELECT ticker, kind, asset_class, tax_exempt, terms FROM assets ORDER BY id"
            )
        assert [tuple(row) for row in rows] == [
            ("PETR4.SA", "listed", "acoes", False, None),
            ("BOVA11.SA", "listed", "etfs", False, None),
            ("AAPL", "listed", "exterior", False, None),
            ("IVV", "listed", "exterior", False, None),
            ("BTC-USD", "listed", "cripto", False, None),
            ("^BVSP", "listed", "acoes", False, None),
        ]
