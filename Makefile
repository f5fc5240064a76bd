# The README's commands. `make run` serves the API on the embedded SQLite database;
# `make test` runs the whole suite. Both create and fill .venv first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run superuser totp test bench lint security format requirements db-driver clean

run: export DEBUG ?= true
run: $(STAMP) db-driver
	$(PY) manage.py migrate --no-input
	@$(PY) manage.py first_run_hint
	@# The task worker (recording analysis) runs beside the server and stops with it.
	$(PY) manage.py db_worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

# The first account: create_user is reserved for superusers. Same settings as `make run`.
superuser: export DEBUG ?= true
superuser: $(STAMP) db-driver
	$(PY) manage.py migrate --no-input
	$(PY) manage.py createsuperuser
	@echo "To use the admin, enrol an authenticator app: make totp USER=<username>"

# Enrol a staff member's authenticator app (TOTP) for the admin's second factor.
totp: export DEBUG ?= true
totp: $(STAMP)
	@test -n "$(USER)" || { echo "usage: make totp USER=<username>"; exit 1; }
	$(PY) manage.py enroll_totp $(USER)

# Tests never need a real secret; production settings refuse to start without one.
test: export SECRET_KEY ?= insecure-key-for-the-test-suite-only
test: $(STAMP) db-driver
	$(PY) -m pytest $(PYTEST_ARGS)

# The benchmark suite: gunicorn + nginx + MariaDB against same-run baselines, one table of
# ratios (see README, Performance). BENCH_ARGS=--quick for a one-minute smoke run.
bench: $(STAMP)
	$(PY) -m bench.suite $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# bandit (fails on high-severity findings) and pip-audit of the pinned requirements.
APP_PACKAGES := accounts audit devices patients recordings ecg_server $(wildcard ecg)
security: $(STAMP)
	$(VENV)/bin/bandit -q -r $(APP_PACKAGES) --severity-level high --exclude '*/migrations/*'
	$(PY) .ci/pip_audit_check.py

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Recompile the pinned requirement files after editing the *.in files.
requirements: $(STAMP)
	$(PIP) install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "ECG Server needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	  echo "Run again with PYTHON=/path/to/python3.11 (or newer)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(PY) requirements.txt requirements-dev.txt requirements-mysql.txt
	$(PIP) install --quiet -r requirements.txt -r requirements-dev.txt
	@if $(PIP) install --quiet -r requirements-mysql.txt >$(VENV)/mysqlclient-build.log 2>&1; then \
	  echo "MySQL/MariaDB support: installed (mysqlclient)."; \
	else \
	  echo "MySQL support skipped: mysqlclient could not be built here (are the MySQL/MariaDB client headers installed? see $(VENV)/mysqlclient-build.log). Everything runs on SQLite."; \
	fi
	@touch $@

# With DATABASE_URL=mysql://... the driver is required, not optional.
db-driver: $(STAMP)
	@case "$${DATABASE_URL:-}" in mysql*) \
	  $(PY) -c 'import MySQLdb' 2>/dev/null || $(PIP) install --quiet -r requirements-mysql.txt || { \
	    echo "DATABASE_URL points at MySQL/MariaDB, but mysqlclient cannot be built: install the client headers (Debian: apt-get install libmariadb-dev pkg-config gcc; macOS: brew install mysql-client pkg-config)."; \
	    exit 1; } ;; \
	esac

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
