"""A database of the previous release (purchase lots) upgraded to the ledger: every lot becomes
a buy with external settlement (same id), and what derives from the ledger starts from them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tests.support import connected, database_of_before, upgrade

BEFORE_THE_LEDGER = 3  # the last migration of the previous release


async def test_lots_of_the_previous_release_become_the_ledger(servers, run_id, settings, tmp_path):
    async with database_of_before(
        servers, settings, tmp_path, f"carteira_upgrade_{run_id}", last_migration=BEFORE_THE_LEDGER
    ) as url:
        async with connected(url) as conn:
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

        assert "ledger" in upgrade(settings, url)

        async with connected(url) as conn:
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


BEFORE_PROVIDER_REVIEW = 8  # the last migration before provider entries followed the ledger


async def test_provider_entries_of_before_keep_what_users_did_to_them(
    servers, run_id, settings, tmp_path
):
    """The provider's figure of each provider-made dividend, and which ones a user edited
    (more than the note), are read from the audit trail."""
    async with database_of_before(
        servers,
        settings,
        tmp_path,
        f"carteira_review_{run_id}",
        last_migration=BEFORE_PROVIDER_REVIEW,
    ) as url:
        async with connected(url) as conn:
            now = datetime.now(UTC)
            await conn.execute(
                "INSERT INTO clients (id, name, email, status, created_at, updated_at) VALUES"
                " (1, 'Ana', 'ana@example.com', 'active', $1, $1)",
                now,
            )
            await conn.execute(
                "INSERT INTO assets (id, ticker, name, exchange, currency, asset_type, created_at)"
                " VALUES (1, 'PETR4.SA', 'Petrobras', 'SAO', 'BRL', 'EQUITY', $1)",
                now,
            )
            # 21: the provider's, untouched; 22: its amount edited from 50 to 45, then 44;
            # 23: a note added only; 24: a split; 25: a hand dividend.
            await conn.execute(
                "INSERT INTO transactions (id, client_id, kind, date, asset_id, amount, fees, tax,"
                " currency, split_to, split_from, settlement, source, external_ref, created_at,"
                " updated_at) VALUES"
                " (21, 1, 'dividend', '2026-03-10', 1, 30, 0, 0, 'BRL', NULL, NULL, 'cash',"
                "  'provider', 'dividend:1:2026-03-10', $1, $1),"
                " (22, 1, 'dividend', '2026-04-10', 1, 44, 0, 0, 'BRL', NULL, NULL, 'cash',"
                "  'provider', 'dividend:1:2026-04-10', $1, $1),"
                " (23, 1, 'dividend', '2026-05-11', 1, 20, 0, 0, 'BRL', NULL, NULL, 'cash',"
                "  'provider', 'dividend:1:2026-05-11', $1, $1),"
                " (24, 1, 'split', '2026-06-10', 1, NULL, 0, 0, 'BRL', 2, 1, 'cash',"
                "  'provider', 'split:1:2026-06-10', $1, $1),"
                " (25, 1, 'dividend', '2026-07-10', 1, 12, 0, 0, 'BRL', NULL, NULL, 'cash',"
                "  'manual', NULL, $1, $1)",
                now,
            )
            await conn.execute(
                "INSERT INTO audit_log (user_id, action, entity, entity_id, client_id, at, changes)"
                " VALUES"
                " (7, 'update', 'transaction', 22, 1, $1,"
                '  \'{"amount": {"from": "50", "to": "45"}}\'),'
                " (7, 'update', 'transaction', 22, 1, $1,"
                '  \'{"amount": {"from": "45", "to": "44"}}\'),'
                " (7, 'update', 'transaction', 23, 1, $1,"
                '  \'{"note": {"from": null, "to": "ok"}}\')',
                now,
            )

        upgrade(settings, url)
        async with connected(url) as conn:
            rows = await conn.fetch(
                "SELECT id, edited, needs_review, provider_amount FROM transactions ORDER BY id"
            )
            assert [tuple(r) for r in rows] == [
                (21, False, False, Decimal("30")),
                (22, True, False, Decimal("50")),
                (23, False, False, Decimal("20")),
                (24, False, False, None),
                (25, False, False, None),
            ]
