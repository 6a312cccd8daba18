# rekisteri: `make run` starts the app, `make test` runs the tests (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST_PORT ?= 127.0.0.1:8000
PYTEST_ARGS ?=

.PHONY: run test install lint check messages clean

# The virtualenv, with the pinned runtime and dev dependencies from pyproject.toml.
$(VENV)/.installed: pyproject.toml
	@if ! $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
		echo "rekisteri needs Python 3.11 or newer as '$(PYTHON)' (set PYTHON=...)."; exit 1; fi
	@if [ ! -x $(PY) ]; then \
		if ! $(PYTHON) -m venv $(VENV) 2>/dev/null; then \
			rm -rf $(VENV); \
			echo "Python's venv module is missing (Debian package python3-venv)."; \
			if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
				echo "Installing python3-venv with apt-get..."; \
				apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv \
				&& $(PYTHON) -m venv $(VENV) || exit 1; \
			else \
				echo "Install it with: sudo apt-get install python3-venv"; exit 1; \
			fi; \
		fi; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
		print('\n'.join(p['dependencies'] + p['optional-dependencies']['dev']))" > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements.txt
	@touch $@

install: $(VENV)/.installed

# Runs the app on http://127.0.0.1:8000 with a local SQLite database under data/, and the
# background worker beside it (email, scheduled jobs); both log here, Ctrl-C stops both.
# DEMO=1 fills an empty database with a demo studio. A local .env (git-ignored) is written
# once, so that the README's `.venv/bin/python manage.py ...` commands work as written.
run: install .env
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(PY) manage.py createowner --if-none
	@if [ -n "$(DEMO)" ] && [ "$(DEMO)" != 0 ]; then DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo; fi
	@echo "Starting the worker and the server on http://$(HOST_PORT)/ (Ctrl-C stops both)."
	@DEBUG=$${DEBUG:-true} $(PY) manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	DEBUG=$${DEBUG:-true} $(PY) manage.py runserver $(HOST_PORT)

# The local settings file `make run` writes once (git-ignored; never overwritten): DEBUG on,
# so that `.venv/bin/python manage.py ...` works in the checkout with the keys kept in data/.
.env:
	@printf '%s\n' \
		'# Written by `make run` for local development; git-ignored. See .env.example.' \
		'DEBUG=true' > $@

# Runs the whole suite; exit code 5 (no tests collected) is a failure, not a pass.
test: install
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing."; exit 1; fi; exit $$rc

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The static checks CI runs before the tests: ruff, mypy (with django-stubs), bandit, the
# migration and deploy checks, hadolint; any finding fails. The migration and deploy
# checks use production settings: DEBUG off, throwaway random keys, a real host name
# and an in-memory database (nothing is written).
PROD_ENV := env DJANGO_SETTINGS_MODULE=rekisteri.settings DEBUG=false \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	SUPPRESSION_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=rekisteri.example.fi DATABASE_URL=sqlite:///:memory:
check: lint
	$(VENV)/bin/mypy
	$(VENV)/bin/bandit -c pyproject.toml -q -r rekisteri customers consent --severity-level high
	$(PROD_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(PROD_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	$(VENV)/bin/hadolint Dockerfile

# Refreshes locale/*/django.po from the code and compiles them (needs GNU gettext).
messages: install
	@command -v msgfmt >/dev/null || { echo "GNU gettext is needed: sudo apt-get install gettext"; exit 1; }
	DEBUG=true $(PY) manage.py makemessages -l fi -l en --no-obsolete --no-location --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
