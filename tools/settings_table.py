"""Write the settings table of docs/operations.md from the `Settings` class.

Names and defaults come from `carteira.core.config.Settings`, so they cannot drift; each
setting's meaning is written here, beside its name, and a setting without one stops the
generator. `tests/ops/test_docs.py` fails while the page differs from what this writes.

    .venv/bin/python tools/settings_table.py          # rewrite the table in place
    .venv/bin/python tools/settings_table.py --check  # exit status 1 when it is stale
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic_core import PydanticUndefined

from carteira.core.config import Settings

PAGE = Path(__file__).resolve().parents[1] / "docs" / "operations.md"
BEGIN = "<!-- settings-table:begin (tools/settings_table.py writes this table) -->"
END = "<!-- settings-table:end -->"

# What each setting means. The default cell is the class's own, unless a setting's
# "unset" default has a meaning of its own (UNSET below).
MEANINGS: dict[str, str] = {
    "ENVIRONMENT": "`production`, `dev` (set by `carteira dev`) or `test`",
    "DATABASE_URL": "PostgreSQL (asyncpg): `postgres://` or `postgresql://`",
    "DATABASE_POOL_SIZE": "connections per process",
    "DATABASE_POOL_MIN": (
        "connections each API process opens before it serves (its warm-up) and keeps however"
        " idle; at most `DATABASE_POOL_SIZE` (the default shrinks to a smaller pool)"
    ),
    "REDIS_URL": (
        "cache, sessions, throttles, jobs, pub/sub: `redis://`, `rediss://` or `unix://`"
    ),
    "JWT_SECRET": (
        "HS256 key, ≥ 32 chars; outside dev a missing/short one refuses to start (dev"
        " generates one and warns)"
    ),
    "JWT_EXPIRE_MINUTES": "access-token lifetime",
    "REFRESH_EXPIRE_DAYS": "refresh-token lifetime",
    "BCRYPT_ROUNDS": "password hashing cost",
    "LOGIN_MAX_FAILURES": "failed logins per email+address (and per known device)",
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": "failed logins per email (unknown devices only)",
    "LOGIN_WINDOW_SECONDS": "the window the failed logins are counted in",
    "FORWARDED_ALLOW_IPS": (
        "`carteira serve`: addresses or networks (CIDR), comma-separated, of the proxies whose"
        " `X-Forwarded-For` is believed; empty: no proxy is believed (the production compose"
        " file names its proxy's network)"
    ),
    "ALLOWED_HOSTS": (
        "the host names requests may name in `Host` (comma-separated; `*.example.com` for"
        " every name under a domain, `*` for any); others are 400 `host_not_allowed`. Behind"
        " a proxy, its public name (`docker-compose.prod.yml` adds `api` for Prometheus);"
        " `carteira dev --host 0.0.0.0` reached by another name needs that name"
    ),
    "CORS_ORIGINS": ("comma-separated allowed browser origins (CORS and WebSocket `Origin`)"),
    "COOKIE_SECURE": "`Secure` flag on the session cookies (and HSTS)",
    "COOKIE_DOMAIN": (
        "`Domain` of the session cookies, e.g. `.example.com`, so that a SPA on another host"
        " of that domain reads `csrf_token`; unset: host-only (see"
        " [Browsers on another host](api.md#browsers-on-another-host))"
    ),
    "COOKIE_SAMESITE": (
        "`SameSite` of the session cookies: `lax`, `strict`, or `none` for a SPA on another"
        " site (requires `COOKIE_SECURE=true`)"
    ),
    "MAX_BODY_BYTES": "larger request bodies are 413",
    "MAX_IMPORT_BYTES": (
        "the largest file `POST /clients/{id}/imports` takes (larger: 422 `import_too_large`)"
    ),
    "WS_MAX_PER_USER": "WebSockets one user may hold per API process",
    "EXPORT_MAX_CONCURRENT": "downloads in progress per process",
    "EXPORT_MAX_PER_USER": "downloads in progress per user",
    "EXPORT_TIMEOUT_SECONDS": "a download's deadline",
    "EXPORT_MIN_BYTES_PER_SECOND": (
        "a download whose reader takes less than this, on average over"
        " `EXPORT_SLOW_READER_SECONDS` of the server waiting for it, is cut and its slot"
        " given back (time spent reading rows does not count)"
    ),
    "EXPORT_SLOW_READER_SECONDS": "how long a slow reader is measured before it is cut",
    "DATABASE_ACQUIRE_TIMEOUT_SECONDS": (
        "longest wait for a pooled connection (then 503 `database_busy`)"
    ),
    "METRICS_ALLOW_IPS": "addresses that may read `/metrics`",
    "METRICS_TOKEN": "`Authorization: Bearer` token that may read `/metrics` from anywhere",
    "DOCS_ENABLED": (
        "`/docs`, `/redoc`, `/openapi.json`; unset: on in dev/test, off in production"
    ),
    "MARKET_DATA_PROVIDER": (
        '`yahoo` or `simulated` (offline demos, labelled `source: "simulated"`; it knows the'
        " demo's assets, well-known B3, US, crypto and index symbols and the pairs of nine"
        " currencies, `pricing/simulated.py`, and like Yahoo answers 422 `unknown_ticker` for"
        " any other)"
    ),
    "YAHOO_QUERY1_URL": "Yahoo's chart base URL",
    "YAHOO_QUERY2_URL": "Yahoo's search base URL",
    "YAHOO_TIMEOUT_SECONDS": "outbound limit: one call's deadline",
    "YAHOO_MAX_TRIES": "outbound limit: tries per call",
    "YAHOO_MAX_RETRY_SECONDS": "outbound limit: longest wait before a retry",
    "YAHOO_CONCURRENCY": "outbound limit: calls at once",
    "BCB_SGS_URL": (
        "Banco Central's SGS API (benchmark rates: CDI 12, SELIC 11, IPCA 433); simulated"
        " rates with `MARKET_DATA_PROVIDER=simulated`"
    ),
    "BCB_TIMEOUT_SECONDS": "outbound limit towards the SGS: one call's deadline",
    "BCB_MAX_TRIES": "outbound limit towards the SGS: tries per call",
    "BCB_MAX_RETRY_SECONDS": "outbound limit towards the SGS: longest wait before a retry",
    "TESOURO_PRICES_URL": (
        "Tesouro Transparente's `precotaxatesourodireto.csv`: Tesouro Direto's prices (the"
        " `PU Base Manha` of every title and day), downloaded at most once a day per process"
        " (see [Tesouro Direto and funds](architecture.md#tesouro-direto-and-funds))"
    ),
    "TESOURO_TIMEOUT_SECONDS": "one download's deadline (the file is some 15 MB)",
    "TESOURO_MAX_TRIES": "one download's tries",
    "CVM_DATA_URL": (
        "CVM's open data: funds' quotas from the monthly zips under"
        " `/dados/FI/DOC/INF_DIARIO/DADOS/` (older months from `HIST/`)"
    ),
    "CVM_TIMEOUT_SECONDS": (
        "one download's deadline (a month's zip is tens of MB, a year's hundreds)"
    ),
    "CVM_MAX_TRIES": "one download's tries",
    "QUOTE_CACHE_TTL_SECONDS": (
        "quote freshness (the 5-second price tick keeps held tickers fresher)"
    ),
    "SEARCH_CACHE_TTL_SECONDS": "search freshness",
    "HISTORY_CACHE_TTL_SECONDS": "history freshness",
    "STALE_CACHE_SECONDS": (
        "how long an expired value may still be served (`stale: true`) when the provider fails"
    ),
    "NEGATIVE_CACHE_SECONDS": "how long an unknown ticker is remembered as unknown",
    "PROVIDER_CALLS_PER_USER_PER_MINUTE": "provider calls one user's requests may cause",
    "VALUATION_TIMEOUT_SECONDS": (
        "longest a listing waits for prices before answering without them"
    ),
    "FIRM_NAME": "the office's name, printed at the top of every client statement",
    "STATEMENTS_KEEP_SECONDS": "how long a batch of statements keeps its ZIP (in Redis)",
    "STATEMENTS_CHUNK_SIZE": (
        "clients one worker job renders of a batch; the chunks are shared by every worker"
    ),
    "STATEMENTS_RENDER_PROCESSES": (
        "processes, at idle priority, that print a worker's statements (unset: one per"
        " CPU core; `0`: in the worker's own process, about one core)"
    ),
    "REPORTING_CURRENCY": (
        "the currency everything is consolidated into (positions totals, performance,"
        " captação, AUM, dashboard), an ISO 4217 code of money; rates are the"
        " `{CUR}{REPORTING_CURRENCY}=X` pairs"
    ),
    "TIMEZONE": 'the firm\'s calendar: "today", "this month", default periods',
    "TICK_SECONDS": "realtime price tick (must divide 60)",
    "HEAP_TRIM_SECONDS": "the API and the worker hand their C heap's free pages back to the"
    " system this often (glibc `malloc_trim`; see Memory below); `0`: never",
    "TICK_MAX_TICKERS": "the most tickers one price tick quotes",
    "JOB_HEARTBEAT_SECONDS": (
        "a running job renews its claim this often (a killed worker's job is retried after ~3x)"
    ),
    "DAILY_CLOSE_CRON": ("the daily closes (with corporate actions) and daily exchange-rate jobs"),
    "DAILY_CLOSE_TIMEZONE": "the time zone of `DAILY_CLOSE_CRON` (and every cron)",
    "BACKFILL_DAYS": "history fetched for a newly registered asset",
    "OTEL_EXPORTER_OTLP_ENDPOINT": (
        "OTLP/HTTP collector, e.g. `http://jaeger:4318` (spans to `/v1/traces`); tracing is"
        " off when this and the next are unset"
    ),
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": (
        "the full URL spans are sent to (e.g. `https://otel.example.com/v1/traces`); wins over"
        " `OTEL_EXPORTER_OTLP_ENDPOINT`"
    ),
    "OTEL_SERVICE_NAME": (
        "`service.name` of the process's spans (their `service.version` is Carteira's"
        " version); unset: `carteira-api` / `carteira-worker`"
    ),
    "WORKER_METRICS_PORT": "the worker serves its own Prometheus metrics on this port; 0: off",
    "LOG_FORMAT": "`json`, or `console` for humans",
    "LOG_LEVEL": "`DEBUG`, `INFO`, `WARNING`, `ERROR` or `CRITICAL` (any case)",
}

# Read from the environment by other code than `Settings`: written here in full.
ENVIRONMENT_ONLY: list[tuple[str, str, str]] = [
    (
        "PROMETHEUS_MULTIPROC_DIR",
        "unset",
        "shared metrics directory; `carteira serve --workers N` sets one when unset",
    ),
    (
        "CARTEIRA_DATA_DIR",
        "`.data`",
        "`carteira dev`: the embedded services' data, the dev JWT secret, `env`, and"
        " `logs/embedded-services.log` (their set-up, kept off the terminal); environment only",
    ),
]


class MissingMeaningError(KeyError):
    """A setting of the class has no meaning written here (or one written here is gone)."""


def default_cell(value: Any) -> str:
    """The class's default as the table shows it."""
    if value is None or value is PydanticUndefined:
        return "unset"
    if isinstance(value, SecretStr):
        return "set"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, list):
        return f"`{','.join(value)}`" if value else "empty"
    text = str(value)
    if len(text) > 60 and "/" in text:  # a long URL: its file names it
        return f"`…/{text.rsplit('/', 1)[1]}`"
    return f"`{text}`"


def rows(settings: type[Settings] = Settings) -> list[tuple[str, str, str]]:
    names = [field.upper() for field in settings.model_fields]
    missing = [name for name in names if name not in MEANINGS]
    gone = [name for name in MEANINGS if name not in names]
    if missing or gone:
        raise MissingMeaningError(
            f"settings without a meaning in tools/settings_table.py: {missing}; "
            f"meanings of settings that no longer exist: {gone}"
        )
    table = [
        (name, default_cell(field.default), MEANINGS[name])
        for name, field in zip(names, settings.model_fields.values(), strict=True)
    ]
    return table + ENVIRONMENT_ONLY


def table(settings: type[Settings] = Settings) -> str:
    lines = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    lines += [f"| `{name}` | {default} | {meaning} |" for name, default, meaning in rows(settings)]
    return "\n".join(lines)


def replace_table(page: str, settings: type[Settings] = Settings) -> str:
    head, rest = page.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table(settings)}\n{END}{tail}"


def main(argv: list[str]) -> int:
    page = PAGE.read_text()
    fresh = replace_table(page)
    if "--check" in argv:
        if fresh != page:
            print(f"{PAGE} is stale: run tools/settings_table.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(fresh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
