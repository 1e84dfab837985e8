# One command each: `make test` installs AMTS and its test tools into .venv and runs lint + tests;
# `make quickstart` installs only what AMTS needs to run (no test tools) and syncs the bundled sample offline.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install -q --disable-pip-version-check

.PHONY: install install-test test lint quickstart bench lock

$(BIN)/python:
	$(PY) -m venv $(VENV)

# What AMTS needs to run (pyproject.toml's [project] dependencies), installed editable.
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(PIP) -e .
	touch $@

# The same plus the test tools ([test] extra: pytest, moto, the fake GitHub's validators, ruff).
$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[test]'
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime

install-test: $(VENV)/.test

lint: install-test
	$(BIN)/ruff check .

# The aligner modules hatch_build.py compiles (bot/accel.py): compiled again in place (by reinstalling) when one
# of them changed since they were compiled (an edited module runs as Python until then; without a compiler, always).
ACCEL := bot/paralleldata.py $(addprefix bot/align/,blocks.py lexicon.py sentalign.py sentences.py textpairs.py units.py)
$(VENV)/.accel: hatch_build.py bot/accel.py $(ACCEL) $(wildcard bot/align/*.pxd) | $(VENV)/.runtime
	$(BIN)/python hatch_build.py --check || $(PIP) --no-deps -e .
	touch $@

test: lint $(VENV)/.accel
	$(BIN)/pytest -n 2

quickstart: install $(VENV)/.accel
	$(BIN)/python examples/quickstart.py

bench: install-test
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

# requirements.lock: the exact versions the App image installs (Dockerfile), resolved in a fresh venv.
lock:
	rm -rf build/lock-venv && $(PY) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install -q --disable-pip-version-check .
	{ echo "# Exact runtime dependency versions for the App image (Dockerfile). Regenerate: make lock"; \
	  build/lock-venv/bin/python -m pip freeze --exclude amts --exclude pip; } > requirements.lock
	rm -rf build/lock-venv
