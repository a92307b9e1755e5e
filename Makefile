# make demo | test | lint | bench -- each sets itself up in .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup browser demo test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

demo: $(STAMP)
	rm -rf demo
	$(BIN)/concerted simulate --out demo/world
	$(BIN)/concerted detect demo/world/actions.csv --out demo/results
	$(BIN)/concerted evaluate demo/results --truth demo/world/truth.csv
	@echo "Open demo/results/report.html in a browser."

test: $(STAMP) browser
	$(BIN)/ruff check src tests benchmarks docs
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs
	$(BIN)/ruff format --check src tests benchmarks docs

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_coaction.py
	$(BIN)/python benchmarks/bench_accuracy.py
	$(BIN)/python benchmarks/bench_audiences.py
	$(BIN)/python benchmarks/bench_signups.py
	$(BIN)/python benchmarks/bench_signups_serve.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_privacy.py

clean:
	rm -rf $(VENV) demo build *.egg-info src/*.egg-info
