# Manchette — `make run` serves the demo site, `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed
export MANCHETTE_SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run setup install test test-sqlite test-postgres check lint typecheck browser-deps messages bench clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 est requis ($(PYTHON) introuvable)."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

setup: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py load_demo
	$(PY) manage.py load_trust_demo
	$(PY) manage.py ensure_admin

run: setup  ## http://127.0.0.1:8000 (make run PORT=8123 serves elsewhere)
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

browser-deps:  ## Debian's Chromium for the browser tests, axe-core for accessibility
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }
	@test -f node_modules/axe-core/axe.min.js || npm install --no-audit --no-fund --silent

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check manchette config

typecheck: install
	$(VENV)/bin/mypy manchette config

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=check-deploy-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz \
	  MANCHETTE_SITE_URL=https://news.example MANCHETTE_HTTPS=1 DJANGO_ALLOWED_HOSTS=news.example \
	  $(PY) manage.py check --deploy --fail-level WARNING

test-sqlite: install browser-deps
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest -n 2 --dist loadgroup

test-postgres: install
	@if [ -n "$$DATABASE_URL" ]; then \
	  echo "== again on $$DATABASE_URL with Redis $$REDIS_URL =="; \
	  $(VENV)/bin/pytest -n 2 --dist loadgroup -m "not browser"; \
	else echo "DATABASE_URL not set: PostgreSQL run skipped"; fi

test: lint typecheck check test-sqlite test-postgres  ## every test (SQLite, then PostgreSQL + Redis when set)

messages: install  ## refresh the English catalogue (needs gettext)
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/cache var/static
