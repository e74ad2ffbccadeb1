# Every workflow of the course. `make help` lists the targets.
#
# The two commands a user needs:   make lab     and     make test
#
# Python: PYTHON names the interpreter. By default it is the first of python3, python3.13,
# python3.12 and python3.11 that is 3.11 or newer (3.11, 3.12 and 3.13 are tested). Its
# virtual environment is .venv, (re)built whenever pyproject.toml changes. A PYTHON given on
# the command line gets an environment of its own, named after its version:
# `make test PYTHON=python3.13` builds and uses .venv-3.13 (VENV=... names another folder).
# The data directory: COURSE_DATA_DIR if set; otherwise ../shared/data when it exists (the
# layout of the course's shared folder); otherwise the loader's per-user cache, downloading
# from public mirrors with checksum checks.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_CANDIDATES := python3 python3.13 python3.12 python3.11
ifeq ($(origin PYTHON),undefined)
  # looked up once, and only when a recipe needs it
  PYTHON = $(eval PYTHON := $(firstword $(foreach p,$(PYTHON_CANDIDATES),$(shell \
    $(p) -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && echo $(p)))))$(PYTHON)
endif
ifeq ($(origin PYTHON),command line)
  PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
  ifeq ($(PY_VERSION),)
    $(error PYTHON=$(PYTHON) does not run; name an installed interpreter, e.g. PYTHON=/usr/bin/python3.13)
  endif
  VENV ?= .venv-$(PY_VERSION)
else
  VENV ?= .venv
endif
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Refuses a Python older than 3.11 (in words Python 2 understands too); warns above 3.13.
PYTHON_CHECK = $(PYTHON) -c 'import sys; v = sys.version_info[:2]; \
  sys.exit("The course needs Python 3.11 or newer; $(PYTHON) is " + sys.version.split()[0] + \
  ". Name another: make $(or $(MAKECMDGOALS),env) PYTHON=/path/to/python3.13") if v < (3, 11) else None; \
  v > (3, 13) and sys.stdout.write("note: Python %d.%d is newer than the tested 3.11 to 3.13\n" % v)'

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

# Jupyter refuses to start as root (containers, some JupyterHub images) unless told to. Its
# log is kept to warnings, so that `make lab` ends with the address to open.
# LAB_FLAGS adds options of your own (e.g. LAB_FLAGS="--no-browser --port=8899").
LAB_ARGS = $(if $(filter 0,$(shell id -u)),--allow-root,) --ServerApp.log_level=WARN \
	--LabApp.log_level=WARN $(LAB_FLAGS)

NOTEBOOKS := $(shell find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
NBVAL     := --nbval --nbval-current-env --nbval-cell-timeout=300 --nbval-sanitize-with tests/nbval_sanitize.cfg

# `make test` runs in JOBS processes side by side (pytest-xdist, whole files to one process),
# each with one BLAS thread: most of a notebook's time is Python and kernel start-up, which
# one BLAS thread per core overlaps best. JOBS is 2 on a machine with two or more cores, else
# 1 (then BLAS keeps the machine's threads); JOBS=1 runs serially, with the machine's BLAS
# threads: the run that checks that two threads print the same outputs.
NPROC := $(shell nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
JOBS  ?= $(if $(filter 0 1,$(NPROC)),1,2)
XDIST  = $(if $(filter-out 1,$(JOBS)),-n $(JOBS) --dist loadfile)
SERIAL_BLAS = $(if $(XDIST),OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1)

.PHONY: help env lab data test test-unit test-notebooks test-portable execute sync \
        student check doctor bench reproduce record lint clean

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python 3.11 or newer found (tried $(PYTHON_CANDIDATES)). Install one (3.11 to 3.13 are tested), or name it: make $(or $(MAKECMDGOALS),env) PYTHON=/path/to/python3"; exit 1; }
	@$(PYTHON_CHECK)
	@if [ ! -x $(BIN)/python ]; then \
	  echo "==> $(VENV): creating a virtual environment with $$($(PYTHON) -V 2>&1) ($(PYTHON))"; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	@echo "==> $(VENV): installing the pinned packages of pyproject.toml (the first time takes a few minutes)"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e .
	@touch $@
	@echo "==> $(VENV): ready, $$($(BIN)/python -V)"

env: $(STAMP)  ## create or update the virtual environment in .venv

data: $(STAMP)  ## make sure MNIST and Fashion-MNIST are present (downloads with checksum checks)
	@echo "==> data: looking for MNIST and Fashion-MNIST in $(or $(COURSE_DATA_DIR),the per-user cache) (missing files are downloaded; checksums are verified)"
	@$(BIN)/python -m helpers.data fetch

lab: $(STAMP) data  ## the first command: environment, data, then JupyterLab on the course
	@echo "==> JupyterLab: starting on notebooks/00-mnist/mnist.ipynb (Ctrl-C twice stops it); open the address it prints"
	@$(BIN)/jupyter lab $(LAB_ARGS) notebooks/00-mnist/mnist.ipynb

test: $(STAMP)  ## the second command: unit tests, pair check and nbval on every notebook
	$(SERIAL_BLAS) $(BIN)/python -m pytest $(NBVAL) $(XDIST) tests $(NOTEBOOKS)

test-unit: $(STAMP)  ## only the unit and infrastructure tests (fast)
	$(SERIAL_BLAS) $(BIN)/python -m pytest $(XDIST) tests

test-notebooks: $(STAMP)  ## only nbval on every notebook
	$(SERIAL_BLAS) $(BIN)/python -m pytest $(NBVAL) $(XDIST) $(NOTEBOOKS)

# Outputs must not depend on the BLAS thread count or the CPU kernel. This re-runs nbval with
# OpenBLAS's generic Prescott kernels and NumPy's SIMD dispatch held back to the x86-64-v2
# baseline: a stand-in for another, older CPU. Two notebooks run side by side (PORTABLE_JOBS,
# JOBS by default) with one BLAS thread each. PORTABLE_THREADS=2 PORTABLE_JOBS=1 runs them one
# at a time with two threads instead (a student's JupyterLab on a 2-core laptop); do not give
# two threads to two notebooks side by side on 2 cores: small products then slow down by an
# order of magnitude (a 50-epoch cell went past nbval's 300 s limit).
PORTABLE_THREADS ?= 1
PORTABLE_JOBS    ?= $(JOBS)
PORTABLE_ENV := OMP_NUM_THREADS=$(PORTABLE_THREADS) OPENBLAS_NUM_THREADS=$(PORTABLE_THREADS) \
	OPENBLAS_CORETYPE=Prescott NPY_DISABLE_CPU_FEATURES="$$($(BIN)/python tools/cpu_features.py)"

test-portable: $(STAMP)  ## nbval with another CPU kernel and baseline SIMD (1 BLAS thread each, 2 side by side)
	$(PORTABLE_ENV) $(BIN)/python -m pytest $(NBVAL) \
	  $(if $(filter-out 1,$(PORTABLE_JOBS)),-n $(PORTABLE_JOBS) --dist loadfile) $(NOTEBOOKS)

execute: $(STAMP)  ## re-execute every notebook in place with CI's settings, then re-sync the pairs
	$(BIN)/python tools/execute.py $(NOTEBOOKS)
	$(MAKE) --no-print-directory sync

sync: $(STAMP)  ## bring each .ipynb / .md pair in step (the newer side wins)
	$(BIN)/jupytext --sync $(NOTEBOOKS)

student: $(STAMP)  ## student copies of the exercise notebooks in student/, and the hand-out zip
	$(BIN)/python tools/make_student.py
	$(BIN)/python tools/pack_student.py  # the hand-out: build/student-handout.zip

# What a student's `make check` does in the hand-out, here on the copies in student/ (or on
# CHECK_DIR=notebooks, the solutions). The copies are executed, never changed.
CHECK_DIR ?= student

check: $(STAMP) data  ## run the student copies headless: per exercise passed / not attempted yet / failed
	@test -d $(CHECK_DIR) || { echo "no student copies in $(CHECK_DIR)/: run make student first"; exit 1; }
	@$(BIN)/python tools/check_student.py $(CHECK_DIR)

# Works without the environment too (it then reports with $(PYTHON) what is missing).
doctor:  ## one paste for an instructor: Python, NumPy and its BLAS, the data, JupyterLab and a kernel
	@if [ -x $(BIN)/python ]; then $(BIN)/python tools/doctor.py; \
	else echo "(no $(VENV) yet: make env builds it)"; $(PYTHON) tools/doctor.py; fi

# The benchmark runs in its own environment, .venv-bench: the course's pins plus PyTorch's
# CPU build (torch==2.13.0), so that NumPy and PyTorch are timed side by side; .venv never
# holds torch. BENCH_FLAGS passes options (e.g. BENCH_FLAGS=--quick).
BENCH_VENV  := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): pyproject.toml
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e . torch==2.13.0
	@touch $@

bench: $(BENCH_STAMP)  ## benchmark: NumPy/PyTorch and GEMM-bound ratios, scaling table, update rules, notebook memory
	$(BENCH_VENV)/bin/python tools/bench.py $(BENCH_FLAGS)

# Tutorial T1 as written (SEEDS.md): 2,000 full-batch iterations of its per-tensor "RMSprop"
# on the 60,000 training images, training and test accuracy every 500 iterations. Too long for
# nbval (about 20 min on 2 cores); the notebooks run its first iterations.
reproduce: $(STAMP)  ## tutorial T1 in full: 2,000 full-batch iterations (about 20 min), figures to build/
	@mkdir -p build
	$(BIN)/python tools/reproduce_t1.py --json build/reproduce_t1.json

# The capstone's recipe pushed as far as it goes (99.16% test; minutes, not for nbval).
record: $(STAMP)  ## the capstone's record run: 784-1024-1024-10, dropout, shifts and rotations, 40 epochs
	@mkdir -p build
	$(BIN)/python tools/record_run.py

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

clean:  ## remove build output, student copies, caches and the virtual environments
	rm -rf .venv .venv-[0-9]* $(VENV) $(PUB_VENV) $(BENCH_VENV) node_modules build student tests/artifacts *.egg-info .pytest_cache .hypothesis .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
