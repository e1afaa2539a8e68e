# The two commands of the README. Each sets up .venv (Python 3.11+) when needed, then runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench lock

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pingan demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# requirements.lock: every runtime dependency pinned with hashes, for Python 3.11+ on any
# platform (docs/run.md: how a deployment installs from it). Rerun after changing
# pyproject.toml's dependencies; tests/test_lockfile.py fails until then.
lock: $(STAMP)
	$(BIN)/pip install --quiet 'uv>=0.5'
	$(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command 'make lock' --output-file requirements.lock
