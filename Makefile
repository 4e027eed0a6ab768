# Two commands do everything on a fresh machine with Python >= 3.11, pip and make:
#   make demo   set up, then check a model and write its counterexample to demo-out/
#   make test   set up, then run the tests, ruff and mypy
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup graphviz-dot demo test lint typecheck unit bench golden clean

setup: $(STAMP) graphviz-dot

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The Graphviz `dot` program renders charts; install it where it is missing and we may.
graphviz-dot:
	@command -v dot >/dev/null 2>&1 || sh .ci/install-graphviz.sh

demo: setup
	@echo "== checking a two-phase commit whose coordinator commits on a majority (a bug) =="
	@$(BIN)/modelcheck check models/classic/two_phase_hasty.py --out demo-out --force; \
	  status=$$?; test $$status -eq 1 || { echo "demo: expected a counterexample (exit 1), got $$status"; exit 1; }
	@echo "== the counterexample is in demo-out/TCConsistent.txt (and .json); replay it with the command above =="

test: setup lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

# Regenerate tests/golden/*.txt after a deliberate change of output; review the diff.
golden: $(STAMP)
	$(BIN)/python -m tests.golden_runner

bench: $(STAMP)
	$(BIN)/python -m benchmarks.twophase

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache
