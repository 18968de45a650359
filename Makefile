# Key Account Workbook: `make report` builds everything, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
JOBS ?=
PYTEST_ARGS ?=

# Notebooks are committed without outputs: a git filter (nbstripout) strips them on `git add`.
# Kept: cell ids, tags, the i18n cell key, the kernelspec and language_info's name; dropped
# with the outputs: execution counts and what a run adds to language_info.
NBSTRIPOUT := "$(abspath $(BIN))/python" -m nbstripout --keep-id --extra-keys "$(strip \
	metadata.language_info.version metadata.language_info.mimetype \
	metadata.language_info.file_extension metadata.language_info.codemirror_mode \
	metadata.language_info.pygments_lexer metadata.language_info.nbconvert_exporter)"
# `jupyter lab` refuses to start as root (the default user in containers) without this.
LAB_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

.DEFAULT_GOAL := help
.PHONY: help env notebook-filter report test lint sample-data lab benchmark clean

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

env: $(STAMP) notebook-filter ## create or refresh the virtual environment and the git output filter

# Only inside a git work tree (an exported copy has no .git); .gitattributes names the filter.
notebook-filter:
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git config filter.nbstripout.clean '$(NBSTRIPOUT)' && \
		git config filter.nbstripout.smudge cat && \
		git config diff.ipynb.textconv '$(NBSTRIPOUT) -t' && \
		echo "git filter nbstripout installed: notebook outputs never reach a commit"; \
	else \
		echo "not a git work tree: no output filter installed"; \
	fi

report: $(STAMP) ## build sample data (if configured) and render every report
	$(BIN)/workbook run $(if $(JOBS),--jobs $(JOBS),)

test: $(TEST_STAMP) ## run the whole test suite (installs test-only system tools under CI)
	bash tests/prepare_system.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff
	$(BIN)/ruff check .

sample-data: $(STAMP) ## regenerate the default sample world
	$(BIN)/workbook sample-data

# The notebooks name the workbook kernel in their metadata; it is preferred for new ones too.
lab: $(STAMP) ## open JupyterLab on the notebooks with the workbook kernel
	$(BIN)/jupyter lab $(LAB_ROOT) --MultiKernelManager.default_kernel_name=workbook notebooks/

benchmark: $(STAMP) ## engine vs pandas feature build (see README for figures)
	$(BIN)/python benchmarks/features.py --sizes 1M,10M --repeat 3 --check

clean: ## remove generated data and reports (keeps the environment)
	rm -rf data reports/* && touch reports/.gitkeep
