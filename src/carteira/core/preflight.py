"""What the command line checks before it does anything: the settings, the services it needs
and the port it will listen on. A problem the operator can fix ends in one clear line per
cause (and a non-zero exit), not in a traceback."""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError
from tortoise.backends.base.config_generator import expand_db_url

from carteira.core.config import Settings

CONNECT_TIMEOUT_SECONDS = 5.0


class PreflightError(Exception):
    """A problem the operator can fix; every line of its message stands on its own."""

    exit_code = 1

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)


class ConfigurationError(PreflightError):
    """Settings that cannot work, whatever the services do."""

    exit_code = 2


def settings_problems(exc: ValidationError) -> ConfigurationError:
    """One line per bad setting, named as its environment variable."""
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {message}")
    return ConfigurationError(*lines)


# ---- PostgreSQL ----------------------------------------------------------------------------


def _database_credentials(settings: Settings) -> dict[str, Any]:
    credentials: dict[str, Any] = expand_db_url(settings.database_url)["credentials"]
    wanted = ("host", "port", "user", "password", "database", "ssl")
    return {key: credentials[key] for key in wanted if credentials.get(key) is not None}


def database_location(settings: Settings) -> str:
    """Where DATABASE_URL points, without its password."""
    credentials = _database_credentials(settings)
    host = str(credentials.get("host") or "localhost")
    where = f"socket {host}" if host.startswith("/") else f"{host}:{credentials.get('port', 5432)}"
    return f"PostgreSQL at {where}"


async def check_database(settings: Settings) -> None:
    credentials = _database_credentials(settings)
    where = database_location(settings)
    database = credentials.get("database", "")
    try:
        conn = await asyncpg.connect(**credentials, timeout=CONNECT_TIMEOUT_SECONDS)
    except asyncpg.InvalidCatalogNameError:
        raise PreflightError(
            f'{where} has no database "{database}" (DATABASE_URL): create it'
            f" (createdb {database}) or fix the URL"
        ) from None
    except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError) as exc:
        raise PreflightError(f"{where} refused the login (DATABASE_URL): {exc}") from None
    except asyncpg.PostgresError as exc:
        raise PreflightError(f"{where} refused the connection (DATABASE_URL): {exc}") from None
    except (OSError, TimeoutError) as exc:
        raise PreflightError(f"cannot connect to {where} (DATABASE_URL): {_reason(exc)}") from None
    await conn.close()


# ---- Redis ---------------------------------------------------------------------------------


def redis_location(settings: Settings) -> str:
    url = urlsplit(settings.redis_url)
    if url.scheme == "unix":
        return f"Redis at socket {url.path}"
    return f"Redis at {url.hostname or 'localhost'}:{url.port or 6379}"


async def check_redis(settings: Settings) -> None:
    where = redis_location(settings)
    try:
        client: Redis = Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=CONNECT_TIMEOUT_SECONDS,
        )
    except ValueError as exc:
        raise ConfigurationError(f"REDIS_URL: {exc}") from None
    try:
        await client.ping()
    except RedisError as exc:
        raise PreflightError(f"cannot connect to {where} (REDIS_URL): {_reason(exc)}") from None
    finally:
        await client.aclose()


async def check_services(settings: Settings, *, database: bool, redis: bool) -> None:
    """The services a command needs, checked together: each one's problem is reported."""
    checks = []
    if database:
        checks.append(check_database(settings))
    if redis:
        checks.append(check_redis(settings))
    lines: list[str] = []
    for result in await asyncio.gather(*checks, return_exceptions=True):
        if isinstance(result, PreflightError):
            lines.extend(result.lines)
        elif isinstance(result, BaseException):
            raise result
    if lines:
        raise PreflightError(*lines)


# ---- the listening port --------------------------------------------------------------------


def check_port_free(host: str, port: int) -> None:
    """Fail before starting anything when `host:port` cannot be listened on."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn binds: a port whose old connections linger (TIME_WAIT) is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PreflightError(
                    f"{host}:{port} is already in use: stop what listens there or choose"
                    f" another port (--port {port + 1}, or make run PORT={port + 1})"
                ) from None
            raise PreflightError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _reason(exc: BaseException) -> str:
    # Redis wraps the socket's error in its own: the socket's says it best.
    cause = exc.__cause__ or exc.__context__
    if not isinstance(exc, OSError) and isinstance(cause, OSError):
        exc = cause
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused; is it running?"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror})"
    if isinstance(exc, TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT_SECONDS:g} s; is it running?"
    text = " ".join(str(exc).split()).rstrip(".")
    return text or type(exc).__name__
