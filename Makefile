# Every workflow of the course. `make help` lists the targets.
#
# The two commands a user needs:   make lab     and     make test
#
# The virtual environment lives in .venv and is (re)built whenever pyproject.toml changes.
# The data directory: COURSE_DATA_DIR if set; otherwise ../shared/data when it exists (the
# layout of the course's shared folder); otherwise the loader's per-user cache, downloading
# from public mirrors with checksum checks.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

ifndef COURSE_DATA_DIR
  ifneq ($(wildcard $(CURDIR)/../shared/data/mnist),)
    COURSE_DATA_DIR := $(abspath $(CURDIR)/../shared/data)
  endif
endif
ifdef COURSE_DATA_DIR
  export COURSE_DATA_DIR
endif

# A stale MPLBACKEND (Agg in CI images) would stop figures from showing inline.
unexport MPLBACKEND

# Jupyter refuses to start as root (containers, some JupyterHub images) unless told to.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

NOTEBOOKS := $(shell find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
NBVAL     := --nbval --nbval-current-env --nbval-cell-timeout=300 --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: help env lab data test test-unit test-notebooks test-portable execute sync \
        student bench lint clean

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3 on PATH)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "The course pins Python 3.11; $(PYTHON) is " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

env: $(STAMP)  ## create or update the virtual environment in .venv

data: $(STAMP)  ## make sure MNIST and Fashion-MNIST are present (downloads with checksum checks)
	$(BIN)/python -m helpers.data fetch

lab: $(STAMP) data  ## the first command: environment, data, then JupyterLab on the course
	$(BIN)/jupyter lab $(LAB_FLAGS) notebooks/00-mnist/mnist.ipynb

test: $(STAMP)  ## the second command: unit tests, pair check and nbval on every notebook
	$(BIN)/python -m pytest $(NBVAL) tests $(NOTEBOOKS)

test-unit: $(STAMP)  ## only the unit and infrastructure tests (fast)
	$(BIN)/python -m pytest tests

test-notebooks: $(STAMP)  ## only nbval on every notebook
	$(BIN)/python -m pytest $(NBVAL) $(NOTEBOOKS)

# Outputs must not depend on the BLAS thread count or the CPU kernel. `make test` runs with
# the machine's threads (2 in CI); this re-runs nbval with one BLAS thread, OpenBLAS's generic
# Prescott kernels and NumPy's SIMD dispatch held back to the x86-64-v2 baseline: a stand-in
# for another, older CPU. Single-threaded, so two notebooks run side by side (xdist).
PORTABLE_ENV := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Prescott \
	NPY_DISABLE_CPU_FEATURES="$$($(BIN)/python tools/cpu_features.py)"

test-portable: $(STAMP)  ## nbval with 1 BLAS thread, another CPU kernel and baseline SIMD
	$(PORTABLE_ENV) $(BIN)/python -m pytest $(NBVAL) -n 2 --dist loadfile $(NOTEBOOKS)

execute: $(STAMP)  ## re-execute every notebook in place with CI's settings, then re-sync the pairs
	$(BIN)/python tools/execute.py $(NOTEBOOKS)
	$(MAKE) --no-print-directory sync

sync: $(STAMP)  ## bring each .ipynb / .md pair in step (the newer side wins)
	$(BIN)/jupytext --sync $(NOTEBOOKS)

student: $(STAMP)  ## write student copies of the exercise notebooks into student/ (solutions removed)
	$(BIN)/python tools/make_student.py
	$(BIN)/python tools/pack_student.py  # the hand-out: build/student-handout.zip

bench: $(STAMP)  ## benchmark: tutorial recipe vs course training vs BLAS bound (vs PyTorch if installed)
	$(BIN)/python tools/bench.py

lint: $(STAMP)  ## ruff on helpers, tests and tools
	$(BIN)/ruff check helpers tests tools

# Publishing: the website, the slides and the browser tests. Jupyter Book 1 pins
# markdown-it-py 3 where the course's stack has 4, so these tools get their own environment,
# .venv-publish, from pyproject.toml's `publish` extra; .venv stays exactly as pinned.
# MathJax, reveal.js and require.js come from the npm registry at the versions pinned in
# package-lock.json and are copied into build/ (no CDN, nothing vendored in git).
PUB_VENV  := .venv-publish
PUB_BIN   := $(PUB_VENV)/bin
PUB_STAMP := $(PUB_VENV)/.installed
NPM_STAMP := node_modules/.installed

.PHONY: html slides test-browser

$(PUB_STAMP): pyproject.toml
	test -x $(PUB_BIN)/python || $(PYTHON) -m venv $(PUB_VENV)
	$(PUB_BIN)/python -m pip install --quiet --upgrade pip
	$(PUB_BIN)/python -m pip install --quiet -e '.[publish]'
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

html: $(PUB_STAMP) $(NPM_STAMP)  ## the course as a website in build/html (stored outputs, no CDN)
	$(PUB_BIN)/python tools/build_site.py

slides: $(STAMP) $(NPM_STAMP)  ## reveal.js decks of the lecture notebooks in build/slides
	$(BIN)/python tools/build_slides.py

# Needs Debian's chromium at /usr/bin/chromium (.ci/run installs it); never a downloaded one.
test-browser: $(STAMP) $(PUB_STAMP) html slides  ## Chromium: JupyterLab run-all, website, slides
	$(PUB_BIN)/python -m pytest tests/browser

clean:  ## remove build output, student copies, caches and the virtual environment
	rm -rf $(VENV) $(PUB_VENV) node_modules build student tests/artifacts *.egg-info .pytest_cache .hypothesis .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
