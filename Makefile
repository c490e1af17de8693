# Kefu 客服 — two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
UV := .venv-tools/bin/uv
PORT ?= 8000
KEFU_DEMO ?= 1
export PORT

PY_STAMP := $(VENV)/.kefu-installed
NPM_STAMP := node_modules/.kefu-installed
ASSETS_STAMP := build/vendor/.kefu-copied
STATIC_STAMP := staticfiles/.kefu-collected
CATALOGUES := $(wildcard locale/*/LC_MESSAGES/django.po */locale/*/LC_MESSAGES/django.po)
MESSAGES := $(patsubst %.po,%.mo,$(CATALOGUES))
APPS_WITH_LOCALE := $(patsubst %/locale,%,$(wildcard */locale))
MAKEMESSAGES := manage.py makemessages -l en --no-obsolete --add-location file
STATIC_SOURCES := $(shell find static -type f 2>/dev/null)

.PHONY: run test install lint format messages bench bench-quick clean

run: install $(STATIC_STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	KEFU_DEMO=$(KEFU_DEMO) $(PY) manage.py kefu_demo_if_enabled
	KEFU_DEMO=$(KEFU_DEMO) $(PY) manage.py kefu_serve --port $(PORT)

test: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	DJANGO_SETTINGS_MODULE=kefu.settings_test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

install: $(PY_STAMP) $(NPM_STAMP) $(ASSETS_STAMP) $(MESSAGES)

$(UV):
	$(PYTHON) -m venv .venv-tools
	.venv-tools/bin/pip install --quiet uv==$(UV_VERSION)

$(PY_STAMP): pyproject.toml uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON)
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(ASSETS_STAMP): $(NPM_STAMP) $(PY_STAMP) core/management/commands/kefu_assets.py
	$(PY) manage.py kefu_assets
	touch $@

$(STATIC_STAMP): $(ASSETS_STAMP) $(STATIC_SOURCES)
	$(PY) manage.py collectstatic --noinput -v0
	touch $@

%/LC_MESSAGES/django.mo: %/LC_MESSAGES/django.po $(PY_STAMP)
	$(PY) manage.py kefu_compilemessages

# For developers (needs GNU gettext): refresh the English catalogues from the sources,
# one per app (<app>/locale) plus the project's templates and settings (locale/).
messages: $(PY_STAMP)
	for app in $(APPS_WITH_LOCALE); do (cd $$app && ../$(PY) ../$(MAKEMESSAGES)) || exit 1; done
	$(PY) $(MAKEMESSAGES) $(foreach dir,$(APPS_WITH_LOCALE) node_modules .venv .venv-tools build staticfiles var bench,--ignore '$(dir)/*')
	sed -i '/^"POT-Creation-Date:/d' $(wildcard locale/*/LC_MESSAGES/django.po */locale/*/LC_MESSAGES/django.po)
	$(PY) manage.py kefu_compilemessages

format: $(PY_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lint: $(PY_STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

# The benchmark (bench/README.md): results in bench/results/, data under var/bench/.
bench-quick: install $(STATIC_STAMP)
	$(PY) -m bench.run --name quick-sqlite --tickets 100000 --seconds 5

bench: install $(STATIC_STAMP)
	$(PY) -m bench.run --name 1m-sqlite --tickets 1000000
	bench/postgres.sh $(PY) -m bench.run --name 1m-postgresql --tickets 1000000 --database postgresql

clean:
	rm -rf $(VENV) .venv-tools node_modules build staticfiles
