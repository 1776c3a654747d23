"""The container files (Dockerfiles, compose files, .dockerignore), checked by parsing them:
CI has no Docker engine, so these tests are what keeps them in step with the code (the CLI's
subcommands and options, the health routes, the worker's settings)."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from carteira.cli import build_parser
from carteira.core.health import router as health_router

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = {
    kind: yaml.safe_load((ROOT / f"docker-compose.{kind}.yml").read_text())
    for kind in ("dev", "prod")
}
REQUIRED_VAR = re.compile(r"^\$\{(?P<name>[A-Z0-9_]+):\?[^}]+\}$")
LOCAL_URL = re.compile(r"http://127\.0\.0\.1:8000(?P<path>/[\w/-]*)")
MULTIPROC_DIR = "/tmp/prometheus"  # noqa: S108 - the image's prometheus multiprocess directory
COMPILERS = re.compile(r"\b(build-essential|gcc|g\+\+|clang|cc)\b")


# ---- helpers ------------------------------------------------------------------------------


def services(kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = COMPOSE[kind]["services"]
    return found


def argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


def healthcheck(service: dict[str, Any]) -> list[str]:
    check = service.get("healthcheck") or {}
    assert not check.get("disable"), "healthcheck disabled"
    test = check.get("test")
    assert test, "no healthcheck test"
    return ["CMD-SHELL", test] if isinstance(test, str) else [str(part) for part in test]


def container_ports(service: dict[str, Any]) -> set[int]:
    ports = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(str(entry).split(":")[-1].split("/")[0]))
    return ports


def dockerfile_stages(name: str) -> list[list[tuple[str, str]]]:
    """(INSTRUCTION, arguments) per build stage; continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, rest = (pending + line).partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        pending = ""
    assert not pending, f"{name} ends inside a continued line"
    stages: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions:
        if keyword == "FROM":
            stages.append([])
        assert stages, f"{name}: {keyword} before the first FROM"
        stages[-1].append((keyword, rest))
    return stages


def args_of(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [rest for kw, rest in stage if kw == keyword]


def cmd_of(stage: list[tuple[str, str]]) -> list[str]:
    (cmd,) = args_of(stage, "CMD")
    parsed = json.loads(cmd)  # exec form, so signals reach the process
    assert isinstance(parsed, list)
    return [str(part) for part in parsed]


def carteira_commands() -> list[tuple[str, list[str]]]:
    found = []
    for kind in COMPOSE:
        for name, service in services(kind).items():
            if "command" in service and argv(service["command"])[0] == "carteira":
                found.append((f"{kind}:{name}", argv(service["command"])))
    for dockerfile in ("Dockerfile.prod", "Dockerfile.dev"):
        found.append((dockerfile, cmd_of(dockerfile_stages(dockerfile)[-1])))
    return found


def health_paths() -> set[str]:
    return {route.path for route in health_router.routes}  # type: ignore[attr-defined]


# ---- compose ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["dev", "prod"])
def test_expected_services_exist(kind):
    expected = {"postgres", "redis", "jaeger", "migrate", "api", "worker"}
    assert expected <= set(services(kind))


@pytest.mark.parametrize("kind", ["dev", "prod"])
def test_images_are_pinned_to_their_major_versions(kind):
    found = services(kind)
    assert found["postgres"]["image"] == "postgres:15"
    assert found["redis"]["image"] == "redis:7"
    jaeger = found["jaeger"]["image"]
    assert jaeger.startswith("jaegertracing/")
    assert ":" in jaeger
    assert not jaeger.endswith(":latest")


def test_commands_were_found():
    names = {name for name, _ in carteira_commands()}
    for kind in ("dev", "prod"):
        assert {f"{kind}:migrate", f"{kind}:api", f"{kind}:worker"} <= names


@pytest.mark.parametrize(
    ("where", "command"), carteira_commands(), ids=[name for name, _ in carteira_commands()]
)
def test_carteira_commands_use_real_subcommands_and_options(where, command):
    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert command[0] == "carteira"
    assert command[1] in subcommands, f"{where}: unknown subcommand {command[1]!r}"
    try:
        parsed = parser.parse_args(command[1:])
    except SystemExit:
        pytest.fail(f"{where}: `{shlex.join(command)}` is rejected by the CLI")
    assert parsed.command == command[1]


@pytest.mark.parametrize("kind", ["dev", "prod"])
def test_postgres_redis_and_worker_have_healthchecks(kind):
    found = services(kind)
    assert "pg_isready" in healthcheck(found["postgres"])
    assert healthcheck(found["redis"])[-2:] == ["redis-cli", "ping"]
    worker_check = healthcheck(found["worker"])
    assert worker_check[1:] == ["arq", "carteira.worker.WorkerSettings", "--check"]


def test_the_worker_settings_named_by_the_healthcheck_exist():
    spec = importlib.util.find_spec("carteira.worker")
    assert spec is not None
    assert spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text())
    defined = {node.name for node in tree.body if isinstance(node, ast.ClassDef)} | {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert "WorkerSettings" in defined


def test_prod_api_healthcheck_probes_readiness():
    check = " ".join(healthcheck(services("prod")["api"]))
    assert "urllib" in check
    match = LOCAL_URL.search(check)
    assert match is not None
    assert match["path"] == "/ready"


@pytest.mark.parametrize("kind", ["dev", "prod"])
def test_api_healthchecks_hit_real_routes(kind):
    api = services(kind)["api"]
    assert "healthcheck" in api, kind  # compose waits on it, so it must exist and be right
    for match in LOCAL_URL.finditer(" ".join(healthcheck(api))):
        assert match["path"] in health_paths()


@pytest.mark.parametrize("kind", ["dev", "prod"])
def test_app_services_wait_for_the_migrations(kind):
    found = services(kind)
    assert depends_on(found["migrate"]) == {"postgres": "service_healthy"}
    assert str(found["migrate"].get("restart", "no")) == "no"
    for name in ("api", "worker"):
        deps = depends_on(found[name])
        assert deps["migrate"] == "service_completed_successfully", name
        assert deps["redis"] == "service_healthy", name
    if kind == "prod":
        for name in ("api", "worker"):
            assert depends_on(found[name])["postgres"] == "service_healthy", name


def test_prod_takes_its_secrets_from_the_environment_only():
    for name, service in services("prod").items():
        env = environment(service)
        for var, value in env.items():
            if any(word in var for word in ("SECRET", "PASSWORD", "TOKEN", "_KEY")):
                match = REQUIRED_VAR.match(value)
                assert match, f"{name}.{var} must be ${{{var}:?...}}, not {value!r}"
                assert match["name"] == var
        if "DATABASE_URL" in env:
            assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"], name
        assert "env_file" not in service, name
    assert "JWT_SECRET" in environment(services("prod")["api"])
    assert "POSTGRES_PASSWORD" in environment(services("prod")["postgres"])


def test_prod_app_settings():
    found = services("prod")
    for name in ("migrate", "api", "worker"):
        env = environment(found[name])
        assert env["ENVIRONMENT"] == "production"
        assert env["COOKIE_SECURE"] == "true"
        assert env["CORS_ORIGINS"].startswith("${CORS_ORIGINS")
        assert found[name]["build"]["dockerfile"] == "Dockerfile.prod"
    api = found["api"]
    assert api["deploy"]["replicas"] == 2
    assert "ports" not in api, "replicas cannot share a fixed host port"
    assert "container_name" not in api
    assert "--appendonly" in argv(found["redis"]["command"])
    for name in ("postgres", "redis"):
        assert found[name].get("volumes"), f"{name} keeps its data in a volume"


def test_dev_app_settings():
    found = services("dev")
    for name in ("migrate", "api", "worker"):
        service = found[name]
        env = environment(service)
        assert env["ENVIRONMENT"] == "dev"
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"
        assert service["build"]["dockerfile"] == "Dockerfile.dev"
        assert service["env_file"] == [{"path": ".env", "required": False}]
        assert "./:/app" in service["volumes"]
        default = re.fullmatch(r"\$\{JWT_SECRET:-(?P<default>[^}]+)\}", env["JWT_SECRET"])
        assert default is not None
        assert "dev-only" in default["default"]
        assert len(default["default"]) >= 32
    assert "8000:8000" in found["api"]["ports"]
    assert depends_on(found["api"])["jaeger"] == "service_started"


def test_dev_jaeger_accepts_otlp_and_shows_its_ui():
    jaeger = services("dev")["jaeger"]
    assert {16686, 4317, 4318} <= container_ports(jaeger)
    assert environment(jaeger)["COLLECTOR_OTLP_ENABLED"] == "true"


# ---- Dockerfiles and .dockerignore --------------------------------------------------------


def test_prod_dockerfile_is_multi_stage_non_root_and_compiler_free():
    stages = dockerfile_stages("Dockerfile.prod")
    assert len(stages) >= 2
    final = stages[-1]
    users = args_of(final, "USER")
    assert users, "the final stage sets a USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    for run in args_of(final, "RUN"):
        assert not COMPILERS.search(run), f"compiler installed in the final stage: {run}"
    assert any("build-essential" in run for stage in stages[:-1] for run in args_of(stage, "RUN"))
    assert any("--from=" in copy and "/opt/venv" in copy for copy in args_of(final, "COPY"))
    assert "/app/migrations" in " ".join(args_of(final, "COPY"))
    assert args_of(final, "WORKDIR") == ["/app"]
    env = " ".join(args_of(final, "ENV"))
    assert "MIGRATIONS_DIR=/app/migrations" in env
    assert f"PROMETHEUS_MULTIPROC_DIR={MULTIPROC_DIR}" in env
    assert "PATH=/opt/venv/bin:$PATH" in env
    assert any(MULTIPROC_DIR in run and "chown" in run for run in args_of(final, "RUN"))
    assert "8000" in args_of(final, "EXPOSE")


def test_prod_dockerfile_installs_no_extras_and_bakes_no_secret():
    text = (ROOT / "Dockerfile.prod").read_text()
    assert "[dev]" not in text
    assert "[embedded]" not in text
    for secret in ("JWT_SECRET", "PASSWORD", "DATABASE_URL"):
        assert secret not in text


def test_prod_dockerfile_checks_health_and_serves_with_workers():
    final = dockerfile_stages("Dockerfile.prod")[-1]
    (check,) = args_of(final, "HEALTHCHECK")
    assert "urllib" in check
    match = LOCAL_URL.search(check)
    assert match is not None
    assert match["path"] in health_paths()
    command = cmd_of(final)
    assert command[:2] == ["carteira", "serve"]
    assert "--workers" in command


def test_dev_dockerfile_installs_editable_with_dev_extras():
    (stage,) = dockerfile_stages("Dockerfile.dev")
    assert args_of(stage, "FROM") == ["python:3.11-slim"]
    assert any("pip install -e '.[dev]'" in run for run in args_of(stage, "RUN"))
    assert args_of(stage, "WORKDIR") == ["/app"]
    command = cmd_of(stage)
    assert command[:2] == ["carteira", "serve"]
    assert "--reload" in command


def test_dockerignore_keeps_local_state_out():
    patterns = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".data", ".env", ".git", "test-artifacts", "bench/results"} <= patterns


def test_the_ci_workflow_lints_tests_on_real_services_and_builds_the_image():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    jobs = workflow["jobs"]
    assert "make lint" in str(jobs["lint"]["steps"])
    services = jobs["test"]["services"]
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert "make test" in str(jobs["test"]["steps"])
    assert "coverage" in str(jobs["test"]["steps"])
    assert "docker build -f Dockerfile.prod" in str(jobs["image"]["steps"])
