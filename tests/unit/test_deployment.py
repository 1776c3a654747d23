"""The container files (Dockerfiles, compose files, the proxy's and PostgreSQL's configuration,
.dockerignore, the CI workflow), checked by parsing them: the machines that run the suite have
no Docker engine, so these tests are what keeps them in step with the code (the CLI's
subcommands and options, the health routes, the worker's settings) and with the deployment's
rules (who may reach what). GitHub Actions' `image` job starts the real stack."""

from __future__ import annotations

import ast
import importlib.util
import ipaddress
import json
import os
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
DEFAULTED_VAR = re.compile(r"^\$\{(?P<name>[A-Z0-9_]+):-(?P<default>[^}]+)\}$")
WORKFLOW_TEXT = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
WORKFLOW = yaml.safe_load(WORKFLOW_TEXT)
CADDYFILE = ROOT / "deploy" / "Caddyfile"
INIT_SCRIPTS = ROOT / "deploy" / "postgres" / "initdb"
# Operator-only routes of the API, kept off the public proxy.
INTERNAL_PATHS = ["/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"]
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


def published(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(host address, container port) of every published port; "" when every address."""
    found = []
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            found.append((str(entry.get("host_ip", "")), str(entry["target"])))
            continue
        parts = str(entry).rsplit(":", 2)
        host_ip = parts[0] if len(parts) == 3 else ""
        found.append((host_ip, parts[-1].split("/")[0]))
    return found


def networks_of(service: dict[str, Any]) -> set[str]:
    nets = service.get("networks") or ["default"]
    return set(nets)


def dockerfile_stages(name: str) -> list[list[tuple[str, str]]]:
    """(INSTRUCTION, arguments) per build stage; continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
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
    # Jaeger v2 (the OpenTelemetry Collector based line), a pinned release.
    assert re.fullmatch(r"jaegertracing/jaeger:2\.\d+\.\d+", found["jaeger"]["image"])


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
            assert "${CARTEIRA_DB_PASSWORD:?" in env["DATABASE_URL"], name
        assert "env_file" not in service, name
    assert "JWT_SECRET" in environment(services("prod")["api"])
    assert "POSTGRES_PASSWORD" in environment(services("prod")["postgres"])
    assert "CARTEIRA_DB_PASSWORD" in environment(services("prod")["postgres"])


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
    assert "127.0.0.1:8000:8000" in found["api"]["ports"]
    assert depends_on(found["api"])["jaeger"] == "service_started"


def test_dev_jaeger_accepts_otlp_and_shows_its_ui():
    jaeger = services("dev")["jaeger"]
    assert {16686, 4317, 4318} <= container_ports(jaeger)
    # v2 reads its built-in all-in-one configuration (OTLP on 4317/4318 on every address of
    # the container); v1's variables such as COLLECTOR_OTLP_ENABLED mean nothing to it.
    assert "command" not in jaeger
    assert not [var for var in environment(jaeger) if var.startswith("COLLECTOR_")]


def test_prod_jaeger_receives_otlp_on_the_network_and_shows_its_ui_on_loopback():
    found = services("prod")
    jaeger = found["jaeger"]
    assert "command" not in jaeger  # the image's all-in-one configuration
    assert published(jaeger) == [("127.0.0.1", "16686")]
    for name in ("api", "worker"):
        assert environment(found[name])["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"
        assert networks_of(found[name]) & networks_of(jaeger), name


# ---- who can reach what -------------------------------------------------------------------


def test_dev_publishes_every_port_on_loopback_only():
    for name, service in services("dev").items():
        for host_ip, port in published(service):
            assert host_ip == "127.0.0.1", f"dev {name} publishes {port} beyond the loopback"
    assert published(services("dev")["api"]) == [("127.0.0.1", "8000")]


def test_prod_publishes_only_the_proxy_beyond_loopback():
    for name, service in services("prod").items():
        for host_ip, port in published(service):
            assert name == "proxy" or host_ip == "127.0.0.1", f"prod {name} publishes {port}"
    assert [port for _, port in published(services("prod")["proxy"])] == ["8000"]


def edge_subnet() -> str:
    """The fixed subnet of the network the proxy reaches the api replicas on."""
    compose = COMPOSE["prod"]
    (edge,) = networks_of(services("prod")["proxy"])
    (config,) = compose["networks"][edge]["ipam"]["config"]
    return str(config["subnet"])


def test_prod_api_trusts_forwarded_headers_from_the_proxy_network_only():
    found = services("prod")
    subnet = edge_subnet()
    allowed = environment(found["api"])["FORWARDED_ALLOW_IPS"]
    assert allowed == subnet  # the same expression, so an override moves both
    default = DEFAULTED_VAR.fullmatch(subnet)
    network = ipaddress.ip_network(default["default"] if default else subnet)
    assert network.is_private
    assert "*" not in allowed
    # Only the proxy and the api replicas are on that network: nothing else can claim an
    # address it trusts.
    (edge,) = networks_of(found["proxy"])
    on_edge = {name for name, service in found.items() if edge in networks_of(service)}
    assert on_edge == {"proxy", "api"}
    for name in ("migrate", "worker"):
        assert "FORWARDED_ALLOW_IPS" not in environment(found[name])


def test_prod_api_serves_the_public_name_and_prometheus_only():
    found = services("prod")
    allowed = environment(found["api"])["ALLOWED_HOSTS"]
    operator, _, always = allowed.rpartition(",")
    # The operator's names (the loopback ones, the CI probe's, unless set), then `api`:
    # Prometheus scrapes api:8000/metrics, so that Host is served whatever the operator sets.
    assert operator == "${ALLOWED_HOSTS:-localhost,127.0.0.1}"
    assert always == "api"
    assert "*" not in allowed
    for name in ("migrate", "worker"):
        assert "ALLOWED_HOSTS" not in environment(found[name])


def caddy_routes() -> tuple[set[str], str]:
    """The paths of the Caddyfile's @internal matcher and what it answers them."""
    text = CADDYFILE.read_text()
    matcher = re.search(r"^\s*@internal\s+path\s+(?P<paths>.+)$", text, re.MULTILINE)
    assert matcher is not None
    handled = re.search(r"handle @internal \{(?P<body>.*?)\n\t\}", text, re.DOTALL)
    assert handled is not None
    return set(matcher["paths"].split()), handled["body"]


def test_prod_proxy_keeps_metrics_and_docs_off_the_public_port():
    proxy = services("prod")["proxy"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert argv(proxy["command"])[-4:] == [
        "--config",
        "/etc/caddy/Caddyfile",
        "--adapter",
        "caddyfile",
    ]
    paths, answer = caddy_routes()
    for path in INTERNAL_PATHS:
        assert path in paths or any(
            pattern.endswith("/*") and path.startswith(pattern[:-1]) for pattern in paths
        ), path
    assert "/metrics" in health_paths()  # the route the matcher hides exists
    assert re.search(
        r"respond\s+`\{\"detail\":\"Not Found\",\"code\":\"not_found\"\}`\s+404", answer
    )
    assert "reverse_proxy api:8000" in CADDYFILE.read_text()


# ---- the database role ----------------------------------------------------------------------


def test_prod_app_connects_as_a_role_made_at_first_start_not_the_superuser():
    found = services("prod")
    postgres = found["postgres"]
    env = environment(postgres)
    assert "POSTGRES_DB" not in env  # the init script creates `carteira`, owned by its role
    assert REQUIRED_VAR.match(env["CARTEIRA_DB_PASSWORD"])
    assert "./deploy/postgres/initdb:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    for name in ("migrate", "api", "worker"):
        url = environment(found[name])["DATABASE_URL"]
        assert url == (
            "postgres://carteira:${CARTEIRA_DB_PASSWORD:?set CARTEIRA_DB_PASSWORD}"
            "@postgres:5432/carteira"
        ), name
        assert "POSTGRES_PASSWORD" not in environment(found[name]), name
    assert healthcheck(postgres)[1:] == [
        "pg_isready",
        "-U",
        "carteira",
        "-d",
        "carteira",
        "-h",
        "127.0.0.1",
    ]


def test_the_init_script_creates_an_owner_without_superuser_rights():
    scripts = sorted(INIT_SCRIPTS.iterdir())
    assert [script.name for script in scripts] == ["10-carteira-role.sh"]
    (script,) = scripts
    assert os.access(script, os.X_OK)  # run, not sourced, by the image's entrypoint
    text = script.read_text()
    assert text.startswith("#!/bin/bash\n")
    assert "${CARTEIRA_DB_PASSWORD:?" in text
    assert 'CREATE ROLE :"app_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE' in text
    assert "PASSWORD :'app_password'" in text  # quoted by psql, never pasted into SQL
    assert 'CREATE DATABASE :"app_database" OWNER :"app_role"' in text


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


def test_prod_dockerfile_installs_the_lock_before_the_source():
    """The dependency layers stay cached until requirements/base.lock changes."""
    (builder, *_) = dockerfile_stages("Dockerfile.prod")
    steps = [(keyword, rest) for keyword, rest in builder if keyword in {"COPY", "RUN"}]
    lock_copy = steps.index(("COPY", "requirements/pip.lock requirements/base.lock requirements/"))
    lock_install = steps.index(
        (
            "RUN",
            "pip install --require-hashes -r requirements/pip.lock "
            "&& pip install --require-hashes --no-deps -r requirements/base.lock",
        )
    )
    source_copy = steps.index(("COPY", "src ./src"))
    project_install = steps.index(("RUN", "pip install --no-deps ."))
    assert lock_copy < lock_install < source_copy < project_install
    assert not [rest for kw, rest in steps[:lock_install] if kw == "COPY" and "src" in rest]


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


def test_dev_dockerfile_installs_the_dev_lock_then_the_project_editable():
    (stage,) = dockerfile_stages("Dockerfile.dev")
    assert args_of(stage, "FROM") == ["python:3.11-slim"]
    runs = args_of(stage, "RUN")
    # pip from its own lock first, in the same layer: the image's pip must accept the lock.
    lock = runs.index(
        "pip install --require-hashes -r requirements/pip.lock "
        "&& pip install --require-hashes -r requirements/dev.lock"
    )
    assert lock < runs.index("pip install --no-deps -e .")
    copies = args_of(stage, "COPY")
    locks = copies.index("requirements/pip.lock requirements/dev.lock requirements/")
    assert locks < copies.index("src ./src")
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
    jobs = WORKFLOW["jobs"]
    assert "make lint" in str(jobs["lint"]["steps"])
    services = jobs["test"]["services"]
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert "make test" in str(jobs["test"]["steps"])
    assert "coverage" in str(jobs["test"]["steps"])


def test_the_ci_workflow_is_read_only_bounded_and_cancels_superseded_runs():
    assert WORKFLOW["permissions"] == {"contents": "read"}
    assert WORKFLOW["concurrency"]["cancel-in-progress"] is True
    assert "github.ref" in WORKFLOW["concurrency"]["group"]
    for name, job in WORKFLOW["jobs"].items():
        assert 0 < job["timeout-minutes"] <= 60, name
        assert "permissions" not in job, f"{name} must not widen the token"


def test_every_action_is_pinned_by_commit_with_its_version():
    uses = re.findall(r"^\s*(?:- )?uses:\s*(\S+)(.*)$", WORKFLOW_TEXT, re.MULTILINE)
    assert uses
    for action, rest in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r"\s+# v\d+\.\d+\.\d+", rest), f"{action}: version comment"
    for job in WORKFLOW["jobs"].values():
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_python_jobs_install_from_the_lock():
    for name in ("lint", "test"):
        steps = WORKFLOW["jobs"][name]["steps"]
        (setup,) = [s for s in steps if s.get("uses", "").startswith("actions/setup-python@")]
        assert setup["with"]["python-version"] == "3.11"
        assert setup["with"]["cache-dependency-path"] == "requirements/dev.lock"
        assert not [s for s in steps if "pip install" in s.get("run", "")], name  # make does


def test_the_image_job_loads_the_image_and_starts_it_with_its_services():
    steps = WORKFLOW["jobs"]["image"]["steps"]
    (build,) = [s for s in steps if s.get("uses", "").startswith("docker/build-push-action@")]
    assert build["with"]["file"] == "Dockerfile.prod"
    assert build["with"]["load"] is True  # into the runner's Docker, for the steps below
    assert build["with"]["push"] is False
    tag = build["with"]["tags"]
    env = WORKFLOW["jobs"]["image"]["env"]
    assert env["CARTEIRA_IMAGE"] == tag  # the stack below runs this very image
    for var in ("JWT_SECRET", "POSTGRES_PASSWORD", "CARTEIRA_DB_PASSWORD"):
        assert env[var], var
    runs = [s.get("run", "") for s in steps]
    after_build = runs[steps.index(build) + 1 :]
    up = next(i for i, run in enumerate(after_build) if "docker-compose.prod.yml up" in run)
    assert "--no-build" in after_build[up]
    # The stack runs `carteira migrate` (the migrate service) before the api starts...
    found = services("prod")
    assert argv(found["migrate"]["command"]) == ["carteira", "migrate"]
    assert depends_on(found["api"])["migrate"] == "service_completed_successfully"
    # ...then /ready must answer through the proxy, and the internal routes must not.
    probe = "\n".join(after_build[up + 1 :])
    assert "curl -fsS http://127.0.0.1:8000/ready" in probe
    for path in ("/metrics", "/docs", "/redoc", "/openapi.json"):
        assert path in probe
    assert 'test "$code" = 404' in probe
    assert any("down -v" in run for run in after_build)


# WeasyPrint (core/pdf) opens these with dlopen: an image or a CI machine without them fails
# at the first statement printed, not at install time.
WEASYPRINT_LIBS = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "libfontconfig1")


def test_images_and_ci_install_what_weasyprint_loads():
    final = dockerfile_stages("Dockerfile.prod")[-1]
    (dev,) = dockerfile_stages("Dockerfile.dev")
    ci = (ROOT / ".ci" / "run").read_text()
    for lib in WEASYPRINT_LIBS:
        assert any(lib in run and "apt-get install" in run for run in args_of(final, "RUN")), lib
        assert any(lib in run and "apt-get install" in run for run in args_of(dev, "RUN")), lib
        assert lib in ci, lib
