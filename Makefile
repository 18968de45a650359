# Key Account Workbook: `make report` builds everything, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
JOBS ?=
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help env report test lint sample-data lab benchmark clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# Rebuilt only when pyproject.toml changes, so repeated runs are no-ops.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name workbook --display-name "Key Account Workbook" >/dev/null
	@touch $(STAMP)

# The engine tests also need the PostgreSQL and Spark clients.
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,postgres,spark]"
	@touch $(TEST_STAMP)

env: $(STAMP) ## create or refresh the virtual environment

report: $(STAMP) ## build sample data (if configured) and render every report
	$(BIN)/workbook run $(if $(JOBS),--jobs $(JOBS),)

test: $(TEST_STAMP) ## run the whole test suite (installs test-only system tools under CI)
	bash tests/prepare_system.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff
	$(BIN)/ruff check .

sample-data: $(STAMP) ## regenerate the default sample world
	$(BIN)/workbook sample-data

lab: $(STAMP) ## open JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks/

benchmark: $(STAMP) ## engine vs pandas feature build (see README for figures)
	$(BIN)/python benchmarks/features.py --sizes 1M,10M --repeat 3 --check

clean: ## remove generated data and reports (keeps the environment)
	rm -rf data reports/* && touch reports/.gitkeep
