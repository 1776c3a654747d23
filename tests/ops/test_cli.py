"""What an operator can get wrong, through real `carteira` processes: each ends in one clear
line per problem on stderr and a non-zero exit (2: the settings, 1: a service or the port),
never in a traceback, and before anything starts."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from importlib.metadata import version

import httpx
import pytest

from carteira.core.embedded import create_database, drop_database, with_database
from tests.support import create_reader_by_cli, free_port, process_env, run_carteira, wait_http


def _errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == "", result.stdout
    return [line for line in result.stderr.splitlines() if line.strip()]


def _refused_database(port: int) -> str:
    return (
        f"error: cannot connect to PostgreSQL at 127.0.0.1:{port} (DATABASE_URL):"
        " connection refused; is it running?"
    )


def test_version(tmp_path):
    result = run_carteira("--version", env=dict(os.environ), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"carteira {version('carteira')}"


@pytest.mark.parametrize("command", [["migrate"], ["seed-demo"], ["worker"]])
def test_no_database_reachable(settings, tmp_path, command):
    port = free_port()
    env = process_env(settings, DATABASE_URL=f"postgres://carteira:secret@127.0.0.1:{port}/x")
    result = run_carteira(*command, env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert _errors(result) == [_refused_database(port)]
    assert "secret" not in result.stderr  # the URL's password is never shown


def test_missing_database(settings, servers, run_id, tmp_path):
    missing = f"carteira_missing_{run_id}"
    env = process_env(settings, DATABASE_URL=with_database(servers.postgres_admin_url, missing))
    result = run_carteira("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 1
    (line,) = _errors(result)
    assert line.startswith("error: PostgreSQL at ")
    assert f'has no database "{missing}" (DATABASE_URL): create it (createdb {missing})' in line


def test_redis_unreachable(settings, tmp_path):
    port = free_port()
    env = process_env(settings, REDIS_URL=f"redis://127.0.0.1:{port}/0")
    result = run_carteira("seed-demo", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert _errors(result) == [
        f"error: cannot connect to Redis at 127.0.0.1:{port} (REDIS_URL):"
        " connection refused; is it running?"
    ]


def test_every_unreachable_service_is_named(settings, tmp_path):
    pg, redis = free_port(), free_port()
    env = process_env(
        settings,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{pg}/carteira",
        REDIS_URL=f"redis://127.0.0.1:{redis}/0",
    )
    result = run_carteira("worker", env=env, cwd=tmp_path)
    assert result.returncode == 1
    lines = _errors(result)
    assert lines[0] == _refused_database(pg)
    assert lines[1].startswith(f"error: cannot connect to Redis at 127.0.0.1:{redis} (REDIS_URL)")
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DATABASE_URL", "mysql://app@db/app", "error: DATABASE_URL: must be a PostgreSQL URL"),
        ("REDIS_URL", "http://127.0.0.1:6379", "error: REDIS_URL: must be a Redis URL"),
        ("TICK_SECONDS", "7", "error: TICK_SECONDS: must divide 60"),
        ("TICK_SECONDS", "often", "error: TICK_SECONDS: Input should be a valid integer"),
        (
            "LOG_LEVEL",
            "LOUD",
            "error: LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'",
        ),
    ],
)
def test_a_bad_setting_is_one_line(settings, tmp_path, variable, value, expected):
    result = run_carteira("migrate", env=process_env(settings, **{variable: value}), cwd=tmp_path)
    assert result.returncode == 2
    (line,) = _errors(result)
    assert line.startswith(expected)


def test_a_log_level_in_any_case_is_accepted(settings, tmp_path):
    result = run_carteira("migrate", env=process_env(settings, LOG_LEVEL="warning"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_create_user_prints_its_result_and_nothing_else(settings, tmp_path):
    """Measured before: every command that opened the ORM ended with Tortoise's INFO line
    "Tortoise-ORM shutdown" on stderr."""
    env = process_env(settings, LOG_LEVEL="INFO", LOG_FORMAT="json")
    result = create_reader_by_cli("quiet.operator@example.com", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    (line,) = result.stdout.splitlines()
    assert re.fullmatch(r"created reader user quiet\.operator@example\.com \(id \d+\)", line)


@pytest.mark.parametrize("command", ["dev", "serve", "worker", "create-user", "seed-demo"])
def test_every_command_checks_the_settings_first(settings, tmp_path, command):
    data = tmp_path / "data"
    env = process_env(settings, TICK_SECONDS="7", CARTEIRA_DATA_DIR=str(data))
    arguments = {
        "dev": ["--port", str(free_port())],
        "serve": ["--port", str(free_port())],
        "create-user": ["--email", "x@example.com", "--role", "reader"],
    }.get(command, [])
    result = run_carteira(command, *arguments, env=env, cwd=tmp_path, stdin="a-good-password\n")
    assert result.returncode == 2
    assert _errors(result) == [
        "error: TICK_SECONDS: must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)"
    ]
    assert not data.exists()  # `carteira dev` started nothing


def test_one_line_per_bad_setting(settings, tmp_path):
    env = process_env(
        settings,
        DATABASE_URL="mysql://carteira@db/carteira",
        REDIS_URL="memcached://cache",
        TICK_SECONDS="7",
        DATABASE_POOL_SIZE="0",
    )
    result = run_carteira("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 2
    named = [line.split(":", 2)[1].strip() for line in _errors(result)]
    assert sorted(named) == ["DATABASE_POOL_SIZE", "DATABASE_URL", "REDIS_URL", "TICK_SECONDS"]


def test_a_short_secret_outside_dev_refuses_to_serve(settings, tmp_path):
    port = free_port()
    env = process_env(settings, ENVIRONMENT="production", JWT_SECRET="short")
    result = run_carteira("serve", "--port", str(port), env=env, cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    (line,) = _errors(result)
    assert line.startswith("error: JWT_SECRET must be set to at least 32 characters")


@pytest.mark.parametrize("command", ["dev", "serve"])
def test_a_port_in_use_stops_before_anything_starts(settings, tmp_path, command):
    data = tmp_path / "data"
    env = process_env(settings, CARTEIRA_DATA_DIR=str(data), MARKET_DATA_PROVIDER="simulated")
    if command == "dev":  # the embedded services would be the first thing it starts
        env = {k: v for k, v in env.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_carteira(command, "--port", str(port), env=env, cwd=tmp_path, timeout=30)
    assert result.returncode == 1
    assert _errors(result) == [
        f"error: 127.0.0.1:{port} is already in use: stop what listens there or choose another"
        f" port (--port {port + 1}, or make run PORT={port + 1})"
    ]
    assert not data.exists()


# The app fixture empties this run's Redis db first: earlier tests' failed logins as the seeded
# admin would otherwise throttle the one below.
@pytest.mark.usefixtures("app")
async def test_dev_falls_back_to_simulated_prices_when_yahoo_is_unreachable(
    settings, servers, run_id, tmp_path
):
    """A newcomer's first `make run` on an offline machine: MARKET_DATA_PROVIDER unset and
    Yahoo unreachable, so the banner says the prices are simulated and the office has them."""
    database = f"carteira_dev_{run_id}"
    await create_database(servers.postgres_admin_url, database)
    env = process_env(
        settings,
        DATABASE_URL=with_database(servers.postgres_admin_url, database),
        YAHOO_QUERY1_URL=f"http://127.0.0.1:{free_port()}",
        YAHOO_QUERY2_URL=f"http://127.0.0.1:{free_port()}",
        CARTEIRA_DATA_DIR=str(tmp_path / "data"),
    )
    env.pop("MARKET_DATA_PROVIDER", None)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "carteira", "dev", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        banner = await asyncio.to_thread(_read_until, process, "Press Ctrl-C")
        (prices,) = [line for line in banner if line.strip().startswith("Prices:")]
        assert "SIMULATED" in prices
        assert "MARKET_DATA_PROVIDER=yahoo" in prices
        base = f"http://127.0.0.1:{port}"
        await wait_http(f"{base}/ready", seconds=60)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            login = await http.post(
                "/auth/login", json={"email": "admin@example.com", "password": "changeme"}
            )
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            quotes = (await http.get("/quotes?tickers=PETR4.SA", headers=headers)).json()
            aum = (await http.get("/reports/aum", headers=headers)).json()
        assert [(q["ticker"], q["source"]) for q in quotes["items"]] == [("PETR4.SA", "simulated")]
        assert aum["value"] is not None
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        await drop_database(servers.postgres_admin_url, database)


def _read_until(process: subprocess.Popen[str], marker: str) -> list[str]:
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if marker in line:
            return lines
    raise AssertionError("".join(lines))
