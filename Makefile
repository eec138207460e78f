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

# The whole analysis in one process (sim all: the plan's budget, the Monte Carlo and its
# summary, the stress scenarios, the sensitivity, the model variants, both backtests, the pension
# rule's frontier and the report; sim/cli/pipeline.py lists the commands it runs, each of which
# also runs alone).
run: $(STAMP)
	$(BIN)/sim all $(CONFIG) --paths $(PATHS) --seed $(SEED) --out $(OUTDIR)

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
