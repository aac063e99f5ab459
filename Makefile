# openbuy: `make run` serves the demo on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(VENV)/bin/pip
OPENBUY = $(VENV)/bin/openbuy
PYTHON ?= python3

# `make run` serves like production (debug off, hashed static files) on http://127.0.0.1:8000.
RUN_ENV = OPENBUY_SECRET_KEY_FILE=var/secret_key OPENBUY_HTTPS=0 \
          OPENBUY_ALLOWED_HOSTS=127.0.0.1,localhost OPENBUY_STATIC_MANIFEST=1

.PHONY: help install assets run serve-prod test bench lint format openapi check clean

help:
	@echo "make run      install, migrate, load demo data and serve on http://127.0.0.1:8000"
	@echo "make serve-prod  the same on PostgreSQL and Redis, several app processes and a worker"
	@echo "make test     install what the tests need and run the whole suite"
	@echo "make bench    measure every performance figure against its target (bench/run.py)"
	@echo "make lint     ruff check and format check"
	@echo "make openapi  rewrite openapi.json from the API"

# --- installing ---------------------------------------------------------------------------
$(VENV)/.installed: pyproject.toml constraints.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade "pip==26.3"
	$(PIP) install --quiet -c constraints.txt -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

openbuy/static/dist/.built: node_modules/.installed $(wildcard assets/scss/*.scss) assets/copy.mjs
	npm run --silent build
	touch $@

install: $(VENV)/.installed
assets: openbuy/static/dist/.built

var/secret_key:
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

# --- running ------------------------------------------------------------------------------
run: install assets var/secret_key
	$(RUN_ENV) $(OPENBUY) migrate --noinput
	$(RUN_ENV) $(OPENBUY) collectstatic --noinput --verbosity 0
	$(RUN_ENV) $(OPENBUY) demo --if-empty
	@echo "openbuy is at http://127.0.0.1:8000 (Ctrl-C stops it)"
	$(RUN_ENV) $(OPENBUY) serve --bind 127.0.0.1:8000

# `make serve-prod` serves as production does: PostgreSQL, Redis for the cache and sessions,
# PROD_WORKERS app processes (gunicorn) and a background task worker, debug off, hashed and
# compressed static files. Point OPENBUY_DATABASE_URL and OPENBUY_REDIS_URL elsewhere to use other
# servers; the database must exist (`createdb openbuy`). See docs/operations.md.
PROD_WORKERS ?= 4
PROD_ENV = $(RUN_ENV) OPENBUY_TASKS=database \
           OPENBUY_DATABASE_URL=$${OPENBUY_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/openbuy} \
           OPENBUY_REDIS_URL=$${OPENBUY_REDIS_URL:-redis://127.0.0.1:6379/0}

serve-prod: install assets var/secret_key
	$(PROD_ENV) $(OPENBUY) migrate --noinput
	$(PROD_ENV) $(OPENBUY) collectstatic --noinput --verbosity 0
	$(PROD_ENV) $(OPENBUY) demo --if-empty
	@echo "openbuy (production profile) is at http://127.0.0.1:8000 (Ctrl-C stops it)"
	$(PROD_ENV) $(OPENBUY) db_worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PROD_ENV) $(OPENBUY) serve --bind 127.0.0.1:8000 --workers $(PROD_WORKERS)

# --- checking -----------------------------------------------------------------------------
# The OCDS validity tests need the official schema: the shared offline copy beside the checkout
# when there is one (CI's), else the standard's site once (see docs/operations.md).
OCDS_SCHEMA_DIR ?= $(abspath $(wildcard ../shared/ocds/schema/1.1))
export OPENBUY_OCDS_SCHEMA_DIR ?= $(OCDS_SCHEMA_DIR)

# One worker per core (pytest-xdist), each module kept on one worker so that a module's shared
# fixtures are built once; `make test TEST_WORKERS=0` runs in this process (for pdb, -x, -k).
TEST_WORKERS ?= auto
test: install assets
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

# `make bench` measures every figure of issue #9 on the large generated dataset (SQLite for the
# generation rate, PostgreSQL + Redis + the production server for the rest) and writes JSON under
# bench/results/. The PostgreSQL dataset is kept between runs: BENCH_ARGS=--fresh rebuilds it.
# Load comes from wrk (Debian's package, installed here when missing, as .ci/run installs Chromium).
bench: install assets var/secret_key
	@command -v wrk >/dev/null || { echo "Installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }
	$(PY) bench/run.py $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	OPENBUY_DEBUG=1 $(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

openapi: install
	OPENBUY_DEBUG=1 $(OPENBUY) export_openapi_schema --api openbuy.api.api --indent 2 --sorted --output openapi.json

check: install
	OPENBUY_DEBUG=1 $(OPENBUY) makemigrations --check --dry-run
	OPENBUY_DEBUG=1 $(OPENBUY) check

clean:
	rm -rf $(VENV) node_modules openbuy/static/dist var/static
