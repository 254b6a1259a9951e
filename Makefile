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

.PHONY: demo test install install-runtime lint bench serve worker clean system-deps messages compilemessages

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

install-runtime: $(RUNTIME_STAMP) compilemessages

install: $(STAMP) compilemessages

# Interface translations (locale/<lang>/LC_MESSAGES/*.po): compiled to .mo files at install,
# never committed. msgfmt comes from gettext (scripts/system-deps.sh); without it the
# interface stays in English.
MANAGE := DJANGO_SETTINGS_MODULE=factcheck.settings_test $(BIN)/python manage.py
LOCALES := -l ar -l es -l fr
compilemessages: $(RUNTIME_STAMP)
	@./scripts/system-deps.sh gettext
	@if ! ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then :; \
	elif command -v msgfmt >/dev/null; then $(MANAGE) compilemessages --ignore=.venv -v0; \
	else echo "msgfmt (gettext) not found: the interface stays in English." >&2; fi

# Collect every marked string into the .po files (templates and Python: django; static/js: djangojs).
messages: $(RUNTIME_STAMP)
	@./scripts/system-deps.sh gettext
	$(MANAGE) makemessages $(LOCALES) --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=node_modules --ignore=benchmarks/data --ignore=tests --ignore=docs
	$(MANAGE) makemessages -d djangojs $(LOCALES) --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=node_modules --ignore=benchmarks/data --ignore=tests --ignore=docs

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
	@./scripts/system-deps.sh bench
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles factdesk.sqlite3*
