# The README's quick-start commands. A fresh machine needs only Python 3.11 and git.
#   make demo   virtual environment, install, migrate SQLite under ./var, demo organisation, serve
#   make test   virtual environment with the dev tools, then the whole test suite
#   make lint   ruff, ruff format --check, mypy, import contracts, makemigrations --check
#   make clean  remove the virtual environment, caches and ./var (the demo database)
# TRUSTLEDGER_* variables in the environment pass through, e.g.
#   TRUSTLEDGER_DATABASE_URL=postgres://postgres@127.0.0.1:5432/trustledger make test

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
CONSTRAINTS := requirements/constraints.txt
# Stamps: reinstall only when the dependencies change, so re-runs are fast.
INSTALLED := $(VENV)/.installed
INSTALLED_DEV := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint clean

demo: $(INSTALLED)
	TRUSTLEDGER_MODE=$${TRUSTLEDGER_MODE:-demo} $(BIN)/trustledger demo --host $(HOST) --port $(PORT)

test: $(INSTALLED_DEV)
	TRUSTLEDGER_MODE=development $(BIN)/pytest

lint: $(INSTALLED_DEV)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	TRUSTLEDGER_MODE=development DJANGO_SETTINGS_MODULE=trustledger.settings \
		$(BIN)/django-admin makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache .hypothesis .import_linter_cache
	find src tests benchmarks -name __pycache__ -type d -prune -exec rm -rf {} +

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(PIP) install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(INSTALLED_DEV): $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(PIP) install --quiet -c $(CONSTRAINTS) -e ".[dev]"
	touch $@ $(INSTALLED)
