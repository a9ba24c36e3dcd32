# Developer shortcuts; CI (.ci/run) calls `make lint` as its own step before the tests.
PY ?= .venv/bin/python
SOURCES := hub tests bench migrations

.PHONY: lint format test

## lint: formatting, lint rules (complexity included) and strict types; changes nothing
lint:
	$(PY) -m ruff format --check $(SOURCES)
	$(PY) -m ruff check $(SOURCES)
	$(PY) -m mypy hub

## format: rewrite the sources in the house format and apply the safe lint fixes
format:
	$(PY) -m ruff format $(SOURCES)
	$(PY) -m ruff check --fix $(SOURCES)

## test: the SQLite test pass (HUB_TEST_DATABASE_URL=postgresql://... for PostgreSQL)
test:
	$(PY) -m pytest -q
