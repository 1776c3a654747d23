"""Settings, read once from the environment (and `.env`) by pydantic-settings."""

from __future__ import annotations

import re
import secrets
import warnings
from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from carteira.core.currencies import currency_code

Environment = Literal["production", "dev", "test"]
MIN_JWT_SECRET_LENGTH = 32
# A host name (or `*.` and a domain), an IPv4 address, or an IPv6 one without brackets.
_ALLOWED_HOST = re.compile(r"^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*$|^[0-9a-f.]*:[0-9a-f:.]*$")
_COOKIE_DOMAIN = re.compile(r"^\.?([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9-]+$")


class InsecureSettingsError(RuntimeError):
    """The settings would run the service insecurely; it refuses to start."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    environment: Environment = "production"
    database_url: str = "postgres://postgres@127.0.0.1:5432/carteira"
    database_pool_size: Annotated[int, Field(ge=1, le=200)] = 20
    # Connections an API process opens before it serves, and keeps however idle.
    database_pool_min: Annotated[int, Field(ge=1, le=200)] = 4
    redis_url: str = "redis://127.0.0.1:6379/0"

    jwt_secret: SecretStr | None = None
    jwt_expire_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 60
    refresh_expire_days: Annotated[int, Field(ge=1, le=90)] = 7
    bcrypt_rounds: Annotated[int, Field(ge=4, le=16)] = 12
    login_max_failures: Annotated[int, Field(ge=1)] = 5
    login_max_failures_per_account: Annotated[int, Field(ge=1)] = 20
    login_window_seconds: Annotated[int, Field(ge=1)] = 15 * 60
    # Peers whose X-Forwarded-For is believed (the reverse proxy); none by default.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = []
    # The host names requests may name in `Host` (the public one behind a proxy); the
    # loopback names by default, for `make run` and local probes.
    allowed_hosts: Annotated[list[str], NoDecode] = ["127.0.0.1", "localhost", "::1"]

    cors_origins: Annotated[list[str], NoDecode] = []
    cookie_secure: bool = True
    # The session cookies' Domain: `.example.com` lets a SPA on app.example.com read the
    # csrf_token cookie of api.example.com; unset, they belong to the API's host alone.
    cookie_domain: str | None = None
    # `none` only for a SPA on another site (needs COOKIE_SECURE); `lax` covers one site.
    cookie_samesite: Literal["lax", "strict", "none"] = "lax"

    max_body_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = 1024 * 1024
    # The largest file a client's history may be imported from (POST /clients/{id}/imports).
    max_import_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = 10 * 1024 * 1024
    ws_max_per_user: Annotated[int, Field(ge=1, le=1000)] = 20
    # Exports hold a database connection while the client downloads: bounded and timed.
    export_max_concurrent: Annotated[int, Field(ge=1, le=64)] = 4
    export_max_per_user: Annotated[int, Field(ge=1, le=64)] = 2
    export_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 300.0
    # A download whose reader takes less than this many bytes a second, over this many seconds
    # of the server waiting for it, is cut: four trickling readers would hold every slot.
    export_min_bytes_per_second: Annotated[int, Field(ge=1, le=100 * 1024 * 1024)] = 4096
    export_slow_reader_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0
    database_acquire_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 5.0

    # `/metrics`: from these addresses, or with `Authorization: Bearer <METRICS_TOKEN>`.
    metrics_allow_ips: Annotated[list[str], NoDecode] = ["127.0.0.1", "::1"]
    metrics_token: SecretStr | None = None
    # /docs, /redoc and /openapi.json: on in dev and test, off in production unless set.
    docs_enabled: bool | None = None

    market_data_provider: Literal["yahoo", "simulated"] = "yahoo"
    yahoo_query1_url: str = "https://query1.finance.yahoo.com"
    yahoo_query2_url: str = "https://query2.finance.yahoo.com"
    yahoo_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 4.0
    yahoo_max_tries: Annotated[int, Field(ge=1, le=10)] = 3
    yahoo_max_retry_seconds: Annotated[float, Field(gt=0, le=120)] = 8.0
    yahoo_concurrency: Annotated[int, Field(ge=1, le=64)] = 8
    # Banco Central's SGS (benchmark rates: CDI, SELIC, IPCA); a long daily window is slow.
    bcb_sgs_url: str = "https://api.bcb.gov.br"
    bcb_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 15.0
    bcb_max_tries: Annotated[int, Field(ge=1, le=10)] = 3
    bcb_max_retry_seconds: Annotated[float, Field(gt=0, le=300)] = 30.0
    # Tesouro Direto prices: Tesouro Transparente's daily file, downloaded once a day.
    tesouro_prices_url: str = (
        "https://www.tesourotransparente.gov.br/ckan/dataset/"
        "df56aa42-484a-4a59-8184-7676580c81e3/resource/"
        "796d2059-14e9-44e3-80c9-2d9e30b405c1/download/precotaxatesourodireto.csv"
    )
    tesouro_timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 120.0
    tesouro_max_tries: Annotated[int, Field(ge=1, le=10)] = 3
    # Funds' quotas: CVM's open data (`/dados/FI/DOC/INF_DIARIO/DADOS/` under this URL).
    cvm_data_url: str = "https://dados.cvm.gov.br"
    cvm_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 300.0
    cvm_max_tries: Annotated[int, Field(ge=1, le=10)] = 3
    quote_cache_ttl_seconds: Annotated[int, Field(ge=1)] = 10
    search_cache_ttl_seconds: Annotated[int, Field(ge=1)] = 3600
    history_cache_ttl_seconds: Annotated[int, Field(ge=1)] = 3600
    stale_cache_seconds: Annotated[int, Field(ge=0)] = 24 * 3600
    # An unknown ticker is remembered as unknown for this long (no provider call meanwhile).
    negative_cache_seconds: Annotated[int, Field(ge=1)] = 600
    # Provider calls (cache misses) one user's requests may cause per minute.
    provider_calls_per_user_per_minute: Annotated[int, Field(ge=1)] = 120
    valuation_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 3.0

    # An ISO 4217 currency (XXX, XAU and the like are not money: see core.currencies).
    reporting_currency: Annotated[
        str, Field(pattern=r"^[A-Z]{3}$"), AfterValidator(currency_code)
    ] = "BRL"
    # The firm's calendar: "today", "this month" and default periods (IANA zone name).
    timezone: str = "America/Sao_Paulo"

    # The name the clients' monthly statements are printed under.
    firm_name: Annotated[str, Field(min_length=1, max_length=120)] = "Carteira"
    # A batch of statements (POST /jobs/statements): how long its ZIP is kept for download,
    # and how many clients one worker job renders (the batch is shared out in such chunks).
    statements_keep_seconds: Annotated[int, Field(ge=60, le=30 * 24 * 3600)] = 24 * 3600
    statements_chunk_size: Annotated[int, Field(ge=1, le=1000)] = 25
    # Processes that print a worker's share of a batch (unset: one per CPU core; 0: the
    # worker's own process, about one core).
    statements_render_processes: Annotated[int | None, Field(ge=0, le=64)] = None

    tick_seconds: Annotated[int, Field(ge=1, le=60)] = 5
    # The API and the worker hand their C heap's free pages back this often (core.memory);
    # 0: never (RSS then keeps every page the heap ever touched).
    heap_trim_seconds: Annotated[float, Field(ge=0, le=3600)] = 30.0
    # The most tickers one price tick quotes (held ones first, then those sockets watch).
    tick_max_tickers: Annotated[int, Field(ge=1, le=10_000)] = 500
    # A running job renews its claim this often; a killed worker's job is retried after ~3x.
    job_heartbeat_seconds: Annotated[float, Field(gt=0, le=300)] = 15.0
    daily_close_cron: str = "30 18 * * 1-5"
    daily_close_timezone: str = "America/Sao_Paulo"
    backfill_days: Annotated[int, Field(ge=1, le=3660)] = 365

    # OTLP/HTTP: a collector's base URL (spans to `<it>/v1/traces`), or the full URL of its
    # traces endpoint, which wins; tracing is off when neither is set.
    otel_exporter_otlp_endpoint: str | None = None
    otel_exporter_otlp_traces_endpoint: str | None = None
    # The `service.name` of every span; carteira-api / carteira-worker when unset.
    otel_service_name: str | None = None
    worker_metrics_port: Annotated[int, Field(ge=0, le=65535)] = 0  # 0: off
    log_format: Literal["json", "console"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip().lower() for host in value.split(",") if host.strip()]
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, value: list[str]) -> list[str]:
        for host in value:
            if host != "*" and not _ALLOWED_HOST.match(host):
                raise ValueError(
                    f"{host!r} is not a host name: a name (api.example.com), an address"
                    " (127.0.0.1, ::1), *.example.com for every name under it, or * for any"
                    " (no scheme, port or path)"
                )
        if not value:
            raise ValueError("name at least one host (or * for any)")
        return value

    @field_validator("forwarded_allow_ips", "metrics_allow_ips", mode="before")
    @classmethod
    def _split_addresses(cls, value: object) -> object:
        if isinstance(value, str):
            return [address.strip() for address in value.split(",") if address.strip()]
        return value

    @field_validator(
        "docs_enabled",
        "metrics_token",
        "otel_exporter_otlp_endpoint",
        "otel_exporter_otlp_traces_endpoint",
        "otel_service_name",
        "cookie_domain",
        "statements_render_processes",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `NAME=` in a .env file means "not set", never an empty token that would match.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cookie_domain")
    @classmethod
    def _cookie_domain(cls, value: str | None) -> str | None:
        if value is not None and not _COOKIE_DOMAIN.match(value):
            raise ValueError(
                "must be a domain the API's host belongs to, e.g. .example.com (no scheme, "
                "port or path)"
            )
        return value.lower() if value else None

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_uppercase(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("cookie_samesite", mode="before")
    @classmethod
    def _samesite_lowercase(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("cookie_samesite")
    @classmethod
    def _none_needs_secure(cls, value: str, info: ValidationInfo) -> str:
        # Browsers drop a SameSite=None cookie that is not Secure.
        if value == "none" and not info.data.get("cookie_secure", True):
            raise ValueError("none requires COOKIE_SECURE=true (browsers refuse it otherwise)")
        return value

    @field_validator("otel_exporter_otlp_endpoint", "otel_exporter_otlp_traces_endpoint")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an OTLP/HTTP URL, http://HOST:4318 (or https://)")
        return value

    @model_validator(mode="after")
    def _floor_within_the_pool(self) -> Settings:
        # The default floor shrinks with a small pool (DATABASE_POOL_SIZE=2 alone must start);
        # a floor set explicitly above the pool is a mistake worth naming.
        if self.database_pool_min > self.database_pool_size:
            if "database_pool_min" in self.model_fields_set:
                raise ValueError("DATABASE_POOL_MIN must not exceed DATABASE_POOL_SIZE")
            object.__setattr__(self, "database_pool_min", self.database_pool_size)  # frozen
        return self

    @field_validator("tick_seconds")
    @classmethod
    def _tick_divides_a_minute(cls, value: int) -> int:
        # The tick is an arq cron on the seconds field, so it must repeat within a minute.
        if 60 % value:
            raise ValueError("must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)")
        return value

    @field_validator("timezone", "daily_close_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r} (an IANA name, e.g. America/Sao_Paulo)"
            ) from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _tortoise_scheme(cls, value: str) -> str:
        # Tortoise names the asyncpg backend `postgres://`; accept the libpq spelling too.
        for prefix in ("postgresql://", "postgresql+asyncpg://", "asyncpg://"):
            if value.startswith(prefix):
                return "postgres://" + value.removeprefix(prefix)
        if not value.startswith("postgres://"):
            raise ValueError(
                "must be a PostgreSQL URL, postgres://USER:PASSWORD@HOST:5432/DATABASE"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a Redis URL, redis://HOST:6379/0 (or rediss://, unix://)")
        return value

    @property
    def is_dev(self) -> bool:
        return self.environment == "dev"

    @property
    def docs_on(self) -> bool:
        return self.docs_enabled if self.docs_enabled is not None else not self.is_production

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def jwt_key(self) -> str:
        if self.jwt_secret is None:  # pragma: no cover - guarded by ensure_secure()
            raise InsecureSettingsError("JWT_SECRET is not set")
        return self.jwt_secret.get_secret_value()

    @property
    def otlp_traces_url(self) -> str | None:
        """Where spans go: the traces endpoint as given, else the collector's `/v1/traces`."""
        if self.otel_exporter_otlp_traces_endpoint:
            return self.otel_exporter_otlp_traces_endpoint
        if self.otel_exporter_otlp_endpoint:
            return self.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
        return None

    @property
    def database_name(self) -> str:
        return urlsplit(self.database_url).path.lstrip("/")

    def ensure_secure(self) -> Settings:
        """Refuse insecure settings outside dev; in dev, generate what is missing and warn."""
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if len(secret) >= MIN_JWT_SECRET_LENGTH:
            return self
        if self.is_dev:
            warnings.warn(
                "JWT_SECRET is unset or short; using a random one for this dev run.",
                stacklevel=2,
            )
            return self.model_copy(update={"jwt_secret": SecretStr(secrets.token_urlsafe(48))})
        raise InsecureSettingsError(
            f"JWT_SECRET must be set to at least {MIN_JWT_SECRET_LENGTH} characters "
            f"(ENVIRONMENT={self.environment}); refusing to start."
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
