# One command each: `make test` installs everything into .venv and runs lint + tests;
# `make quickstart` installs and runs a real sync offline on the bundled sample.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install test lint quickstart bench

$(BIN)/amts: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/amts

install: $(BIN)/amts

lint: install
	$(BIN)/ruff check .

test: install lint
	$(BIN)/pytest -n 2

quickstart: install
	$(BIN)/python examples/quickstart.py

bench: install
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done
