from __future__ import annotations

import ast
from decimal import Decimal, InvalidOperation
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from redis.exceptions import ConnectionError as RedisConnectionError

import carteira
from carteira.core.errors import ConflictError, install_error_handlers
from carteira.core.jsonable import decimal_str, to_jsonable
from carteira.core.pagination import Page, PageParams


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1E+3"), "1000"),
        (Decimal("10.50000000"), "10.5"),
        (Decimal("0.00000001"), "0.00000001"),
        (Decimal("-0.000"), "0"),
        (Decimal("42"), "42"),
    ],
)
def test_decimal_str_is_plain_and_trimmed(value, text):
    assert decimal_str(value) == text


def test_to_jsonable_keeps_decimals_exact():
    assert to_jsonable({"a": [Decimal("0.1")]}) == {"a": ["0.1"]}


@pytest.mark.parametrize(("total", "pages"), [(0, 0), (1, 1), (20, 1), (21, 2)])
def test_page_count(total, pages):
    page = Page[int].build([], total=total, params=PageParams(page=1, page_size=20))
    assert page.pages == pages


def _app_raising(exc: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise exc

    return app


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (ConflictError("taken"), 409, "conflict"),
        (asyncpg.exceptions.ConnectionDoesNotExistError("gone"), 503, "database_unavailable"),
        (ConnectionRefusedError(), 503, "database_unavailable"),
        (RedisConnectionError("down"), 503, "redis_unavailable"),
        (TimeoutError(), 503, "service_unavailable"),
        (RuntimeError("bug"), 500, "internal_error"),
        # Decimal arithmetic refusing a figure too large for its context: input, never a bug.
        (InvalidOperation(), 422, "invalid_value"),
    ],
)
async def test_errors_map_to_their_status_and_code(exc, status, code):
    transport = httpx.ASGITransport(app=_app_raising(exc), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.get("/boom")
    assert r.status_code == status
    assert r.json()["code"] == code
    assert "detail" in r.json()


async def test_in_turns_hands_the_loop_back_after_each_turn_of_items():
    import asyncio

    from carteira.core.loop import in_turns

    seen_by_others: list[int] = []
    taken: list[int] = []

    async def another_request() -> None:
        while len(taken) < 7:
            seen_by_others.append(len(taken))
            await asyncio.sleep(0)

    other = asyncio.create_task(another_request())
    await asyncio.sleep(0)  # it runs once before the loop below starts
    async for item in in_turns(range(7), per_turn=3):
        taken.append(item)
    await other
    assert taken == list(range(7))  # every item, in order
    assert seen_by_others[:3] == [0, 3, 6]  # it ran after each turn of three, and only then


def _imported(node: ast.AST) -> list[str]:
    """The carteira modules an import statement names (absolute, or relative above core)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = "carteira" if node.level >= 2 else "" if node.level == 0 else "carteira.core"
    module = ".".join(part for part in (base, node.module or "") if part)
    return [f"{module}.{alias.name}" for alias in node.names]


def test_core_imports_no_domain_module():
    """The modules build on core, never the other way (imports inside functions included)."""
    package = Path(carteira.__file__).parent
    domains = {p.name for p in package.iterdir() if (p / "__init__.py").exists()} - {"core"}
    upward = [
        f"{path.name}: {name}"
        for path in sorted((package / "core").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        for name in _imported(node)
        if name.split(".")[0] == "carteira" and name.split(".")[1] in domains
    ]
    assert domains >= {"auth", "allocations", "clients"}
    assert upward == []


# What one domain module may import of another: its service and the vocabulary it publishes
# (schemas, exceptions, request dependencies, and the models a foreign key names). pricing's
# instrument terms are vocabulary too: other modules' schemas are built from them (the
# ledger's entry kinds are published by allocations' schemas).
PUBLIC_PARTS = {"service", "schemas", "exceptions", "dependencies"}
VOCABULARY = {"pricing.instruments", "pricing.sources", "pricing.bcb"}


def _module_imports() -> list[tuple[str, str, str]]:
    """(importing module, imported module, imported part) across domain modules."""
    package = Path(carteira.__file__).parent
    domains = {p.name for p in package.iterdir() if (p / "__init__.py").exists()} - {"core"}
    found = []
    for domain in sorted(domains):
        for path in sorted((package / domain).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                for name in _imported(node):
                    parts = name.split(".")
                    if parts[0] == "carteira" and len(parts) > 1 and parts[1] in domains - {domain}:
                        part = parts[2] if len(parts) > 2 else ""
                        found.append((f"{domain}/{path.name}", parts[1], part))
    return found


def test_the_modules_import_each_other_without_a_loop():
    graph: dict[str, set[str]] = {}
    for source, target, _ in _module_imports():
        graph.setdefault(source.split("/")[0], set()).add(target)
    assert graph["tax"] >= {"allocations"}  # the scan sees the arrows it must

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            step == goal or (step not in seen and reaches(step, goal, seen | {step}))
            for step in graph.get(start, ())
        )

    assert [module for module in graph if reaches(module, module, set())] == []


def test_a_module_uses_another_only_through_what_it_publishes():
    reached = [
        (source, f"{target}.{part}")
        for source, target, part in _module_imports()
        if part
        and part not in PUBLIC_PARTS
        and f"{target}.{part}" not in VOCABULARY
        and not (part == "models" and source.endswith("/models.py"))  # a foreign key
    ]
    assert reached == []
