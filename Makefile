# Factdesk: `make demo` and `make test` are the two commands a new user needs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYPROJECT_HASH := $(shell cat pyproject.toml | sha1sum | cut -c1-12)
# Two install levels: `make demo` installs what running needs; `make test` adds the test tools.
RUNTIME_STAMP := $(VENV)/.runtime-$(PYPROJECT_HASH)
STAMP := $(VENV)/.installed-$(PYPROJECT_HASH)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install install-runtime lint bench serve worker clean system-deps

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@rm -f $(VENV)/.runtime-*
	@touch $(RUNTIME_STAMP)

$(STAMP): $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install-runtime: $(RUNTIME_STAMP)

install: $(STAMP)

# WeasyPrint needs Pango (PDF reports); browser tests need Debian's Chromium. Installed when missing and possible.
system-deps:
	@./scripts/system-deps.sh test

# The server and the background worker together (Ctrl+C stops both), on HOST:PORT.
demo: install-runtime
	@./scripts/system-deps.sh runtime
	BIN=$(BIN) HOST=$(HOST) PORT=$(PORT) ./scripts/demo.sh

serve: install-runtime
	$(BIN)/python manage.py collectstatic --no-input -v0
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn -c python:factcheck.gunicorn_conf factcheck.wsgi

worker: install-runtime
	$(BIN)/python manage.py db_worker --no-reload

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=factcheck.settings_test $(BIN)/python manage.py makemigrations --check --dry-run

test: install system-deps lint
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles factdesk.sqlite3*
