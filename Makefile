# One command each: `make demo` (try it on a laptop) and `make test` (the whole suite).
SHELL := /bin/sh
PYTHON_BIN := $(shell PYTHON="$(PYTHON)" scripts/find-python)
VENV := .venv
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
MANAGE := $(VENV)/bin/python manage.py
DEMO_ENV := DEBUG=true REVIEW_IN_BACKGROUND=true LOCAL_REPOSITORY_ROOTS=$(CURDIR)/var/demo
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo serve test lint worker beat migrate clean bench bench-web

$(if $(PYTHON_BIN),,$(error No Python 3.12+ found; run make PYTHON=/path/to/python3.12))

install: $(VENV)/.installed

.tools/bin/uv:
	"$(PYTHON_BIN)" -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: uv.lock pyproject.toml | $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	UV_PROJECT_ENVIRONMENT=$(VENV) "$(UV)" sync --frozen --python "$(PYTHON_BIN)"
	touch $@

migrate: install
	$(DEMO_ENV) $(MANAGE) migrate --noinput

demo: install
	$(DEMO_ENV) $(MANAGE) migrate --noinput
	$(DEMO_ENV) $(MANAGE) seed_demo --url http://$(HOST):$(PORT)/
	$(DEMO_ENV) $(MANAGE) runserver $(HOST):$(PORT)

serve: install
	$(DEMO_ENV) $(MANAGE) runserver $(HOST):$(PORT)

# Model changes without a migration fail the suite (checked on SQLite: no server needed).
test: install
	$(VENV)/bin/ruff check .
	env -u DATABASE_URL $(VENV)/bin/python manage.py makemigrations --check --dry-run --settings=tests.settings >/dev/null
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

worker: install
	$(VENV)/bin/celery -A dashboard worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A dashboard beat --loglevel=INFO

clean:
	rm -rf $(VENV) .tools var staticfiles .pytest_cache

bench: install
	$(VENV)/bin/python -m bench.run

# The pages against a seeded million-finding PostgreSQL database (created on first run);
# BENCH_DATABASE_URL picks another one (default postgres://postgres@127.0.0.1:5432/reviewer_bench).
bench-web: install
	$(VENV)/bin/python -m bench.web
