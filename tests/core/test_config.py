from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from carteira.core.config import InsecureSettingsError, Settings
from tests.support import REPO


def make(**values) -> Settings:
    return Settings(_env_file=None, **values)


def test_production_refuses_a_missing_or_short_secret():
    with pytest.raises(InsecureSettingsError, match="JWT_SECRET"):
        make(environment="production").ensure_secure()
    with pytest.raises(InsecureSettingsError):
        make(environment="production", jwt_secret="short").ensure_secure()


def test_dev_generates_a_secret_and_warns():
    with pytest.warns(UserWarning, match="JWT_SECRET"):
        settings = make(environment="dev").ensure_secure()
    assert len(settings.jwt_key) >= 32


def test_a_long_secret_is_kept():
    settings = make(jwt_secret="k" * 40).ensure_secure()
    assert settings.jwt_key == "k" * 40


def test_cors_origins_are_comma_separated(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example/")
    assert Settings(_env_file=None).cors_origins == ["https://a.example", "https://b.example"]


@pytest.mark.parametrize("url", ["postgresql://u@h/db", "asyncpg://u@h/db", "postgres://u@h/db"])
def test_database_urls_are_normalised_for_tortoise(url):
    assert make(database_url=url).database_url == "postgres://u@h/db"


def test_tick_must_divide_a_minute():
    assert make(tick_seconds=5).tick_seconds == 5
    with pytest.raises(ValidationError, match="must divide 60"):
        make(tick_seconds=7)


def test_the_pool_floor_fits_in_the_pool():
    assert make(database_pool_size=8, database_pool_min=8).database_pool_min == 8
    with pytest.raises(
        ValidationError, match="DATABASE_POOL_MIN must not exceed DATABASE_POOL_SIZE"
    ):
        make(database_pool_size=8, database_pool_min=9)
    # A small pool alone starts: the default floor (4) shrinks to it.
    assert make(database_pool_size=2).database_pool_min == 2


def test_empty_values_in_a_dotenv_mean_unset(monkeypatch):
    monkeypatch.setenv("METRICS_TOKEN", "")
    monkeypatch.setenv("DOCS_ENABLED", "")
    monkeypatch.setenv("STATEMENTS_RENDER_PROCESSES", "")
    settings = Settings(_env_file=None)
    assert settings.metrics_token is None
    assert settings.docs_enabled is None
    assert settings.docs_on is False  # production by default
    assert settings.statements_render_processes is None  # one per core
    monkeypatch.setenv("STATEMENTS_RENDER_PROCESSES", "0")
    assert Settings(_env_file=None).statements_render_processes == 0


def test_forwarded_addresses_are_a_list(monkeypatch):
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.1, 172.30.0.0/24")
    assert Settings(_env_file=None).forwarded_allow_ips == ["10.0.0.1", "172.30.0.0/24"]
    monkeypatch.delenv("FORWARDED_ALLOW_IPS")
    assert Settings(_env_file=None).forwarded_allow_ips == []


def test_allowed_hosts_are_names_lowercased_by_default_the_loopback_ones(monkeypatch):
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    assert Settings(_env_file=None).allowed_hosts == ["127.0.0.1", "localhost", "::1"]
    monkeypatch.setenv("ALLOWED_HOSTS", " API.Example.com, *.internal.example.com,::1,* ")
    assert Settings(_env_file=None).allowed_hosts == [
        "api.example.com",
        "*.internal.example.com",
        "::1",
        "*",
    ]
    for bad in ("https://api.example.com", "api.example.com:443", "example.com/x", "*x.com", ""):
        with pytest.raises(ValidationError, match="allowed_hosts"):
            make(allowed_hosts=bad)


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        Settings(_env_file=None, timezone="Mars/Olympus")


@pytest.mark.parametrize("url", ["mysql://u@h/db", "sqlite://:memory:", "http://h/db"])
def test_database_urls_must_be_postgres(url):
    with pytest.raises(ValidationError, match="PostgreSQL URL"):
        make(database_url=url)


@pytest.mark.parametrize("url", ["redis://h:6379/0", "rediss://h/1", "unix:///tmp/redis.sock"])
def test_redis_urls_keep_their_scheme(url):
    assert make(redis_url=url).redis_url == url


@pytest.mark.parametrize("url", ["http://h:6379", "h:6379", "memcached://h"])
def test_redis_urls_must_be_redis(url):
    with pytest.raises(ValidationError, match="Redis URL"):
        make(redis_url=url)


def test_the_traces_endpoint_wins_over_the_collector_base(monkeypatch):
    assert make().otlp_traces_url is None  # tracing off
    base = make(otel_exporter_otlp_endpoint="http://jaeger:4318/")
    assert base.otlp_traces_url == "http://jaeger:4318/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger:4318")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://otel.example.com/in/spans")
    assert Settings(_env_file=None).otlp_traces_url == "https://otel.example.com/in/spans"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")  # `NAME=` in a .env: unset
    assert Settings(_env_file=None).otlp_traces_url == "http://jaeger:4318/v1/traces"
    with pytest.raises(ValidationError, match="OTLP/HTTP URL"):
        make(otel_exporter_otlp_traces_endpoint="jaeger:4317")


OPERATIONS = REPO / "docs" / "operations.md"


def test_every_setting_is_in_the_env_example_and_the_settings_table():
    env_example = (REPO / ".env.example").read_text()
    table = _settings_section()
    for field in Settings.model_fields:
        name = field.upper()
        assert re.search(rf"^{name}=", env_example, re.MULTILINE), f"{name} not in .env.example"
        assert f"`{name}`" in table, f"{name} not in docs/operations.md's settings table"


def _settings_section() -> str:
    page = OPERATIONS.read_text()
    return page.split("<!-- settings-table:begin", 1)[1].split("<!-- settings-table:end", 1)[0]


def _settings_table() -> dict[str, list[str]]:
    """docs/operations.md's settings table: each variable named in a row's first cell -> that
    row's default cells (one per row naming it)."""
    section = _settings_section()
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
            rows.setdefault(name, []).append(cells[1])
    return rows


def test_the_settings_table_names_each_setting_in_one_row_with_its_true_default(monkeypatch):
    """Measured before: FORWARDED_ALLOW_IPS had two rows, `empty` and `127.0.0.1`."""
    rows = _settings_table()
    assert {name: defaults for name, defaults in rows.items() if len(defaults) > 1} == {}
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert Settings(_env_file=None).forwarded_allow_ips == []
    assert rows["FORWARDED_ALLOW_IPS"][0].startswith("empty")


def test_cookie_scope_settings(monkeypatch):
    assert make().cookie_domain is None  # host-only cookies
    assert make().cookie_samesite == "lax"
    monkeypatch.setenv("COOKIE_DOMAIN", ".Example.COM")
    monkeypatch.setenv("COOKIE_SAMESITE", "None")
    settings = Settings(_env_file=None)
    assert (settings.cookie_domain, settings.cookie_samesite) == (".example.com", "none")
    monkeypatch.setenv("COOKIE_DOMAIN", "")
    assert Settings(_env_file=None).cookie_domain is None
    for bad in ("https://example.com", "example.com:443", "example.com/", "a..b"):
        with pytest.raises(ValidationError, match="cookie_domain"):
            make(cookie_domain=bad)
    with pytest.raises(ValidationError, match="COOKIE_SECURE"):
        make(cookie_samesite="none", cookie_secure=False)  # browsers would drop the cookies
    with pytest.raises(ValidationError):
        make(cookie_samesite="sometimes")


def test_a_user_holds_at_most_twenty_sockets_unless_configured(monkeypatch):
    monkeypatch.delenv("WS_MAX_PER_USER", raising=False)
    assert make().ws_max_per_user == 20
    assert make(ws_max_per_user=50).ws_max_per_user == 50
