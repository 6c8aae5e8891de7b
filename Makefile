# Every target a developer or CI needs; `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall whenever pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# Where the data is: README, Getting HAM10000 (the training CLIs' --data has the same default).
DATA ?= $(or $(HAM10000_DIR),data/ham10000)
MODEL ?= models/resnet_small_2x/model.keras
RUN_OUT ?= runs/$(shell date +%Y%m%d-%H%M%S)
# pytest-xdist workers (3 keep 2 cores busy while tests wait on servers); 0: one process
TEST_WORKERS ?= 3

.DEFAULT_GOAL := help
.PHONY: help install run test lint format train evaluate context train-segmenter evaluate-segmenter bench clean all

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-19s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

# `make run` installs only what serving needs, at the versions the images run
# (requirements/serve.lock.txt: the service, the page and the ensembles' assembler; no TensorFlow,
# no test tools), unless the developer set is already there, which holds all of it.
SERVE_LOCK := requirements/serve.lock.txt
SERVE_STAMP := $(VENV)/.serving-$(shell cksum $(SERVE_LOCK) | cut -d' ' -f1)
RUN_STAMP := $(if $(wildcard $(VENV)/.installed-*),$(STAMP),$(SERVE_STAMP))

$(SERVE_STAMP): $(SERVE_LOCK)
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(SERVE_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.serving-*
	touch $@

# The shipped ensembles' graphs are made from their members and rules (models/*/config.json)
# rather than kept in git as a second copy of their weights; the assembler needs only onnx,
# which both sets hold.
ENSEMBLES := models/ensemble/model.onnx models/ensemble_int8/model.onnx
ASSEMBLER := $(if $(filter run,$(MAKECMDGOALS)),$(RUN_STAMP),$(STAMP))
$(ENSEMBLES): models/%/model.onnx: models/%/config.json | $(ASSEMBLER)
	$(BIN)/python -m lesion_runtime.assemble models/$*
# Each one's members (the files its config.json names):
models/ensemble/model.onnx: models/efficientnet_lite1/model.onnx \
	models/efficientnet_lite0/model.onnx models/resnet_small_2x/model.onnx
models/ensemble_int8/model.onnx: models/efficientnet_lite1/model.int8.onnx \
	models/efficientnet_lite0/model.onnx models/resnet_small_2x/model.int8.onnx

install: $(STAMP) $(ENSEMBLES) ## create .venv with the project and everything the tests need

run: $(RUN_STAMP) $(ENSEMBLES) ## serve the shipped models (installing only what serving needs): API :8000, UI :8501
	scripts/run_local.sh

# Bytecode caches stay on for the tests (git ignores them): with PYTHONDONTWRITEBYTECODE set,
# every worker and every server the tests start compiles the project and rewrites the test
# modules' asserts again (5 s of CPU per worker).
test: $(STAMP) $(ENSEMBLES) ## run the whole test suite (in TEST_WORKERS=3 processes)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup \
		--no-loadscope-reorder --durations=20

lint: $(STAMP) ## check style and common bugs with ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## rewrite files in ruff's format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

train: $(STAMP) ## train the paper's CNN on $(DATA) into $(RUN_OUT) (about 36 min on 2 CPU cores)
	$(BIN)/python -m training.classifier.train --data $(DATA) --out $(RUN_OUT) $(ARGS)

# ISIC 2017 (labels.csv, images/): `make evaluate` scores its val and test thirds when it is there,
# and MILK10k's validation third likewise (MILK10K, below).
ISIC2017 ?= $(or $(ISIC2017_DIR),data/isic2017)

evaluate: $(STAMP) $(ENSEMBLES) ## score $(MODEL) on its saved split's test part, against always answering nv
	$(BIN)/python -m training.classifier.evaluate --model $(MODEL) --data $(DATA) \
		$(if $(wildcard $(ISIC2017)/labels.csv),--isic2017 $(ISIC2017)) \
		$(if $(wildcard $(MILK10K)/metadata.csv),--milk10k $(MILK10K)) $(ARGS)

# The context models (age, sex, site) of the shipped classifiers: refit whenever one changes.
MILK10K ?= $(or $(MILK10K_DIR),data/milk10k)
CONTEXT_MODELS := ensemble resnet_small_2x paper_cnn efficientnet_lite0 efficientnet_lite1

context: $(STAMP) $(ENSEMBLES) ## refit each shipped classifier's context model on $(DATA) and $(MILK10K)
	for model in $(CONTEXT_MODELS); do \
		$(BIN)/python -m training.context.build --model models/$$model/model.onnx \
			--ham10000 $(DATA) --milk10k $(MILK10K) || exit 1; \
	done

SEGMENTER ?= models/lesion_segmenter/model.onnx

train-segmenter: $(STAMP) ## train the lesion segmenter on $(DATA) (needs its masks/) into $(RUN_OUT)
	$(BIN)/python -m training.segmenter.train --data $(DATA) --out $(RUN_OUT) $(ARGS)

evaluate-segmenter: $(STAMP) ## score $(SEGMENTER) and the Otsu baseline on its split's test part
	$(BIN)/python -m training.segmenter.evaluate --model $(SEGMENTER) --data $(DATA) $(ARGS)

bench: $(STAMP) $(ENSEMBLES) ## run the benchmark scripts
	$(BIN)/python benchmarks/serving_latency.py
	$(BIN)/python benchmarks/localization_latency.py
	$(BIN)/python benchmarks/input_check_cost.py
	$(BIN)/python benchmarks/field_of_view_cost.py
	$(BIN)/python benchmarks/request_profile.py
	$(BIN)/python benchmarks/cli_throughput.py
	$(BIN)/python benchmarks/hostile_clients.py
	$(BIN)/python benchmarks/context_cost.py

clean: ## remove caches and run outputs (keeps .venv)
	rm -rf .pytest_cache .ruff_cache .cache runs test-artifacts bench-results
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

all: lint test ## what CI runs

.PHONY: compose-smoke
compose-smoke: ## build the three Docker images, start the stack, check it end to end, tear it down
	scripts/compose_smoke.sh
