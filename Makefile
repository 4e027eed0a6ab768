# Two commands do everything on a fresh machine with Python >= 3.11, pip and make:
#   make demo   set up, then check a leader election under a partition and write its
#               counterexample (text, chart, HTML) to demo-out/
#   make test   set up, then run the tests, ruff and mypy
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup graphviz-dot demo test lint typecheck unit bench golden clean
.PHONY: regress regress-slow chromium chart explorer-screenshot erlang package docs
.PHONY: processes-chart tutorial-charts ray

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
	@echo "== checking a leader election where the highest node a node can see leads, with one partition allowed =="
	@$(BIN)/modelcheck check models/election/no_quorum_election.py --partitions 1 --no-timing \
	    --out demo-out --force; \
	  status=$$?; test $$status -eq 1 || { echo "demo: expected a counterexample (exit 1), got $$status"; exit 1; }
	@echo "== the counterexample is in demo-out/: one_leader.png, .svg or .html (the message sequence chart), one_leader.txt to read; replay it with the command above =="

test: setup chromium erlang ray lint typecheck unit

# Ray runs tests/test_cluster.py (--ray on a local Ray with 2 CPUs); install the ray extra
# into the venv where we can (the tests are skipped, saying why, where it cannot be installed).
ray: $(STAMP)
	@$(BIN)/python -c "import ray" 2>/dev/null || \
	  $(BIN)/python -m pip install --quiet -e '.[ray]' || \
	  echo "ray: the ray extra cannot be installed here; tests/test_cluster.py is skipped"

# Headless Chromium runs the HTML report's test; install it where it is missing and we may
# (the test is skipped, saying why, where it cannot be installed).
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  sh .ci/install-chromium.sh

# Real Erlang/OTP nodes run the BEAM conformance tests (tests/beam/); install Erlang where
# it is missing and we may (the tests are skipped, saying why, where it cannot be installed).
erlang:
	@command -v erl >/dev/null 2>&1 && command -v erlc >/dev/null 2>&1 || \
	  sh .ci/install-erlang.sh

# The chart in docs/counterexamples.md: the late reply's counterexample, drawn by `check --out`.
CHART_PNG ?= docs/late_reply.png
chart: $(STAMP)
	@tmp=$$(mktemp -d); \
	  $(BIN)/modelcheck check models/messaging/late_reply.py:UntaggedReply --no-timing \
	    --out $$tmp >/dev/null 2>&1; \
	  cp $$tmp/answers_are_right.png $(CHART_PNG); status=$$?; rm -rf $$tmp; \
	  test $$status -eq 0 && echo "wrote $(CHART_PNG)"; exit $$status

# The docs' picture of processes on nodes: spawn, a registered name, notes, a kill, a crash.
PROCESSES_PNG ?= docs/processes_chart.png
processes-chart: $(STAMP)
	@$(BIN)/modelcheck replay tests/chart_systems.py:Shop -p crashes=1 --path 0.0.0.0.0.0.0 \
	  --format dot | dot -Tpng -o $(PROCESSES_PNG) && echo "wrote $(PROCESSES_PNG)"

# The tutorial's charts (docs/charts/tutorial-N.svg and .dot): each chapter's first command,
# run with --out; tests/test_tutorial.py checks they are current. Review the diff.
tutorial-charts: $(STAMP) graphviz-dot
	$(BIN)/python -m tests.tutorial_charts

# The explorer's screenshot in docs/explorer.md: the real app in headless Chromium.
EXPLORER_PNG ?= docs/explorer.png
explorer-screenshot: $(STAMP) chromium
	$(BIN)/python -m tests.explorer_screenshot $(EXPLORER_PNG)

# The wheel and the sdist in dist/ (the wheel built from the sdist), with no network access:
# build and setuptools are dev dependencies. tests/test_python_habits.py installs the wheel
# in a fresh virtual environment and runs it.
package: $(STAMP)
	$(BIN)/python -m build --no-isolation --outdir dist .

# The documentation site in site/ (MkDocs, from docs/ and mkdocs.yml); --strict makes every
# warning, such as a broken link, an error. tests/test_docs.py builds it and runs its examples.
docs: $(STAMP)
	$(BIN)/python -m mkdocs build --strict

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
	$(BIN)/python -m benchmarks.actors
	$(BIN)/python -m benchmarks.symmetry
	$(BIN)/python -m benchmarks.por
	$(BIN)/python -m benchmarks.simulate
	$(BIN)/python -m benchmarks.liveness
	$(BIN)/python -m benchmarks.paxos_commit
	$(BIN)/python -m benchmarks.store
	$(BIN)/python -m benchmarks.fingerprint
	$(BIN)/python -m benchmarks.parallel
	$(BIN)/python -m benchmarks.explorer
	$(BIN)/python -m benchmarks.faults

# Regression specs (specs/*.toml): the fast ones also run in `make test`; the slow ones
# (slow = true, e.g. TwoPhase with 7 and 8 resource managers) only here.
regress: $(STAMP)
	$(BIN)/modelcheck regress specs/

regress-slow: $(STAMP)
	$(BIN)/modelcheck regress specs/ --slow

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache
