# Every target does its own set-up on a fresh machine: it creates .venv and
# installs Lucid with the extras it needs, then runs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: venv train gpt test lint fuzz stub bench docs serve clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,docs,text]"
	touch $@

venv: $(VENV)/.installed

## Lucid's main job: train a small model on data that needs no network.
train: venv
	$(PY) -m lucid.examples.train

## Train a tiny GPT on the Python standard library's source (no network), then sample from it.
gpt: venv
	$(PY) -m lucid.examples.gpt

## The whole test suite, doctests included.
test: venv
	$(PY) -m pytest

## Lint with ruff (its rules are in pyproject.toml).
lint: venv
	$(PY) -m ruff check lucid tests benchmarks

## Property-based fuzzing (tests/fuzz) with a large budget and random seeds; `make test` runs a small fixed one.
FUZZ_EXAMPLES ?= 1000
fuzz: venv
	LUCID_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) LUCID_FUZZ_RANDOM=1 LUCID_FUZZ_TIMEOUT=3600 $(PY) -m pytest tests/fuzz -p no:cacheprovider

bench: venv
	$(PY) -m benchmarks

docs: venv
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

serve: venv
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs serve

## Regenerate the Tensor type stub (lucid/_tensor.pyi) after adding or changing a Tensor method.
stub: venv
	$(PY) -m lucid._stubgen

clean:
	rm -rf $(VENV) site .pytest_cache
