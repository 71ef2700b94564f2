# One command surface for people and CI. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/porchlight_test
DEMO_REDIS_PORT ?= 6390
DEMO_PORT ?= 8000

.PHONY: help demo test test-sqlite test-postgres lint migrations extract catalogs bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

ASSETS := portal/static/vendor/htmx.min.js

$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p portal/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $(ASSETS)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

.env:
	@echo "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))')" > .env
	@echo "REDIS_URL=redis://127.0.0.1:$(DEMO_REDIS_PORT)/0" >> .env
	@echo "PUBLIC_BASE_URL=http://localhost:$(DEMO_PORT)" >> .env
	@echo "wrote .env with a fresh SECRET_KEY"

demo: $(STAMP) $(ASSETS) .env ## set up and run portal + worker with demo data (Ctrl-C stops)
	@mkdir -p var/redis
	@# The queue needs no snapshots: a lost job is redone by the worker's sweeps.
	@$(BIN)/redis-server --port $(DEMO_REDIS_PORT) --bind 127.0.0.1 --dir var/redis --save "" \
		--daemonize yes --pidfile $(CURDIR)/var/redis/redis.pid --logfile $(CURDIR)/var/redis/redis.log
	@trap '$(BIN)/redis-cli -p $(DEMO_REDIS_PORT) shutdown nosave >/dev/null 2>&1' EXIT INT TERM; \
		$(BIN)/porchlight demo --port $(DEMO_PORT)

# The two legs share nothing (a database and a Redis each), so they run side by side: the
# whole of `make test` stays within CI's 15 minutes. Each leg's output is kept in var/test-logs/
# and printed whole when it ends, the SQLite leg's first.
test: $(STAMP) $(ASSETS) ## lint, then the suite on SQLite + embedded Redis and on PostgreSQL + system Redis
	$(MAKE) --no-print-directory lint
	@mkdir -p var/test-logs
	@echo "running the suite on SQLite + embedded Redis and on PostgreSQL + system Redis, side by side"
	@$(MAKE) --no-print-directory test-sqlite > var/test-logs/sqlite.log 2>&1 & sqlite=$$!; \
	$(MAKE) --no-print-directory test-postgres > var/test-logs/postgres.log 2>&1 & postgres=$$!; \
	wait $$sqlite; s=$$?; \
	echo "== SQLite + embedded Redis (exit $$s)"; cat var/test-logs/sqlite.log; \
	wait $$postgres; p=$$?; \
	echo "== PostgreSQL + system Redis (exit $$p)"; cat var/test-logs/postgres.log; \
	test $$s -eq 0 && test $$p -eq 0

# Exits 0 when something listens on 127.0.0.1:<port>.
LISTENS = $(BIN)/python -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('127.0.0.1',$(1))))"

# The suite starts the virtualenv's redis-server (6.2, the oldest Redis we support, the one
# `make demo` runs) on a free port of its own.
test-sqlite: $(STAMP)
	env -u DATABASE_URL -u TEST_REDIS_URL $(BIN)/pytest

# The system Redis (7.x on CI). Without a database number in the URL each run holds an empty
# database no other run uses (tests/conftest.py), so concurrent runs never meet.
SYSTEM_REDIS_URL ?= redis://127.0.0.1:6379

test-postgres: $(STAMP)
	@if ! $(call LISTENS,5432); then \
		if [ -n "$$CI" ]; then echo "PostgreSQL is not reachable on 127.0.0.1:5432 (required on CI)"; exit 1; fi; \
		echo "SKIPPED: PostgreSQL suite (nothing listens on 127.0.0.1:5432), and with it the system Redis leg"; \
		exit 0; \
	fi; \
	redis=$(SYSTEM_REDIS_URL); \
	if ! $(call LISTENS,6379); then \
		if [ -n "$$CI" ]; then echo "Redis is not reachable on 127.0.0.1:6379 (required on CI)"; exit 1; fi; \
		echo "SKIPPED: system Redis leg (nothing listens on 127.0.0.1:6379): PostgreSQL suite on the embedded Redis"; \
		redis=; \
	fi; \
	DATABASE_URL=$(PG_URL) TEST_REDIS_URL=$$redis $(BIN)/pytest

lint: $(STAMP) ## ruff, mypy and the import layers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy porchlight portal notifier bench
	$(BIN)/lint-imports

# One table from every bench in bench/ (bench/__main__.py) on small data sets; BENCH_LARGE=1
# adds the 1M-shipment data set (seeding it takes about 45 minutes the first time).
BENCH_LARGE ?=
bench: $(STAMP) $(ASSETS) ## run every bench in bench/, one table (BENCH_LARGE=1: the 1M data set)
	BENCH_LARGE=$(BENCH_LARGE) $(BIN)/python -m bench

LANGS := de fr es nl
PYBABEL := $(BIN)/pybabel

extract: $(STAMP) ## collect translatable strings into locales/messages.pot
	$(PYBABEL) extract -F babel.cfg -k N_ --no-location --sort-output --omit-header --width 100 \
		-o locales/messages.pot .

catalogs: extract ## update every language's catalog from the template (then translate); prune formal.po
	@for lang in $(LANGS); do \
		if [ -f locales/$$lang/LC_MESSAGES/messages.po ]; then \
			$(PYBABEL) update -i locales/messages.pot -d locales -l $$lang --no-fuzzy-matching --width 100; \
		else $(PYBABEL) init -i locales/messages.pot -d locales -l $$lang; fi; \
	done
	$(BIN)/python -c 'from porchlight.platform.i18n import prune_variants; prune_variants()'

migrations: $(STAMP) ## write a migration for model changes
	$(BIN)/tortoise makemigrations

clean: ## remove the virtualenv and local data
	rm -rf $(VENV) var
