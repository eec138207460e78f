# Set-up and the two everyday commands. `make run` and `make test` create .venv on first use
# and reinstall only when setup.cfg or pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CONFIG ?= configs/plans/strategisk-plan-2023-2025.toml
NAME   := $(basename $(notdir $(CONFIG)))
OUTDIR := results/$(NAME)

.PHONY: run test bench docs clean-venv

# System packages: Chromium for the report's browser tests, Pango for WeasyPrint's PDF. Debian's
# packages, installed once (as root, or through sudo) when missing.
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
APT := $(shell [ "$$(id -u)" = 0 ] && echo apt-get || echo sudo apt-get)

$(STAMP): setup.cfg pyproject.toml
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages: $$missing"; \
		$(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq $$missing; \
	fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

PATHS  ?= 100000
SEED   ?= 20230101

run: $(STAMP)
	$(BIN)/sim run $(CONFIG) --deterministic --out $(OUTDIR)/budget.nc
	$(BIN)/sim run $(CONFIG) --paths $(PATHS) --seed $(SEED) --out $(OUTDIR)/run.nc
	$(BIN)/sim summary $(OUTDIR)/run.nc
	$(BIN)/sim stress $(CONFIG) configs/scenarios/*.toml --out $(OUTDIR)/stress.nc
	$(BIN)/sim sensitivity $(CONFIG) --seed $(SEED) --out $(OUTDIR)/sensitivity.nc
	$(BIN)/sim compare $(CONFIG) --seed $(SEED) --out $(OUTDIR)/model-risk.nc
	$(BIN)/sim backtest data/history/norrbotten_outturns.csv --paths 20000 --out $(OUTDIR)/backtest
	$(BIN)/sim backtest data/history/budget_outturns.csv --paths 10000 --out $(OUTDIR)/backtest-regioner
	$(BIN)/sim strategy $(CONFIG) --seed $(SEED) --paths 10000 --out $(OUTDIR)/strategy.nc
	$(BIN)/sim report $(CONFIG) --run $(OUTDIR)/run.nc --stress $(OUTDIR)/stress.nc \
		--sensitivity $(OUTDIR)/sensitivity.nc --models $(OUTDIR)/model-risk.nc \
		--backtest $(OUTDIR)/backtest-regioner/backtest.nc --strategy $(OUTDIR)/strategy.nc \
		--out $(OUTDIR)/report

# The main job first (it must keep working), then the test suite.
test: run docs
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench

# The documentation site (mkdocs.yml, docs/) into site/; the reference pages are written from the
# code as it builds. The variable silences mkdocs-material's notice about its successor.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

clean-venv:
	rm -rf $(VENV)
