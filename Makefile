# Moisson: `make run` serves the site with its worker and demo data; `make test` runs the whole suite.
# `make run PORT=8001` serves on another port; the links the site generates (SITE_URL) follow it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.package-lock.json
HOST ?= 127.0.0.1
PORT ?= 8000
SITE_URL ?= http://$(HOST):$(PORT)
export HOST PORT SITE_URL

.PHONY: install run dev first-release test lint format migrate seed worker messages bench bench-full clean

install: $(STAMP) .env $(NODE_STAMP)

# Test-only browser tools from npm (axe-core for the accessibility test); never served to visitors.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: the accessibility test will be skipped (CI fails it instead)"; fi

# A random SECRET_KEY for this checkout, made once: the settings refuse to start without one. .env is
# ignored by git; production sets SECRET_KEY in its own environment.
.env:
	@umask 077; $(PYTHON) -c 'import secrets; print("SECRET_KEY=" + secrets.token_urlsafe(50))' > .env

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

migrate: install
	mkdir -p $${VAR_DIR:-var}/static
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# A fresh install gets a first release built from the demo data, so the datasets page is never empty.
first-release: seed
	@$(BIN)/python manage.py release --sync --if-none \
	  || echo "The first release could not be built; the site runs without it."

# The production server (granian, or gunicorn with WEB_SERVER=gunicorn) and the Celery worker with the beat scheduler,
# started and stopped together by moisson/serve.py: Ctrl+C or SIGTERM stops both cleanly.
run: first-release
	@exec $(BIN)/python -m moisson.serve

# Django's development server (reloads on code changes, DEBUG on) with the worker beside it.
dev: seed
	@DEBUG=true exec $(BIN)/python -m moisson.serve --dev

worker: install
	$(BIN)/celery -A moisson worker --beat --loglevel=INFO

# pytest exits 5 when it collected no test: that is a failure here, never a silent pass.
test: install
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no test: failing"; exit 1; fi; exit $$rc

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Needs GNU gettext (apt-get install gettext); the compiled .mo files are committed.
messages: install
	$(BIN)/python manage.py makemessages -l fr -l en --no-location --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

# Benchmarks (PostgreSQL on 127.0.0.1, BENCH_DATABASE_URL; figures in bench/RESULTS.md). The short version:
# 10k pairs, one client per endpoint, 50 volunteers for 20 s, a release build.
bench: install
	$(BIN)/python bench/seed.py 10000 --create
	$(BIN)/python bench/latency.py --requests 20
	$(BIN)/python bench/load.py --users 50 --seconds 20
	$(BIN)/python bench/export.py 10000

# The whole run of bench/RESULTS.md: 50, 200 and 400 volunteers at 10k pairs, then one client at 1M.
bench-full: install
	$(BIN)/python bench/seed.py 10000 --create
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/load.py --users 50 200 400 --seconds 60
	$(BIN)/python bench/seed.py 1000000
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/export.py 10000 100000 1000000

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
