# OneStory. The README names the two targets that matter: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv must never download an interpreter: only PyPI is reachable. Use a local Python >= 3.12
# (Django 6 needs it); the machine image carries one under pyenv, Debian 13 ships 3.13.
PY312 := $(firstword $(wildcard /root/.pyenv/versions/3.1[2-9]*/bin/python3.1[2-9]) \
                     $(shell command -v python3.13 python3.12 2>/dev/null))
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PY312)
UV := python3 -m uv
RUN := $(UV) run --frozen
# The demo runs the app only: no test tools (pytest, Playwright, mypy, Spark …) in its install.
RUN_APP := $(UV) run --frozen --no-dev
# PYTEST_ARGS: extra pytest options, e.g. make test PYTEST_ARGS="-x --durations=8".
PYTEST_ARGS ?=
# pytest exits 5 when it collects no tests: say so and fail, so that an empty or mistyped
# selection can never look like a clean run.
pytest = ONESTORY_ENV=test $(RUN) pytest $(PYTEST_ARGS) $(1) || { rc=$$?; \
  if [ $$rc -eq 5 ]; then echo "pytest collected no tests in: $(1)" >&2; fi; exit $$rc; }

PEOPLE ?= 3000
SEED ?= 42
DEMO_DIR ?= var/demo-borough

.PHONY: help
help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

.PHONY: uv
uv:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv \
	  || python3 -m pip install --quiet --break-system-packages uv
	@test -n "$(PY312)" || { echo "OneStory needs Python 3.12 or newer (none found)"; exit 1; }

.PHONY: install
install: uv  ## install Python (with the test tools) and front-end dependencies (uv sync + npm ci)
	$(UV) sync --frozen
	npm ci --no-audit --no-fund --loglevel=error
	$(RUN) python -m onestory.frontend_assets

# What the demo runs and nothing more. --inexact keeps the test tools when `make install`
# has already put them in the same .venv.
.PHONY: install-app
install-app: uv  ## install only what the app runs (no test tools) and the front end
	$(UV) sync --frozen --no-dev --inexact
	npm ci --no-audit --no-fund --loglevel=error
	$(RUN_APP) python -m onestory.frontend_assets

.PHONY: demo
demo: install-app  ## a synthetic borough in the embedded database, served on http://127.0.0.1:8000
	ONESTORY_ENV=demo $(RUN_APP) onestory demo --people $(PEOPLE) --seed $(SEED) --out $(DEMO_DIR)
	ONESTORY_ENV=demo $(RUN_APP) onestory serve --host 127.0.0.1 --port 8000

.PHONY: test
test: install lint  ## everything CI runs: lint, migrations check, unit, integration (schemathesis on the API included), browser (SQLite, then PostgreSQL if TEST_DATABASE_URL is set)
	ONESTORY_ENV=test $(RUN) python -m django makemigrations --check --dry-run --settings=onestory.settings
	$(call pytest,tests/unit tests/integration tests/browser)
	@# The Spark linkage engine reads and writes no database of its own: its tests ran above.
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL =="; \
	  export DATABASE_URL="$$TEST_DATABASE_URL"; $(call pytest,tests/integration tests/browser -k "not spark"); \
	fi

.PHONY: test-unit test-integration test-browser test-api test-production
test-unit: ## pure domain rules, no database
	$(call pytest,tests/unit)
test-integration: ## Django client against a real database
	$(call pytest,tests/integration)
test-browser: ## Playwright driving Debian's Chromium
	$(call pytest,tests/browser)
# Part of tests/integration (so `make test` runs them, on SQLite and PostgreSQL); alone here.
test-production: ## the production profile under gunicorn, backup/restore, faults, jobs
	$(call pytest,tests/integration/test_production_profile.py tests/integration/test_backup_restore.py tests/integration/test_faults.py tests/integration/test_jobs.py tests/integration/test_ops.py)
# schemathesis is part of tests/integration (so `make test` runs it); this runs it alone.
test-api: ## schemathesis against /api/openapi.json: no 5xx, no auth bypass
	$(call pytest,tests/integration/test_schemathesis.py)

.PHONY: lint
lint:  ## ruff lint + format check, mypy on the pure domain packages and the generator
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy onestory/*/domain onestory/synthetic

.PHONY: format
format:  ## apply ruff formatting and safe fixes
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

.PHONY: bench
bench:  ## synth + import + link timings (20,000 and 100,000 people) and the person page
	ONESTORY_ENV=test $(RUN) python bench/bench_pipeline.py --people 20000 100000
	ONESTORY_ENV=test $(RUN) python bench/bench_person_page.py
