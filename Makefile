# nnbook: one source (nbs/), three products (package, HTML/PDF book, tests). See README.md.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MATHJAX := book/_assets/mathjax
REPO_ROOT := $(abspath .)
export NNBOOK_DATA ?= $(if $(wildcard ../shared/data/mnist),$(abspath ../shared/data),)
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# The book's kernels run OpenBLAS (and OpenMP) with a fixed number of threads: for a fixed count the
# results are bitwise identical from run to run, but float32 products differ in their last bits between
# 1 and 2 threads (tools/check_reproducible.py, CONTRIBUTING.md). 2 is the default on the 2-core CI
# machine, so the pin changes neither results nor speed there and makes them independent of the core count.
BOOK_THREADS ?= 2
# MPLBACKEND: the kernels draw with the inline backend whatever the caller's environment says (with Agg,
# common on headless machines, every figure would be drawn into nothing and vanish from the book).
BOOK_ENV := OPENBLAS_NUM_THREADS=$(BOOK_THREADS) OMP_NUM_THREADS=$(BOOK_THREADS) \
            MPLBACKEND=module://matplotlib_inline.backend_inline

include mk/*.mk

.PHONY: help venv install export mathjax book book-all page test test-clean test-export test-nbdev test-pytest coverage test-book test-pages test-repro timings clean

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' Makefile mk/*.mk | sed 's/:.*## /\t/' | sort

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.py settings.ini pyproject.toml
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

venv install: $(VENV)/.installed  ## create .venv and install nnbook (editable) with the dev tools

export: install  ## regenerate nnbook/ from the notebooks (modules, and the exercise notebooks in nnbook/starters/)
	$(BIN)/nbdev_export
	$(BIN)/python tools/make_starters.py

$(MATHJAX)/tex-chtml.js:  ## MathJax 3, from the npm registry, served by the book itself (offline math)
	command -v npm >/dev/null || { echo "npm is needed to fetch MathJax (apt-get install npm)"; exit 1; }
	tmp=$$(mktemp -d); (cd $$tmp && npm pack --silent mathjax@3 >/dev/null)
	mkdir -p $(MATHJAX) && tar -xzf $$tmp/mathjax-*.tgz -C $$tmp
	cp -r $$tmp/package/es5/. $(MATHJAX)/ && rm -rf $$tmp
	test -f $(MATHJAX)/tex-chtml.js

mathjax: $(MATHJAX)/tex-chtml.js

book: export mathjax  ## execute every notebook (cached) and build the HTML book into _build/html
	$(BOOK_ENV) $(BIN)/jupyter-book build . -W --keep-going
	@echo "Open _build/html/index.html"

book-all: export mathjax  ## rebuild every page from scratch, re-executing every notebook
	rm -rf _build
	$(BOOK_ENV) $(BIN)/jupyter-book build . -W --keep-going --all

page: export mathjax  ## rebuild one chapter: make page NB=nbs/03_forward.ipynb (re-executes it)
	test -n "$${NB:-}" || { echo "usage: make page NB=nbs/03_forward.ipynb"; exit 2; }
	$(BIN)/nbdev_test --path "$$NB" --flags slow --do_print
	$(BOOK_ENV) $(BIN)/jupyter-book build . -W --keep-going

test-clean: install  ## notebooks are committed without outputs or execution counts
	$(BIN)/python tools/check_clean.py nbs

test-export: install  ## nnbook/ equals what nbdev_export makes of nbs/, and nnbook/starters/ what the chapters' exercise cells make
	$(BIN)/python tools/check_export.py
	$(BIN)/python tools/make_starters.py --check

COVERAGE := $(BIN)/python -m coverage
COVERAGE_MIN ?= 90

test-nbdev: export  ## every notebook runs top to bottom (cells flagged slow are skipped), under coverage
	mkdir -p _build/coverage
	$(COVERAGE) run $(BIN)/nbdev_test --n_workers 0 --timing

test-pytest: export  ## the package's tests, under coverage (warnings are errors)
	mkdir -p _build/coverage
	$(COVERAGE) run -m pytest -q tests

coverage:  ## line coverage of nnbook from nbdev_test + pytest; fails below COVERAGE_MIN percent
	$(COVERAGE) combine -q || true
	$(COVERAGE) report --fail-under=$(COVERAGE_MIN) | tail -n 25

test-book: export mathjax  ## the strict HTML build from a clean _build (a cell error or sphinx warning fails it), then what the pages show
	rm -rf _build/html _build/.doctrees _build/.jupyter_cache _build/jupyter_execute
	$(BOOK_ENV) $(BIN)/jupyter-book build . -W --keep-going --all
	$(MAKE) --no-print-directory test-pages

test-pages:  ## the built pages: no exercise's answer in sight, every figure drawn, no raw table, tuple glue, stray value or internal reference; the visible code of §3.1-§3.7
	$(BIN)/python tools/check_pages.py --build _build
	$(BIN)/python tools/check_try_first.py --html _build/html
	$(BIN)/python tools/page_metrics.py --quiet --budget 2600 nbs/0[1-7]_*.ipynb

test-repro: export  ## execute every notebook of the book again: every output must equal test-book's (`timing` cells excepted)
	test -d _build/.jupyter_cache || $(MAKE) test-book
	start=$$(date +%s)
	$(BOOK_ENV) $(BIN)/python tools/check_reproducible.py --against _build/.jupyter_cache
	echo "test-repro: passed ($$(( $$(date +%s) - start )) s)"

timings:  ## each notebook's execution time in the last book build, slowest first
	$(BIN)/python tools/timings.py _build/.jupyter_cache

test: test-clean test-export test-workflows test-nbdev test-pytest coverage test-book test-repro test-book-extras test-package  ## everything CI checks
	@echo "make test: all checks passed"

clean:  ## remove build outputs
	rm -rf _build build dist *.egg-info
