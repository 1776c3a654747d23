# Carteira: `make run` serves the API + worker (embedded PostgreSQL/Redis unless
# DATABASE_URL/REDIS_URL are set); `make test` runs the whole suite on real services.
# Dependencies come from the hashed locks in requirements/ (`make lock` regenerates them).
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP_STAMP := $(VENV)/.pip
# `make lock LOCK_ARGS=--upgrade` moves every pin to the newest allowed version,
# `LOCK_ARGS="--upgrade-package fastapi"` only that one; plain `make lock` keeps the pins
# that still fit pyproject.toml.
LOCK_ARGS ?=
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

.PHONY: run test lint fmt install lock clean

# The venv's own pip is replaced first by the pinned one of requirements/pip.lock
# (hash-checked): the pip that `python3 -m venv` bundles may be too old to read the lock.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(PIP_STAMP): requirements/pip.lock | $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r requirements/pip.lock
	touch $@

# The locked dependencies (runtime, embedded and dev), hash-checked; then the project itself,
# editable and without dependencies.
$(STAMP): requirements/dev.lock pyproject.toml $(PIP_STAMP)
	$(BIN)/python -m pip install -q --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

install: $(STAMP)

# The pinned openapi-typescript the suite generates a client with (needs node; CI has it).
TS_TOOLS := tools/openapi-ts
TS_STAMP := $(TS_TOOLS)/node_modules/.installed
$(TS_STAMP): $(TS_TOOLS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(TS_TOOLS) --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the TypeScript client test needs node"; fi

run: $(STAMP)
	$(BIN)/carteira dev --port $(PORT)

# Two processes (pytest-xdist): most of the suite waits on its servers, browsers and
# subprocesses, so two share this machine's two cores; each test module stays on one process.
TEST_PROCESSES ?= 2
test: $(STAMP) $(TS_STAMP)
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile \
		--cov --cov-report=term --cov-fail-under=85 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench migrations tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile.prod Dockerfile.dev
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema custom.github-workflows-require-timeout \
		.github/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.*.yml
	$(BIN)/python tools/lint_openapi.py

fmt: $(STAMP)
	$(BIN)/ruff check --fix src tests bench migrations tools
	$(BIN)/ruff format src tests bench tools

# requirements/base.lock: the runtime dependencies (the production image);
# requirements/dev.lock: those same pins plus the `embedded` and `dev` extras (make, CI).
lock: $(STAMP)
	$(PIP_COMPILE) --output-file requirements/pip.lock requirements/pip.in
	$(PIP_COMPILE) --output-file requirements/base.lock pyproject.toml
	$(PIP_COMPILE) --extra embedded --extra dev --constraint requirements/base.lock \
		--output-file requirements/dev.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
