from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from tortoise import Tortoise

from carteira.assets.service import InstrumentRegistry
from carteira.auth.models import Role
from carteira.core.config import Settings
from carteira.core.database import apply_migrations
from carteira.core.embedded import create_database, drop_database, with_database
from carteira.main import create_app
from carteira.pricing.service import create_market_data
from tests import support
from tests.fakes.bcb import FakeBcb
from tests.fakes.cvm import FakeCvm
from tests.fakes.tesouro import FakeTesouro
from tests.fakes.yahoo import FakeYahoo
from tests.support import (
    TEST_JWT_SECRET,
    Servers,
    claim_redis_db,
    new_run_id,
    release_redis_db,
    start_servers,
)


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    servers = start_servers()
    yield servers
    if servers.embedded is not None:
        servers.embedded.stop()


@pytest.fixture(scope="session")
def run_id() -> str:
    return new_run_id()


@pytest.fixture(scope="session")
def redis_db(servers: Servers, run_id: str) -> Iterator[int]:
    index = claim_redis_db(servers.redis_base_url, run_id, named=servers.redis_db)
    yield index
    release_redis_db(servers.redis_base_url, index)


@pytest.fixture(scope="session")
async def fake_yahoo() -> AsyncIterator[FakeYahoo]:
    """Yahoo's HTTP API, served locally: the app's real aiohttp client talks to it."""
    yahoo = FakeYahoo()
    await yahoo.start()
    support.yahoo = yahoo
    yield yahoo
    await yahoo.stop()


@pytest.fixture
def yahoo(fake_yahoo: FakeYahoo) -> FakeYahoo:
    return fake_yahoo


@pytest.fixture(scope="session")
async def fake_bcb() -> AsyncIterator[FakeBcb]:
    """Banco Central's SGS API, served locally: the app's real aiohttp client talks to it."""
    bcb = FakeBcb()
    await bcb.start()
    yield bcb
    await bcb.stop()


@pytest.fixture
def bcb(fake_bcb: FakeBcb) -> FakeBcb:
    fake_bcb.reset()
    return fake_bcb


@pytest.fixture(scope="session")
async def fake_tesouro() -> AsyncIterator[FakeTesouro]:
    """Tesouro Transparente's price file, served locally."""
    tesouro = FakeTesouro()
    await tesouro.start()
    yield tesouro
    await tesouro.stop()


@pytest.fixture
def tesouro(fake_tesouro: FakeTesouro) -> FakeTesouro:
    fake_tesouro.reset()
    return fake_tesouro


@pytest.fixture(scope="session")
async def fake_cvm() -> AsyncIterator[FakeCvm]:
    """CVM's open data (the funds' daily report), served locally."""
    cvm = FakeCvm()
    await cvm.start()
    yield cvm
    await cvm.stop()


@pytest.fixture
def cvm(fake_cvm: FakeCvm) -> FakeCvm:
    fake_cvm.reset()
    return fake_cvm


@pytest.fixture(scope="session")
async def settings(
    servers: Servers,
    redis_db: int,
    run_id: str,
    fake_yahoo: FakeYahoo,
    fake_bcb: FakeBcb,
    fake_tesouro: FakeTesouro,
    fake_cvm: FakeCvm,
) -> AsyncIterator[Settings]:
    database = f"carteira_test_{run_id}"
    await create_database(servers.postgres_admin_url, database)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="test",
        database_url=with_database(servers.postgres_admin_url, database),
        redis_url=f"{servers.redis_base_url}/{redis_db}",
        jwt_secret=TEST_JWT_SECRET,
        bcrypt_rounds=4,
        cookie_secure=False,
        # The in-process clients' hosts (httpx's `testserver`, the short `t`) and live_url's.
        allowed_hosts=["testserver", "t", "127.0.0.1", "localhost"],
        log_format="console",
        log_level="WARNING",
        yahoo_query1_url=fake_yahoo.base_url,
        yahoo_query2_url=fake_yahoo.base_url,
        # Small budgets keep fault tests quick; the behaviour is the same as production's.
        yahoo_timeout_seconds=1.0,
        yahoo_max_tries=3,
        yahoo_max_retry_seconds=2.5,
        bcb_sgs_url=fake_bcb.base_url,
        bcb_timeout_seconds=1.0,
        bcb_max_tries=3,
        bcb_max_retry_seconds=2.5,
        tesouro_prices_url=fake_tesouro.prices_url,
        tesouro_timeout_seconds=2.0,
        tesouro_max_tries=3,
        cvm_data_url=fake_cvm.base_url,
        cvm_timeout_seconds=5.0,
        cvm_max_tries=3,
        valuation_timeout_seconds=1.0,
        quote_cache_ttl_seconds=60,
        # A worker starts its render processes as it starts: the tests that print in them
        # ask for them.
        statements_render_processes=0,
    )
    # The schema comes from the Aerich migrations, exactly as in production.
    await apply_migrations(settings)
    yield settings
    await drop_database(servers.postgres_admin_url, database)


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="session")
def table_names(app: FastAPI) -> list[str]:
    return sorted(
        model._meta.db_table
        for model in Tortoise.apps["models"].values()
        if model._meta.db_table != "aerich"
    )


@pytest.fixture(autouse=True)
async def _clean_state(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test that touches the app starts from empty tables and an empty Redis db."""
    if "app" not in request.fixturenames:
        yield
        return
    app: FastAPI = request.getfixturevalue("app")
    tables: list[str] = request.getfixturevalue("table_names")
    request.getfixturevalue("fake_yahoo").reset()
    request.getfixturevalue("fake_bcb").reset()
    request.getfixturevalue("fake_tesouro").reset()
    request.getfixturevalue("fake_cvm").reset()
    await app.state.market.close()
    app.state.market = create_market_data(  # cold caches
        app.state.settings, app.state.redis, instruments=InstrumentRegistry(app.state.events)
    )
    app.state.hub.market = app.state.market
    conn = Tortoise.get_connection("default")
    await conn.execute_script(
        "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
    )
    await app.state.redis.flushdb()
    await app.state.redis.set("carteira:test-run", "held", ex=3 * 3600)
    await app.state.events.resync()  # the in-process mirrors forget the flushed state
    yield


@pytest.fixture
def redis(app: FastAPI) -> Redis:
    client: Redis = app.state.redis
    return client


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@dataclass
class Account:
    id: int
    email: str
    password: str
    role: Role
    token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def create_account(
    app: FastAPI, settings: Settings, *, email: str, role: Role, password: str = "s3cret-pass"
) -> Account:
    from carteira.auth import service
    from carteira.auth.schemas import UserCreate

    user = await service.create_user(
        data=UserCreate(email=email, password=password, role=role), actor_id=None, settings=settings
    )
    pair = await service.open_session(user=user, settings=settings)
    return Account(user.id, user.email, password, role, pair.access_token, pair.refresh_token)


@pytest.fixture
async def admin(app: FastAPI, settings: Settings) -> Account:
    return await create_account(app, settings, email="admin@example.com", role=Role.ADMIN)


@pytest.fixture
async def reader(app: FastAPI, settings: Settings) -> Account:
    return await create_account(app, settings, email="reader@example.com", role=Role.READER)


@pytest.fixture
async def advisor_a(app: FastAPI, settings: Settings) -> Account:
    return await create_account(app, settings, email="ana.advisor@example.com", role=Role.ADVISOR)


@pytest.fixture
async def advisor_b(app: FastAPI, settings: Settings) -> Account:
    return await create_account(app, settings, email="bia.advisor@example.com", role=Role.ADVISOR)


def _authed(app: FastAPI, account: Account) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers=account.headers,
    )


@pytest.fixture
async def as_admin(app: FastAPI, admin: Account) -> AsyncIterator[httpx.AsyncClient]:
    async with _authed(app, admin) as http:
        yield http


@pytest.fixture
async def as_reader(app: FastAPI, reader: Account) -> AsyncIterator[httpx.AsyncClient]:
    async with _authed(app, reader) as http:
        yield http


@pytest.fixture
async def as_advisor_a(app: FastAPI, advisor_a: Account) -> AsyncIterator[httpx.AsyncClient]:
    async with _authed(app, advisor_a) as http:
        yield http


@pytest.fixture
async def as_advisor_b(app: FastAPI, advisor_b: Account) -> AsyncIterator[httpx.AsyncClient]:
    async with _authed(app, advisor_b) as http:
        yield http


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(monkeypatch: pytest.MonkeyPatch) -> QueryCounter:
    """Counts the statements sent to PostgreSQL, by the ORM or as plain SQL (asyncpg level)."""
    from asyncpg.connection import Connection

    counter = QueryCounter()
    for name in ("fetch", "fetchval", "fetchrow", "execute", "executemany"):
        original = getattr(Connection, name)

        def make_wrapper(original: Any) -> Any:
            async def wrapper(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
                counter.statements.append(query)
                return await original(self, query, *args, **kwargs)

            return wrapper

        monkeypatch.setattr(Connection, name, make_wrapper(original))
    return counter


@pytest.fixture(scope="session")
async def live_url(app: FastAPI) -> AsyncIterator[str]:
    """The session's app served over real TCP by uvicorn (for WebSockets and the browser)."""
    import contextlib
    import socket

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", ws_ping_interval=None
    )
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]  # pytest's
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


# ---- unit / integration / e2e ------------------------------------------------------------------
# Tests are grouped by the module they test (tests/<module>/); how much of the system each one
# starts is its marker. `unit`: no server, no database. `e2e`: real `carteira` processes or a
# browser. Everything else is `integration` (the app in process, on PostgreSQL and Redis).
UNIT = frozenset(
    {
        "tax/test_fixed_income_sale_taxes.py",
        "ops/test_docs.py",
        "core/test_pdf.py",
        "allocations/test_corporate_plan.py",
        "allocations/test_ledger_limits.py",
        "allocations/test_ledger_replay.py",
        "allocations/test_returns.py",
        "allocations/test_statement_math.py",
        "auth/test_devices.py",
        "core/test_calendar.py",
        "core/test_config.py",
        "core/test_core.py",
        "core/test_openapi.py",
        "core/test_openapi_examples.py",
        "core/test_tracing.py",
        "core/test_warmup.py",
        "imports/test_import_files.py",
        "ops/test_cli_in_process.py",
        "ops/test_deployment.py",
        "ops/test_locks.py",
        "ops/test_suite_redis.py",
        "pricing/test_curve.py",
        "pricing/test_fake_bcb.py",
        "pricing/test_fake_files.py",
        "pricing/test_fake_yahoo.py",
        "pricing/test_pricing_units.py",
        "pricing/test_published_files.py",
        "pricing/test_simulated.py",
        "reports/test_export_pace.py",
        "tax/test_fixed_income_tax.py",
        "tax/test_tax_rules.py",
        "tax/test_withholding.py",
        "web/test_web_format.py",
        "web/test_web_messages.py",
    }
)
E2E = frozenset(
    {
        "web/test_webapp_statements.py",
        "allocations/test_huge_amounts_server.py",
        "auth/test_client_probing_server.py",
        "auth/test_cookies_across_hosts.py",
        "auth/test_lockout_server.py",
        "core/test_attacks_server.py",
        "core/test_fuzz.py",
        "ops/test_faults.py",
        "ops/test_serving.py",
        "realtime/test_multiprocess.py",
        "web/test_webapp.py",
        "web/test_webapp_imports.py",
        "web/test_webapp_instruments.py",
        "web/test_webapp_reading.py",
        "web/test_webapp_review.py",
        "web/test_webapp_tax.py",
    }
)
_TESTS = Path(__file__).resolve().parent


def tier_of(path: Path) -> str:
    name = path.resolve().relative_to(_TESTS).as_posix()
    return "unit" if name in UNIT else "e2e" if name in E2E else "integration"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(tier_of(item.path))
